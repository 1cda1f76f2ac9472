"""Working-day arithmetic for many cases at once, with the answers of `WorkCalendar`.

A recap of 100,000 cases asks "how many working days did this case use" and "when was its
60-day limit" 100,000 times. `WorkCalendar` walks the days one by one for each question (tens
of microseconds per case); `DayCounter` keeps per-day tables (working or not, opening and closing
instants, a running count of working days per year) so each answer is a few lookups. The rules
are the calendar's own (see `workflow.sop.calendar`), and the tests check both agree on many
thousands of random instants, holidays and weekends included.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from dumas.workflow.sop.calendar import Duration, WorkCalendar

_ONE_DAY = timedelta(days=1)


class DayCounter:
    """Fast `working_days_used` and `add` for one `WorkCalendar` (not thread-safe: caches)."""

    def __init__(self, calendar: WorkCalendar):
        self.calendar = calendar
        self.zone = calendar.zone
        self._working: dict[date, bool] = {}
        self._open_close: dict[date, tuple[datetime, datetime]] = {}
        # year -> (ordinal of 1 January, working days up to and including each day of the year)
        self._ranks: dict[int, tuple[int, list[int]]] = {}
        self._deadlines: dict[tuple, datetime] = {}

    # --- tables -------------------------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self.calendar.is_working_day(day)
        return known

    def hours(self, day: date) -> tuple[datetime, datetime]:
        """(opening, closing) of `day` in UTC."""
        found = self._open_close.get(day)
        if found is None:
            found = self._open_close[day] = (self.calendar.opening(day), self.calendar.closing(day))
        return found

    def _rank(self, day: date) -> int:
        """Working days from 1 January of `day`'s year up to and including `day`."""
        found = self._ranks.get(day.year)
        if found is None:
            table, count, d = [], 0, date(day.year, 1, 1)
            while d.year == day.year:
                count += self.is_working_day(d)
                table.append(count)
                d += _ONE_DAY
            found = self._ranks[day.year] = (date(day.year, 1, 1).toordinal(), table)
        return found[1][day.toordinal() - found[0]]

    def between(self, first: date, last: date) -> int:
        """Working days in [first, last] (0 when last is before first)."""
        if last < first:
            return 0
        total = self._rank(last) - self._rank(first) + self.is_working_day(first)
        for year in range(first.year, last.year):
            total += self._rank(date(year, 12, 31))
        return total

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the next one."""
        for _ in range(3660):
            if self.is_working_day(day):
                return day
            day += _ONE_DAY
        raise ValueError(f"no working day within ten years after {day}")

    def _previous_working_day(self, day: date) -> date:
        for _ in range(3660):
            if self.is_working_day(day):
                return day
            day -= _ONE_DAY
        raise ValueError(f"no working day within ten years before {day}")

    # --- the calendar's questions -----------------------------------------------------------

    def _start(self, at: datetime) -> tuple[datetime, date, date]:
        """(next working moment, its day, day 1 of a working-day count) for a start `at`."""
        day = self.next_working_day(at.astimezone(self.zone).date())
        while True:
            opening, closing = self.hours(day)
            if at <= opening:  # nothing of the day used yet: it is day 1
                return opening, day, day
            if at < closing:
                return at, day, self.next_working_day(day + _ONE_DAY)
            day = self.next_working_day(day + _ONE_DAY)

    def _last_moment(self, at: datetime) -> tuple[datetime, date]:
        """The latest working moment at or before `at`, and its day."""
        day = self._previous_working_day(at.astimezone(self.zone).date())
        while True:
            opening, closing = self.hours(day)
            if opening < at:
                return min(closing, at), day
            day = self._previous_working_day(day - _ONE_DAY)

    def working_days_used(self, a: datetime, b: datetime) -> int:
        """Same as `WorkCalendar.working_days_used(a, b)`."""
        if b <= a:
            return 0
        moment, day, first = self._start(a)
        last, last_day = self._last_moment(b)
        uncounted_end = self.hours(day)[1] if day != first else moment
        if last <= uncounted_end:
            return 0
        return self.between(first, last_day)

    def add(self, start: datetime, duration: Duration) -> datetime:
        """Same as `WorkCalendar.add(start, duration)`, remembered per starting day."""
        if duration.amount == 0 or duration.unit not in ("working_days", "calendar_days"):
            return self.calendar.add(start, duration)
        if duration.unit == "calendar_days":
            key = (self.calendar.local_date(start), duration)
        else:
            key = (self._start(start)[2], duration)
        found = self._deadlines.get(key)
        if found is None:
            found = self._deadlines[key] = self.calendar.add(start, duration)
        return found
