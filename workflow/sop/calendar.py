"""Working time: the office's days and hours, and SOP durations measured in them.

Everything takes and returns aware datetimes in UTC; the arithmetic happens in the office's zone
(Asia/Jakarta by default, which has no DST). A working day is a weekday that is neither an
Indonesian public holiday nor cuti bersama (the `holidays` package, country ID, categories
"public" and "government") nor one of the office's extra days off.

How durations are counted (the rules the tests pin down):
- Working minutes and hours are counted in working time from the next working moment: 30 working
  minutes from Friday 15:50 ends Monday 08:20. The result is the earliest instant at which that
  much working time has passed, so a period ending at closing time ends at 16:00, not 08:00 the
  next morning.
- Working days follow the Indonesian administrative rule that the first (partial) day is not
  counted ("hari pertama tidak dihitung"): the deadline is the close of the N-th working day
  after the day of receipt. Something received before opening time, after closing time, on a
  weekend or on a holiday is counted from the next working moment, and that day is day 1 because
  nothing of it had been used. So 7 working days from Friday 15:00 ends Tuesday 16:00 of the week
  after next, and 7 working days from Sunday ends the Tuesday of the following week at 16:00.
- Calendar days end at midnight (office time) after the N-th day following the start date.
- Going backwards (a reminder "1 working day before" a deadline) walks back through working time
  and returns the latest instant with that much working time left: 1 working day before Tuesday
  16:00 is Tuesday 08:00, the morning of the last day.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

UNITS = ("working_minutes", "working_hours", "working_days", "calendar_days")

_UNIT_WORDS = {
    "working_minutes": (
        "menit kerja",
        "menit",
        "working minutes",
        "working minute",
        "minutes",
        "minute",
    ),
    "working_hours": ("jam kerja", "jam", "working hours", "working hour", "hours", "hour"),
    "working_days": ("hari kerja", "working days", "working day", "business days"),
    "calendar_days": ("hari kalender", "calendar days", "calendar day"),
}
_LABELS = {
    "working_minutes": "menit kerja",
    "working_hours": "jam kerja",
    "working_days": "hari kerja",
    "calendar_days": "hari kalender",
}
_AMBIGUOUS = ("hari", "days", "day")
_WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
# Safety net for loops over days: no SOP duration comes near ten years.
_MAX_DAYS = 3660


@dataclass(frozen=True)
class Duration:
    """An SOP duration: a whole number of one unit (see UNITS)."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"a duration needs a whole number of 0 or more, not {self.amount!r}")
        if self.unit not in UNITS:
            raise ValueError(f"unknown duration unit {self.unit!r} (known: {', '.join(UNITS)})")

    @classmethod
    def parse(cls, value: object) -> Duration:
        """Read "7 hari kerja", "30 menit kerja", "60 hari kalender", "2 working days" or a table
        `{amount = 7, unit = "working_days"}`; raise ValueError saying what is accepted.

        A bare "hari"/"days" is refused: whether a day is a working day matters too much to guess.
        """
        if isinstance(value, Duration):
            return value
        if isinstance(value, Mapping):
            return cls._from_table(value)
        if not isinstance(value, str):
            raise ValueError(f'a duration must be text such as "7 hari kerja", not {value!r}')
        m = re.fullmatch(r"\s*(\d+)\s*(.*?)\s*", _fold(value))
        if not m:
            raise ValueError(f'{value!r} is not a duration such as "7 hari kerja"')
        return cls(int(m[1]), _unit(m[2], value))

    @classmethod
    def _from_table(cls, table: Mapping[str, Any]) -> Duration:
        if set(table) != {"amount", "unit"}:
            raise ValueError("a duration table needs exactly the keys amount and unit")
        unit = table["unit"]
        if not isinstance(unit, str):
            raise ValueError(f"unit must be text, not {unit!r}")
        return cls(table["amount"], unit if unit in UNITS else _unit(_fold(unit), unit))

    @property
    def label(self) -> str:
        """Indonesian, as shown to people: "7 hari kerja"."""
        return f"{self.amount} {_LABELS[self.unit]}"

    def __str__(self) -> str:
        return self.label


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(text.replace("_", " ").split())


def _unit(words: str, original: str) -> str:
    for unit, names in _UNIT_WORDS.items():
        if words in names:
            return unit
    if words in _AMBIGUOUS:
        raise ValueError(
            f'{original!r}: write "hari kerja" (working days) or "hari kalender" (calendar days)'
        )
    raise ValueError(
        f"{original!r}: unknown unit {words!r} (use menit kerja, jam kerja, "
        "hari kerja or hari kalender)"
    )


def indonesian_holidays() -> holidays_lib.HolidayBase:
    """Public holidays and cuti bersama of Indonesia, names in Indonesian, any year on demand."""
    return holidays_lib.country_holidays(
        "ID", categories=(holidays_lib.PUBLIC, holidays_lib.GOVERNMENT), language="id"
    )


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the calendar; pass an aware datetime")
    return at.astimezone(UTC)


class WorkCalendar:
    """The office's working time. Pure: the holiday table is the only state, filled lazily."""

    def __init__(
        self,
        zone: str | ZoneInfo = "Asia/Jakarta",
        start: time = time(8),
        end: time = time(16),
        extra_days_off: Iterable[date] = (),
        holidays: Mapping[date, str] | None = None,
    ):
        if end <= start:
            raise ValueError("working hours must end after they start")
        self.zone = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
        self.start, self.end = start, end
        self.extra_days_off = frozenset(extra_days_off)
        self._holidays = indonesian_holidays() if holidays is None else holidays
        self._day = timedelta(hours=end.hour - start.hour, minutes=end.minute - start.minute)

    # --- days -----------------------------------------------------------------------------

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day (in Indonesian), or None when it is one."""
        if day in self.extra_days_off:
            return "Libur kantor"
        name = self._holidays.get(day)
        if name:
            return str(name)
        if day.weekday() >= 5:
            return _WEEKDAYS_ID[day.weekday()]
        return None

    def is_working_day(self, day: date) -> bool:
        return self.day_off_reason(day) is None

    def local_date(self, at: datetime) -> date:
        return _utc(at).astimezone(self.zone).date()

    def opening(self, day: date) -> datetime:
        return datetime.combine(day, self.start, tzinfo=self.zone).astimezone(UTC)

    def closing(self, day: date) -> datetime:
        return datetime.combine(day, self.end, tzinfo=self.zone).astimezone(UTC)

    def working_days(self, first: date, step: int = 1) -> Iterator[date]:
        """Working days from `first` (included when it is one), forwards or (step -1) backwards."""
        day = first
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                yield day
            day += timedelta(days=step)
        raise ValueError(f"no end to the days off after {first}")

    # --- instants -------------------------------------------------------------------------

    def next_working_moment(self, at: datetime) -> datetime:
        """`at` itself during working hours, else the next opening time."""
        at = _utc(at)
        for day in self.working_days(self.local_date(at)):
            if at < self.opening(day):
                return self.opening(day)
            if at < self.closing(day):
                return at
        raise AssertionError("unreachable")

    def add(self, start: datetime, duration: Duration) -> datetime:
        """The deadline: `duration` after `start` (see the module docstring for the rules)."""
        start = _utc(start)
        if duration.amount == 0:
            return start
        if duration.unit == "calendar_days":
            return self.end_of_day(self.local_date(start) + timedelta(days=duration.amount))
        if duration.unit == "working_days":
            days = self.working_days(self._first_counted_day(start))
            for _ in range(duration.amount - 1):
                next(days)
            return self.closing(next(days))
        return self._add_working_time(start, _working_delta(duration))

    due = add

    def subtract(self, at: datetime, duration: Duration) -> datetime:
        """`duration` before `at`: for working units, the latest instant with that much working
        time left before `at` (a working day counts as one full day of working hours)."""
        at = _utc(at)
        if duration.amount == 0:
            return at
        if duration.unit == "calendar_days":
            local = at.astimezone(self.zone)
            return (local - timedelta(days=duration.amount)).astimezone(UTC)
        if duration.unit == "working_days":
            return self._subtract_working_time(at, self._day * duration.amount)
        return self._subtract_working_time(at, _working_delta(duration))

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """How much working time lies between `a` and `b` (zero when b is not after a)."""
        a, b = _utc(a), _utc(b)
        total = timedelta(0)
        if b <= a:
            return total
        for day in self.working_days(self.local_date(a)):
            if self.opening(day) >= b:
                return total
            total += max(timedelta(0), min(self.closing(day), b) - max(self.opening(day), a))
        raise AssertionError("unreachable")

    def working_days_used(self, a: datetime, b: datetime) -> int:
        """ "Hari kerja yang dipakai" from `a` to `b`, counted like deadlines: the smallest N with
        `b` no later than `add(a, N working days)` in working time (0 while b is still on the
        uncounted first day). Time after closing adds nothing: a case closed on Saturday used
        what it had used on Friday at 16:00."""
        a, b = _utc(a), _utc(b)
        if b <= a:
            return 0
        b = self._subtract_working_time(b, timedelta(0))  # the latest working moment <= b
        first = self._first_counted_day(a)
        if b <= self._end_of_uncounted_day(a, first):
            return 0
        for n, day in enumerate(self.working_days(first), start=1):
            if b <= self.closing(day):
                return n
        raise AssertionError("unreachable")

    # --- helpers --------------------------------------------------------------------------

    def _first_counted_day(self, start: datetime) -> date:
        """Day 1 of a working-day count: the day of the next working moment when nothing of it
        has been used yet (at or before opening time), else the working day after it."""
        moment = self.next_working_moment(start)
        day = self.local_date(moment)
        if moment <= self.opening(day):
            return day
        return next(self.working_days(day + timedelta(days=1)))

    def _end_of_uncounted_day(self, start: datetime, first: date) -> datetime:
        moment = self.next_working_moment(start)
        day = self.local_date(moment)
        return self.closing(day) if day != first else moment

    def end_of_day(self, day: date) -> datetime:
        """Midnight (office time) after `day`: the first instant no longer on it."""
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone).astimezone(UTC)

    def _add_working_time(self, start: datetime, left: timedelta) -> datetime:
        for day in self.working_days(self.local_date(start)):
            opening, closing = self.opening(day), self.closing(day)
            if closing <= start:
                continue
            begin = max(opening, start)
            if left <= closing - begin:
                return begin + left
            left -= closing - begin
        raise AssertionError("unreachable")

    def _subtract_working_time(self, at: datetime, left: timedelta) -> datetime:
        for day in self.working_days(self.local_date(at), step=-1):
            opening, closing = self.opening(day), self.closing(day)
            if opening >= at:
                continue
            finish = min(closing, at)
            if left <= finish - opening:
                return finish - left
            left -= finish - opening
        raise AssertionError("unreachable")


def _working_delta(duration: Duration) -> timedelta:
    if duration.unit == "working_minutes":
        return timedelta(minutes=duration.amount)
    return timedelta(hours=duration.amount)
