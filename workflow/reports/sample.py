"""Synthetic complaints for recaps: the tests, the bench (100,000 of them) and the README preview.

Everything is fictional. Cases follow the SOP's real paths (closed at verification, forwarded,
dismissed, finished after a follow-up, or still open at some step) with `Task` rows whose
deadlines come from the SOP and the calendar, about one in seven closed late. The generator is
seeded, so a test that inserts the same cases twice gets the same rows, and it only builds plain
dicts: `insert_cases` writes them with executemany (tens of thousands of rows per second).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from dumas.workflow.extract.gazetteer import DESA_MENTAWAI
from dumas.workflow.reports.days import DayCounter
from dumas.workflow.reports.periods import Period
from dumas.workflow.sop.definition import DEFAULT_AGENCIES, Sop
from dumas.workflow.sop.numbering import to_roman
from dumas.workflow.store.models import Event, Pengaduan, Task

FIRST = (
    "Maria",
    "Yohanes",
    "Teresia",
    "Markus",
    "Rini",
    "Agustinus",
    "Siti",
    "Paulus",
    "Dewi",
    "Fransiskus",
    "Nur",
    "Elisabet",
    "Andreas",
    "Yuliana",
    "Hendrik",
)
LAST = (
    "Sababalat",
    "Saleleubaja",
    "Samaloisa",
    "Sakerebau",
    "Siritoitet",
    "Tasirileleu",
    "Sagurung",
    "Satoko",
    "Salamanang",
    "Sabaggalet",
)
SUBJECTS = (
    "Dugaan politik uang menjelang pemungutan suara",
    "Petugas KPPS tidak netral",
    "Nama saya tidak terdaftar dalam DPT",
    "Pemotongan honor anggota KPPS",
    "Permohonan salinan formulir C.Hasil",
    "Pelayanan PPS lambat dan berbelit",
    "Alat peraga kampanye di depan sekolah",
    "Anggota PPK diduga pengurus partai",
    '=HYPERLINK("http://contoh.example") perihal aneh',
    "Surat suara sisa dicoblos",
)
KLASIFIKASI = (
    "pidana_pemilu",
    "etik",
    "pelanggaran_pemilu",
    "korupsi",
    "permohonan_informasi",
    "maladministrasi",
    "pelanggaran_pemilu",
    "etik",
    "lainnya",
    "pidana_pemilu",
)
TERLAPOR = (
    "Ketua KPPS TPS {tps}",
    "Anggota PPS Desa {desa}",
    "Oknum PPK Kecamatan {kec}",
    "Tim kampanye salah satu calon",
    "",
)
# path name -> (steps passed, in order; the final status). Weights below.
PATHS = {
    "bukan": (("verifikasi",), "bukan_pengaduan"),
    "tunggu": (("verifikasi",), "menunggu_pelapor"),
    "verifikasi": ((), "verifikasi"),
    "disposisi": (("verifikasi",), "disposisi"),
    "telaah": (("verifikasi", "disposisi"), "telaah"),
    "teruskan": (("verifikasi", "disposisi", "telaah"), "diteruskan"),
    # Closed as not actionable only on the Sekretaris's approval of Hukum's proposal.
    "tolak": (
        ("verifikasi", "disposisi", "telaah", "persetujuan_tidak_ditindaklanjuti"),
        "tidak_ditindaklanjuti",
    ),
    "selesai": (
        (
            "verifikasi",
            "disposisi",
            "telaah",
            "kertas_kerja",
            "tindak_lanjut",
            "persetujuan_laporan",
        ),
        "selesai",
    ),
    "selesai_langsung": (
        ("verifikasi", "disposisi", "telaah", "tindak_lanjut", "persetujuan_laporan"),
        "selesai",
    ),
}
WEIGHTS = {
    "bukan": 5,
    "tunggu": 5,
    "verifikasi": 3,
    "disposisi": 4,
    "telaah": 8,
    "teruskan": 20,
    "tolak": 10,
    "selesai": 25,
    "selesai_langsung": 20,
}


class CaseFactory:
    """Builds the rows of synthetic cases received in a period (see the module docstring)."""

    def __init__(self, sop: Sop, days: DayCounter, now: datetime, seed: int = 1):
        self.sop, self.days, self.now = sop, days, now
        self.rnd = random.Random(seed)
        self.kecamatan = sorted(DESA_MENTAWAI)
        self._paths = list(WEIGHTS)
        self._weights = [WEIGHTS[p] for p in self._paths]

    def cases(
        self, period: Period, count: int, first_id: int = 1, first_seq: int = 1
    ) -> Iterator[tuple[dict, list[dict], dict]]:
        """(pengaduan row, its task rows, its registration event) per case, by receipt time."""
        start, end = period.bounds(self.days.calendar.zone)
        span = (min(end, self.now) - start).total_seconds()
        times = sorted(start + timedelta(seconds=self.rnd.uniform(0, span)) for _ in range(count))
        for i, received in enumerate(times):
            yield self.case(first_id + i, first_seq + i, received)

    def case(self, case_id: int, seq: int, received: datetime):
        rnd = self.rnd
        path = rnd.choices(self._paths, self._weights)[0]
        passed, final = PATHS[path]
        kec = rnd.choice(self.kecamatan)
        desa = rnd.choice(DESA_MENTAWAI[kec])
        tps = f"{rnd.randint(1, 12):03d}"
        local = received.astimezone(self.days.calendar.zone)
        row = {
            "id": case_id,
            "year": local.year,
            "seq": seq,
            "received_at": received,
            "number": f"{seq:03d}/PGD/{to_roman(local.month)}/{local.year}",
            "registered_at": received,
            "channel": rnd.choice(("email",) * 8 + ("langsung", "surat")),
            "subject": rnd.choice(SUBJECTS),
            "body": "Isi pengaduan sintetis.",
            "terlapor": rnd.choice(TERLAPOR).format(tps=tps, desa=desa, kec=kec),
            "klasifikasi": rnd.choice(KLASIFIKASI) if passed else "",
            "pelapor_name": f"{rnd.choice(FIRST)} {rnd.choice(LAST)}",
            "pelapor_email": f"warga{case_id}@contoh.example",
            "confidential": rnd.random() < 0.1,
            "kecamatan": kec if rnd.random() < 0.95 else "",
            "desa": desa,
            "tps": tps,
            "missing": ["bukti"] if final == "menunggu_pelapor" else [],
            "sifat": "segera" if rnd.random() < 0.05 else "biasa",
            "data": {},
        }
        tasks, at = self._tasks(case_id, passed, final, received, row)
        if at is None:  # waiting at the step of its open task (which may be before `final`)
            final = tasks[-1]["step"]
        row.update(self._final(final, at, row))
        event = {
            "at": received,
            "pengaduan_id": case_id,
            "kind": "registrasi",
            "summary": f"Pengaduan diregistrasi dengan nomor {row['number']}.",
        }
        return row, tasks, event

    def _tasks(self, case_id: int, passed, final: str, received: datetime, row: dict):
        tasks, at = [], received
        steps = list(passed) + (
            [final] if final in self.sop.steps and self.sop.steps[final].has_task else []
        )
        for step in steps:
            duration = self.sop.steps[step].duration
            if duration is None:  # the PATHS pass task steps only, and each has a duration
                raise ValueError(f"sample step {step!r} has no duration")
            due = self.days.add(at, duration)
            done = step in passed
            closed = self._closing(at, due) if done else None
            if closed is not None and closed > self.now:
                closed = None
            role = self.sop.steps[step].role
            tasks.append(
                {
                    "pengaduan_id": case_id,
                    "step": step,
                    "role": role,
                    "opened_at": at,
                    "due_at": due,
                    "closed_at": closed,
                    "outcome": "ok" if closed else "",
                }
            )
            if (
                step == "verifikasi"
                and closed is not None
                and final not in ("bukan_pengaduan", "menunggu_pelapor")
            ):
                row["complete_at"] = closed
            if step == "telaah" and closed is not None:
                row["telaah_at"] = closed
            if step == "disposisi" and closed is not None:
                row["disposisi_to"] = "hukum"
            if closed is None:
                return tasks, None
            at = closed
        return tasks, at

    def _closing(self, opened: datetime, due: datetime) -> datetime:
        late = self.rnd.random() < 0.14
        room = max((due - opened).total_seconds(), 60)
        return opened + timedelta(
            seconds=room * (self.rnd.uniform(1.05, 2.5) if late else self.rnd.uniform(0.1, 0.95))
        )

    def _final(self, final: str, at: datetime | None, row: dict) -> dict:
        step = self.sop.steps.get(final)
        out: dict[str, Any] = {"step": final, "status": step.status if step else final}
        if step is None or not step.terminal:
            return out
        out["closed_at"] = at
        if final == "diteruskan":
            agency = self.rnd.choice(DEFAULT_AGENCIES)
            out.update(forwarded_to=agency.name, telaah_result="diteruskan")
        elif final == "tidak_ditindaklanjuti":
            out.update(
                telaah_result="tidak_ditindaklanjuti",
                outcome="Identitas terlapor dan lokasi kejadian tidak jelas.",
            )
        elif final == "selesai":
            out.update(
                telaah_result="berkadar_pengawasan",
                outcome="Terbukti sebagian; petugas diberi teguran tertulis.",
            )
        elif final == "bukan_pengaduan":
            out.update(outcome="Pesan berisi pertanyaan umum, bukan pengaduan.")
        return out


def insert_cases(
    session: Session,
    factory: CaseFactory,
    period: Period,
    count: int,
    first_id: int = 1,
    first_seq: int = 1,
    batch: int = 5000,
    events: bool = True,
) -> None:
    """Insert `count` synthetic cases with their tasks (and events) in batches (no commit)."""
    cases, tasks, evs = [], [], []
    for row, case_tasks, event in factory.cases(period, count, first_id, first_seq):
        cases.append(row)
        tasks.extend(case_tasks)
        evs.append(event)
        if len(cases) >= batch:
            _flush(session, cases, tasks, evs if events else [])
            cases, tasks, evs = [], [], []
    _flush(session, cases, tasks, evs if events else [])


def _flush(session: Session, cases: list, tasks: list, events: list) -> None:
    defaults = {
        "complete_at": None,
        "closed_at": None,
        "telaah_at": None,
        "disposisi_to": "",
        "forwarded_to": "",
        "telaah_result": "",
        "outcome": "",
    }
    if cases:
        session.execute(insert(Pengaduan), [{**defaults, **c} for c in cases])
    if tasks:
        session.execute(insert(Task), tasks)
    if events:
        session.execute(insert(Event), events)
