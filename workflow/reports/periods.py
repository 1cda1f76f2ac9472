"""Report periods: a month ("2026-10") for the recap, a semester ("2026-1", "2026-2") for the
report.

A period covers whole days in the office's zone: October 2026 in Jakarta is
[2026-09-30 17:00 UTC, 2026-10-31 17:00 UTC). Its delivery moment is when the scheduled job
sends it:

- a month on `recap_day` of the next month at `recap_time`, office time ([schedule]); the day
  need not be a working day (the email waits in the Ketua's mailbox);
- a semester on the first working day of the next January or July at `recap_time` (1 January is
  always a holiday, so the January report usually goes out on the 2nd or later).

`due_periods` answers "which periods should have gone out by now and have not", which is how a
daemon that was down over the 1st catches up when it starts again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dumas.workflow.formatting import BULAN
from dumas.workflow.sop.calendar import WorkCalendar

RECAP, SEMESTER = "recap", "semester"
KINDS = (RECAP, SEMESTER)
BULAN_SINGKAT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
_ROMAN = ("I", "II")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_SEMESTER = re.compile(r"(\d{4})-([12])")


@dataclass(frozen=True, order=True)
class Period:
    """One month (kind "recap", `index` 1-12) or one semester (kind "semester", `index` 1-2)."""

    kind: str
    year: int
    index: int

    def __post_init__(self):
        top = 12 if self.kind == RECAP else 2
        if self.kind not in KINDS or not 1 <= self.index <= top or not 1900 < self.year < 10000:
            raise ValueError(f"not a report period: {self.kind} {self.year}-{self.index}")

    # --- naming -----------------------------------------------------------------------------

    @classmethod
    def month(cls, text: str) -> Period:
        """ "2026-10" (also "2026-1") -> October 2026; ValueError saying what is expected."""
        m = _MONTH.fullmatch(text.strip())
        if not m or not 1 <= int(m[2]) <= 12:
            raise ValueError(f"{text!r} is not a month: write YYYY-MM, e.g. 2026-10")
        return cls(RECAP, int(m[1]), int(m[2]))

    @classmethod
    def semester(cls, text: str) -> Period:
        """ "2026-1" (January-June) or "2026-2" (July-December)."""
        m = _SEMESTER.fullmatch(text.strip())
        if not m:
            raise ValueError(
                f"{text!r} is not a semester: write YYYY-1 (January-June) or "
                "YYYY-2 (July-December), e.g. 2026-1"
            )
        return cls(SEMESTER, int(m[1]), int(m[2]))

    @classmethod
    def from_key(cls, key: str) -> Period:
        """The inverse of `key`: "recap:2026-10", "semester:2026-1"."""
        kind, _, code = key.partition(":")
        if kind == RECAP:
            return cls.month(code)
        if kind == SEMESTER:
            return cls.semester(code)
        raise ValueError(f"{key!r} is not a report period key")

    @property
    def code(self) -> str:
        if self.kind == RECAP:
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}-{self.index}"

    @property
    def key(self) -> str:
        """The unique `ReportRun.period_key`."""
        return f"{self.kind}:{self.code}"

    @property
    def label(self) -> str:
        """Indonesian: "Oktober 2026", "Semester I Tahun 2026"."""
        if self.kind == RECAP:
            return f"{BULAN[self.index - 1]} {self.year}"
        return f"Semester {_ROMAN[self.index - 1]} Tahun {self.year}"

    @property
    def range_label(self) -> str:
        """ "1–31 Oktober 2026", "1 Januari–30 Juni 2026"."""
        last = self.last_day
        if self.kind == RECAP:
            return f"1–{last.day} {BULAN[last.month - 1]} {last.year}"
        first = BULAN[self.first_day.month - 1]
        return f"1 {first}–{last.day} {BULAN[last.month - 1]} {last.year}"

    @property
    def slug(self) -> str:
        """For file names: "rekap-pengaduan-2026-10", "laporan-semester-pengaduan-2026-1"."""
        what = "rekap-pengaduan" if self.kind == RECAP else "laporan-semester-pengaduan"
        return f"{what}-{self.code}"

    # --- time -------------------------------------------------------------------------------

    @property
    def first_day(self) -> date:
        return date(self.year, self.index if self.kind == RECAP else 6 * self.index - 5, 1)

    @property
    def end_day(self) -> date:
        """The first day after the period."""
        return self.next().first_day

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end_day.toordinal() - 1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) in UTC: midnight office time on the first day and after the last."""
        return _midnight(self.first_day, zone), _midnight(self.end_day, zone)

    def next(self) -> Period:
        top = 12 if self.kind == RECAP else 2
        if self.index == top:
            return Period(self.kind, self.year + 1, 1)
        return Period(self.kind, self.year, self.index + 1)

    def previous(self) -> Period:
        if self.index == 1:
            return Period(self.kind, self.year - 1, 12 if self.kind == RECAP else 2)
        return Period(self.kind, self.year, self.index - 1)

    def buckets(self) -> list[tuple[str, date, date]]:
        """The chart's bars: (label, first day, day after) per week (Monday to Sunday, cut at the
        month's ends) for a month, per month for a semester."""
        if self.kind == SEMESTER:
            out, month = [], Period(RECAP, self.year, self.first_day.month)
            for _ in range(6):
                out.append((BULAN[month.index - 1], month.first_day, month.end_day))
                month = month.next()
            return out
        out, day, end = [], self.first_day, self.end_day
        while day < end:
            stop = min(end, date.fromordinal(day.toordinal() + 7 - day.weekday()))
            last = date.fromordinal(stop.toordinal() - 1)
            span = f"{day.day}" if last == day else f"{day.day}–{last.day}"
            out.append((f"{span} {BULAN_SINGKAT[day.month - 1]}", day, stop))
            day = stop
        return out


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_of(kind: str, at: datetime, zone: ZoneInfo) -> Period:
    """The period of `kind` that contains the instant `at` (office time)."""
    local = at.astimezone(zone)
    if kind == RECAP:
        return Period(RECAP, local.year, local.month)
    return Period(SEMESTER, local.year, 1 if local.month <= 6 else 2)


@dataclass(frozen=True)
class Delivery:
    """When the scheduled job sends reports: [schedule] recap_day and recap_time."""

    calendar: WorkCalendar
    recap_day: int = 1
    recap_time: time = time(8)

    def __post_init__(self):
        if not 1 <= self.recap_day <= 28:
            raise ValueError("recap_day must be 1-28 (every month has it)")

    def moment(self, period: Period) -> datetime:
        """The UTC instant at which `period` is due to be sent."""
        after = period.end_day
        if period.kind == RECAP:
            day = after.replace(day=self.recap_day)
        else:
            day = next(self.calendar.working_days(after))
        return datetime.combine(day, self.recap_time, tzinfo=self.calendar.zone).astimezone(UTC)

    def due(
        self, kind: str, since: datetime, now: datetime, done: Iterable[str] = ()
    ) -> list[Period]:
        """The periods of `kind` due by `now` (delivery moment <= now) and not in `done` (period
        keys), oldest first, starting with the period that contains `since` (when the office
        began to use Dumas: nothing before it is owed)."""
        done = set(done)
        out: list[Period] = []
        if since > now:
            return out
        period = period_of(kind, since, self.calendar.zone)
        while self.moment(period) <= now:  # moments only grow, so the first later one ends it
            if period.key not in done:
                out.append(period)
            period = period.next()
        return out

    def latest_due(self, kind: str, now: datetime) -> Period:
        """The newest period of `kind` whose delivery moment is at or before `now`."""
        period = period_of(kind, now, self.calendar.zone).previous()
        while self.moment(period) > now:
            period = period.previous()
        return period
