"""Make the README's PNG previews of the printable documents from the sample case.

    .venv/bin/python docs/make_previews.py [OUTDIR]     (default: docs/img)

Renders every document kind from `dumas.workflow.documents.sample` and converts its first page with
`pdftoppm -png -r 60 -singlefile` (poppler-utils). Run it again after changing a template.
Also `rekap.png`: the first page (the summary) of the monthly recap's print-out, made from 60
synthetic complaints (`dumas.workflow.reports.sample`) in a throw-away SQLite database.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import UTC
from pathlib import Path

from dumas.workflow.documents.render import DOCUMENT_KINDS, render
from dumas.workflow.documents.sample import SAMPLE_PARAMS, advanced_sample_case


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    ctx = advanced_sample_case().context()
    with tempfile.TemporaryDirectory() as tmp:
        for kind, spec in DOCUMENT_KINDS.items():
            pdf = Path(tmp) / f"{spec.slug}.pdf"
            pdf.write_bytes(render(kind, ctx, SAMPLE_PARAMS.get(kind, {})))
            target = outdir / spec.slug  # pdftoppm adds ".png" with -singlefile
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(target)], check=True
            )
            print(f"{target}.png")
        recap_preview(outdir, Path(tmp))


def recap_preview(outdir: Path, tmp: Path) -> None:
    from datetime import datetime

    from dumas.workflow.documents.sample import SampleOffice
    from dumas.workflow.reports.days import DayCounter
    from dumas.workflow.reports.pdf import render_recap_pdf
    from dumas.workflow.reports.periods import Period
    from dumas.workflow.reports.recap import Recap, RecapSetup
    from dumas.workflow.reports.sample import CaseFactory, insert_cases
    from dumas.workflow.sop.calendar import WorkCalendar
    from dumas.workflow.sop.definition import DEFAULT_SOP
    from dumas.workflow.store.db import make_engine, make_sessionmaker, transaction, upgrade

    url = f"sqlite:///{tmp / 'recap.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    calendar, period = WorkCalendar(), Period.month("2026-10")
    now = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # 1 November, 08.00 WIB
    with transaction(sessions) as session:
        insert_cases(session, CaseFactory(DEFAULT_SOP, DayCounter(calendar), now), period, 60)
    with sessions() as session:
        recap = Recap(session, period, RecapSetup(DEFAULT_SOP, calendar, SampleOffice().name), now)
        rows = list(recap.rows())
        pdf = tmp / "rekap.pdf"
        pdf.write_bytes(render_recap_pdf(recap, rows, SampleOffice()))
    engine.dispose()
    target = outdir / "rekap"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "75", "-singlefile", str(pdf), str(target)], check=True
    )
    print(f"{target}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "img")
