"""workflow.store.letters: the yearly letter sequence, the register, and `verify`."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.letters import check_letter, letter_register, number_letter, take_number
from dumas.workflow.store.models import Document, LetterCounter

WIB = timedelta(hours=7)


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'dumas.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


def _number(session, at: datetime, kind: str = "surat_hasil"):
    return number_letter(
        session,
        pattern="{seq:03d}/PP.04-SD/1309/{year}",
        kind=kind,
        case=None,
        approved_by="sek@kpu.example",
        approved_role="Sekretaris",
        approved_at=at,
        local_approved_at=at + WIB,
        tujuan="Bawaslu",
    )


def test_each_year_has_its_own_sequence_by_the_office_s_local_year(sessions):
    with sessions.begin() as s:
        # 31 December 2026 20:00 UTC is already 1 January 2027 in WIB.
        first = _number(s, datetime(2026, 12, 31, 10, 0, tzinfo=UTC))
        second = _number(s, datetime(2026, 12, 31, 11, 0, tzinfo=UTC))
        new_year = _number(s, datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert (first.nomor, second.nomor) == ("001/PP.04-SD/1309/2026", "002/PP.04-SD/1309/2026")
    assert new_year.nomor == "001/PP.04-SD/1309/2027"
    assert len({first.kode, second.kode, new_year.kode}) == 3


def test_a_rolled_back_approval_gives_its_number_back(sessions):
    with sessions.begin() as s:
        assert take_number(s, 2026) == 1
    s = sessions()
    assert take_number(s, 2026) == 2
    s.rollback()
    s.close()
    with sessions.begin() as s:
        assert take_number(s, 2026) == 2
        assert s.get(LetterCounter, 2026).last_seq == 2


def test_two_writers_never_share_a_number(sessions):
    # SQLite's single writer: the second transaction waits for (or fails on) the first's lock;
    # once the first commits, the second sees its number and takes the next.
    a, b = sessions(), sessions()
    try:
        got_a = take_number(a, 2026)
        a.commit()
        got_b = take_number(b, 2026)
        b.commit()
    finally:
        a.close()
        b.close()
    assert (got_a, got_b) == (1, 2)


def test_verify_by_file_and_by_code(sessions):
    pdf = b"%PDF-1.7 surat"
    at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    with sessions.begin() as s:
        doc = Document(
            kind="surat_hasil",
            params={},
            status="done",
            created_at=at,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        s.add(doc)
        s.flush()
        numbered = _number(s, at)
        numbered.letter.document_id = doc.id
        code = numbered.kode
    with sessions() as s:
        ok = check_letter(s, pdf=pdf)
        assert ok.matches and ok.letter.nomor == "001/PP.04-SD/1309/2026"
        assert ok.letter.approved_by == "sek@kpu.example"
        changed = check_letter(s, pdf=pdf[:-1] + b"X")
        assert not changed.matches and changed.letter is None
        by_code = check_letter(s, code=code.lower())
        assert by_code.letter is not None and by_code.document is not None
        assert check_letter(s, code="AAAAAAAAAA").letter is None
        assert [x.nomor for x in letter_register(s, at, at + timedelta(days=1))] == [
            "001/PP.04-SD/1309/2026"
        ]
