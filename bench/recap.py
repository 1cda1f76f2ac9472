"""Bench: `dumas recap` on 100,000 complaints against a bare openpyxl dump of the same rows.

    .venv/bin/python bench/recap.py [--cases 100000] [--rounds 1] [--long-text] [--keep DIR]

Fills a SQLite database (the real schema, from the migrations) with synthetic complaints of
October 2026 and their SOP tasks and events (`workflow.reports.sample`, executemany), then runs,
each in a fresh subprocess so that its peak RSS is its own (`os.wait4` gives the child's
rusage), interleaved over the rounds:

- bare: sqlite3 `SELECT` of the same 22 columns (plain values as stored: dates are text), each
  row appended as is to an openpyxl write-only workbook, saved;
- xlsx: `notify.reports.build_files(..., pdf=False)`, the workbook half of what `dumas recap`
  does (rows with labels, masking, working days and timeliness, styles, summary sheet, chart);
- full: `notify.reports.produce(..., send=False)`, exactly what `dumas recap --month` runs:
  workbook, print-out (the first 300 rows) and both files stored (rolled back afterwards).

Time is measured inside the child around the job alone (imports excluded, the same for all).
Targets (issue 5): xlsx time <= 1.5x bare, peak RSS < 300 MB. `--long-text` makes every subject
longer than its column, so every perihal cell is written wrapped (the styling's worst case).
It is slow (about a minute per round); it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

RATIO_TARGET, RSS_TARGET_MB = 1.5, 300
PERIOD = "2026-10"
NOW = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # 1 November 2026, 08.00 WIB
BARE_COLUMNS = (
    "id, number, received_at, channel, pelapor_name, terlapor, kecamatan, desa, tps, "
    "subject, klasifikasi, disposisi_to, telaah_at, telaah_result, forwarded_to, "
    "outcome, status, closed_at, complete_at, step, confidential, sifat"
)


# --- the parent ---------------------------------------------------------------------------------


def fill(db: Path, cases: int, long_text: bool) -> float:
    from dumas.workflow.reports.days import DayCounter
    from dumas.workflow.reports.periods import Period
    from dumas.workflow.reports.sample import CaseFactory, insert_cases
    from dumas.workflow.sop.calendar import WorkCalendar
    from dumas.workflow.sop.definition import DEFAULT_SOP
    from dumas.workflow.store.db import make_engine, make_sessionmaker, transaction, upgrade

    start = time.perf_counter()
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    factory = CaseFactory(DEFAULT_SOP, DayCounter(WorkCalendar()), NOW, seed=42)
    with transaction(make_sessionmaker(engine)) as session:
        insert_cases(session, factory, Period.month(PERIOD), cases)
    engine.dispose()
    if long_text:
        with sqlite3.connect(db) as conn:
            conn.execute(
                "UPDATE pengaduan SET subject = subject || ' — mohon segera "
                "ditindaklanjuti karena ' || terlapor || ' di Desa ' || desa"
            )
    return time.perf_counter() - start


def run_child(kind: str, db: Path, out: Path) -> dict:
    """Run one job in a fresh interpreter; its own time, and its peak RSS from wait4."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", kind, str(db), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    )
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"child {kind} failed with exit code {proc.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result["rss_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--long-text", action="store_true")
    parser.add_argument("--keep", type=Path, help="use (and keep) this folder for the database")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dumas-bench-recap-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "dumas.sqlite3"
    try:
        if not db.exists():
            took = fill(db, args.cases, args.long_text)
            print(
                f"filled {args.cases:,} complaints of {PERIOD} with their tasks and events "
                f"in {took:.1f} s ({db.stat().st_size / 2**20:.0f} MB SQLite)"
            )
        results: dict[str, list[dict]] = {"bare": [], "xlsx": [], "full": []}
        for _ in range(args.rounds):
            for kind in results:
                results[kind].append(run_child(kind, db, folder))
        return report(results)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


def report(results: dict[str, list[dict]]) -> int:
    names = {
        "bare": "bare openpyxl write-only dump",
        "xlsx": "dumas recap, xlsx only",
        "full": "dumas recap, xlsx + pdf + store",
    }
    bare = statistics.median(r["seconds"] for r in results["bare"])
    print(f"\n{'run':34} {'rows':>8} {'time s':>8} {'ratio':>7} {'peak RSS MB':>12} {'xlsx MB':>8}")
    figures = {}
    for kind, runs in results.items():
        t = statistics.median(r["seconds"] for r in runs)
        rss = max(r["rss_mb"] for r in runs)
        figures[kind] = (t / bare, rss)
        print(
            f"{names[kind]:34} {runs[0]['rows']:>8,} {t:8.1f} {t / bare:6.2f}x {rss:12.0f} "
            f"{runs[0]['xlsx_bytes'] / 2**20:8.1f}"
        )
    ratio_ok = figures["xlsx"][0] <= RATIO_TARGET
    rss_ok = all(rss < RSS_TARGET_MB for _, rss in figures.values())
    print(
        f"\ntargets: xlsx <= {RATIO_TARGET}x bare -> {'met' if ratio_ok else 'NOT met'}; "
        f"peak RSS < {RSS_TARGET_MB} MB -> {'met' if rss_ok else 'NOT met'}"
    )
    return 0 if ratio_ok and rss_ok else 1


# --- the children -------------------------------------------------------------------------------


def child(kind: str, db: Path, out: Path) -> None:
    job = {"bare": bare_dump, "xlsx": dumas_xlsx, "full": dumas_full}[kind]
    prepare = job(db, out)  # imports and setup, outside the timing
    start = time.perf_counter()
    rows, size = prepare()
    took = time.perf_counter() - start
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": took,
                "rows": rows,
                "xlsx_bytes": size,
                "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def bare_dump(db: Path, out: Path):
    from openpyxl import Workbook

    from dumas.workflow.reports.periods import Period

    start, end = (
        t.strftime("%Y-%m-%d %H:%M:%S.%f")
        for t in Period.month(PERIOD).bounds(ZoneInfo("Asia/Jakarta"))
    )

    def job():
        conn = sqlite3.connect(db)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Rekapitulasi")
        rows = 0
        for row in conn.execute(
            f"SELECT {BARE_COLUMNS} FROM pengaduan WHERE received_at >= ? "
            "AND received_at < ? ORDER BY received_at, id",
            (start, end),
        ):
            ws.append(row)
            rows += 1
        target = out / "bare.xlsx"
        wb.save(target)
        conn.close()
        return rows, target.stat().st_size

    return job


def _setup(db: Path, out: Path):
    from dumas.notify.compose import Composer
    from dumas.notify.reports import ReportSetup
    from dumas.workflow.documents.sample import SampleOffice
    from dumas.workflow.reports.periods import Delivery
    from dumas.workflow.reports.recap import RecapSetup
    from dumas.workflow.sop.calendar import WorkCalendar
    from dumas.workflow.sop.definition import DEFAULT_SOP
    from dumas.workflow.store.db import make_engine, make_sessionmaker
    from dumas.workflow.store.filestore import FileStore

    class Office(SampleOffice):  # shaped like the settings' Office, which has a tz
        tz = ZoneInfo("Asia/Jakarta")

    calendar = WorkCalendar()
    office = Office()
    sessions = make_sessionmaker(make_engine(f"sqlite:///{db}"))
    setup = ReportSetup(
        RecapSetup(DEFAULT_SOP, calendar, office.name),
        office,
        Delivery(calendar),
        ("ketua@kpu.example",),
        ("sekretaris@kpu.example",),
        "kpu.example",
        Composer(office, "PGD"),
        FileStore(out / "files"),
    )
    return sessions, setup


def dumas_xlsx(db: Path, out: Path):
    from dumas.notify.reports import build_files
    from dumas.workflow.reports.periods import Period

    sessions, setup = _setup(db, out)

    def job():
        with sessions() as session:
            files = build_files(
                session, Period.month(PERIOD), setup.recap, setup.office, NOW, pdf=False
            )
        (out / "dumas.xlsx").write_bytes(files.xlsx)
        return files.summary.total, len(files.xlsx)

    return job


def dumas_full(db: Path, out: Path):
    from dumas.notify.reports import produce
    from dumas.workflow.reports.periods import Period

    sessions, setup = _setup(db, out)

    def job():
        with sessions() as session:
            done = produce(session, Period.month(PERIOD), setup, NOW, send=False)
            session.rollback()  # every round produces again
        return done.case_count, setup.files.path(done.xlsx_key).stat().st_size

    return job


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        sys.exit(main())
