"""CLI: list and show complaints."""

from __future__ import annotations

from sqlalchemy import select

from dumas.config.app import App
from dumas.config.cli.output import iso, local, print_json, print_table, table_cell
from dumas.workflow.errors import DumasError
from dumas.workflow.store.events import UNVERIFIED_NOTE
from dumas.workflow.store.models import Attachment, Event, Pengaduan, RawMessage


def add_case_commands(sub) -> None:
    p = sub.add_parser("list", help="list complaints")
    p.add_argument("--json", action="store_true")
    p.add_argument("--status", help="only complaints with this status")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="show one complaint and its timeline")
    p.add_argument("id", help="case id or registration number")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "verify", help="check a letter (PDF file or verification code) against the register"
    )
    p.add_argument("target", metavar="FILE|CODE", help="the PDF, or the code printed on it")
    p.set_defaults(func=cmd_verify)


def case_dict(case: Pengaduan, tz) -> dict:
    return {
        "id": case.id,
        "number": case.number,
        "status": case.status,
        "step": case.step,
        "channel": case.channel,
        "received_at": iso(case.received_at, tz),
        "reporter_name": case.pelapor_name,
        "reporter_email": case.pelapor_email,
        "subject": case.subject,
        "confidential": case.confidential,
        "kecamatan": case.kecamatan,
        "desa": case.desa,
        "tps": case.tps,
        "missing": list(case.missing or []),
    }


def cmd_list(app: App, args) -> int:
    app.require_schema()
    with app.sessions() as session:
        query = select(Pengaduan).order_by(Pengaduan.id)
        if args.status:
            query = query.where(Pengaduan.status == args.status)
        cases = session.execute(query).scalars().all()
    if args.json:
        print_json([case_dict(c, app.tz) for c in cases])
        return 0
    if not cases:
        print("no complaints")
        return 0
    print_table(
        ["ID", "NUMBER", "RECEIVED", "STATUS", "REPORTER", "SUBJECT"],
        [
            [
                c.id,
                c.number or "-",
                local(c.received_at, app.tz),
                c.status,
                table_cell(c.pelapor_email, 30),
                table_cell(c.subject, 50),
            ]
            for c in cases
        ],
    )
    return 0


def find_case(session, ident: str) -> Pengaduan:
    case = None
    if ident.isdigit():
        case = session.get(Pengaduan, int(ident))
    if case is None:
        case = session.execute(select(Pengaduan).where(Pengaduan.number == ident)).scalar()
    if case is None:
        raise DumasError(f"no complaint with id or number {ident!r}")
    return case


def cmd_show(app: App, args) -> int:
    app.require_schema()
    tz = app.tz
    with app.sessions() as session:
        case = find_case(session, args.id)
        files = (
            session.execute(
                select(Attachment).where(Attachment.pengaduan_id == case.id).order_by(Attachment.id)
            )
            .scalars()
            .all()
        )
        timeline = (
            session.execute(
                select(Event).where(Event.pengaduan_id == case.id).order_by(Event.at, Event.id)
            )
            .scalars()
            .all()
        )
        messages = (
            session.execute(
                select(RawMessage).where(RawMessage.pengaduan_id == case.id).order_by(RawMessage.id)
            )
            .scalars()
            .all()
        )
    data = case_dict(case, tz) | {
        "body": case.body,
        "terlapor": case.terlapor,
        "pelapor_phone": case.pelapor_phone,
        "pelapor_address": case.pelapor_address,
        "lokasi": case.lokasi_text,
        "registration_error": (case.data or {}).get("registrasi_gagal", ""),
        "attachments": [
            {
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "sha256": f.sha256,
                "step": f.step,
            }
            for f in files
        ],
        "messages": [
            {
                "id": m.id,
                "message_id": m.message_id,
                "disposition": m.disposition,
                "rule": m.rule,
                "fetched_at": iso(m.fetched_at, tz),
            }
            for m in messages
        ],
        "timeline": [
            {"at": iso(e.at, tz), "kind": e.kind, "actor": e.actor, "summary": e.summary}
            for e in timeline
        ],
        # Mail in the reporter's name that proved nothing: kept apart, never part of the case.
        "unverified_notes": [
            {
                "at": iso(e.at, tz),
                "from": e.actor,
                "text": (e.detail or {}).get("text", ""),
                "files": (e.detail or {}).get("files", []),
            }
            for e in timeline
            if e.kind == UNVERIFIED_NOTE
        ],
    }
    if args.json:
        print_json(data)
        return 0
    _print_case(data)
    return 0


def _print_case(data: dict) -> None:
    print(f"Complaint {data['number'] or '(unregistered)'}  [id {data['id']}]")
    for key in (
        "status",
        "step",
        "channel",
        "received_at",
        "reporter_name",
        "reporter_email",
        "pelapor_phone",
        "subject",
        "terlapor",
        "kecamatan",
        "desa",
        "tps",
        "lokasi",
    ):
        if data.get(key):
            print(f"  {key:<15} {table_cell(str(data[key]), 100)}")
    if data["missing"]:
        print(f"  {'missing':<15} {', '.join(data['missing'])}")
    if data.get("registration_error"):
        print(f"  {'not registered':<15} {table_cell(data['registration_error'], 100)}")
    print("  attachments:" if data["attachments"] else "  attachments: none")
    for f in data["attachments"]:
        print(
            f"    {table_cell(f['filename'], 50)}  {f['content_type']}  {f['size']} B  {f['sha256'][:16]}…"
        )
    if data["unverified_notes"]:
        print("  unverified notes (in the reporter's name, sender not proven; changed nothing):")
    for n in data["unverified_notes"]:
        files = f"  [files: {', '.join(n['files'])}]" if n["files"] else ""
        print(f"    {n['at']}  {table_cell(n['from'], 30)}  {table_cell(n['text'], 100)}{files}")
    print("  timeline:")
    for e in data["timeline"]:
        print(
            f"    {e['at']}  {e['kind']:<24} {table_cell(e['actor'], 30):<30} {table_cell(e['summary'], 70)}"
        )


def cmd_verify(app: App, args) -> int:
    """0 when the file is a letter Dumas made and registered (or the code is known), 1 if not.

    A file is checked by the SHA-256 of its bytes against the one stored when it was rendered,
    so a letter changed by one byte (or retyped) is not ours, whatever it says."""
    from pathlib import Path

    from dumas.workflow.store.letters import check_letter

    app.require_schema()
    path = Path(args.target)
    with app.sessions() as session:
        if path.is_file():
            found = check_letter(session, pdf=path.read_bytes())
            if not found.matches or found.letter is None:
                print(
                    f"NOT VERIFIED: {path} is not a letter issued by Dumas (no stored hash matches)"
                )
                return 1
        else:
            found = check_letter(session, code=args.target)
            if found.letter is None:
                print(f"NOT VERIFIED: no letter has the code {args.target!r}")
                return 1
        letter = found.letter
        case = session.get(Pengaduan, letter.pengaduan_id) if letter.pengaduan_id else None
        print("VERIFIED" if found.matches else "KNOWN CODE (compare the file to check its bytes)")
        print(f"Nomor surat   : {letter.nomor}")
        print(f"Jenis         : {letter.perihal or letter.kind}")
        print(f"Tujuan        : {letter.tujuan or '-'}")
        print(f"Pengaduan     : {case.number if case else '-'}")
        # A closing letter with no approval step says who decided it, as the letter does.
        sah = (found.document.params or {}).get("pengesahan") if found.document else None
        cara = sah.get("cara") if isinstance(sah, dict) else None
        if cara == "otomatis":
            print("Ditetapkan    : otomatis oleh sistem, sesuai SOP")
        else:
            label = "Ditetapkan oleh" if cara == "ditetapkan" else "Disetujui oleh"
            print(f"{label:<14}: {letter.approved_role} <{letter.approved_by}>")
        print(f"Pada          : {local(letter.approved_at, app.tz)}")
        print(f"Kode          : {letter.kode}")
        if found.document is not None and found.document.sha256:
            print(f"SHA-256       : {found.document.sha256}")
    return 0
