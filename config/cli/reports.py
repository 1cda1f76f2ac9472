"""CLI: the monthly recap and the semester report on demand (SOP steps 8-9).

    dumas recap  --month 2026-10    [--send] [--out DIR] [--json]
    dumas report --semester 2026-1  [--send] [--out DIR] [--json]

A period that has ended is produced once (the same `ReportRun` the daemon would make); asking
again shows the run that exists. `--send` queues the email to the Ketua (cc the Sekretaris),
again if it went before; `--out` copies the two files into DIR. A run made without `--send` is
still emailed by the daemon when its delivery moment comes (looking first does not cancel the
monthly email). A period that has not ended yet can only be previewed: the files are written to
DIR (default: the current directory) and nothing is recorded or sent.

The cycle's "reports" job, which sends every due recap and report exactly once, is
`notify.reports.run_due_reports`; `App.report_setup()` builds what both need.
"""

from __future__ import annotations

from pathlib import Path

from dumas.config.app import App
from dumas.config.cli.output import iso, local, print_json, write_private
from dumas.config.cli.progress import progress
from dumas.notify.reports import (
    Produced,
    ReportSetup,
    build_files,
    pdf_name,
    produce,
    xlsx_name,
)
from dumas.workflow.errors import DumasError
from dumas.workflow.reports.periods import Period
from dumas.workflow.store.db import transaction


def add_report_commands(sub) -> None:
    p = sub.add_parser("recap", help="the monthly recap of complaints (Excel + PDF)")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="e.g. 2026-10")
    _common(p)
    p.set_defaults(func=cmd_recap)

    p = sub.add_parser("report", help="the semester report of complaints (Excel + PDF)")
    p.add_argument(
        "--semester",
        required=True,
        metavar="YYYY-N",
        help="YYYY-1 (January-June) or YYYY-2 (July-December)",
    )
    _common(p)
    p.set_defaults(func=cmd_report)


def _common(p) -> None:
    p.add_argument(
        "--send",
        action="store_true",
        help="email it to the Ketua (cc the Sekretaris), again if it was sent before",
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="also write the files into DIR")
    p.add_argument("--json", action="store_true")


def cmd_recap(app: App, args) -> int:
    return _run(app, _period(Period.month, args.month), args)


def cmd_report(app: App, args) -> int:
    return _run(app, _period(Period.semester, args.semester), args)


def _period(parse, text: str) -> Period:
    try:
        return parse(text)
    except ValueError as exc:
        raise DumasError(str(exc)) from None


def _run(app: App, period: Period, args) -> int:
    app.require_schema()
    setup, now = app.report_setup(), app.clock.now()
    end = period.bounds(app.tz)[1]
    if end > now:
        if args.send:
            raise DumasError(
                f"{period.label} has not ended yet (it ends {local(end, app.tz)}); "
                "it can be previewed, not sent"
            )
        return _preview(app, setup, period, args)
    with transaction(app.sessions) as session:
        done = produce(
            session, period, setup, now, send=args.send, resend=args.send, progress=progress
        )
    written = _copy_out(app, done, args.out) if args.out else []
    _report(app, setup, done, written, args)
    return 0


def _preview(app: App, setup: ReportSetup, period: Period, args) -> int:
    with app.sessions() as session:
        files = build_files(
            session,
            period,
            setup.recap,
            setup.office,
            app.clock.now(),
            logo=setup.logo,
            progress=progress,
        )
    assert files.pdf is not None  # build_files prints unless told pdf=False
    out = args.out or Path(".")
    written = [_write(out / files.xlsx_name, files.xlsx), _write(out / files.pdf_name, files.pdf)]
    if args.json:
        print_json(
            {
                "period": period.key,
                "preview": True,
                "cases": files.summary.total,
                "files": [str(w) for w in written],
            }
        )
        return 0
    print(f"{period.label} has not ended yet: preview as of now, nothing recorded or sent")
    if not files.summary.total:
        print(f"no complaints received in {period.label} so far")
    for path in written:
        print(f"  wrote {path}")
    return 0


def _copy_out(app: App, done: Produced, out: Path) -> list[Path]:
    return [
        _write(out / xlsx_name(done.period), app.files.read(done.xlsx_key)),
        _write(out / pdf_name(done.period), app.files.read(done.pdf_key)),
    ]


def _write(path: Path, data: bytes) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private(path, data)  # the recap lists reporters: 0600, whatever the umask
    except OSError as exc:
        raise DumasError(f"cannot write {path}: {exc.strerror}") from None
    return path


def _report(app: App, setup: ReportSetup, done: Produced, written: list[Path], args) -> None:
    if args.json:
        print_json(
            {
                "period": done.period.key,
                "preview": False,
                "created": done.created,
                "produced_at": iso(done.created_at, app.tz),
                "cases": done.case_count,
                "queued_message_id": done.message_id or None,
                "files": [str(w) for w in written],
            }
        )
        return
    label, key = done.period.label, done.period.key
    if done.created:
        print(f"{key}: produced ({done.case_count} complaint(s) received in {label})")
    else:
        print(
            f"{key}: already produced on {local(done.created_at, app.tz)} "
            f"({done.case_count} complaint(s)); showing that run"
        )
    if not done.case_count:
        print(f"no complaints were received in {label}: the recap says so")
    if done.message_id:
        print(
            f"email queued to {', '.join(setup.ketua)} (cc {', '.join(setup.sekretaris)}): "
            f"{done.message_id}"
        )
    for path in written:
        print(f"  wrote {path}")
    if not written:
        print("  (use --out DIR for copies of the files)")
