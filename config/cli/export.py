"""CLI: `dumas export CASE --out FILE.zip`, one case's file handed over (issue 11, item 8).

What DKPP, Bawaslu or a court asks for: every original email as received (.eml, the stored bytes
unchanged: the naskah asli), the attachments, every PDF (the latest version of each kind, older
versions under `documents/older/`), the timeline as JSON and as the riwayat PDF, and a manifest
of SHA-256 (`MANIFEST.json`, and `SHA256SUMS` for `sha256sum -c`).

`--redacted` is for outsiders: no identity of the reporter (Perpres 76/2013 protects them) in
any file. The originals are withheld (their headers carry the reporter's address); attachments
are named through `redact_filename`, and one that names the reporter, looks like an identity
document or holds one of their values in its bytes is withheld; of the PDFs only the surat
penerusan (made for other agencies, with its own redaction) and a redacted riwayat are included;
the timeline is redacted as emails to outsiders are (notify/context.py). Everything withheld is
listed in the manifest, so the receiver knows what to ask the office for.

The archive is made by `workflow/store/bundle.py`: safe names, timestamps from the injected
clock (two exports at the same instant are the same bytes), 0600, renamed into place. Stored
files (emails, attachments, PDFs) go in streamed, a chunk at a time, never read whole (a redacted
export reads an attachment whole once, to search it for the reporter's values).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import select

from dumas.config.app import App
from dumas.config.cli.cases import case_dict, find_case
from dumas.config.cli.output import iso
from dumas.config.cli.progress import progress
from dumas.workflow.documents.redacted import PELAPOR_HIDDEN, for_outsiders, shown_actor
from dumas.workflow.documents.render import document_filename
from dumas.workflow.documents.worker import render_in_worker
from dumas.workflow.errors import DumasError
from dumas.workflow.extract.redaction import redact, redact_filename
from dumas.workflow.store.bundle import Bundle, safe_zip_name
from dumas.workflow.store.events import UNVERIFIED_NOTE, UNVERIFIED_STEP
from dumas.workflow.store.models import Attachment, Document, Event, Pengaduan, RawMessage, Task

Step = Callable[[Bundle], None]


# File names that say "this is an identity document" whatever else they say.
_ID_DOCUMENT = re.compile(
    r"(?i)(?<![a-z])(ktp|e-?ktp|kartu[\s_.-]*keluarga|kk|identitas|sim|paspor|passport|npwp)(?![a-z])"
)
# The kinds whose redacted variant exists: the surat penerusan is written for other agencies.
REDACTABLE = ("surat_penerusan",)
WITHHELD_ORIGINALS = (
    "The original emails (.eml) are withheld: their headers and bodies carry the reporter's "
    "address and identity. The office keeps them unchanged; their SHA-256 are listed here."
)


def add_export_commands(sub) -> None:
    p = sub.add_parser(
        "export",
        help="write one complaint's whole file (emails, attachments, PDFs, timeline) to a zip",
    )
    p.add_argument("id", help="case id or registration number")
    p.add_argument("--out", type=Path, required=True, help="the zip to write (FILE.zip)")
    p.add_argument(
        "--redacted",
        action="store_true",
        help="for outsiders: no identity of the reporter in any file (originals withheld)",
    )
    p.set_defaults(func=cmd_export)


def dumas_version() -> str:
    try:
        return version("dumas")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that is not installed
        return "unknown"


def cmd_export(app: App, args) -> int:
    app.require_schema()
    out: Path = args.out
    if out.is_dir():
        raise DumasError(f"--out must be a file name, not the folder {out}")
    if not out.parent.is_dir():
        raise DumasError(f"the folder of --out does not exist: {out.parent}")
    now = app.clock.now()
    with app.sessions() as session:
        case = find_case(session, args.id)
        export = _Export(app, session, case, redacted=args.redacted)
        bundle = Bundle(out, now.astimezone(app.tz))
        try:
            steps = export.steps()
            # A bar on a terminal's stderr only: rendering the PDFs takes seconds each.
            for step in progress(steps, total=len(steps), desc="export"):
                step(bundle)
            manifest = {
                "case": case.number or "",
                "case_id": case.id,
                "exported_at": iso(now, app.tz),
                "dumas_version": dumas_version(),
                "redacted": bool(args.redacted),
            } | export.notes()
            bundle.finish(manifest)
        except BaseException:
            bundle.abort()
            raise
    count = len(bundle.files)
    withheld = len(export.withheld)
    print(
        f"wrote {out} ({count} files{f', {withheld} withheld' if withheld else ''}); "
        "check it with: unzip -d DIR FILE.zip && cd DIR && sha256sum -c SHA256SUMS"
    )
    return 0


class _Export:
    """What goes into one case's zip, as a list of steps (one per file) for the progress bar."""

    def __init__(self, app: App, session, case: Pengaduan, *, redacted: bool):
        self.app, self.session, self.case, self.redacted = app, session, case, redacted
        self.renderer = app.renderer()
        # Citizens' text is rendered here too: the same hard limit as the documents job.
        self.limit = app.settings.documents.render_timeout_seconds
        self.name = case.pelapor_name or ""
        self.identity = tuple(
            v
            for v in (
                case.pelapor_email,
                case.pelapor_phone,
                case.pelapor_nik,
                case.pelapor_address,
            )
            if v
        )
        self.staff = frozenset(app.toolkit.staff_addresses) | app.own_addresses()
        self.withheld: list[dict] = []

        def rows(model, *order):
            query = select(model).where(model.pengaduan_id == case.id).order_by(*order)
            return session.execute(query).scalars().all()

        self.raws = rows(RawMessage, RawMessage.id)
        self.attachments = rows(Attachment, Attachment.id)
        self.documents = rows(Document, Document.kind, Document.version)
        self.events = rows(Event, Event.at, Event.id)
        self.tasks = rows(Task, Task.opened_at, Task.id)

    # --- the plan ---------------------------------------------------------------------------

    def steps(self) -> list[Step]:
        steps: list[Step] = []
        if self.redacted:
            if self.raws:
                self.withheld.append(
                    {
                        "what": "original emails",
                        "count": len(self.raws),
                        "sha256": [m.sha256 for m in self.raws],
                        "reason": WITHHELD_ORIGINALS,
                    }
                )
        else:
            steps += [partial(self._raw, i, m) for i, m in enumerate(self.raws, 1)]
        steps += [partial(self._attachment, a) for a in self.attachments]
        latest = {d.kind: d for d in self.documents}  # ordered by version: the last one wins
        for doc in self.documents:
            steps.append(partial(self._document, doc, latest[doc.kind] is doc))
        steps.append(self._riwayat)
        steps.append(self._timeline)
        return steps

    def notes(self) -> dict:
        notes: dict = {"withheld": self.withheld}
        if self.redacted:
            notes["redaction"] = (
                "No identity of the reporter: names, addresses, numbers and the NIK are replaced "
                f"by [dirahasiakan] or {PELAPOR_HIDDEN!r}. Attachment contents are checked by "
                "name and by a search of their bytes only: look at images before passing them on."
            )
        return notes

    # --- the files ----------------------------------------------------------------------------

    def _raw(self, i: int, m: RawMessage, bundle: Bundle) -> None:
        about = {
            "kind": "email",
            "raw_id": m.id,
            "message_id": m.message_id or "",
            "disposition": m.disposition,
            "fetched_at": iso(m.fetched_at, self.app.tz),
        }
        name = f"{i:03d}-{m.disposition}-{m.id}.eml"
        bundle.add_file("emails", name, self.app.files.path(m.storage_key), **about)
        if bundle.files[-1]["sha256"] != m.sha256:
            # Never "fixed": the receiver must see that the stored file is not what was received.
            bundle.files[-1]["recorded_sha256"] = m.sha256

    def _attachment(self, a: Attachment, bundle: Bundle) -> None:
        folder = f"attachments/{safe_zip_name(a.step, 'lain')}"
        about = {"kind": "attachment", "step": a.step, "content_type": a.content_type}
        if not self.redacted:
            src = self.app.files.path(a.storage_key)
            bundle.add_file(folder, a.filename, src, original_name=a.filename, **about)
            return
        shown = redact_filename(a.filename, self.name, self.identity)
        reason = self._unsafe(a, shown)
        if reason:
            self.withheld.append(
                {"what": "attachment", "name": shown, "sha256": a.sha256, "size": a.size}
                | about
                | {"reason": reason}
            )
            return
        # Searched whole for the reporter's values (a redacted export, for outsiders, is rare),
        # then added from disk like the others.
        if reason := self._identity_in(self.app.files.read(a.storage_key)):
            self.withheld.append(
                {"what": "attachment", "name": shown, "sha256": a.sha256, "size": a.size}
                | about
                | {"reason": reason}
            )
            return
        bundle.add_file(folder, shown, self.app.files.path(a.storage_key), **about)

    def _unsafe(self, a: Attachment, shown: str) -> str:
        if a.step == UNVERIFIED_STEP:
            return "filed from mail not proven to be the reporter's"
        if shown != a.filename:
            return "its name carries the reporter's identity"
        if _ID_DOCUMENT.search(a.filename):
            return "its name says it is an identity document"
        return ""

    def _identity_in(self, data: bytes) -> str:
        text = data.decode("utf-8", errors="ignore").lower()
        digits = re.sub(r"\D", "", text) if len(text) < 5_000_000 else ""
        for value in (self.name, *self.identity):
            v = " ".join(value.lower().split())
            if len(v) >= 3 and v in text:
                return "its content carries the reporter's identity"
        # A phone number or NIK written with other separators ("0812 3456 7890").
        for value in (self.case.pelapor_phone, self.case.pelapor_nik):
            number = re.sub(r"\D", "", value or "")
            if len(number) >= 8 and number in digits:
                return "its content carries the reporter's number"
        return ""

    def _document(self, doc: Document, latest: bool, bundle: Bundle) -> None:
        folder = "documents" if latest else "documents/older"
        name = doc.filename or document_filename(
            doc.kind, self.case.number, doc.version, self.case.id
        )
        about = {"kind": "document", "document": doc.kind, "version": doc.version}
        if self.redacted:
            if doc.kind not in REDACTABLE or not latest:
                self.withheld.append(
                    {"what": "document", "name": name}
                    | about
                    | {
                        "reason": "this document names the reporter; it has no redacted form"
                        if doc.kind not in REDACTABLE
                        else "an older version"
                    }
                )
                return
            params = dict(doc.params or {}) | {"redact_identity": True}
            pdf = render_in_worker(doc.kind, self._context(doc.kind), params, timeout=self.limit)
            bundle.add(folder, name, pdf, **about, rendered="for outsiders, at export")
            return
        if doc.status == "rendered" and doc.storage_key:
            bundle.add_file(folder, name, self.app.files.path(doc.storage_key), **about)
        elif latest:
            pdf = render_in_worker(
                doc.kind, self._context(doc.kind), doc.params, timeout=self.limit
            )
            bundle.add(folder, name, pdf, **about, rendered="at export (not rendered before)")
        # An older version never rendered was superseded before it existed: nothing to hand over.

    def _riwayat(self, bundle: Bundle) -> None:
        ctx = self._context("riwayat")
        if self.redacted:
            ctx = for_outsiders(ctx, self.staff)
        pdf = render_in_worker("riwayat", ctx, None, timeout=self.limit)
        name = document_filename("riwayat", self.case.number, 1, self.case.id)
        bundle.add("", name, pdf, kind="timeline", rendered="at export")

    def _context(self, kind: str):
        return self.renderer.context(self.session, self.case, kind)

    # --- the timeline -------------------------------------------------------------------------

    def _timeline(self, bundle: Bundle) -> None:
        data = self._timeline_data()
        body = json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n"
        bundle.add("", "timeline.json", body, kind="timeline")

    def _hide(self, text: str) -> str:
        return redact(text or "", self.name, self.identity) if self.redacted else (text or "")

    def _actor(self, actor: str) -> str:
        if not self.redacted:
            return actor or ""
        return shown_actor(actor, self.case.pelapor_email, self.staff, self._hide)

    def _timeline_data(self) -> dict:
        """What `dumas show --json` prints, plus the tasks (and, unredacted, each event's detail)."""
        tz, case = self.app.tz, self.case
        if self.redacted:
            head = {
                k: v
                for k, v in case_dict(case, tz).items()
                if k not in ("reporter_name", "reporter_email")
            } | {
                "reporter": PELAPOR_HIDDEN,
                "subject": self._hide(case.subject),
                "body": self._hide(case.body),
                "terlapor": self._hide(case.terlapor),
                "lokasi": self._hide(case.lokasi_text),
            }
        else:
            head = case_dict(case, tz) | {
                "body": case.body,
                "terlapor": case.terlapor,
                "pelapor_phone": case.pelapor_phone,
                "pelapor_address": case.pelapor_address,
                "pelapor_nik": case.pelapor_nik,
                "lokasi": case.lokasi_text,
            }
        head["registration_error"] = self._hide((case.data or {}).get("registrasi_gagal", ""))
        head["attachments"] = [
            {
                "filename": redact_filename(f.filename, self.name, self.identity)
                if self.redacted
                else f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "step": f.step,
            }
            for f in self.attachments
        ]
        head["messages"] = [
            {
                "id": m.id,
                "disposition": m.disposition,
                "rule": m.rule,
                "fetched_at": iso(m.fetched_at, tz),
                "sha256": m.sha256,
            }
            | ({} if self.redacted else {"message_id": m.message_id})
            for m in self.raws
        ]
        head["timeline"] = [
            {
                "at": iso(e.at, tz),
                "kind": e.kind,
                "actor": self._actor(e.actor),
                "summary": self._hide(e.summary),
            }
            | ({} if self.redacted else {"detail": e.detail or {}})
            for e in self.events
        ]
        head["unverified_notes"] = [
            {
                "at": iso(e.at, tz),
                "from": self._actor(e.actor),
                "text": self._hide((e.detail or {}).get("text", "")),
                "files": [
                    redact_filename(n, self.name, self.identity) if self.redacted else n
                    for n in (e.detail or {}).get("files", [])
                ],
            }
            for e in self.events
            if e.kind == UNVERIFIED_NOTE
        ]
        head["tasks"] = [
            {
                "step": t.step,
                "role": t.role,
                "opened_at": iso(t.opened_at, tz),
                "due_at": iso(t.due_at, tz),
                "remind_at": iso(t.remind_at, tz),
                "closed_at": iso(t.closed_at, tz),
                "closed_by": self._actor(t.closed_by),
                "outcome": t.outcome,
            }
            for t in self.tasks
        ]
        return head
