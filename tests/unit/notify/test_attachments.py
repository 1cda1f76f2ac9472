"""Issue 9 item 3, without servers: a notification attaches only the files its recipient has not
had on the case, within `[limits] attachments_max_bytes`; the rest are named as kept in the case
file. The sender holds the cap on the real sizes, checked before anything is read."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from dumas.config.settings import settings_from_dict
from dumas.notify.apply import Applier
from dumas.notify.outbox import ATTACHMENTS_MAX_BYTES, FileRef, OutgoingEmail, enqueue
from dumas.notify.sender import OutboxSender
from dumas.workflow.clock import FrozenClock
from dumas.workflow.errors import ConfigError
from dumas.workflow.sop.effects import Notify, RenderDocument
from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.filestore import FileStore
from dumas.workflow.store.models import Attachment, OutboxMessage, Pengaduan
from tests.smtpfake import FakeSmtp
from tests.unit.config.test_settings import MINIMAL
from tests.unit.notify.test_email_templates import KIT, ROLES

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
DESK = ROLES.desk[0]
KEPT = "tidak dilampirkan lagi"  # from templates/email/_berkas_tersimpan.txt
MB = 1_000_000


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/dumas.sqlite3"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def _case(session) -> Pengaduan:
    case = Pengaduan(
        number="001/PGD/XI/2026",
        channel="email",
        received_at=NOW,
        subject="Politik uang",
        body="isi",
        pelapor_email="budi@warga.example",
        step="verifikasi",
    )
    session.add(case)
    session.flush()
    return case


def _file(session, case, name: str, size: int, step: str = "informasi") -> Attachment:
    digest = hashlib.sha256(name.encode()).hexdigest()
    row = Attachment(
        pengaduan_id=case.id,
        filename=name,
        content_type="application/pdf",
        size=size,
        sha256=digest,
        storage_key=f"att/{digest[:2]}/{digest}",
        step=step,
        added_at=NOW,
    )
    session.add(row)
    session.flush()
    return row


def _tell_desk(session, case, kit=KIT) -> None:
    Applier(session, kit, case, NOW).apply(
        [Notify("informasi", "desk", {"subject": "s", "message": "m"}, ("lampiran:informasi",))]
    )


def _emails(session) -> list[OutboxMessage]:
    return list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def _names(row: OutboxMessage) -> list[str]:
    return [a.filename for a in row.attachments]


def test_each_notification_attaches_only_the_files_new_to_its_recipient(sessions):
    with sessions() as session, session.begin():
        case = _case(session)
        for n in range(1, 4):  # someone writes three times with the case tag, a file each time
            _file(session, case, f"bukti{n}.pdf", 1000)
            _tell_desk(session, case)
        first, second, third = _emails(session)
        assert (_names(first), _names(second), _names(third)) == (
            ["bukti1.pdf"],
            ["bukti2.pdf"],
            ["bukti3.pdf"],
        )
        assert KEPT not in first.body_text
        assert KEPT in third.body_text
        assert "- bukti1.pdf" in third.body_text and "- bukti2.pdf" in third.body_text
        assert "- bukti3.pdf" not in third.body_text


def test_an_email_that_failed_never_arrived_so_its_files_go_again(sessions):
    with sessions() as session, session.begin():
        case = _case(session)
        _file(session, case, "bukti1.pdf", 1000)
        _tell_desk(session, case)
        _emails(session)[0].status = "failed"
        _tell_desk(session, case)
        assert _names(_emails(session)[1]) == ["bukti1.pdf"]


def test_another_case_or_another_address_does_not_count(sessions):
    with sessions() as session, session.begin():
        case = _case(session)
        other = Pengaduan(number="002/PGD/XI/2026", received_at=NOW, step="verifikasi")
        session.add(other)
        session.flush()
        bukti = _file(session, case, "bukti1.pdf", 1000)
        ref = FileRef(storage_key=bukti.storage_key, filename="bukti1.pdf", size=1000)
        Applier(session, KIT, other, NOW).send(
            "informasi", (DESK,), {"subject": "s", "message": "m"}, (ref,)
        )
        Applier(session, KIT, case, NOW).send(
            "informasi", ("lain@warga.example",), {"subject": "s", "message": "m"}, (ref,)
        )
        _tell_desk(session, case)
        assert [_names(r) for r in _emails(session)] == [["bukti1.pdf"]] * 3


def test_the_same_mailbox_under_another_spelling_has_the_file(sessions):
    with sessions() as session, session.begin():
        case = _case(session)
        bukti = _file(session, case, "bukti1.pdf", 1000)
        ref = FileRef(storage_key=bukti.storage_key, filename="bukti1.pdf", size=1000)
        applier = Applier(session, KIT, case, NOW)
        applier.send(
            "informasi", ("Budi.Santoso@gmail.com",), {"subject": "s", "message": "m"}, (ref,)
        )
        applier.send(
            "informasi", ("budisantoso+x@gmail.com",), {"subject": "s", "message": "m"}, (ref,)
        )
        assert [_names(r) for r in _emails(session)] == [["bukti1.pdf"], []]


def test_the_size_cap_holds_and_what_did_not_fit_goes_next_time(sessions):
    kit = replace(KIT, attachments_max_bytes=15 * MB)
    with sessions() as session, session.begin():
        case = _case(session)
        for n in range(1, 4):
            _file(session, case, f"video{n}.mp4", 6 * MB)
        _tell_desk(session, case, kit)
        _tell_desk(session, case, kit)
        first, second = _emails(session)
        assert _names(first) == ["video1.mp4", "video2.mp4"]
        assert KEPT in first.body_text and "- video3.mp4" in first.body_text
        assert _names(second) == ["video3.mp4"]  # it never arrived, so it is new


def test_staff_sharing_an_email_are_split_only_when_they_differ(sessions):
    other = "sekretaris@kpu.example"
    with sessions() as session, session.begin():
        case = _case(session)
        a = _file(session, case, "a.pdf", 1000)
        ref_a = FileRef(storage_key=a.storage_key, filename="a.pdf", size=1000)
        applier = Applier(session, KIT, case, NOW)
        applier.send("informasi", (DESK, other), {"subject": "s", "message": "m"}, (ref_a,))
        b = _file(session, case, "b.pdf", 1000)
        ref_b = FileRef(storage_key=b.storage_key, filename="b.pdf", size=1000)
        applier.send("informasi", (DESK, other), {"subject": "s", "message": "m"}, (ref_a, ref_b))
        applier.send(
            "informasi",
            (DESK, "ketua@kpu.example"),
            {"subject": "s", "message": "m"},
            (ref_a, ref_b),
        )
        rows = [(r.to_addrs, _names(r)) for r in _emails(session)]
    assert rows == [
        ([DESK, other], ["a.pdf"]),
        ([DESK, other], ["b.pdf"]),  # both had a.pdf: still one email
        ([DESK], []),  # the desk has both
        (["ketua@kpu.example"], ["a.pdf", "b.pdf"]),  # the Ketua neither
    ]


def test_a_document_is_the_same_file_by_its_row(sessions):
    with sessions() as session, session.begin():
        case = _case(session)
        applier = Applier(session, KIT, case, NOW)
        applier.apply([RenderDocument("cetakan", {})])
        v1 = FileRef(document_id=applier._documents["cetakan"].id, filename="cetakan-v1.pdf")
        applier.send("informasi", (DESK,), {"subject": "s", "message": "m"}, (v1,))
        applier.send("informasi", (DESK,), {"subject": "s", "message": "m"}, (v1,))
        applier.apply([RenderDocument("cetakan", {})])  # a new version: a new file
        v2 = FileRef(document_id=applier._documents["cetakan"].id, filename="cetakan-v2.pdf")
        applier.send("informasi", (DESK,), {"subject": "s", "message": "m"}, (v1, v2))
        assert [_names(r) for r in _emails(session)] == [
            ["cetakan-v1.pdf"],
            [],
            ["cetakan-v2.pdf"],
        ]


# --- the sender: real sizes, checked before reading --------------------------------------------


class _Smtp(FakeSmtp):
    @property
    def sent(self) -> list[bytes]:
        return [d.data for d in self.deliveries]


def test_the_sender_leaves_out_what_would_pass_the_cap_without_reading_it(
    sessions, tmp_path, caplog
):
    store = FileStore(tmp_path / "files")
    small, _ = store.put("att", b"k" * 400)
    big, _ = store.put("att", b"B" * 700)
    read: list[str] = []
    original = store.open  # the sender streams a file from the store, opened only to send it
    store.open = lambda key: read.append(key) or original(key)  # type: ignore[method-assign]
    with sessions() as session, session.begin():
        row = enqueue(
            session,
            OutgoingEmail(
                kind="informasi",
                to=(DESK,),
                subject="Info",
                body_text=".",
                files=(
                    FileRef(storage_key=small, filename="rahasia-budi.pdf"),
                    FileRef(storage_key=big, filename="rahasia-besar.pdf"),
                ),
            ),
            "kpu.example",
            NOW,
        )
        message_id = row.message_id
    smtp = _Smtp()
    settings = SimpleNamespace(from_address="pengaduan@kpu.example", from_name="KPU")
    sender = OutboxSender(
        settings,  # type: ignore[arg-type]
        sessions,
        store,
        FrozenClock(NOW + timedelta(minutes=1)),
        connect=lambda s: smtp,  # type: ignore[arg-type,return-value]
        attachments_max_bytes=1000,
    )
    with caplog.at_level(logging.WARNING, logger="dumas.notify.sender"):
        assert sender.drain()["sent"] == 1
    assert read == [small]  # the big one was never read into memory
    [raw] = smtp.sent
    names = [p.get_filename() for p in message_from_bytes(raw).walk() if p.get_filename()]
    assert names == ["rahasia-budi.pdf"]
    assert message_id in caplog.text and "rahasia" not in caplog.text
    with sessions() as session:  # the outbox says what went: the big file counts as not sent
        [row] = _emails(session)
        assert _names(row) == ["rahasia-budi.pdf"]


# --- the migration and the setting ---------------------------------------------------------------


def test_migration_0003_stores_the_mailbox_of_existing_rows(tmp_path):
    url = f"sqlite:///{tmp_path}/old.sqlite3"
    upgrade(url, "0002")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (message_id, kind, to_addrs, first_to, cc_addrs, reply_to,"
                ' subject, body_text, body_html, in_reply_to, "references", status, attempts,'
                " last_error, created_at) VALUES ('<m@x>', 'tanda_terima',"
                " '[\"B.udi+x@GMail.com\"]', 'b.udi+x@gmail.com', '[]', '', 's', 'b', '', '', '',"
                " 'sent', 1, '', '2026-11-16 02:00:00')"
            )
        )
    engine.dispose()
    upgrade(url)
    with make_sessionmaker(make_engine(url))() as session:
        [row] = _emails(session)
        assert row.to_normal == "budi@gmail.com"


def test_the_cap_is_a_setting_with_a_default():
    assert settings_from_dict(MINIMAL, environ={}).limits.attachments_max_bytes == (
        ATTACHMENTS_MAX_BYTES
    )
    bad = {**MINIMAL, "limits": {"attachments_max_bytes": 0}}
    with pytest.raises(ConfigError, match=r"\[limits\] attachments_max_bytes"):
        settings_from_dict(bad, environ={})
