"""The recap workbook and print-out, read back the way a person (or Excel) would.

A real SQLite database in a temp dir (schema from the migrations), synthetic cases from
`workflow.reports.sample` plus a few written by hand for the edges (confidential reporter, a subject
that looks like a formula, deadlines missed, the period's first and last minutes). The workbook
is opened with openpyxl, the PDF read with pdftotext; every figure is checked against the
database with separate SQL queries.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dumas.workflow.documents.sample import SampleOffice
from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.pdf import render_recap_pdf
from dumas.workflow.reports.periods import Period
from dumas.workflow.reports.recap import (
    Recap,
    RecapSetup,
    channel_label,
    columns,
    klasifikasi_label,
    status_label,
)
from dumas.workflow.reports.sample import CaseFactory, insert_cases
from dumas.workflow.reports.xlsx import read_figures, write_workbook
from dumas.workflow.sop.calendar import Duration, WorkCalendar
from dumas.workflow.sop.definition import DEFAULT_SOP
from dumas.workflow.store.db import make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.letters import number_letter
from dumas.workflow.store.models import Event, Pengaduan, Task

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
OCTOBER = Period.month("2026-10")
NOW = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)  # 1 November 08.00 WIB
SETUP = RecapSetup(DEFAULT_SOP, CAL, "Komisi Pemilihan Umum Kabupaten Kepulauan Mentawai")
SECRET_NAME = "Rahmat Sikaraja"
HEADER_ROW = 3


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB).astimezone(UTC)


def _case(case_id: int, received: datetime, **fields) -> dict:
    row = {
        "id": case_id,
        "number": f"{case_id:03d}/PGD/X/2026",
        "year": 2026,
        "seq": case_id,
        "received_at": received,
        "registered_at": received,
        "channel": "email",
        "subject": "Pengaduan",
        "body": "",
        "terlapor": "",
        "klasifikasi": "etik",
        "pelapor_name": "Warga",
        "pelapor_email": f"w{case_id}@contoh.example",
        "kecamatan": "Sikakap",
        "desa": "Sikakap",
        "tps": "001",
        "missing": [],
        "data": {},
        "step": "telaah",
        "status": "diproses",
    }
    row.update(fields)
    return row


def _hand_made(session) -> None:
    """Cases whose every column we know, at the edges the synthetic ones do not pin down."""
    complete = wib(2026, 10, 1, 9)
    session.add_all(
        [
            # Received at 00:10 WIB on 1 October (still 30 September in UTC): October's first.
            Pengaduan(
                **_case(
                    901,
                    wib(2026, 10, 1, 0, 10),
                    subject='=HYPERLINK("http://x.example")',
                    complete_at=complete,
                    step="selesai",
                    status="selesai",
                    closed_at=complete + timedelta(days=61),
                    outcome="Ditegur.",
                    telaah_at=wib(2026, 10, 9, 10),
                    telaah_result="berkadar_pengawasan",
                    disposisi_to="hukum",
                )
            ),
            # Confidential: the name must not appear anywhere, not even through the subject.
            Pengaduan(
                **_case(
                    902,
                    wib(2026, 10, 15, 10),
                    confidential=True,
                    pelapor_name=SECRET_NAME,
                    pelapor_email="rahmat@contoh.example",
                    subject=f"Laporan {SECRET_NAME} soal TPS 004",
                    kecamatan="",
                    complete_at=wib(2026, 10, 15, 11),
                )
            ),
            # Received at 23:30 WIB on 31 October (16:30 UTC): October's last.
            Pengaduan(
                **_case(
                    903,
                    wib(2026, 10, 31, 23, 30),
                    channel="surat",
                    klasifikasi="",
                    step="verifikasi",
                    status="verifikasi",
                    missing=["bukti"],
                )
            ),
            # Received at 00:10 WIB on 1 November (still 31 October in UTC): not October's.
            Pengaduan(**_case(904, wib(2026, 11, 1, 0, 10))),
        ]
    )
    session.flush()
    session.add_all(
        [
            Task(
                pengaduan_id=901,
                step="verifikasi",
                role="desk",
                opened_at=wib(2026, 10, 1, 8),
                due_at=wib(2026, 10, 1, 8, 30),
                closed_at=wib(2026, 10, 1, 9),
            ),  # late
            Task(
                pengaduan_id=901,
                step="telaah",
                role="hukum",
                opened_at=wib(2026, 10, 2, 8),
                due_at=wib(2026, 10, 12, 16),
                closed_at=wib(2026, 10, 9, 10),
            ),
            Task(
                pengaduan_id=902,
                step="telaah",
                role="hukum",
                opened_at=wib(2026, 10, 16, 8),
                due_at=wib(2026, 10, 27, 16),
                closed_at=None,
            ),  # open and late at NOW
            Task(
                pengaduan_id=903,
                step="verifikasi",
                role="desk",
                opened_at=wib(2026, 11, 2, 8),
                due_at=wib(2026, 11, 2, 8, 30),
                closed_at=None,
            ),  # open, not late yet
            Event(at=wib(2026, 10, 1, 0, 10), pengaduan_id=901, kind="registrasi", summary="-"),
        ]
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('recap')}/dumas.sqlite3"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    factory = CaseFactory(DEFAULT_SOP, DayCounter(CAL), NOW, seed=5)
    with sessions() as session, session.begin():
        insert_cases(session, factory, OCTOBER, 70)
        insert_cases(session, factory, Period.month("2026-09"), 5, first_id=500, first_seq=500)
        _hand_made(session)
        # Two letters approved in October (one on 31 October 23.30 WIB), one on 1 November WIB.
        for at in (wib(2026, 10, 5, 10), wib(2026, 10, 31, 23, 30), wib(2026, 11, 1, 0, 30)):
            number_letter(
                session,
                pattern="{seq:03d}/PP.04-SD/1309/{year}",
                kind="surat_penerusan",
                case=session.get(Pengaduan, 901),
                approved_by="sekretaris@kpu.example",
                approved_role="Sekretaris",
                approved_at=at,
                local_approved_at=at.astimezone(ZoneInfo("Asia/Jakarta")),
                tujuan="Bawaslu Kabupaten Kepulauan Mentawai",
                perihal="Surat Penerusan Pengaduan",
            )
    yield sessions
    engine.dispose()


@pytest.fixture(scope="module")
def produced(db):
    """(workbook bytes, rows, summary, pdf bytes) of October, made once."""
    with db() as session:
        recap = Recap(session, OCTOBER, SETUP, NOW)
        rows = []

        def tee():
            for row in recap.rows():
                rows.append(row)
                yield row

        out = io.BytesIO()
        write_workbook(out, recap, tee())
        pdf = render_recap_pdf(recap, rows, SampleOffice())
    return out.getvalue(), rows, recap.summary, pdf


@pytest.fixture(scope="module")
def book(produced):
    return load_workbook(io.BytesIO(produced[0]))


@pytest.fixture(scope="module")
def pdf_text(produced, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "rekap.pdf"
    path.write_bytes(produced[3])
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return " ".join(out.split())


def _in_october(query):
    start, end = OCTOBER.bounds(WIB)
    return query.where(Pengaduan.received_at >= start, Pengaduan.received_at < end)


def _db_counts(db, column) -> Counter:
    with db() as session:
        pairs = session.execute(_in_october(select(column, func.count()).group_by(column)))
        return Counter(dict(pairs.all()))


def _detail(book) -> tuple[list[str], list[tuple]]:
    ws = book["Rekapitulasi"]
    rows = list(ws.iter_rows(values_only=True))
    return list(rows[HEADER_ROW - 1]), rows[HEADER_ROW:]


def _summary_sections(book) -> dict[str, dict[str, int]]:
    """{section title: {label: count}} from the Ringkasan sheet."""
    out, current = {}, None
    for label, count, *_ in book["Ringkasan"].iter_rows(values_only=True):
        if count == "Jumlah" or count == "Umur (hari kerja)":
            current = out.setdefault(label, {})
        elif label is None:
            current = None
        elif current is not None:
            current[label] = count
    return out


def _by_number(book) -> dict[str, dict]:
    header, rows = _detail(book)
    return {r[1]: dict(zip(header, r, strict=False)) for r in rows}


# --- the rows --------------------------------------------------------------------------------


def test_one_row_per_complaint_of_the_period_in_order_of_receipt(db, book):
    header, rows = _detail(book)
    assert header == [c.header for c in columns(DEFAULT_SOP)]
    with db() as session:
        expected = (
            session.execute(
                _in_october(select(Pengaduan.number)).order_by(Pengaduan.received_at, Pengaduan.id)
            )
            .scalars()
            .all()
        )
    assert [r[1] for r in rows] == expected
    assert [r[0] for r in rows] == list(range(1, len(expected) + 1))
    assert expected[0] == "901/PGD/X/2026" and expected[-1] == "903/PGD/X/2026"
    assert "904/PGD/X/2026" not in expected  # 1 November WIB, though 31 October in UTC


def test_dates_are_real_dates_in_the_office_zone_formatted_dd_mm_yyyy(book):
    ws = book["Rekapitulasi"]
    first = ws.cell(HEADER_ROW + 1, 3)
    assert first.is_date and first.value == datetime(2026, 10, 1)  # 1 Oct WIB, not 30 Sep UTC
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        for idx in (2, 12, 17):  # diterima, telaah, selesai
            cell = row[idx]
            if cell.value is not None:
                assert cell.is_date and cell.number_format == "dd-mm-yyyy"


def test_confidential_reporter_is_masked_everywhere(book, produced, pdf_text):
    row = _by_number(book)["902/PGD/X/2026"]
    assert row["Pelapor"] == "Dirahasiakan"
    values = " ".join(str(v) for v in row.values() if v is not None)
    assert "Rahmat" not in values and "Sikaraja" not in values and "rahmat@" not in values
    assert "TPS 004" in row["Perihal/Ringkasan"]  # the rest of the subject stays readable
    assert "Rahmat" not in pdf_text and "Sikaraja" not in pdf_text
    masked = sum(1 for r in produced[1] if r.pelapor == "Dirahasiakan")
    assert masked >= 2  # the hand-made one and some synthetic ones


def test_a_subject_that_looks_like_a_formula_stays_text(book):
    ws = book["Rekapitulasi"]
    cell = ws.cell(HEADER_ROW + 1, 10)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        assert all(c.data_type != "f" for c in row)


def test_timeliness_per_step_and_against_the_limit(book):
    rows = _by_number(book)
    late_limit = rows["901/PGD/X/2026"]  # closed 61 days after the file was complete
    assert late_limit["Tepat Waktu (batas 60 hari kalender)"] == "Tidak"
    assert late_limit["Tepat Waktu per Tahap SOP"] == "Tidak"
    assert "Verifikasi kelengkapan pengaduan" in late_limit["Keterangan"]
    assert "Penelaahan" not in late_limit["Keterangan"]  # that task was on time
    assert late_limit["Hari Kerja Dipakai"] == CAL.working_days_used(
        wib(2026, 10, 1, 9), wib(2026, 10, 1, 9) + timedelta(days=61)
    )
    assert late_limit["Tanggal Selesai"] == datetime(2026, 12, 1)
    assert late_limit["Disposisi kepada"] == "Sub Bagian Hukum"
    assert late_limit["Hasil Telaah"] == "Berkadar pengawasan"
    open_late = rows["902/PGD/X/2026"]  # open; its task's deadline passed before NOW
    assert open_late["Tepat Waktu per Tahap SOP"] == "Tidak"
    assert open_late["Tepat Waktu (batas 60 hari kalender)"] == "Berjalan"
    assert open_late["Hari Kerja Dipakai"] == CAL.working_days_used(wib(2026, 10, 15, 11), NOW)
    waiting = rows["903/PGD/X/2026"]  # open, not complete: the limit has not started
    assert waiting["Tepat Waktu per Tahap SOP"] == "Ya"
    assert waiting["Tepat Waktu (batas 60 hari kalender)"] == "-"
    assert "Belum lengkap" in waiting["Keterangan"]
    assert waiting["Saluran"] == channel_label("surat")


def test_synthetic_rows_agree_with_an_independent_reading_of_the_tasks(db, produced):
    _, rows, _, _ = produced
    with db() as session:
        tasks = session.execute(select(Task.pengaduan_id, Task.due_at, Task.closed_at)).all()
        numbers = dict(session.execute(select(Pengaduan.id, Pengaduan.number)).all())
    late = {
        numbers[pid]
        for pid, due, closed in tasks
        if (closed is not None and closed > due) or (closed is None and due < NOW)
    }
    having = {numbers[pid] for pid, _, _ in tasks}
    for row in rows:
        expected = "-" if row.number not in having else "Tidak" if row.number in late else "Ya"
        assert row.tepat_tahap == expected, row.number


# --- the sheet's form ------------------------------------------------------------------------


def test_title_frozen_bold_header_autofilter_and_print_setup(book, produced):
    ws = book["Rekapitulasi"]
    assert "REKAPITULASI PENGADUAN MASYARAKAT" in ws["A1"].value
    assert "KEPULAUAN MENTAWAI" in ws["A1"].value and "Oktober 2026" in ws["A2"].value
    assert ws.freeze_panes == f"C{HEADER_ROW + 1}"
    assert all(c.font.b for c in ws[HEADER_ROW])
    count = len(produced[1])
    assert ws.auto_filter.ref == f"A{HEADER_ROW}:V{HEADER_ROW + count}"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    summary = book["Ringkasan"]
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    agenda = list(book["Agenda Surat Keluar"].iter_rows(min_row=HEADER_ROW, values_only=True))
    assert agenda[0][:2] == ("No.", "Nomor Surat")
    assert [r[1] for r in agenda[1:]] == ["001/PP.04-SD/1309/2026", "002/PP.04-SD/1309/2026"]
    assert agenda[1][5]  # the case number
    assert int(summary.page_setup.paperSize) == 9 and summary.page_setup.orientation == "portrait"
    widths = {
        c.header: ws.column_dimensions[chr(ord("A") + i)].width
        for i, c in enumerate(columns(DEFAULT_SOP))
    }
    assert widths["Perihal/Ringkasan"] >= 30 and widths["No"] < 10


def test_the_agenda_says_who_approved_or_that_the_sop_decided():
    from dumas.workflow.reports.xlsx import LETTER_HEADERS, _approver
    from dumas.workflow.store.models import OutgoingLetter

    assert "Disetujui/ditetapkan oleh" in LETTER_HEADERS
    approved = OutgoingLetter(approved_by="sekretaris@kpu.example", approved_role="Sekretaris")
    assert _approver(approved) == "Sekretaris (sekretaris@kpu.example)"
    closed = OutgoingLetter(approved_by="sistem", approved_role="Sistem Dumas")
    assert _approver(closed) == "Otomatis oleh sistem (sesuai SOP)"


def test_long_text_wraps(book):
    ws = book["Rekapitulasi"]
    perihal = [r[9] for r in ws.iter_rows(min_row=HEADER_ROW + 1) if r[9].value]
    long = [c for c in perihal if len(c.value) > 40]
    assert long and all(c.alignment.wrap_text for c in long)
    # Their rows are tall enough for the lines (programs do not all grow rows on opening).
    assert all(ws.row_dimensions[c.row].height >= 30 for c in long)
    short = [
        r
        for r in ws.iter_rows(min_row=HEADER_ROW + 1)
        if all(
            not isinstance(c.value, str) or len(c.value) <= 12 or not c.alignment.wrap_text
            for c in r
        )
    ]
    assert short and all(ws.row_dimensions[r[0].row].height is None for r in short)


# --- the summary -----------------------------------------------------------------------------


def test_summary_counts_equal_the_database(db, book):
    sections = _summary_sections(book)
    total = sum(_db_counts(db, Pengaduan.status).values())
    assert (
        dict(book["Ringkasan"].iter_rows(min_row=4, max_row=4, max_col=2, values_only=True))[
            "Jumlah pengaduan diterima"
        ]
        == total
    )
    expect = {
        "Menurut status": {
            status_label(k, DEFAULT_SOP): n for k, n in _db_counts(db, Pengaduan.status).items()
        },
        "Menurut saluran": {
            channel_label(k): n for k, n in _db_counts(db, Pengaduan.channel).items()
        },
        "Menurut klasifikasi": {
            klasifikasi_label(k) or "(belum diklasifikasi)": n
            for k, n in _db_counts(db, Pengaduan.klasifikasi).items()
        },
        "Menurut kecamatan": {
            k or "(tidak diketahui)": n for k, n in _db_counts(db, Pengaduan.kecamatan).items()
        },
        "Menurut instansi tujuan penerusan": {
            k: n for k, n in _db_counts(db, Pengaduan.forwarded_to).items() if k
        },
    }
    for title, counts in expect.items():
        assert sections[title] == counts, title
        assert sum(counts.values()) <= total
    closed = sum(n for k, n in _db_counts(db, Pengaduan.closed_at.is_not(None)).items() if k)
    assert sections["Penyelesaian"]["Pengaduan yang telah ditutup"] == closed


def test_open_at_period_end_counts_cases_closed_later_as_open(db, book):
    end = OCTOBER.bounds(WIB)[1]
    with db() as session:
        still_open = session.execute(
            _in_october(
                select(func.count()).where(
                    (Pengaduan.closed_at.is_(None)) | (Pengaduan.closed_at >= end)
                )
            )
        ).scalar()
    ages = _summary_sections(book)["Masih terbuka pada akhir periode, menurut umur"]
    assert ages.pop("Jumlah masih terbuka") == still_open == sum(ages.values())


def test_percentages_are_numbers_formatted_as_percent(book):
    ws = book["Ringkasan"]
    shares = [r[2] for r in ws.iter_rows(min_row=6) if isinstance(r[2].value, float)]
    assert shares and all(c.number_format == "0.0%" for c in shares)
    assert all(0 <= c.value <= 1 for c in shares)


def test_weekly_chart_is_present_with_one_bar_per_week(book, produced):
    ws = book["Ringkasan"]
    assert len(ws._charts) == 1
    weeks = _summary_sections(book)["Pengaduan diterima per minggu"]
    assert list(weeks) == [label for label, _, _ in OCTOBER.buckets()]
    assert sum(weeks.values()) == len(produced[1])
    by_week = Counter()
    for row in produced[1]:
        label = next(lbl for lbl, first, stop in OCTOBER.buckets() if first <= row.received < stop)
        by_week[label] += 1
    assert weeks == {k: by_week.get(k, 0) for k in weeks}


def test_figures_property_matches_the_summary(produced):
    figures = read_figures(produced[0])
    summary = produced[2]
    assert figures["period"] == "recap:2026-10" and figures["total"] == summary.total
    assert figures["closed"] == summary.closed
    assert dict(figures["by_status"]) == dict(summary.by_status)


# --- the print-out -----------------------------------------------------------------------------


def test_pdf_shows_the_same_totals(produced, pdf_text, book):
    summary = produced[2]
    assert f"Jumlah pengaduan diterima: {summary.total}" in pdf_text
    for label, count in _summary_sections(book)["Menurut status"].items():
        assert re.search(rf"{re.escape(label)} {count} \d", pdf_text), label
    closed = _summary_sections(book)["Penyelesaian"]["Pengaduan yang telah ditutup"]
    assert f"Pengaduan yang telah ditutup {closed} " in pdf_text
    assert "REKAPITULASI PENGADUAN MASYARAKAT" in pdf_text.upper()
    assert "Sekretaris" in pdf_text and "NIP." in pdf_text


def test_pdf_lists_the_rows_and_says_where_the_full_list_is(produced, pdf_text):
    for row in produced[1][:3]:
        assert row.number in pdf_text
    assert "lembar Rekapitulasi" in pdf_text


def test_pdf_cuts_a_long_list_and_says_so(db, tmp_path):
    from dumas.workflow.reports import pdf as recap_pdf

    with db() as session:
        recap = Recap(session, OCTOBER, SETUP, NOW)
        rows = list(recap.rows())
        html = recap_pdf.render_recap_html(recap, rows[:5], SampleOffice())
    assert rows[5].number not in html and rows[4].number in html
    assert f"5 pengaduan pertama dari {len(rows)}" in html


def test_an_empty_period_makes_an_honest_empty_recap(db):
    with db() as session:
        recap = Recap(session, Period.month("2026-08"), SETUP, NOW)
        out = io.BytesIO()
        summary = write_workbook(out, recap)
        pdf = render_recap_pdf(recap, [], SampleOffice())
    assert summary.total == 0 and pdf.startswith(b"%PDF")
    ws = load_workbook(io.BytesIO(out.getvalue()))["Rekapitulasi"]
    assert "Tidak ada pengaduan" in ws.cell(HEADER_ROW + 1, 2).value


def test_rows_come_one_by_one_and_the_summary_fills_as_they_go(db, monkeypatch):
    """Small batches: the first row is there (and counted) before the rest were read."""
    from dumas.workflow.reports import recap as recap_module

    monkeypatch.setattr(recap_module, "BATCH", 10)
    with db() as session:
        recap = Recap(session, OCTOBER, SETUP, NOW)
        rows = recap.rows()
        first = next(rows)
        assert first.no == 1 and recap.summary.total == 1
        assert sum(1 for _ in rows) == recap.count() - 1


def test_limit_in_working_days_is_honoured():
    sop = DEFAULT_SOP.__class__(steps=DEFAULT_SOP.steps, case_limit=Duration(60, "working_days"))
    cols = columns(sop)
    assert cols[20].header == "Tepat Waktu (batas 60 hari kerja)"


def test_an_open_case_past_the_limits_reminder_is_flagged(db):
    # 902 was complete on 15 October: day 45 ends on 29 November, day 60 on 14 December.
    flags = {}
    for now in (wib(2026, 11, 29, 12), wib(2026, 11, 30, 9), wib(2026, 12, 15, 9)):
        with db() as session:
            rows = {r.number: r for r in Recap(session, OCTOBER, SETUP, now).rows()}
        flags[now] = rows["902/PGD/X/2026"].tepat_batas
    assert list(flags.values()) == ["Berjalan", "Berjalan, mendekati batas", "Tidak"]
