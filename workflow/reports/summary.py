"""The recap's summary figures ("Ringkasan"), counted while the rows go by.

The workbook's summary sheet and the print-out's summary page both show `Summary.tables()`, so
the two can never disagree. Every count is over the complaints received in the period; the
closing figures are as of the moment the recap is made.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

NA = "-"
OLDEST_LISTED = 20  # open cases listed by age; the rest are counted (and in the rows)
AGE_BUCKETS = (
    (5, "0–5 hari kerja"),
    (10, "6–10 hari kerja"),
    (20, "11–20 hari kerja"),
    (40, "21–40 hari kerja"),
    (None, "lebih dari 40 hari kerja"),
)
UNKNOWN_KECAMATAN = "(tidak diketahui)"
UNCLASSIFIED = "(belum diklasifikasi)"


@dataclass(frozen=True)
class SummaryLine:
    label: str
    count: int
    whole: int | None = None  # the percentage's base (None: no percentage)

    @property
    def share(self) -> float | None:
        return self.count / self.whole if self.whole else None


@dataclass(frozen=True)
class Table:
    title: str
    lines: tuple[SummaryLine, ...]
    total: SummaryLine | None = None  # a closing line in bold ("Jumlah ...")


@dataclass
class Summary:
    """The figures; `add` is called once per row by `Recap`."""

    status_order: list[str] = field(default_factory=list)
    limit_label: str = "60 hari kalender"
    total: int = 0
    by_status: Counter = field(default_factory=Counter)  # label -> count
    by_channel: Counter = field(default_factory=Counter)
    by_klasifikasi: Counter = field(default_factory=Counter)
    by_kecamatan: Counter = field(default_factory=Counter)
    by_agency: Counter = field(default_factory=Counter)
    closed: int = 0
    limit_applies: int = 0  # closed cases whose file was complete (the limit ran)
    within_limit: int = 0
    steps_on_time: int = 0  # closed cases with every task on time
    open_at_end: int = 0
    open_ages: Counter = field(default_factory=Counter)  # AGE_BUCKETS label -> count
    oldest_open: list = field(default_factory=list)  # heap of (age, -no, number, ...)
    per_bucket: list = field(default_factory=list)  # [label, count] per week/month
    bucket_unit: str = "minggu"

    def add(
        self,
        row: Any,
        bucket: int,
        closed: bool,
        on_time: str,
        steps_ok: bool,
        open_age: int | None,
    ) -> None:
        """Count one `RecapRow`; `open_age` is its age in working days when it was still open
        at the period's end (None when it was closed by then)."""
        self.total += 1
        self.by_status[row.status] += 1
        self.by_channel[row.channel] += 1
        self.by_klasifikasi[row.klasifikasi or UNCLASSIFIED] += 1
        self.by_kecamatan[row.kecamatan or UNKNOWN_KECAMATAN] += 1
        if row.diteruskan:
            self.by_agency[row.diteruskan] += 1
        self.per_bucket[bucket][1] += 1
        if closed:
            self.closed += 1
            self.steps_on_time += steps_ok
            if on_time != NA:
                self.limit_applies += 1
                self.within_limit += on_time == "Ya"
        if open_age is not None:
            self._open(row, open_age)

    def _open(self, row: Any, age: int) -> None:
        self.open_at_end += 1
        self.open_ages[age_bucket(age)] += 1
        item = (age, -row.no, row.number, row.received, row.status)
        if len(self.oldest_open) < OLDEST_LISTED:
            heapq.heappush(self.oldest_open, item)
        else:
            heapq.heappushpop(self.oldest_open, item)

    # --- reading --------------------------------------------------------------------------

    def oldest(self) -> list[tuple[int, str, date, str]]:
        """The longest-open cases at the period's end: (age, number, received, status)."""
        return [
            (age, number, received, status)
            for age, _, number, received, status in sorted(
                self.oldest_open, key=lambda t: (-t[0], -t[1])
            )
        ]

    @staticmethod
    def ordered(counter: Counter, order: list[str] | None = None) -> list[tuple[str, int]]:
        """Label/count pairs: in `order` first (when given), the rest by count then name."""
        order = [o for o in (order or []) if counter.get(o)]
        rest = sorted((k for k in counter if k not in order), key=lambda k: (-counter[k], k))
        return [(k, counter[k]) for k in order + rest]

    def figures(self) -> dict[str, Any]:
        """The key figures as plain JSON data (the email quotes them; the workbook keeps them
        as a document property so a later re-send quotes exactly what the files say)."""
        return {
            "total": self.total,
            "by_status": self.ordered(self.by_status, self.status_order),
            "top_klasifikasi": [
                kv for kv in self.ordered(self.by_klasifikasi) if kv[0] != UNCLASSIFIED
            ][:3],
            "top_kecamatan": [
                kv for kv in self.ordered(self.by_kecamatan) if kv[0] != UNKNOWN_KECAMATAN
            ][:3],
            "forwarded": sum(self.by_agency.values()),
            "closed": self.closed,
            "limit_applies": self.limit_applies,
            "within_limit": self.within_limit,
            "steps_on_time": self.steps_on_time,
            "open_at_end": self.open_at_end,
            "limit_label": self.limit_label,
        }

    def tables(self) -> list[Table]:
        """The summary, table by table, as both the workbook and the print-out show it."""

        def by(title: str, counter: Counter, order=None) -> Table:
            lines = tuple(SummaryLine(k, n, self.total) for k, n in self.ordered(counter, order))
            return Table(title, lines or (SummaryLine("(tidak ada)", 0),))

        return [
            by("Menurut status", self.by_status, self.status_order),
            by("Menurut saluran", self.by_channel),
            by("Menurut klasifikasi", self.by_klasifikasi),
            by("Menurut kecamatan", self.by_kecamatan),
            by("Menurut instansi tujuan penerusan", self.by_agency),
            Table(
                "Penyelesaian",
                (
                    SummaryLine("Pengaduan yang telah ditutup", self.closed, self.total),
                    SummaryLine(
                        f"Ditutup dalam batas waktu penanganan ({self.limit_label} sejak berkas "
                        "lengkap)",
                        self.within_limit,
                        self.limit_applies,
                    ),
                    SummaryLine(
                        "Ditutup dengan semua tahap SOP tepat waktu",
                        self.steps_on_time,
                        self.closed,
                    ),
                ),
            ),
            Table(
                "Masih terbuka pada akhir periode, menurut umur",
                tuple(
                    SummaryLine(label, self.open_ages.get(label, 0), self.open_at_end)
                    for _, label in AGE_BUCKETS
                ),
                SummaryLine("Jumlah masih terbuka", self.open_at_end, self.total),
            ),
        ]


def age_bucket(age: int) -> str:
    for top, label in AGE_BUCKETS:
        if top is None or age <= top:
            return label
    raise AssertionError("unreachable")
