"""The recap's print-out: WeasyPrint, the documents' letterhead, fonts and data-only fetcher.

Page 1 (and 2 when it is long) is the summary with the same figures as the workbook's
"Ringkasan" (both come from `Summary.tables()`), a bar chart of complaints per week or month,
and the Sekretaris' signature block. Then, landscape, the list of complaints ("Lampiran").

The list is cut at `MAX_PRINTED_ROWS` (300) complaints, about 20 landscape pages: a print-out of
100,000 rows would be thousands of pages that nobody reads, and WeasyPrint holds every page's
layout in memory until it writes (about 0.25 MB per row: 500 rows took 240 MB and 7 s, 300 rows
stay near 190 MB and 5 s). The workbook holds every row anyway, and the print-out says so when it
cuts ("Daftar ini memuat 300 pengaduan pertama dari 1.234; daftar lengkap ... terdapat pada berkas
Excel, lembar Rekapitulasi"). An office sees dozens of complaints a month, so in practice the
monthly list is complete. The printed list has the columns that fit a landscape page (lokasi in
one column, no terlapor, disposisi or telaah); the workbook has all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import islice
from typing import TYPE_CHECKING

from jinja2 import TemplateError

# The functions, not `documents.render` as a module: the package re-exports its `render`
# function under that name, which hides the submodule.
from dumas.workflow.documents.render import data_only_fetcher, environment, html_to_pdf
from dumas.workflow.documents.views import OfficeLike, OfficeView, office_view
from dumas.workflow.documents.worker import html_to_pdf_in_worker
from dumas.workflow.errors import DocumentError
from dumas.workflow.formatting import one_line, tanggal
from dumas.workflow.reports.recap import Recap, RecapRow
from dumas.workflow.reports.summary import SummaryLine, Table

if TYPE_CHECKING:
    from dumas.workflow.documents.fetcher import DataOnlyFetcher

MAX_PRINTED_ROWS = 300
# A hard stop for the recap print-out (its rows are citizens' text): 300 rows take seconds.
RECAP_RENDER_SECONDS = 300.0
TEMPLATE = "recap.html"
CHANNEL_SHORT = {
    "Surat elektronik (email)": "Email",
    "Datang langsung (tertulis)": "Langsung",
    "Surat (pos/kurir)": "Surat",
}


def angka(n: int | None) -> str:
    """Indonesian thousands: `100.000`."""
    return "-" if n is None else f"{n:,}".replace(",", ".")


def persen(share: float | None) -> str:
    """`85,3%` (a decimal comma); "-" without a base."""
    return "-" if share is None else f"{share * 100:.1f}%".replace(".", ",")


def tgl(day: date | None) -> str:
    return day.strftime("%d-%m-%Y") if day else ""


@dataclass(frozen=True)
class PrintLine:
    label: str
    count: str
    share: str
    whole: str

    @classmethod
    def of(cls, line: SummaryLine) -> PrintLine:
        return cls(
            line.label,
            angka(line.count),
            persen(line.share) if line.whole else "",
            angka(line.whole) if line.whole else "",
        )


@dataclass(frozen=True)
class PrintTable:
    title: str
    lines: tuple[PrintLine, ...]
    total: PrintLine | None

    @classmethod
    def of(cls, table: Table) -> PrintTable:
        return cls(
            table.title,
            tuple(PrintLine.of(x) for x in table.lines),
            PrintLine.of(table.total) if table.total else None,
        )


@dataclass(frozen=True)
class Bar:
    label: str
    count: str
    width: float  # percent of the longest bar


@dataclass(frozen=True)
class RecapPrint:
    """What `templates/pdf/recap.html` shows: every value already formatted."""

    heading: str  # "Rekapitulasi Pengaduan Masyarakat" / "Laporan Semester ..."
    period: str
    range: str
    total: str
    limit: str
    tables: tuple[PrintTable, ...]
    oldest: tuple[tuple[str, str, str, str], ...]  # number, received, status, age
    more_open: str
    bar_unit: str
    bars: tuple[Bar, ...]
    rows: tuple[RecapRow, ...]
    omitted: int
    place_date: str  # "Tuapejat, 1 November 2026" above the signature


def print_view(recap: Recap, rows: Iterable[RecapRow]) -> RecapPrint:
    """The print-out's content from a recap whose rows have all been read."""
    s, period = recap.summary, recap.period
    oldest = s.oldest()
    top = max((n for _, n in s.per_bucket), default=0) or 1
    rows = tuple(islice(rows, MAX_PRINTED_ROWS))
    return RecapPrint(
        heading=("Laporan Semester" if period.kind == "semester" else "Rekapitulasi")
        + " Pengaduan Masyarakat",
        period=period.label,
        range=period.range_label,
        total=angka(s.total),
        limit=recap.setup.sop.case_limit.label,
        tables=tuple(PrintTable.of(t) for t in s.tables()),
        oldest=tuple(
            (number, tgl(received), status, angka(age)) for age, number, received, status in oldest
        ),
        more_open=angka(s.open_at_end - len(oldest)) if s.open_at_end > len(oldest) else "",
        bar_unit=s.bucket_unit,
        bars=tuple(Bar(label, angka(n), round(100 * n / top, 1)) for label, n in s.per_bucket),
        rows=rows,
        omitted=max(0, s.total - len(rows)),
        place_date="",
    )


def render_recap_pdf(
    recap: Recap,
    rows: Iterable[RecapRow],
    office: OfficeLike,
    *,
    logo: bytes = b"",
    fetcher: DataOnlyFetcher | None = None,
    timeout: float | None = RECAP_RENDER_SECONDS,
) -> bytes:
    """The PDF of `recap`; `rows` are its rows (at least the first MAX_PRINTED_ROWS; more are
    ignored). Call after the rows were read, when the summary is complete. Raises
    `DocumentError` when it cannot be rendered (`RenderTimeout` after `timeout` s: rendered in a
    worker process then; `timeout=None` or a `fetcher` of the caller's renders here)."""
    html = render_recap_html(recap, rows, office, logo=logo)
    if fetcher is None and timeout is not None:
        return html_to_pdf_in_worker(html, timeout=timeout)
    return html_to_pdf(html, fetcher or data_only_fetcher())


def render_recap_html(
    recap: Recap, rows: Iterable[RecapRow], office: OfficeLike, *, logo: bytes = b""
) -> str:
    local = recap.now.astimezone(recap.zone)
    city = one_line(getattr(office, "city", ""))
    view = replace(
        print_view(recap, rows), place_date=f"{city}, {tanggal(local)}" if city else tanggal(local)
    )
    office_v: OfficeView = office_view(office, recap.zone, logo)
    try:
        # The documents' environment: same loader, filters, autoescape and long-word breaking.
        template = environment().get_template(TEMPLATE)
        return template.render(
            rekap=view,
            office=office_v,
            ctx=_Printed(local),
            case=_Named(view.period),
            kind=_Named(view.heading, "title"),
            tempat_tanggal=view.place_date,
            channels=CHANNEL_SHORT,
        )
    except TemplateError as exc:
        raise DocumentError(f"template {TEMPLATE} failed: {exc}") from exc


@dataclass(frozen=True)
class _Printed:
    now: datetime  # the print time in the office's zone (base.html's "dicetak" line)


class _Named:
    """base.html names the document by `kind.title` and `case.display_number`."""

    def __init__(self, value: str, attr: str = "display_number") -> None:
        setattr(self, attr, value)
