"""The recap workbook: "Rekapitulasi" (one row per complaint) and "Ringkasan" (figures, chart).

openpyxl in write-only mode: rows go to a temporary file as they come, so 100,000 complaints take
the memory of one row. The price is that everything about a sheet's layout is decided before
its first row: column widths are fixed per column (wide enough for their usual content, long text
wrapped), and the summary sheet is written after the rows, once the figures are known.

Formatting a person expects: a title row with the office and the period, a bold frozen header
with an autofilter, dates as real dates in dd-mm-yyyy, and a print setup (A4 landscape, one page
wide, header row repeated, "Halaman x dari y").

Text from complaints is always written as text: a subject that starts with "=" stays a string,
never a formula (openpyxl would otherwise store it as one).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from datetime import date
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.worksheet import Worksheet

from dumas.workflow.errors import DocumentError
from dumas.workflow.reports.recap import Column, Recap, RecapRow, columns
from dumas.workflow.reports.summary import Summary, SummaryLine
from dumas.workflow.sop.transitions import when
from dumas.workflow.store.letters import letter_register
from dumas.workflow.store.models import OutgoingLetter, Pengaduan

HEADER_ROW = 3
FIGURES_PROPERTY = "dumas.figures"  # a custom document property: the summary's key figures
DATE_FORMAT = "dd-mm-yyyy"
PERCENT_FORMAT = "0.0%"
LINE_HEIGHT, MAX_LINES = 15, 12  # points per line of the default 11-point font; rows stay sane
# Day 0 of Excel's 1900 date system (as used for every date after February 1900): a date cell is
# this serial number with a date format, which is what openpyxl writes for a `date` too.
EXCEL_EPOCH = date(1899, 12, 30).toordinal()


class _Cell(Cell):
    """A cell with a cheap repr: a write-only sheet formats `repr(cell)` into an exception it
    raises and catches for every cell object appended, which adds up over a million cells."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<Cell>"


class _Styles:
    """Prototype style arrays, made once per sheet and shared by every cell that needs one."""

    def __init__(self, ws):
        self.ws = ws
        thin = Side(style="thin", color="808080")
        self.title = self._make(font=Font(bold=True, size=13))
        self.bold = self._make(font=Font(bold=True))
        self.header = self._make(
            font=Font(bold=True),
            fill=PatternFill("solid", fgColor="D9E1F2"),
            alignment=Alignment(wrap_text=True, vertical="center"),
            border=Border(top=thin, bottom=thin, left=thin, right=thin),
        )
        # Excel's default bottom alignment everywhere: wrapped and one-line cells then line up
        # the same way, so only text too long for its column needs a style at all.
        self.date = self._make(number_format=DATE_FORMAT)
        self.wrap = self._make(alignment=Alignment(wrap_text=True))
        self.percent = self._make(number_format=PERCENT_FORMAT)

    def _make(self, **attrs):
        cell = Cell(self.ws, row=1, column=1)
        for name, value in attrs.items():
            setattr(cell, name, value)
        # The style array has no public accessor; types-openpyxl declares the slot without a type.
        return cell._style  # type: ignore[attr-defined]

    def cell(self, value, style=None) -> Cell:
        cell = _Cell(self.ws, row=1, column=1, value=value, style_array=style)
        if isinstance(value, str) and cell.data_type == "f":
            cell.data_type = "s"  # untrusted text is never a formula
        return cell


def write_workbook(
    target: str | IO[bytes], recap: Recap, rows: Iterable[RecapRow] | None = None
) -> Summary:
    """Write the workbook of `recap` to `target` (a path or a binary file); returns the summary.

    `rows` defaults to `recap.rows()`; pass another iterable over them (a tee) to use the same
    pass for something else.
    """
    wb = Workbook(write_only=True)
    cols = columns(recap.setup.sop)
    detail = wb.create_sheet("Rekapitulasi")
    count = _write_rows(detail, cols, recap, recap.rows() if rows is None else rows)
    _finish_rows(detail, cols, count)
    _write_summary(wb.create_sheet("Ringkasan"), recap)
    _write_letters(wb.create_sheet("Agenda Surat Keluar"), recap)
    # Custom properties came with openpyxl 3.1; types-openpyxl does not declare them yet.
    wb.custom_doc_props.append(  # type: ignore[attr-defined]
        StringProperty(
            name=FIGURES_PROPERTY,
            value=json.dumps(
                {
                    "period": recap.period.key,
                    "as_of": recap.now.isoformat(),
                    **recap.summary.figures(),
                }
            ),
        )
    )
    wb.save(target)
    return recap.summary


def read_figures(data: bytes) -> dict[str, Any]:
    """The key figures a workbook of ours was made with (see `Summary.figures`)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True)
        props = wb.custom_doc_props  # type: ignore[attr-defined]  # as in write_workbook
        found = next(p.value for p in props if p.name == FIGURES_PROPERTY)
        return json.loads(found)
    except (StopIteration, ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        raise DocumentError(f"not a recap workbook of Dumas: {type(exc).__name__}") from exc


def titles(recap: Recap) -> tuple[str, str]:
    """The title row and the line under it, shared with the print-out."""
    what = "Laporan Semester" if recap.period.kind == "semester" else "Rekapitulasi"
    first = f"{what} Pengaduan Masyarakat {recap.setup.office_name}"
    second = (
        f"Periode {recap.period.label} ({recap.period.range_label}) · keadaan per "
        f"{when(recap.now, recap.setup.calendar)}"
    )
    return first, second


# --- Rekapitulasi -------------------------------------------------------------------------------


def _write_rows(ws, cols: tuple[Column, ...], recap: Recap, rows: Iterable[RecapRow]) -> int:
    st = _Styles(ws)
    for i, col in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"C{HEADER_ROW + 1}"  # the header and the No/Nomor columns stay in view
    ws.row_dimensions[HEADER_ROW].height = 45  # three lines of the wrapped headers
    _print_setup(ws, f"{HEADER_ROW}:{HEADER_ROW}")  # before the rows: it is in the sheet's head
    first, second = titles(recap)
    ws.append([st.cell(first.upper(), st.title)])
    ws.append([st.cell(second)])
    ws.append([st.cell(c.header, st.header) for c in cols])
    slots = _Slots(st, cols)
    # The <row> attributes of each height, lent to a row while it is written: the sheet writer
    # adds `row_dimensions[row]` to the row's attributes. Plain attribute dicts, because a
    # RowDimension per row would be kept for all 100,000 rows, and even one shared RowDimension
    # costs a tenth of the whole run to turn into attributes row after row.
    tall = {n: dict(RowDimension(ws, ht=LINE_HEIGHT * n)) for n in range(2, MAX_LINES + 1)}
    count, heights = 0, ws.row_dimensions
    for row in rows:
        cells, lines = slots.cells(row)
        count += 1
        if lines > 1:
            number = HEADER_ROW + count
            heights[number] = tall[min(lines, MAX_LINES)]
            ws.append(cells)
            del heights[number]
        else:
            ws.append(cells)
    if not count:
        ws.append([None, st.cell("Tidak ada pengaduan yang diterima pada periode ini.")])
    return count


class _Slots:
    """How a `RecapRow` becomes a sheet row, decided once per sheet.

    Date and long-text columns get a reusable styled cell each (a write-only sheet writes a row
    out completely inside `append`, so one cell object per column can be refilled row after
    row). A text shorter than its column fits without wrapping and is written plain; free-text
    columns are checked for a leading "=". A row with wrapped text gets a height for its lines:
    spreadsheet programs do not reliably grow rows of a file on opening (LibreOffice leaves
    many at one line, the wrapped lines drawn over the next row).
    """

    def __init__(self, st: _Styles, cols: tuple[Column, ...]):
        self.st = st
        self.styled = []  # (index, cell, wrap above this length, characters a line; 0: dates)
        self.dates = [i for i, c in enumerate(cols) if c.kind == "date"]
        self.texts = [i for i, c in enumerate(cols) if c.kind in ("text", "wrap")]
        for i, col in enumerate(cols):
            if col.kind == "date":
                self.styled.append((i, _Cell(st.ws, row=1, column=1, style_array=st.date), 0, 0))
            elif col.kind == "wrap":
                # A width of N is N digit "0"s of the default font; running text is narrower,
                # so N characters fit a line (also in LibreOffice's substitute for Calibri).
                width = int(col.width)
                self.styled.append(
                    (i, _Cell(st.ws, row=1, column=1, style_array=st.wrap), width, width)
                )

    def cells(self, row: RecapRow) -> tuple[list[Any], int]:
        """The values and cells to append, and the number of text lines of the row."""
        # Any: each column's kind decides its type (a date, a text, a number, or a styled cell
        # in its place), and this loop runs a million times: no isinstance() per cell.
        out: list[Any] = [None if v == "" else v for v in row]
        for i in self.dates:
            if out[i] is not None:
                out[i] = out[i].toordinal() - EXCEL_EPOCH  # the serial, as Excel stores dates
        lines = 1
        for i, slot, fits, per_line in self.styled:
            value = out[i]
            if value is not None and (not fits or len(value) > fits):
                slot.value = value
                if slot.data_type == "f":
                    slot.data_type = "s"  # untrusted text is never a formula
                out[i] = slot
                if per_line:
                    lines = max(lines, -(-len(value) // per_line))
        for i in self.texts:
            value = out[i]
            if type(value) is str and value[0] == "=":
                out[i] = self.st.cell(value)
        return out, lines


def _finish_rows(ws, cols: tuple[Column, ...], count: int) -> None:
    last = get_column_letter(len(cols))
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(count, 1)}"


def _print_setup(ws, title_rows: str | None = None, orientation: str = "landscape") -> None:
    """A4, one page wide. Call before the first row: a write-only sheet writes the fit-to-page
    flag in its head."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "Halaman &P dari &N"
    if title_rows:
        ws.print_title_rows = title_rows


# --- Agenda Surat Keluar ------------------------------------------------------------------------

SYSTEM = "sistem"  # `approved_by` of a letter no one approved: a closure by the SOP's clock


def _approver(x: OutgoingLetter) -> str:
    if x.approved_by == SYSTEM:
        return "Otomatis oleh sistem (sesuai SOP)"
    return f"{x.approved_role} ({x.approved_by})"


LETTER_HEADERS = (
    "No.",
    "Nomor Surat",
    "Tanggal",
    "Jenis Surat",
    "Tujuan",
    "Nomor Registrasi Pengaduan",
    "Disetujui/ditetapkan oleh",
    "Waktu Persetujuan/Penetapan",
    "Kode Verifikasi",
)


def _write_letters(ws, recap: Recap) -> None:
    """The buku agenda surat keluar of the period: every numbered letter approved in it, in
    number order (the register a Tata Naskah Dinas office keeps by hand)."""
    for letter, width in zip("ABCDEFGHI", (6, 28, 12, 36, 40, 22, 36, 30, 14), strict=False):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")
    sheet = _Sheet(ws)
    first, second = titles(recap)
    sheet.append([sheet.st.cell(f"AGENDA SURAT KELUAR — {first.upper()}", sheet.st.title)])
    sheet.append([sheet.st.cell(second)])
    sheet.head(*LETTER_HEADERS)
    letters = letter_register(recap.session, recap.start, recap.end)
    numbers = {
        p.id: p.number or ""
        for p in recap.session.query(Pengaduan).filter(
            Pengaduan.id.in_({x.pengaduan_id for x in letters if x.pengaduan_id})
        )
    }
    for i, x in enumerate(letters, 1):
        local = x.approved_at.astimezone(recap.zone)
        sheet.append(
            [
                i,
                x.nomor,
                sheet.st.cell(local.date().toordinal() - EXCEL_EPOCH, sheet.st.date),
                x.perihal,
                sheet.st.cell(x.tujuan, sheet.st.wrap),
                numbers.get(x.pengaduan_id or 0, ""),
                sheet.st.cell(_approver(x), sheet.st.wrap),
                when(x.approved_at, recap.setup.calendar),
                x.kode,
            ]
        )
    if not letters:
        sheet.append([None, "Tidak ada surat keluar pada periode ini."])


# --- Ringkasan ----------------------------------------------------------------------------------


class _Sheet:
    """A write-only sheet that knows which row it is on (the chart needs cell references)."""

    def __init__(self, ws):
        self.ws, self.st, self.row = ws, _Styles(ws), 0

    def append(self, values: list) -> int:
        self.ws.append(values)
        self.row += 1
        return self.row

    def head(self, *titles: str) -> int:
        return self.append([self.st.cell(h, self.st.header) for h in titles])

    def line(self, line: SummaryLine, bold: bool = False) -> int:
        share = self.st.cell(line.share, self.st.percent) if line.whole else None
        label = self.st.cell(line.label, self.st.bold if bold else self.st.wrap)
        return self.append([label, line.count, share, line.whole or None])


def _write_summary(ws, recap: Recap) -> None:
    for letter, width in zip("ABCD", (58, 12, 13, 12), strict=False):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, orientation="portrait")
    sheet, s = _Sheet(ws), recap.summary
    first, second = titles(recap)
    sheet.append([sheet.st.cell(f"RINGKASAN — {first.upper()}", sheet.st.title)])
    sheet.append([sheet.st.cell(second)])
    sheet.append([])
    sheet.append([sheet.st.cell("Jumlah pengaduan diterima", sheet.st.bold), s.total])
    sheet.append([])
    for table in s.tables():
        sheet.head(table.title, "Jumlah", "Persentase", "Dari")
        for line in table.lines:
            sheet.line(line)
        if table.total:
            sheet.line(table.total, bold=True)
        sheet.append([])
    _write_oldest(sheet, s)
    _write_chart(sheet, recap)


def _write_oldest(sheet: _Sheet, s: Summary) -> None:
    oldest = s.oldest()
    if not oldest:
        return
    sheet.head(
        "Pengaduan terbuka terlama pada akhir periode",
        "Umur (hari kerja)",
        "Diterima",
        "Status saat ini",
    )
    for age, number, received, status in oldest:
        sheet.append(
            [
                sheet.st.cell(number),
                age,
                sheet.st.cell(received, sheet.st.date),
                sheet.st.cell(status),
            ]
        )
    if s.open_at_end > len(oldest):
        sheet.append(
            [
                sheet.st.cell(
                    f"… dan {s.open_at_end - len(oldest)} pengaduan lainnya "
                    "(lihat lembar Rekapitulasi)"
                )
            ]
        )
    sheet.append([])


def _write_chart(sheet: _Sheet, recap: Recap) -> None:
    unit = recap.summary.bucket_unit
    head = sheet.head(f"Pengaduan diterima per {unit}", "Jumlah")
    last = head
    for label, count in recap.summary.per_bucket:
        last = sheet.append([sheet.st.cell(label), count])
    chart = BarChart()
    chart.type, chart.style, chart.legend = "col", 10, None
    chart.title = f"Pengaduan diterima per {unit} — {recap.period.label}"
    chart.y_axis.title, chart.x_axis.title = "Jumlah pengaduan", unit.capitalize()
    chart.x_axis.delete = chart.y_axis.delete = False  # openpyxl 3.1 hides axes otherwise
    chart.add_data(
        Reference(sheet.ws, min_col=2, min_row=head, max_row=last), titles_from_data=True
    )
    chart.set_categories(Reference(sheet.ws, min_col=1, min_row=head + 1, max_row=last))
    chart.width, chart.height = 18, 8
    sheet.ws.add_chart(chart, f"A{last + 2}")
