"""CLI for the desk and the IT person: register (walk-in/letter), pdf, outbox."""

from __future__ import annotations

import mimetypes
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from dumas.config.app import App
from dumas.config.cli.cases import find_case
from dumas.config.cli.output import (
    iso,
    local,
    print_json,
    print_table,
    table_cell,
    write_private,
)
from dumas.config.cycle import drain_outbox
from dumas.ingest.mail.filenames import safe_filename
from dumas.workflow.documents.render import document_filename
from dumas.workflow.documents.worker import render_in_worker
from dumas.workflow.errors import DumasError
from dumas.workflow.store.cases import ComplaintInput, IncomingFile
from dumas.workflow.store.models import Document, OutboxMessage

FIELDS = (
    ("name", "Nama pelapor"),
    ("email", "Email pelapor (boleh kosong)"),
    ("phone", "No. HP/WhatsApp"),
    ("address", "Alamat pelapor"),
    ("nik", "NIK (boleh kosong)"),
    ("subject", "Perihal"),
    ("terlapor", "Terlapor (boleh kosong)"),
    ("kecamatan", "Kecamatan"),
    ("desa", "Desa/kelurahan"),
    ("tps", "Nomor TPS (boleh kosong)"),
    ("lokasi", "Lokasi lain (boleh kosong)"),
)


def add_desk_commands(sub) -> None:
    p = sub.add_parser("register", help="register a walk-in or postal complaint")
    p.add_argument("--channel", choices=("langsung", "surat"), default="langsung")
    for name, label in FIELDS:
        p.add_argument(f"--{name}", default="", help=label)
    p.add_argument("--text", default="", help="the complaint text (or --text-file)")
    p.add_argument("--text-file", type=Path, help="read the complaint text from this file")
    p.add_argument("--file", action="append", type=Path, default=[], help="a scan (repeatable)")
    p.add_argument("--received", help="when it was received, 'YYYY-MM-DD HH:MM' office time")
    p.add_argument("--rahasia", action="store_true", help="the reporter asks for confidentiality")
    p.add_argument("--interactive", "-i", action="store_true", help="ask for missing fields")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_register)

    p = sub.add_parser("pdf", help="write a complaint's documents to a folder")
    p.add_argument("id", help="case id or registration number")
    p.add_argument("--out", type=Path, default=Path("."), help="folder (default: here)")
    p.add_argument("--timeline", action="store_true", help="also the timeline (riwayat)")
    p.set_defaults(func=cmd_pdf)

    o = sub.add_parser("outbox", help="outgoing mail")
    osub = o.add_subparsers(dest="ocommand", required=True, metavar="ACTION")
    p = osub.add_parser("list", help="list outgoing mail (pending, sent, failed)")
    p.add_argument("--status", choices=("pending", "sent", "failed"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outbox_list)
    p = osub.add_parser("send", help="send what is due now")
    p.set_defaults(func=cmd_outbox_send)


def cmd_register(app: App, args) -> int:
    # Start-up time: the registrar brings the SOP machine and the notify applier.
    from dumas.ingest.actions.registrar import Registrar

    app.require_schema()
    values = {name: getattr(args, name).strip() for name, _ in FIELDS}
    text = args.text_file.read_text(encoding="utf-8") if args.text_file else args.text
    if args.interactive:
        values, text = _prompt(values, text)
    if not (values["subject"] or text).strip():
        raise DumasError("a complaint needs at least --subject or --text")
    now = app.clock.now()
    received = _received(args.received, app.tz) or now
    with app.sessions() as session, session.begin():
        data = ComplaintInput(
            channel=args.channel,
            received_at=received,
            subject=values["subject"] or table_cell(text, 80),
            body=text,
            from_name=values["name"],
            from_email=values["email"],
            files=tuple(_store(app, path) for path in args.file),
        )
        case = Registrar(app.toolkit).register(session, data, now, typed=_typed(values, args))
        number, case_id = case.number, case.id
    if args.json:
        print_json({"id": case_id, "number": number})
    else:
        print(
            f"registered {number} (id {case_id}); documents are made by the next "
            "`dumas poll` or the daemon"
        )
    return 0


def _typed(values: dict, args) -> dict:
    typed = {
        "pelapor_phone": values["phone"],
        "pelapor_address": values["address"],
        "pelapor_nik": values["nik"],
        "terlapor": values["terlapor"],
        "kecamatan": values["kecamatan"],
        "desa": values["desa"],
        "tps": values["tps"],
        "lokasi_text": values["lokasi"],
    }
    if args.rahasia:
        typed.update(confidential=True, sifat="rahasia")
    return {k: v for k, v in typed.items() if v}


def _prompt(values: dict, text: str) -> tuple[dict, str]:
    for name, label in FIELDS:
        if not values[name]:
            values[name] = input(f"{label}: ").strip()
    if not text:
        print("Isi pengaduan (akhiri dengan baris kosong):")
        lines = iter(sys.stdin.readline, "\n")
        text = "".join(lines)
    return values, text


def _received(value: str | None, tz) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        raise DumasError(f"--received must look like 2026-11-02 09:15, not {value!r}") from None


def _store(app: App, path: Path) -> IncomingFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DumasError(f"cannot read {path}: {exc.strerror}") from None
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    key, sha = app.files.put("att", data, sync=True)
    return IncomingFile(
        filename=safe_filename(path.name, index=1, content_type=ctype),
        content_type=ctype,
        size=len(data),
        sha256=sha,
        storage_key=key,
    )


def cmd_pdf(app: App, args) -> int:
    app.require_schema()
    args.out.mkdir(parents=True, exist_ok=True)
    renderer = app.renderer()
    # Citizens' text is rendered here too: the same hard limit as the documents job.
    limit = app.settings.documents.render_timeout_seconds
    with app.sessions() as session:
        case = find_case(session, args.id)
        docs = (
            session.execute(
                select(Document)
                .where(Document.pengaduan_id == case.id)
                .order_by(Document.kind, Document.version)
            )
            .scalars()
            .all()
        )
        latest = {d.kind: d for d in docs}  # ordered by version: the last one wins
        written = []
        for kind, doc in sorted(latest.items()):
            pdf = (
                app.files.read(doc.storage_key)
                if doc.status == "rendered"
                else render_in_worker(
                    kind, renderer.context(session, case, kind), doc.params, timeout=limit
                )
            )
            written.append(_write(args.out / doc.filename, pdf))
        if args.timeline:
            pdf = render_in_worker(
                "riwayat", renderer.context(session, case, "riwayat"), None, timeout=limit
            )
            written.append(
                _write(args.out / document_filename("riwayat", case.number or "", 1, case.id), pdf)
            )
    for path in written:
        print(path)
    return 0


def _write(path: Path, data: bytes) -> Path:
    return write_private(path, data)  # a document names the reporter: 0600, whatever the umask


def cmd_outbox_list(app: App, args) -> int:
    app.require_schema()
    with app.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if args.status:
            query = query.where(OutboxMessage.status == args.status)
        rows = session.execute(query).scalars().all()
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "message_id": r.message_id,
                    "kind": r.kind,
                    "to": r.to_addrs,
                    "cc": r.cc_addrs,
                    "subject": r.subject,
                    "status": r.status,
                    "attempts": r.attempts,
                    "created_at": iso(r.created_at, app.tz),
                    "sent_at": iso(r.sent_at, app.tz),
                    "next_attempt_at": iso(r.next_attempt_at, app.tz),
                    "last_error": r.last_error,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("the outbox is empty")
        return 0
    print_table(
        ["ID", "STATUS", "CREATED", "KIND", "TO", "LAST ERROR"],
        [
            [
                r.id,
                r.status,
                local(r.created_at, app.tz),
                r.kind,
                table_cell(", ".join(r.to_addrs), 30),
                table_cell(r.last_error or "-", 50),
            ]
            for r in rows
        ],
    )
    return 0


def cmd_outbox_send(app: App, args) -> int:
    app.require_schema()
    counts = drain_outbox(app)
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
