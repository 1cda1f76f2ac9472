"""Report periods (workflow.reports.periods) and the fast working-day counter (workflow.reports.days)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.periods import RECAP, SEMESTER, Delivery, Period, period_of
from dumas.workflow.sop.calendar import Duration, WorkCalendar

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar(extra_days_off=[date(2026, 10, 2)])
DELIVERY = Delivery(CAL, recap_day=1, recap_time=time(8))


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def at_wib(moment: datetime) -> datetime:
    assert moment.tzinfo is UTC
    return moment.astimezone(WIB)


# --- naming ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, key, label",
    [
        ("2026-10", "recap:2026-10", "Oktober 2026"),
        ("2026-1", "recap:2026-01", "Januari 2026"),
        (" 2027-12 ", "recap:2027-12", "Desember 2027"),
    ],
)
def test_month_parsing_and_names(text, key, label):
    period = Period.month(text)
    assert (period.key, period.label) == (key, label)
    assert Period.from_key(key) == period


@pytest.mark.parametrize(
    "text, key, label, months",
    [
        ("2026-1", "semester:2026-1", "Semester I Tahun 2026", (1, 6)),
        ("2026-2", "semester:2026-2", "Semester II Tahun 2026", (7, 12)),
    ],
)
def test_semester_parsing_and_names(text, key, label, months):
    period = Period.semester(text)
    assert (period.key, period.label) == (key, label)
    assert (period.first_day.month, period.last_day.month) == months
    assert Period.from_key(key) == period


@pytest.mark.parametrize("bad", ["2026-13", "2026-0", "2026", "10-2026", "2026/10", "", "abcd-ef"])
def test_bad_months_are_refused_with_the_expected_form(bad):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.month(bad)


@pytest.mark.parametrize("bad", ["2026-3", "2026-0", "2026-01", "2026"])
def test_bad_semesters_are_refused(bad):
    with pytest.raises(ValueError, match="YYYY-1"):
        Period.semester(bad)


def test_ranges_and_file_names():
    assert Period.month("2026-02").range_label == "1–28 Februari 2026"
    assert Period.month("2028-02").range_label == "1–29 Februari 2028"
    assert Period.semester("2026-1").range_label == "1 Januari–30 Juni 2026"
    assert Period.month("2026-10").slug == "rekap-pengaduan-2026-10"
    assert Period.semester("2026-2").slug == "laporan-semester-pengaduan-2026-2"


def test_next_and_previous_cross_the_year():
    assert Period.month("2026-12").next() == Period.month("2027-01")
    assert Period.month("2027-01").previous() == Period.month("2026-12")
    assert Period.semester("2026-2").next() == Period.semester("2027-1")
    assert Period.semester("2027-1").previous() == Period.semester("2026-2")


# --- bounds ----------------------------------------------------------------------------------


def test_bounds_are_office_midnights_in_utc():
    start, end = Period.month("2026-10").bounds(WIB)
    assert (at_wib(start), at_wib(end)) == (wib(2026, 10, 1), wib(2026, 11, 1))
    assert start == datetime(2026, 9, 30, 17, tzinfo=UTC)
    start, end = Period.semester("2026-2").bounds(WIB)
    assert (at_wib(start), at_wib(end)) == (wib(2026, 7, 1), wib(2027, 1, 1))


def test_an_instant_belongs_to_the_period_of_its_office_date():
    # 31 October 18:30 UTC is already 1 November in Jakarta.
    late = datetime(2026, 10, 31, 18, 30, tzinfo=UTC)
    assert period_of(RECAP, late, WIB) == Period.month("2026-11")
    assert period_of(SEMESTER, wib(2026, 6, 30, 23, 59), WIB) == Period.semester("2026-1")
    assert period_of(SEMESTER, wib(2026, 7, 1), WIB) == Period.semester("2026-2")


def test_week_buckets_cover_the_month_exactly_once_monday_to_sunday():
    period = Period.month("2026-10")  # 1 October 2026 is a Thursday
    buckets = period.buckets()
    assert [b[0] for b in buckets] == ["1–4 Okt", "5–11 Okt", "12–18 Okt", "19–25 Okt", "26–31 Okt"]
    days = [d for _, first, stop in buckets for d in range(first.toordinal(), stop.toordinal())]
    assert days == list(range(period.first_day.toordinal(), period.end_day.toordinal()))
    assert all(first.weekday() == 0 for _, first, _ in buckets[1:])


def test_a_single_day_bucket_is_named_by_its_day():
    # 1 February 2026 is a Sunday: its first week is that one day.
    assert Period.month("2026-02").buckets()[0][0] == "1 Feb"


def test_semester_buckets_are_its_six_months():
    buckets = Period.semester("2026-2").buckets()
    assert [b[0] for b in buckets] == [
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]
    assert buckets[-1][2] == date(2027, 1, 1)


# --- delivery --------------------------------------------------------------------------------


def test_monthly_delivery_is_on_recap_day_at_recap_time_office_time():
    assert at_wib(DELIVERY.moment(Period.month("2026-10"))) == wib(2026, 11, 1, 8)
    later = Delivery(CAL, recap_day=5, recap_time=time(9, 30))
    assert at_wib(later.moment(Period.month("2026-12"))) == wib(2027, 1, 5, 9, 30)


def test_semester_delivery_is_the_first_working_day_of_january_and_july():
    # 1 January 2027 is a holiday (Friday), then a weekend: Monday 4 January.
    assert at_wib(DELIVERY.moment(Period.semester("2026-2"))) == wib(2027, 1, 4, 8)
    # 1 July 2026 is a Wednesday and a working day.
    assert at_wib(DELIVERY.moment(Period.semester("2026-1"))) == wib(2026, 7, 1, 8)
    # An office day off moves it too.
    office = Delivery(WorkCalendar(extra_days_off=[date(2026, 7, 1)]))
    assert at_wib(office.moment(Period.semester("2026-1"))) == wib(2026, 7, 2, 8)


def test_nothing_is_due_before_the_delivery_moment():
    since = wib(2026, 10, 5)
    assert DELIVERY.due(RECAP, since, wib(2026, 11, 1, 7, 59)) == []
    assert DELIVERY.due(RECAP, since, wib(2026, 11, 1, 8)) == [Period.month("2026-10")]


def test_catch_up_after_downtime_lists_every_missed_period_oldest_first():
    since = wib(2026, 9, 10)
    due = DELIVERY.due(RECAP, since, wib(2027, 1, 20))
    assert [p.code for p in due] == ["2026-09", "2026-10", "2026-11", "2026-12"]
    done = {"recap:2026-09", "recap:2026-11"}
    assert [p.code for p in DELIVERY.due(RECAP, since, wib(2027, 1, 20), done)] == [
        "2026-10",
        "2026-12",
    ]


def test_semesters_due_from_the_one_containing_the_start():
    due = DELIVERY.due(SEMESTER, wib(2026, 3, 1), wib(2027, 1, 4, 8))
    assert [p.key for p in due] == ["semester:2026-1", "semester:2026-2"]
    assert DELIVERY.due(SEMESTER, wib(2026, 3, 1), wib(2027, 1, 4, 7, 59)) == [
        Period.semester("2026-1")
    ]


def test_a_start_after_now_owes_nothing():
    assert DELIVERY.due(RECAP, wib(2027, 1, 1), wib(2026, 12, 1)) == []


def test_latest_due():
    assert DELIVERY.latest_due(RECAP, wib(2026, 11, 1, 7)) == Period.month("2026-09")
    assert DELIVERY.latest_due(RECAP, wib(2026, 11, 1, 8)) == Period.month("2026-10")
    assert DELIVERY.latest_due(SEMESTER, wib(2027, 1, 3)) == Period.semester("2026-1")


def test_recap_day_must_exist_in_every_month():
    with pytest.raises(ValueError):
        Delivery(CAL, recap_day=31)


# --- the day counter agrees with the calendar ------------------------------------------------


def _instants(rnd: random.Random, n: int) -> list[datetime]:
    base = wib(2025, 12, 1)
    out = []
    for _ in range(n):
        at = base + timedelta(minutes=rnd.randrange(0, 60 * 24 * 500))
        day = CAL.local_date(at)
        # Often exactly at, or just around, opening and closing time: the edges of the rules.
        out.append(
            rnd.choice(
                [
                    at,
                    at,
                    CAL.opening(day),
                    CAL.closing(day),
                    CAL.opening(day) - timedelta(microseconds=1),
                    CAL.closing(day) + timedelta(seconds=1),
                ]
            )
        )
    return out


def test_day_counter_matches_working_days_used_of_the_calendar():
    rnd = random.Random(7)
    counter = DayCounter(CAL)
    starts = _instants(rnd, 3000)
    for a in starts:
        b = a + timedelta(minutes=rnd.randrange(-600, 60 * 24 * 150))
        assert counter.working_days_used(a, b) == CAL.working_days_used(a, b), (a, b)


@pytest.mark.parametrize(
    "duration",
    [
        Duration(60, "calendar_days"),
        Duration(60, "working_days"),
        Duration(1, "working_days"),
        Duration(30, "working_minutes"),
    ],
)
def test_day_counter_deadlines_match_the_calendar(duration):
    rnd = random.Random(11)
    counter = DayCounter(CAL)
    for a in _instants(rnd, 400):
        assert counter.add(a, duration) == CAL.add(a, duration), (a, duration)


def test_day_counter_counts_across_years():
    counter = DayCounter(CAL)
    first, last = date(2026, 12, 28), date(2027, 1, 8)
    expected = sum(
        CAL.is_working_day(date.fromordinal(d))
        for d in range(first.toordinal(), last.toordinal() + 1)
    )
    assert counter.between(first, last) == expected
    assert counter.between(last, first) == 0
