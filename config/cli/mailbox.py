"""CLI: init, poll, run, quarantine, replay, reconcile."""

from __future__ import annotations

import os

from sqlalchemy import select

from dumas.config.app import App
from dumas.config.cli.doctor import run_doctor
from dumas.config.cli.output import iso, local, print_json, print_table, table_cell
from dumas.config.cli.progress import progress
from dumas.config.cycle import JOBS, describe, run_cycle
from dumas.config.locks import job_lock
from dumas.config.mailaddress import parse_address
from dumas.workflow.errors import ConfigError, DeliveryError
from dumas.workflow.store.db import create_private_sqlite_file, upgrade
from dumas.workflow.store.models import RawMessage


def add_mailbox_commands(sub) -> None:
    p = sub.add_parser("init", help="create or upgrade the database and the file store")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "poll",
        help="run one complete cycle: intake, registration, documents, deadlines, reports, outbox",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--only",
        action="append",
        choices=JOBS,
        help="run only this job (repeatable), e.g. to catch up on mail first",
    )
    p.set_defaults(func=cmd_poll)

    p = sub.add_parser("doctor", help="check the configuration, servers and storage")
    p.add_argument(
        "--send-test",
        metavar="ADDRESS",
        help="also send a real test email to ADDRESS through [smtp] and say whether it went",
    )
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("run", help="run the daemon (scheduler) until SIGTERM")
    p.set_defaults(func=cmd_run)

    q = sub.add_parser("quarantine", help="messages that could not be processed")
    qsub = q.add_subparsers(dest="qcommand", required=True, metavar="ACTION")
    p = qsub.add_parser("list", help="list quarantined messages with their reasons")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_quarantine_list)

    p = sub.add_parser("replay", help="process quarantined messages again")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("ids", nargs="*", type=int, default=[], metavar="ID")
    target.add_argument("--all", action="store_true", help="every quarantined message")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("reconcile", help="compare the mailbox with the database")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reconcile)


def cmd_init(app: App, args) -> int:
    url = app.settings.database_url
    create_private_sqlite_file(url, make_folder=True)  # personal data: 0600 in a 0700 folder
    upgrade(url)
    root = app.settings.storage_root
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)  # complaints hold personal data: the store is the service user's only
    print(f"database ready ({_safe_url(url)}); files in {root}")
    return 0


def cmd_poll(app: App, args) -> int:
    app.require_schema()
    only = tuple(args.only) if args.only else JOBS
    with job_lock(app.settings.storage_root, "cycle"):
        results = run_cycle(app, only=only)
    if args.json:
        print_json(_cycle_json(results))
        return 1 if _failed(results) else 0
    for job, (result, seconds) in results.items():
        print(f"{job}: {describe(result)} ({seconds:.1f} s)")
    return 1 if _failed(results) else 0


def _failed(results: dict) -> list[str]:
    return [
        job
        for job, (result, _) in results.items()
        if isinstance(result, dict) and "error" in result
    ]


def _cycle_json(results: dict) -> dict:
    out: dict = {"timings": {job: round(sec, 3) for job, (_, sec) in results.items()}}
    if "intake" in results and hasattr(results["intake"][0], "summary"):
        intake = results["intake"][0]
        out.update(
            {
                "folder": intake.folder,
                "uidvalidity": intake.uidvalidity,
                "uidvalidity_changed": intake.uidvalidity_changed,
                "new_messages": intake.new_uids,
                "outcomes": dict(intake.outcomes),
            }
        )
    for job in JOBS[1:]:
        if job in results:
            out[job] = results[job][0]
    return out


def cmd_doctor(app: App, args) -> int:
    rc = run_doctor(app)
    if args.send_test is None:
        return rc
    return send_test_email(app, args.send_test) or rc


def send_test_email(app: App, to: str, printer=print) -> int:
    """`doctor --send-test`: a passing SMTP login does not prove the server takes our mail (a
    From it refuses, a relay that rejects the domain); one real email does."""
    from dumas.notify.sender import send_test  # start-up time: only this option sends

    s = app.settings.smtp
    try:
        address = parse_address(to, "--send-test")
    except ConfigError as exc:
        printer(f"FAIL  test email not sent: {exc}")
        return 1
    try:
        message_id = send_test(s, address, app.clock.now())
    except DeliveryError as exc:
        printer(f"FAIL  test email to {address} not sent: {exc}")
        return 1
    sender = f"{s.from_name} <{s.from_address}>" if s.from_name else s.from_address
    printer(
        f"OK    test email sent to {address} through {s.host}:{s.port} from {sender} "
        f"(Message-ID {message_id}): the server accepted it; check that it arrived"
    )
    return 0


def cmd_run(app: App, args) -> int:
    from dumas.config.daemon import run_daemon  # start-up time: loads APScheduler

    app.require_schema()
    return run_daemon(app)


def cmd_quarantine_list(app: App, args) -> int:
    app.require_schema()
    with app.sessions() as session:
        rows = (
            session.execute(
                select(RawMessage)
                .where(RawMessage.disposition == "quarantined")
                .order_by(RawMessage.id)
            )
            .scalars()
            .all()
        )
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "message_id": r.message_id,
                    "fetched_at": iso(r.fetched_at, app.tz),
                    "size": r.size,
                    "from": r.from_address,
                    "subject": r.subject,
                    "reason": r.reason,
                    "attempts": r.attempts,
                    "sha256": r.sha256,
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("no quarantined messages")
        return 0
    print_table(
        ["ID", "FETCHED", "MESSAGE-ID", "REASON"],
        [
            [
                r.id,
                local(r.fetched_at, app.tz),
                table_cell(r.message_id or "-", 40),
                table_cell(r.reason, 80),
            ]
            for r in rows
        ],
    )
    return 0


def cmd_replay(app: App, args) -> int:
    # Start-up time: the intake chain loads imapclient, mail-parser and nh3.
    from dumas.ingest.mailbox.replay import replay

    app.require_schema()
    results = replay(
        None if args.all else args.ids,
        app.sessions,
        app.files,
        app.intake(),
        app.clock,
        progress=progress,
    )
    if args.json:
        print_json([{"id": i, "disposition": d, "reason": r} for i, d, r in results])
    else:
        for raw_id, disposition, reason in results:
            print(f"{raw_id}: {disposition}" + (f" ({table_cell(reason, 100)})" if reason else ""))
        if not results:
            print("nothing to replay")
    return 0


def cmd_reconcile(app: App, args) -> int:
    from dumas.ingest.mailbox.reconcile import reconcile  # start-up time: loads imapclient

    app.require_schema()
    result = reconcile(app.settings.imap, app.sessions)
    if args.json:
        print_json(result.as_dict())
        return 0
    data = result.as_dict()
    print(
        f"{data['folder']} (UIDVALIDITY {data['uidvalidity']}): "
        f"{data['mailbox_total']} message(s) in the mailbox"
    )
    for category, count in data["counts"].items():
        print(f"  {category:<12} {count}")
    if result.pending:
        print(f"  {'not polled':<12} {len(result.pending)}  (arrived after the last poll)")
    print(
        f"  {'missing':<12} {len(result.missing)}"
        + (f"  UIDs: {' '.join(map(str, result.missing[:50]))}" if result.missing else "")
    )
    return 1 if result.missing else 0


def _safe_url(url: str) -> str:
    """The database URL without its password, for printing."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, creds = head.partition("://")
    return f"{scheme}://{creds.partition(':')[0]}:***@{tail}"
