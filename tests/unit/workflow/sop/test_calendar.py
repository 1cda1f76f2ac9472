"""Working time: days off, deadlines, reminders and elapsed working days (workflow.sop.calendar)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import Duration, WorkCalendar

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()


def wib(*args) -> datetime:
    return datetime(*args, tzinfo=WIB)


def days(n):
    return Duration(n, "working_days")


def minutes(n):
    return Duration(n, "working_minutes")


def local(at: datetime) -> datetime:
    assert at.tzinfo is UTC, "the calendar must answer in UTC"
    return at.astimezone(WIB)


# --- days off --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, reason_part",
    [
        (date(2026, 3, 18), "Cuti Bersama"),  # Nyepi
        (date(2026, 3, 19), "Nyepi"),
        (date(2026, 3, 20), "Cuti Bersama"),  # Idul Fitri 1447 H
        (date(2026, 3, 23), "Cuti Bersama"),
        (date(2026, 3, 24), "Cuti Bersama"),
        (date(2026, 12, 24), "Cuti Bersama"),  # Natal
        (date(2026, 12, 25), "Natal"),
        (date(2027, 1, 1), "Tahun Baru"),
        (date(2026, 3, 21), ""),  # Idul Fitri on a Saturday: off either way
        (date(2026, 3, 7), "Sabtu"),
        (date(2026, 3, 8), "Minggu"),
    ],
)
def test_days_off_include_public_holidays_and_cuti_bersama(day, reason_part):
    reason = CAL.day_off_reason(day)
    assert reason is not None and reason_part in reason
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 3, 17),
        date(2026, 3, 25),
        date(2026, 12, 23),
        date(2026, 12, 28),
        date(2026, 12, 31),
        date(2027, 1, 4),
    ],
)
def test_ordinary_weekdays_are_working_days(day):
    assert CAL.is_working_day(day), CAL.day_off_reason(day)


def test_office_extra_days_off_and_injected_holidays():
    cal = WorkCalendar(extra_days_off=[date(2026, 3, 17)], holidays={date(2026, 3, 16): "Uji"})
    assert cal.day_off_reason(date(2026, 3, 17)) == "Libur kantor"
    assert cal.day_off_reason(date(2026, 3, 16)) == "Uji"
    # with an injected table, the real cuti bersama are not days off
    assert cal.is_working_day(date(2026, 3, 20))


# --- next working moment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, expected",
    [
        (wib(2026, 3, 6, 10, 0), wib(2026, 3, 6, 10, 0)),  # during hours: itself
        (wib(2026, 3, 6, 7, 0), wib(2026, 3, 6, 8, 0)),  # before opening
        (wib(2026, 3, 6, 16, 0), wib(2026, 3, 9, 8, 0)),  # at closing: Friday -> Monday
        (wib(2026, 3, 7, 12, 0), wib(2026, 3, 9, 8, 0)),  # Saturday
        (wib(2026, 3, 17, 17, 0), wib(2026, 3, 25, 8, 0)),  # before Nyepi + Idul Fitri
        (wib(2026, 12, 31, 16, 30), wib(2027, 1, 4, 8, 0)),  # year end
    ],
)
def test_next_working_moment(at, expected):
    assert local(CAL.next_working_moment(at)) == expected


# --- adding durations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, duration, expected",
    [
        # desk verification, 30 working minutes
        (wib(2026, 3, 6, 10, 0), minutes(30), wib(2026, 3, 6, 10, 30)),
        (wib(2026, 3, 6, 15, 50), minutes(30), wib(2026, 3, 9, 8, 20)),  # across the weekend
        (wib(2026, 3, 8, 9, 0), minutes(30), wib(2026, 3, 9, 8, 30)),  # received on Sunday
        (
            wib(2026, 3, 6, 15, 0),
            minutes(60),
            wib(2026, 3, 6, 16, 0),
        ),  # ends at closing, not Monday
        (wib(2026, 3, 17, 15, 45), minutes(30), wib(2026, 3, 25, 8, 15)),  # Idul Fitri
        (wib(2026, 12, 31, 15, 45), minutes(30), wib(2027, 1, 4, 8, 15)),  # year end
        (wib(2026, 3, 6, 14, 0), Duration(3, "working_hours"), wib(2026, 3, 9, 9, 0)),
        # working days: the (partial) first day does not count
        (wib(2026, 3, 6, 15, 0), days(7), wib(2026, 3, 17, 16, 0)),  # Friday afternoon
        (wib(2026, 3, 8, 15, 0), days(7), wib(2026, 3, 17, 16, 0)),  # Sunday
        (
            wib(2026, 3, 2, 7, 0),
            days(7),
            wib(2026, 3, 10, 16, 0),
        ),  # before opening: Monday is day 1
        (
            wib(2026, 3, 2, 9, 0),
            days(7),
            wib(2026, 3, 11, 16, 0),
        ),  # during Monday: Tuesday is day 1
        (wib(2026, 3, 2, 17, 0), days(7), wib(2026, 3, 11, 16, 0)),  # after closing
        (
            wib(2026, 3, 17, 10, 0),
            days(2),
            wib(2026, 3, 26, 16, 0),
        ),  # Nyepi, Idul Fitri, cuti bersama
        (wib(2026, 3, 16, 10, 0), days(7), wib(2026, 4, 1, 16, 0)),
        (wib(2026, 3, 20, 9, 0), days(1), wib(2026, 3, 25, 16, 0)),  # received on cuti bersama
        (wib(2026, 12, 23, 9, 0), days(3), wib(2026, 12, 30, 16, 0)),  # Christmas + cuti bersama
        (wib(2026, 12, 31, 10, 0), days(1), wib(2027, 1, 4, 16, 0)),  # New Year on Friday
        # calendar days: holidays count, the deadline is the end of the N-th day
        (wib(2026, 3, 6, 10, 0), Duration(60, "calendar_days"), wib(2026, 5, 6, 0, 0)),
        (wib(2026, 12, 1, 23, 30), Duration(60, "calendar_days"), wib(2027, 1, 31, 0, 0)),
        (wib(2026, 3, 6, 10, 0), minutes(0), wib(2026, 3, 6, 10, 0)),
    ],
)
def test_add(start, duration, expected):
    assert local(CAL.add(start, duration)) == expected


def test_add_accepts_any_aware_zone_and_refuses_naive():
    in_utc = wib(2026, 3, 6, 15, 0).astimezone(UTC)
    assert CAL.add(in_utc, days(7)) == CAL.add(wib(2026, 3, 6, 15, 0), days(7))
    with pytest.raises(ValueError):
        CAL.add(datetime(2026, 3, 6, 15, 0), days(1))


def test_other_zone_and_hours_shift_the_computation():
    wita = ZoneInfo("Asia/Makassar")
    cal = WorkCalendar("Asia/Makassar", time(7, 30), time(15, 30), holidays={})
    due = cal.add(datetime(2026, 3, 6, 15, 0, tzinfo=wita), minutes(60))
    assert due.astimezone(wita) == datetime(2026, 3, 9, 8, 0, tzinfo=wita)  # 30 + 30 minutes
    with pytest.raises(ValueError):
        WorkCalendar(start=time(16), end=time(8))


# --- going back: reminders --------------------------------------------------------------------


@pytest.mark.parametrize(
    "at, duration, expected",
    [
        (wib(2026, 3, 17, 16, 0), days(1), wib(2026, 3, 17, 8, 0)),  # the morning of the last day
        (wib(2026, 3, 26, 16, 0), days(1), wib(2026, 3, 26, 8, 0)),
        (wib(2026, 3, 26, 16, 0), days(2), wib(2026, 3, 25, 8, 0)),
        (wib(2026, 3, 26, 16, 0), days(3), wib(2026, 3, 17, 8, 0)),  # back over Idul Fitri
        (wib(2026, 3, 9, 8, 20), minutes(15), wib(2026, 3, 9, 8, 5)),
        (wib(2026, 3, 9, 8, 10), minutes(15), wib(2026, 3, 6, 15, 55)),  # back over the weekend
        (wib(2027, 1, 4, 8, 15), minutes(30), wib(2026, 12, 31, 15, 45)),
        (wib(2026, 5, 6, 0, 0), Duration(10, "calendar_days"), wib(2026, 4, 26, 0, 0)),
    ],
)
def test_subtract(at, duration, expected):
    assert local(CAL.subtract(at, duration)) == expected


@pytest.mark.parametrize("minutes_", [1, 15, 30, 240, 480, 1000, 5000])
def test_subtract_undoes_add_from_a_working_moment(minutes_):
    start = wib(2026, 3, 16, 8, 0)
    for _ in range(60):  # every 97 minutes over two weeks, through Nyepi and Idul Fitri
        start += timedelta(minutes=97)
        moment = CAL.next_working_moment(start)
        due = CAL.add(moment, minutes(minutes_))
        assert CAL.subtract(due, minutes(minutes_)) == moment
        assert CAL.working_time_between(moment, due) == timedelta(minutes=minutes_)


# --- elapsed working time -----------------------------------------------------------------------


def test_working_time_between():
    assert CAL.working_time_between(wib(2026, 3, 6, 15, 0), wib(2026, 3, 9, 9, 0)) == timedelta(
        hours=2
    )
    # 17 March 10:00 to 25 March 10:00: six holidays and a weekend in between
    assert CAL.working_time_between(wib(2026, 3, 17, 10, 0), wib(2026, 3, 25, 10, 0)) == timedelta(
        hours=8
    )
    assert CAL.working_time_between(wib(2026, 3, 9, 9, 0), wib(2026, 3, 6, 15, 0)) == timedelta(0)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 6, 15, 30), 0),  # the uncounted first day
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 7, 12, 0), 0),  # Saturday adds nothing
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 9, 8, 0), 0),  # Monday's opening is Friday's closing
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 9, 8, 1), 1),
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 17, 16, 0), 7),
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 18, 9, 0), 7),  # 18 March is cuti bersama
        (wib(2026, 3, 6, 15, 0), wib(2026, 3, 25, 9, 0), 8),
        (wib(2026, 3, 8, 10, 0), wib(2026, 3, 9, 10, 0), 1),  # from Sunday: Monday is day 1
        (wib(2026, 3, 9, 10, 0), wib(2026, 3, 8, 10, 0), 0),
    ],
)
def test_working_days_used(a, b, expected):
    assert CAL.working_days_used(a, b) == expected


def test_working_days_used_agrees_with_deadlines():
    start = wib(2026, 3, 10, 7, 0)
    for step in range(40):  # starts every 7 hours through Nyepi, Idul Fitri and weekends
        a = start + timedelta(hours=7 * step)
        for n in (1, 2, 3, 7):
            due = CAL.add(a, days(n))
            assert CAL.working_days_used(a, due) == n
            after = CAL.next_working_moment(due + timedelta(seconds=1)) + timedelta(minutes=1)
            assert CAL.working_days_used(a, after) == n + 1


# --- durations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("7 hari kerja", Duration(7, "working_days")),
        ("  7  Hari   KERJA ", Duration(7, "working_days")),
        ("30 menit kerja", Duration(30, "working_minutes")),
        ("30 menit", Duration(30, "working_minutes")),
        ("2 jam kerja", Duration(2, "working_hours")),
        ("60 hari kalender", Duration(60, "calendar_days")),
        ("7 working days", Duration(7, "working_days")),
        ("60 calendar days", Duration(60, "calendar_days")),
        ({"amount": 7, "unit": "working_days"}, Duration(7, "working_days")),
        ({"amount": 3, "unit": "hari kerja"}, Duration(3, "working_days")),
    ],
)
def test_duration_parse(text, expected):
    assert Duration.parse(text) == expected


@pytest.mark.parametrize(
    "bad, hint",
    [
        ("7 hari", "hari kerja"),  # ambiguous on purpose
        ("tujuh hari kerja", "not a duration"),
        ("7 minggu", "unknown unit"),
        ("-1 hari kerja", "not a duration"),
        (7, "must be text"),
        ({"amount": 7}, "amount and unit"),
        ({"amount": True, "unit": "working_days"}, "whole number"),
        ({"amount": 7, "unit": "fortnights"}, "unknown unit"),
    ],
)
def test_duration_parse_errors_say_what_is_accepted(bad, hint):
    with pytest.raises(ValueError, match=hint):
        Duration.parse(bad)


def test_duration_label_is_indonesian():
    assert Duration(7, "working_days").label == "7 hari kerja"
    assert str(Duration(30, "working_minutes")) == "30 menit kerja"
    assert Duration(60, "calendar_days").label == "60 hari kalender"
