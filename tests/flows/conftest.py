"""Fixtures for the SOP flow tests: one office on the rig, Dumas run in-process, a movable clock.

- `@pytest.mark.dumas_settings(security={...}, workhours={...}, ...)`: sections merged into the
  test's TOML (see `tests.rig.write_config`).
- `flow`: a `Flow` — set the time (`flow.at(...)`, exported as $DUMAS_NOW for every `dumas`
  call), run `dumas poll`, read what each person received since the last look, inspect the DB.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dumas.config.app import NOW_ENV, App
from dumas.config.settings import load_settings
from dumas.ingest.mail.stampcheck import record_stamping
from dumas.workflow.store.models import (
    Attachment,
    Document,
    Event,
    OutboxMessage,
    Pengaduan,
    ReplyToken,
    Task,
)
from tests import mailfactory as mf
from tests.integration.conftest import dumas  # noqa: F401 - the shared fixture
from tests.replies import (
    GMAIL_ANDROID_EN,
    IPHONE_ID,
    OUTLOOK_WEB_ID,
    WIB,
    Received,
    Reply,
    pdf_with_text,
    reply,
)
from tests.rig import write_config

# Monday 2 November 2026, 09:15 WIB: an ordinary working morning.
MONDAY = datetime(2026, 11, 2, 9, 15, tzinfo=WIB)
REPORTER = "budi.santoso@gmail.com"
# The monthly recap and the semester report go out from the same `dumas poll` cycle when a
# period ends; these tests follow the mail about cases and leave those to the recap tests.
REPORT_KINDS = ("rekap", "laporan_semester")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "dumas_settings(**sections): TOML sections merged into the flow test's Dumas config",
    )


@pytest.fixture
def dumas_config(rig, office, tmp_path, request) -> Path:
    marker = request.node.get_closest_marker("dumas_settings")
    overrides = dict(marker.kwargs) if marker else {}
    return write_config(rig, tmp_path, office.pengaduan, office.roles, **overrides)


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


class Flow:
    """One office's Dumas, driven the way the office uses it."""

    def __init__(self, rig, office, run_cli, config: Path, monkeypatch):
        self.rig, self.office, self._dumas, self.config = rig, office, run_cli, config
        self._monkeypatch = monkeypatch
        self._seen: dict[str, int] = {}
        self._unread: dict[str, list[Received]] = {}
        self.now: datetime | None = None
        self.app = App(load_settings(config))

    # --- time and the cycle ---------------------------------------------------------------

    def at(self, when: datetime) -> datetime:
        """From now on every `dumas` call runs as if it were `when`."""
        self.now = when
        self._monkeypatch.setenv(NOW_ENV, when.isoformat())
        return when

    def later(self, **delta) -> datetime:
        return self.at(self.now + timedelta(**delta))

    def poll(self, *only: str) -> dict:
        """`dumas poll --json` (the whole cycle, or only the named jobs); must succeed."""
        args = ["poll", "--json"] + [a for job in only for a in ("--only", job)]
        rc, out = self._dumas(*args)
        result = json.loads(out)
        assert rc == 0, result
        return result

    # --- mail -------------------------------------------------------------------------------

    def address(self, who: str) -> str:
        """A role name of the office ("desk", "sekretaris"...) or an address."""
        return who if "@" in who else self.office.staff[who].address

    def complaint(self, sender: str = f"Budi Santoso <{REPORTER}>", **kwargs) -> None:
        """A citizen's complaint arriving in the complaints mailbox now (its IMAP internal date,
        which registration takes as the time of receipt, is the flow's clock)."""
        kwargs.setdefault("date", self.now)
        raw = mf.complaint(sender=sender, to=self.office.pengaduan.address, **kwargs)
        self.rig.append(self.office.pengaduan, raw, when=self.now)

    def _fetch(self, who: str) -> list[Received]:
        """Everything `who` received and the test has not looked at yet (kept until taken)."""
        address = self.address(who).lower()
        if address.endswith("@" + self.rig.domain):
            everything = [Received(r) for r in self.rig.messages(address)]
        else:
            everything = [Received(e.data) for e in self.rig.captured(address)]
        unread = self._unread.setdefault(address, [])
        unread.extend(
            m for m in everything[self._seen.get(address, 0) :] if m.kind not in REPORT_KINDS
        )
        self._seen[address] = len(everything)
        return unread

    def inbox(self, who: str) -> list[Received]:
        """What `who` (a staff role or any address) received since the last look."""
        unread = self._fetch(who)
        taken = list(unread)
        unread.clear()
        return taken

    def one(self, who: str, kind: str | None = None) -> Received:
        """Take the only new message of `who` (of that kind, when given: the rest stays new)."""
        unread = self._fetch(who)
        matching = [m for m in unread if kind is None or m.kind == kind]
        assert len(matching) == 1, f"{who}: expected one {kind or 'message'}, got {unread}"
        if kind is None:
            assert len(unread) == 1, f"{who}: expected one message, got {unread}"
        unread.remove(matching[0])
        return matching[0]

    def nothing_for(self, *who: str) -> None:
        for w in who:
            assert self.inbox(w) == [], f"{w} should have received nothing"

    def reply(self, note: Received, body: str, who: str, **kwargs) -> Reply:
        """`who` answers `note` from their own address, and the reply is sent via SMTP, DKIM-
        signed for the sender's domain with the rig's test key (`tests.replies.reply`). With
        `authentication = "authserv"` (or `require_dmarc`), it also carries the passing
        Authentication-Results our own receiving server would have added."""
        kwargs.setdefault("headers", self.authenticated(who))
        r = reply(note, body, sender=self.address(who), **kwargs)
        r.send(self.rig)
        return r

    def authenticated(self, who: str) -> dict:
        replies = self.app.settings.replies
        if replies.authentication != "authserv":
            return {}
        domain = self.address(who).rpartition("@")[2]
        return {
            "Authentication-Results": f"{replies.authserv_id}; dkim=pass "
            f"header.d={domain}; dmarc=pass header.from={domain}"
        }

    # --- the database ------------------------------------------------------------------------

    def case(self, number: str | None = None) -> Pengaduan:
        with self.app.sessions() as s:
            query = select(Pengaduan).order_by(Pengaduan.id)
            if number:
                query = query.where(Pengaduan.number == number)
            rows = s.execute(query).scalars().all()
            assert rows, "no case registered"
            return rows[-1] if number is None and len(rows) > 1 else rows[0]

    def rows(self, model, **where) -> list:
        with self.app.sessions() as s:
            query = select(model).order_by(model.id)
            for key, value in where.items():
                query = query.where(getattr(model, key) == value)
            return list(s.execute(query).scalars())

    def tasks(self, case_id: int) -> list[Task]:
        return self.rows(Task, pengaduan_id=case_id)

    def events(self, case_id: int | None = None, kind: str | None = None) -> list[Event]:
        where = {} if case_id is None else {"pengaduan_id": case_id}
        if kind:
            where["kind"] = kind
        return self.rows(Event, **where)

    def token_row(self, note: Received) -> ReplyToken:
        [row] = self.rows(ReplyToken, outbox_message_id=note.message_id)
        return row

    def documents(self, case_id: int, kind: str) -> list[Document]:
        return self.rows(Document, pengaduan_id=case_id, kind=kind)

    def attachments(self, case_id: int, step: str) -> list[Attachment]:
        return self.rows(Attachment, pengaduan_id=case_id, step=step)

    def outbox(self, kind: str | None = None) -> list[OutboxMessage]:
        return self.rows(OutboxMessage, **({"kind": kind} if kind else {}))

    def snapshot(self, case_id: int) -> dict:
        """Everything a refused reply must leave untouched."""
        case = self.rows(Pengaduan, id=case_id)[0]
        return {
            "step": case.step,
            "status": case.status,
            "data": dict(case.data or {}),
            "closed_at": case.closed_at,
            "tasks": [(t.id, t.step, t.closed_at) for t in self.tasks(case_id)],
            "documents": [
                (d.id, d.kind, d.version) for d in self.rows(Document, pengaduan_id=case_id)
            ],
            "attachments": [(a.id, a.step) for a in self.rows(Attachment, pengaduan_id=case_id)],
            "tokens_used": [
                t.id for t in self.rows(ReplyToken, pengaduan_id=case_id) if t.used_at is not None
            ],
        }

    def close(self) -> None:
        self.app.close()


@pytest.fixture
def flow(rig, office, dumas, dumas_config, monkeypatch):  # noqa: F811 - the imported fixture
    f = Flow(rig, office, dumas, dumas_config, monkeypatch)
    f.at(MONDAY)
    replies = f.app.settings.replies
    if replies.authentication == "authserv" and replies.stamp_record is not None:
        # As if `dumas doctor` had seen the "server" stamp every message: on the rig, the
        # stamp is what `Flow.authenticated` writes on staff replies.
        record_stamping(replies.stamp_record, replies.authserv_id, MONDAY, 20)
    yield f
    f.close()


def commands_in(text: str) -> list[str]:
    """The commands listed under DAFTAR PERINTAH in a notification's text, without arguments."""
    _, _, listing = text.partition("Perintah yang dapat Anda gunakan sekarang:")
    out = []
    for line in listing.splitlines():
        if line.startswith("Tulis perintah"):
            break
        if line.strip() and not line.startswith(" "):
            out.append(re.split(r" [<\[]", line)[0].strip())
    return out


# --- getting a case to a step (each reply as a Gmail user would send it) -----------------------


def registered(flow: Flow, **complaint) -> Received:
    """A complaint arrives and is registered; returns the desk's verification request."""
    flow.complaint(**complaint)
    flow.poll()
    return flow.one("desk", "tugas")


def to_disposisi(flow: Flow, **complaint) -> Received:
    """… and the desk said LENGKAP; returns the Sekretaris' disposition request."""
    desk_note = registered(flow, **complaint)
    flow.later(minutes=5)
    flow.reply(desk_note, "LENGKAP", "desk")
    flow.poll()
    flow.inbox("desk")
    return flow.one("sekretaris", "tugas")


def to_telaah(flow: Flow, **complaint) -> Received:
    """… and the Sekretaris dispositioned it to Sub Bagian Hukum; returns Hukum's request."""
    sek_note = to_disposisi(flow, **complaint)
    flow.later(minutes=30)
    flow.reply(sek_note, "DISPOSISI HUKUM Mohon ditelaah.", "sekretaris")
    flow.poll()
    flow.inbox("sekretaris")
    return flow.one("hukum", "tugas")


def proposed_to_bawaslu(flow: Flow) -> Received:
    """… and Hukum proposed TERUSKAN BAWASLU; returns the Sekretaris's approval request, the
    mail already processed."""
    hukum_note = to_telaah(flow)
    flow.inbox(REPORTER)
    flow.later(days=1)
    flow.reply(
        hukum_note,
        "TERUSKAN BAWASLU dugaan pelanggaran administrasi pemilu\n"
        "Laporan hasil telaah: pelanggaran pemilu, kewenangan Bawaslu.",
        "hukum",
        style=OUTLOOK_WEB_ID,
    )
    flow.poll()
    return flow.one("sekretaris", "tugas")


def forwarded_to_bawaslu(flow: Flow) -> Received:
    """… and the Sekretaris approved it (SETUJU): the numbered letter went to the agency's
    address configured by the test's `dumas_settings` (or, without one, to the desk to post);
    returns the Sekretaris's approval request, the mail already processed."""
    ask = proposed_to_bawaslu(flow)
    flow.later(hours=2)
    flow.reply(ask, "SETUJU", "sekretaris", style=OUTLOOK_WEB_ID)
    flow.poll()
    return ask


def to_step_7(flow: Flow) -> Received:
    """… then BERKADAR PENGAWASAN, KERTAS KERJA and LAPORAN (no investigation); returns the
    Sekretaris' request to approve the report (SOP step 7)."""
    hukum_note = to_telaah(flow)
    flow.later(days=1)
    flow.reply(
        hukum_note,
        "BERKADAR PENGAWASAN\nLaporan terlampir.",
        "hukum",
        attachments=[("lht.pdf", "application/pdf", pdf_with_text("LHT"))],
    )
    flow.poll()
    flow.later(days=1)
    flow.reply(
        flow.one("hukum", "tugas"),
        "KERTAS KERJA",
        "hukum",
        style=IPHONE_ID,
        attachments=[("kertas-kerja.pdf", "application/pdf", pdf_with_text("KK"))],
    )
    flow.poll()
    flow.later(days=1)
    flow.reply(
        flow.one("hukum", "tugas"),
        "LAPORAN Dugaan tidak terbukti.",
        "hukum",
        style=GMAIL_ANDROID_EN,
    )
    flow.poll()
    flow.inbox("hukum")
    return flow.one("sekretaris", "tugas")
