"""workflow.store.letters: the yearly letter sequence, the register, and `verify`."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.letters import (
    check_letter,
    identity_letter_sent,
    letter_register,
    number_letter,
    take_number,
)
from dumas.workflow.store.models import (
    Document,
    LetterCounter,
    OutboxAttachment,
    OutboxMessage,
    Pengaduan,
    Task,
)

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


# --- identity_letter_sent: whether a letter naming the reporter went (issue 10 item 5) ---------

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _forwarded(s, **letter_params) -> tuple[Pengaduan, Document]:
    case = Pengaduan(received_at=T0, forwarded_to="Bawaslu", step="diteruskan")
    s.add(case)
    s.flush()
    params = {"instansi": "Bawaslu", "redact_identity": False, **letter_params}
    letter = Document(pengaduan_id=case.id, kind="surat_penerusan", params=params, created_at=T0)
    s.add(letter)
    s.flush()
    return case, letter


def _mail(s, case, letter, kind: str, status: str) -> OutboxMessage:
    row = OutboxMessage(
        message_id=f"<{kind}.{status}.{case.id}@kpu.example>",
        pengaduan_id=case.id,
        kind=kind,
        subject="Penerusan",
        body_text="-",
        status=status,
        created_at=T0,
    )
    s.add(row)
    s.flush()
    s.add(OutboxAttachment(outbox_id=row.id, document_id=letter.id))
    s.flush()
    return row


@pytest.mark.parametrize("kind", ["penerusan_instansi", "penerusan_manual"])
def test_a_letter_naming_the_reporter_went_only_once_its_email_was_sent(sessions, kind):
    # Also an unnumbered letter of a case forwarded before letters were numbered, and the old
    # FYI to the desk (penerusan_manual, no TERKIRIM then) that counted as the sending.
    with sessions.begin() as s:
        case, letter = _forwarded(s)
        row = _mail(s, case, letter, kind, "pending")
        assert identity_letter_sent(s, case) == ""
        row.status = "withdrawn"
        assert identity_letter_sent(s, case) == ""
        row.status = "sent"
        assert identity_letter_sent(s, case) == "Bawaslu"
        redacted, other = _forwarded(s, redact_identity=True)
        _mail(s, redacted, other, kind, "sent")
        assert identity_letter_sent(s, redacted) == ""  # it went, without the identity


def test_a_letter_posted_by_the_desk_went_at_terkirim(sessions):
    with sessions.begin() as s:
        case, letter = _forwarded(s, nomor="001/PP.04-SD/1309/2026")
        task = Task(
            pengaduan_id=case.id,
            step="pengiriman_penerusan",
            role="desk",
            opened_at=T0,
            due_at=T0 + timedelta(days=2),
        )
        s.add(task)
        s.flush()
        assert identity_letter_sent(s, case) == ""  # on the desk, not posted yet
        task.closed_at, task.outcome = T0 + timedelta(hours=2), "terkirim"
        assert identity_letter_sent(s, case) == "Bawaslu"
        # A redacted replacement given to the desk before it posted: what went named nobody.
        s.add(
            Document(
                pengaduan_id=case.id,
                kind="surat_penerusan",
                version=2,
                params={**letter.params, "redact_identity": True},
                created_at=T0 + timedelta(hours=1),
            )
        )
        s.flush()
        assert identity_letter_sent(s, case) == ""
