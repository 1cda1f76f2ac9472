"""The SOP (No. 14/2022) as data: steps, who acts, deadlines, documents, commands, transitions.

`DEFAULT_SOP` follows the SOP's step table; `load_sop(settings.sop, subdivisions)` in
`workflow/sop/config.py` applies the office's `[sop]` table from the TOML file. The state machine
(`workflow.sop.machine`) reads only this data, so a changed deadline never needs a code change.

Roles: "desk", "sekretaris", "hukum", "ketua", the configured sub-divisions, and "pelapor". A
step whose role is "hukum" is acted on by the sub-division handling the case (Sub Bagian Hukum
unless the Sekretaris dispositioned it elsewhere or Hukum passed it on with SUB BAGIAN).

The outer limit of Perpres 76/2013 ("paling lambat 60 (enam puluh) hari sejak berkas pengaduan
dinyatakan lengkap") is read as 60 *calendar* days: the regulation says "hari", and Indonesian
legislation writes "hari kerja" when it means working days (as the SOP's own "30 menit" and the
election law's "7 hari kerja" show). Calendar days are also the stricter reading. An office that
reads it otherwise sets `[sop] case_limit = "60 hari kerja"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from dumas.workflow.sop.calendar import Duration
from dumas.workflow.sop.names import Role, StepName

STAFF_ROLES = (Role.DESK, Role.SEKRETARIS, Role.HUKUM, Role.KETUA)
PELAPOR = Role.PELAPOR
HANDLER = Role.HUKUM  # the placeholder role of steps 4-6: the handling sub-division
# Commands every role may use at every step (DELEGASI only the Sekretaris and the Ketua).
ALWAYS = ("STATUS", "BANTUAN", "DELEGASI")
DELEGATING_ROLES = (Role.SEKRETARIS, Role.KETUA)
PELAPOR_REPLY = "pelapor_reply"  # the event of a reporter answering a LENGKAPI request
# The event of a LENGKAPI request left unanswered until `menunggu_pelapor`'s duration ran out.
PELAPOR_TIMEOUT = "pelapor_timeout"
# The outcome of SETUJU on a surat penerusan to an agency without an email address.
SETUJU_MANUAL = "SETUJU KIRIM MANUAL"
# The outcome of TOLAK on a report that came from an investigation: back to the team, not to
# tindak lanjut (Pengaduan.data["laporan_dari"] records the step the LAPORAN was given at).
TOLAK_INVESTIGASI = "TOLAK KE INVESTIGASI"
# The outcome of TOLAK on a proposal (TERUSKAN, TIDAK DAPAT DITINDAKLANJUTI) made at kertas_kerja
# rather than at telaah: back where it came from (the proposal's data "dari").
TOLAK_KERTAS_KERJA = "TOLAK KE KERTAS KERJA"

ROLE_TITLES: dict[str, str] = {
    Role.DESK: "Desk Pelayanan",
    Role.SEKRETARIS: "Sekretaris",
    Role.HUKUM: "Sub Bagian Hukum",
    Role.KETUA: "Ketua",
    PELAPOR: "Pelapor",
}


def wd(n: int) -> Duration:
    return Duration(n, "working_days")


def wm(n: int) -> Duration:
    return Duration(n, "working_minutes")


@dataclass(frozen=True)
class Step:
    """One state of a case. `role` is who the case waits on ("" for terminal states); `decider`
    is who may give the step's commands when that is someone else (the desk, while the case waits
    on the reporter); `transitions` maps a command name (or PELAPOR_REPLY) to the next step.
    An `after_closing` step is never where a case is: it is a desk task opened as the case
    closes (the letter to a reporter without email), while the case stays at its terminal step."""

    name: str
    number: int
    role: str
    title: str
    ask: str
    status: str
    duration: Duration | None = None
    remind_before: Duration | None = None
    inputs: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    transitions: Mapping[str, str] = field(default_factory=dict)
    decider: str = ""
    after_closing: bool = False

    @property
    def deciding_role(self) -> str:
        return self.decider or self.role

    @property
    def terminal(self) -> bool:
        return not self.role

    @property
    def has_task(self) -> bool:
        """Whether being at this step is a task with a deadline (waiting on the reporter is not)."""
        return bool(self.role) and self.role != PELAPOR and self.duration is not None


_DESK_COMMANDS = ("LENGKAP", "LENGKAPI", "BUKAN PENGADUAN", "SPAM", "KONFLIK")
_BERKAS = ("cetakan", "lembar_disposisi", "lampiran:pengaduan")


def _desk_transitions(here: str) -> dict[str, str]:
    return {
        "LENGKAP": StepName.DISPOSISI,
        "LENGKAPI": StepName.MENUNGGU_PELAPOR,
        "BUKAN PENGADUAN": StepName.BUKAN_PENGADUAN,
        "SPAM": StepName.BUKAN_PENGADUAN,
        "KONFLIK": here,
    }


DEFAULT_STEPS = (
    Step(
        StepName.VERIFIKASI,
        2,
        Role.DESK,
        "Verifikasi kelengkapan pengaduan",
        "Mohon periksa kelengkapan pengaduan (identitas pelapor, data pengaduan, lokasi, dan "
        "bukti), lalu balas LENGKAP bila sudah lengkap atau LENGKAPI disertai apa yang kurang.",
        "verifikasi",
        wm(30),
        wm(15),
        _BERKAS,
        ("cetakan", "lembar_disposisi"),
        _DESK_COMMANDS,
        _desk_transitions(StepName.VERIFIKASI),
    ),
    Step(
        StepName.MENUNGGU_PELAPOR,
        2,
        PELAPOR,
        "Menunggu kelengkapan dari pelapor",
        "Pelapor telah diminta melengkapi pengaduannya; pengaduan menunggu balasan pelapor. Desk "
        "Pelayanan tetap dapat memutuskan LENGKAP atau BUKAN PENGADUAN.",
        "menunggu_pelapor",
        # Not a staff task (`has_task` is False): the deadlines job reminds the reporter at
        # `duration - remind_before` (5 working days) and closes the case as "tidak dilengkapi"
        # at `duration` (10), counted from the LENGKAPI request (`data["menunggu_pelapor_sejak"]`).
        wd(10),
        wd(5),
        (),
        (),
        _DESK_COMMANDS,
        {
            **_desk_transitions(StepName.MENUNGGU_PELAPOR),
            PELAPOR_REPLY: StepName.VERIFIKASI,
            PELAPOR_TIMEOUT: StepName.TIDAK_DILENGKAPI,
        },
        decider=Role.DESK,
    ),
    Step(
        StepName.DISPOSISI,
        3,
        Role.SEKRETARIS,
        "Disposisi Sekretaris",
        "Mohon berikan disposisi kepada sub bagian yang akan menelaah pengaduan ini (biasanya "
        "Sub Bagian Hukum), dengan catatan bila perlu.",
        "diproses",
        wd(2),
        wd(1),
        _BERKAS,
        ("lembar_disposisi",),
        ("DISPOSISI",),
        {"DISPOSISI": StepName.TELAAH},
    ),
    Step(
        StepName.TELAAH,
        4,
        HANDLER,
        "Penelaahan pengaduan",
        "Mohon telaah pengaduan ini, lalu balas dengan Laporan Hasil Telaah (sebagai lampiran "
        "atau ditulis di badan email) dan satu hasil telaah.",
        "diproses",
        # SOP step 4 takes 7 days in all: telaah 6 + the Sekretaris' approval of a surat
        # penerusan or of a closure 1, the approval inside it (a proposal on day 6 is on time).
        wd(6),
        wd(1),
        _BERKAS,
        ("laporan_hasil_telaah", "surat_penerusan", "surat_pemberitahuan"),
        ("BERKADAR PENGAWASAN", "TERUSKAN", "SUB BAGIAN", "TIDAK DAPAT DITINDAKLANJUTI"),
        {
            "BERKADAR PENGAWASAN": StepName.KERTAS_KERJA,
            "TERUSKAN": StepName.PERSETUJUAN_PENERUSAN,
            "SUB BAGIAN": StepName.TINDAK_LANJUT,
            "TIDAK DAPAT DITINDAKLANJUTI": StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI,
        },
    ),
    Step(
        StepName.PERSETUJUAN_PENERUSAN,
        4,
        Role.SEKRETARIS,
        "Persetujuan surat penerusan",
        "Sub bagian yang menangani mengusulkan agar pengaduan ini diteruskan kepada instansi "
        "yang berwenang. Mohon periksa Laporan Hasil Telaah dan konsep surat penerusan "
        "terlampir, lalu balas SETUJU agar surat diberi nomor dan dikirim, atau TOLAK dengan "
        "catatan untuk mengembalikannya.",
        "diproses",
        wd(1),
        wd(1),
        ("lampiran:telaah", "lampiran:kertas_kerja", "surat_penerusan"),
        ("surat_penerusan",),
        ("SETUJU", "TOLAK"),
        {
            "SETUJU": StepName.DITERUSKAN,
            # The agency has no email address: the desk sends the numbered letter by hand.
            SETUJU_MANUAL: StepName.PENGIRIMAN_PENERUSAN,
            "TOLAK": StepName.TELAAH,
            TOLAK_KERTAS_KERJA: StepName.KERTAS_KERJA,
        },
    ),
    Step(
        StepName.PENGIRIMAN_PENERUSAN,
        4,
        Role.DESK,
        "Pengiriman surat penerusan",
        "Instansi tujuan belum mempunyai alamat surel. Mohon cetak surat penerusan bernomor "
        "terlampir, kirimkan melalui pos atau antar langsung, lalu balas TERKIRIM (lampirkan "
        "pindaian tanda terima pengiriman bila ada). Pelapor diberi tahu setelah surat terkirim.",
        "diproses",
        wd(2),
        wd(1),
        ("surat_penerusan",),
        (),
        ("TERKIRIM",),
        {"TERKIRIM": StepName.DITERUSKAN},
    ),
    Step(
        StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI,
        4,
        Role.SEKRETARIS,
        "Persetujuan penutupan pengaduan yang tidak dapat ditindaklanjuti",
        "Sub bagian yang menangani mengusulkan agar pengaduan ini dinyatakan tidak dapat "
        "ditindaklanjuti dan ditutup. Mohon periksa Laporan Hasil Telaah dan konsep surat "
        "pemberitahuan kepada pelapor terlampir, lalu balas SETUJU agar surat diberi nomor dan "
        "disampaikan kepada pelapor dan pengaduan ditutup, atau TOLAK dengan catatan untuk "
        "mengembalikannya.",
        "diproses",
        # Inside SOP step 4's 7 days, as the approval of a surat penerusan is.
        wd(1),
        wd(1),
        ("lampiran:telaah", "lampiran:kertas_kerja", "surat_pemberitahuan"),
        ("surat_pemberitahuan",),
        ("SETUJU", "TOLAK"),
        {
            "SETUJU": StepName.TIDAK_DITINDAKLANJUTI,
            "TOLAK": StepName.TELAAH,
            TOLAK_KERTAS_KERJA: StepName.KERTAS_KERJA,
        },
    ),
    Step(
        StepName.KERTAS_KERJA,
        5,
        HANDLER,
        "Tindak lanjut pengaduan berkadar pengawasan",
        "Mohon lakukan survei pendahuluan (klarifikasi, konfirmasi, dan penelitian), lalu balas "
        "KERTAS KERJA dengan melampirkan Kertas Kerja. Bila survei menunjukkan pengaduan bukan "
        "kewenangan KPU atau tidak dapat ditindaklanjuti, balas TERUSKAN atau TIDAK DAPAT "
        "DITINDAKLANJUTI (usulan kepada Sekretaris).",
        "diproses",
        wd(3),
        wd(1),
        ("lampiran:telaah",),
        ("kertas_kerja",),
        # TERUSKAN and TIDAK DAPAT DITINDAKLANJUTI stay possible after BERKADAR PENGAWASAN: the
        # survey may show the case is another body's or cannot be followed up. Their approval
        # takes the approval step's own 1 day, as from telaah.
        ("KERTAS KERJA", "TERUSKAN", "TIDAK DAPAT DITINDAKLANJUTI"),
        {
            "KERTAS KERJA": StepName.TINDAK_LANJUT,
            "TERUSKAN": StepName.PERSETUJUAN_PENERUSAN,
            "TIDAK DAPAT DITINDAKLANJUTI": StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI,
        },
    ),
    Step(
        StepName.TINDAK_LANJUT,
        6,
        HANDLER,
        "Tindak lanjut pengaduan",
        "Mohon tentukan tindak lanjutnya: ajukan penelitian atau audit investigasi kepada "
        "Sekretaris (INVESTIGASI), atau sampaikan laporan hasil tindak lanjut (LAPORAN).",
        "diproses",
        # SOP step 6 takes "5 s/d 7 hari" in all: tindak lanjut 2 + persetujuan investigasi 1 +
        # investigasi 4 = 7 working days when there is an investigation, the approval inside it.
        wd(2),
        wd(1),
        ("lampiran:telaah", "lampiran:kertas_kerja"),
        ("laporan_tindak_lanjut",),
        ("INVESTIGASI", "LAPORAN"),
        {"INVESTIGASI": StepName.PERSETUJUAN_INVESTIGASI, "LAPORAN": StepName.PERSETUJUAN_LAPORAN},
    ),
    Step(
        StepName.PERSETUJUAN_INVESTIGASI,
        6,
        Role.SEKRETARIS,
        "Persetujuan penelitian/audit investigasi",
        "Mohon setujui (SETUJU) agar Surat Tugas diterbitkan bagi tim pemeriksa, atau tolak "
        "(TOLAK) dengan catatan.",
        "diproses",
        wd(1),
        wd(1),
        ("lampiran:telaah", "lampiran:kertas_kerja"),
        ("surat_tugas",),
        ("SETUJU", "TOLAK"),
        {"SETUJU": StepName.INVESTIGASI, "TOLAK": StepName.TINDAK_LANJUT},
    ),
    Step(
        StepName.INVESTIGASI,
        6,
        HANDLER,
        "Penelitian atau audit investigasi",
        "Mohon laksanakan penelitian atau audit investigasi sesuai Surat Tugas, lalu balas "
        "LAPORAN dengan melampirkan laporan hasil pemeriksaan.",
        "diproses",
        wd(4),
        wd(1),
        ("surat_tugas", "lampiran:kertas_kerja"),
        ("laporan_hasil_pemeriksaan",),
        ("LAPORAN",),
        {"LAPORAN": StepName.PERSETUJUAN_LAPORAN},
    ),
    Step(
        StepName.PERSETUJUAN_LAPORAN,
        7,
        Role.SEKRETARIS,
        "Persetujuan laporan hasil penanganan",
        "Mohon periksa laporan hasil penanganan, lalu balas SETUJU (dengan ringkasan hasil untuk "
        "pelapor bila perlu) untuk menutup pengaduan, atau TOLAK dengan catatan untuk "
        "mengembalikannya.",
        "diproses",
        wd(3),
        wd(1),
        ("lampiran:telaah", "lampiran:tindak_lanjut", "lampiran:investigasi"),
        ("surat_hasil",),
        ("SETUJU", "TOLAK"),
        {
            "SETUJU": StepName.SELESAI,
            "TOLAK": StepName.TINDAK_LANJUT,
            TOLAK_INVESTIGASI: StepName.INVESTIGASI,
        },
    ),
    Step(
        StepName.PENGIRIMAN_SURAT_PELAPOR,
        7,
        Role.DESK,
        "Pengiriman surat kepada pelapor",
        "Pelapor tidak mempunyai alamat surel. Mohon cetak surat bernomor terlampir, kirimkan "
        "kepada pelapor melalui pos atau serahkan langsung, lalu balas TERKIRIM (lampirkan "
        "pindaian tanda terima pengiriman bila ada). Pengaduan sudah ditutup; surat tercatat "
        "belum terkirim sampai Desk membalas TERKIRIM.",
        "diproses",
        # Opened as the case closes (`after_closing`), like pengiriman_penerusan's 2 days.
        wd(2),
        wd(1),
        # The letter it is about (surat hasil, surat pemberitahuan or the reporter's copy of a
        # surat penerusan): Pengaduan.data["surat_pelapor"], resolved by the applier.
        ("surat_pelapor",),
        (),
        ("TERKIRIM",),
        after_closing=True,
    ),
    Step(StepName.SELESAI, 7, "", "Selesai", "Penanganan pengaduan telah selesai.", "selesai"),
    Step(
        StepName.DITERUSKAN,
        4,
        "",
        "Diteruskan ke instansi lain",
        "Pengaduan bukan kewenangan KPU dan telah diteruskan kepada instansi yang berwenang.",
        "diteruskan",
    ),
    Step(
        StepName.TIDAK_DITINDAKLANJUTI,
        4,
        "",
        "Tidak dapat ditindaklanjuti",
        "Pengaduan tidak dapat ditindaklanjuti; penutupannya disetujui dan alasannya telah "
        "disampaikan kepada pelapor.",
        "tidak_ditindaklanjuti",
    ),
    Step(
        StepName.BUKAN_PENGADUAN,
        2,
        "",
        "Bukan pengaduan",
        "Pesan ini bukan pengaduan dan telah diarsipkan.",
        "bukan_pengaduan",
    ),
    Step(
        StepName.TIDAK_DILENGKAPI,
        2,
        "",
        "Tidak dilengkapi pelapor",
        "Pelapor tidak melengkapi pengaduannya dalam batas waktu; pengaduan ditutup dan pelapor "
        "telah diberi tahu.",
        "tidak_dilengkapi",
    ),
)

# Who is told when a task of a role runs late: the first at the deadline, the next one later.
ESCALATION: dict[str, tuple[str, ...]] = {
    Role.DESK: (Role.SEKRETARIS, Role.KETUA),
    Role.SEKRETARIS: (Role.KETUA,),
    Role.HUKUM: (Role.SEKRETARIS, Role.KETUA),
    Role.KETUA: (),
}
SUBDIVISION_ESCALATION: tuple[str, ...] = (Role.SEKRETARIS, Role.KETUA)


@dataclass(frozen=True)
class Agency:
    """An agency a complaint outside KPU's competence is forwarded to (TERUSKAN).

    `kepada` and `tempat` are the addressee block of a Tata Naskah Dinas letter ("Yth. <kepada>"
    / "di" / "<tempat>"); `address` is the postal address the desk needs to post or deliver it.
    """

    key: str
    name: str
    short: str
    aliases: tuple[str, ...] = ()
    email: str = ""
    address: str = ""
    note: str = ""
    kepada: str = ""  # default: "Pimpinan <name>"
    tempat: str = ""  # default: "Tempat"

    @property
    def addressee(self) -> str:
        return self.kepada or f"Pimpinan {self.name}"

    def snapshot(self) -> dict[str, Any]:
        """What a stored TERUSKAN proposal keeps, so approving it still works when the agency
        was taken out of the configuration in between."""
        return {f: getattr(self, f) for f in _AGENCY_SNAPSHOT}

    @classmethod
    def from_snapshot(cls, key: str, data: Mapping[str, Any]) -> Agency | None:
        if not data.get("name"):
            return None
        text = {f: str(data.get(f) or "") for f in _AGENCY_SNAPSHOT}
        return cls(
            key,
            text["name"],
            text["short"] or key.upper(),
            email=text["email"],
            address=text["address"],
            note=text["note"],
            kepada=text["kepada"],
            tempat=text["tempat"],
        )


_AGENCY_SNAPSHOT = ("name", "short", "email", "address", "note", "kepada", "tempat")

# The local bodies a KPU Kabupaten forwards to. PPID is not among them: it is the office's own
# unit, and a request for public information is answered by it (BUKAN PENGADUAN at the desk),
# not forwarded. APIP is the Inspektorat Utama of the KPU's Secretariat General: the office's
# staff are its employees (a vertical body), so the Pemkab's Inspektorat does not oversee them.
DEFAULT_AGENCIES = (
    Agency(
        "bawaslu",
        "Bawaslu Kabupaten Kepulauan Mentawai",
        "Bawaslu",
        ("badan pengawas pemilihan umum", "bawaslu mentawai", "panwaslu"),
        note="Laporan dugaan pelanggaran Pemilu disampaikan kepada Bawaslu paling lama 7 "
        "(tujuh) hari kerja sejak diketahui dan/atau ditemukannya pelanggaran.",
        kepada="Ketua Bawaslu Kabupaten Kepulauan Mentawai",
        tempat="Tuapejat",
    ),
    Agency(
        "gakkumdu",
        "Sentra Gakkumdu Kabupaten Kepulauan Mentawai",
        "Sentra Gakkumdu",
        (
            "gakkumdu",
            "sentra gakkumdu",
            "sentra penegakan hukum terpadu",
            "gakumdu",
            "polri",
            "polisi",
            "kepolisian",
            "polres",
        ),
        note="Dugaan tindak pidana Pemilu ditangani Sentra Gakkumdu (Bawaslu, Kepolisian, "
        "dan Kejaksaan).",
        kepada="Koordinator Sentra Gakkumdu Kabupaten Kepulauan Mentawai",
        tempat="Tuapejat",
    ),
    Agency(
        "dkpp",
        "Dewan Kehormatan Penyelenggara Pemilu (DKPP)",
        "DKPP",
        ("dewan kehormatan penyelenggara pemilu",),
        note="Dugaan pelanggaran kode etik penyelenggara Pemilu diadukan kepada DKPP.",
        kepada="Ketua Dewan Kehormatan Penyelenggara Pemilu Republik Indonesia",
        tempat="Jakarta",
    ),
    Agency(
        "ombudsman",
        "Ombudsman Republik Indonesia Perwakilan Provinsi Sumatera Barat",
        "Ombudsman",
        ("ori", "ombudsman ri", "ombudsman sumbar"),
        note="Dugaan maladministrasi pelayanan publik dapat dilaporkan kepada Ombudsman.",
        kepada="Kepala Perwakilan Ombudsman Republik Indonesia Provinsi Sumatera Barat",
        tempat="Padang",
    ),
    Agency(
        "apip",
        "Aparat Pengawasan Intern Pemerintah (Inspektorat Utama KPU)",
        "APIP",
        ("inspektorat", "inspektorat utama", "itama"),
        kepada="Inspektur Utama Komisi Pemilihan Umum Republik Indonesia",
        tempat="Jakarta",
    ),
    Agency(
        "kpk",
        "Komisi Pemberantasan Korupsi (KPK)",
        "KPK",
        ("komisi pemberantasan korupsi",),
        kepada="Ketua Komisi Pemberantasan Korupsi Republik Indonesia",
        tempat="Jakarta",
    ),
)

# klasifikasi (folded: lower case, spaces) -> the agencies suggested for TERUSKAN. A request for
# public information has none: the office's own PPID answers it.
SUGGESTIONS = {
    "etik": ("dkpp",),
    "kode etik": ("dkpp",),
    "pelanggaran etik": ("dkpp",),
    "pelanggaran pemilu": ("bawaslu",),
    "pelanggaran administrasi pemilu": ("bawaslu",),
    "pidana pemilu": ("gakkumdu",),
    "tindak pidana pemilu": ("gakkumdu",),
    "korupsi": ("apip", "kpk"),
    "tindak pidana korupsi": ("apip", "kpk"),
    "maladministrasi": ("ombudsman",),
}

SUBDIVISION_TITLES = {
    Role.HUKUM: "Sub Bagian Hukum",
    "teknis": "Sub Bagian Teknis",
    "keuangan": "Sub Bagian Keuangan, Umum dan Logistik",
    "perencanaan": "Sub Bagian Perencanaan, Data dan Informasi",
    "sdm": "Sub Bagian SDM dan Partisipasi Masyarakat",
}


@dataclass(frozen=True)
class Subdivision:
    key: str
    title: str
    aliases: tuple[str, ...] = ()


def default_subdivision(key: str) -> Subdivision:
    title = SUBDIVISION_TITLES.get(key) or "Sub Bagian " + key.replace("_", " ").title()
    return Subdivision(key, title)


@dataclass(frozen=True)
class Sop:
    """The whole SOP: steps by name, the Perpres limit, agencies and sub-divisions."""

    steps: Mapping[str, Step]
    case_limit: Duration = Duration(60, "calendar_days")
    escalate_again_after: Duration = wd(2)
    # When the case-level limit warns: None = 3/4 and 11/12 of `case_limit` in its unit (day 45
    # and day 55 of 60), so an office reading the limit as working days keeps one kind of day.
    case_limit_reminder: Duration | None = None
    case_limit_escalation: Duration | None = None
    agencies: tuple[Agency, ...] = DEFAULT_AGENCIES
    subdivisions: tuple[Subdivision, ...] = (default_subdivision(Role.HUKUM),)

    def step(self, name: str) -> Step:
        try:
            return self.steps[name]
        except KeyError:
            raise KeyError(f"unknown SOP step {name!r}") from None

    def subdivision(self, key: str) -> Subdivision | None:
        return next((s for s in self.subdivisions if s.key == key), None)

    def agency(self, key: str) -> Agency | None:
        return next((a for a in self.agencies if a.key == key), None)

    def acting_role(self, step: str, handler: str = HANDLER, conflict_role: str = "") -> str:
        """Who decides at `step`: the step's role, with "hukum" standing for the handling
        sub-division, routed one role up when the desk marked a conflict of interest."""
        role = self.step(step).deciding_role
        if role == HANDLER:
            role = handler or HANDLER
        if role and role == conflict_role:
            return next(iter(self.escalation(role, conflict_role)), role)
        return role

    def escalation(self, role: str, conflict_role: str = "") -> tuple[str, ...]:
        """The roles told when a task of `role` is late, in order (never the conflicted one)."""
        chain = ESCALATION.get(role, SUBDIVISION_ESCALATION if role != PELAPOR else ())
        return tuple(r for r in chain if r != conflict_role)

    def suggest(self, klasifikasi: str) -> tuple[Agency, ...]:
        """The agencies the forwarding table suggests for a klasifikasi (may be empty)."""
        keys = SUGGESTIONS.get(" ".join(klasifikasi.lower().replace("_", " ").split()), ())
        return tuple(a for k in keys if (a := self.agency(k)))

    def role_title(self, role: str) -> str:
        sub = self.subdivision(role)
        return sub.title if sub else ROLE_TITLES.get(role, role)

    def case_limit_marks(self) -> tuple[Duration, Duration]:
        """(reminder, escalation): how long after the file was complete each is sent."""
        limit = self.case_limit
        return (
            self.case_limit_reminder or Duration(max(1, limit.amount * 3 // 4), limit.unit),
            self.case_limit_escalation or Duration(max(1, limit.amount * 11 // 12), limit.unit),
        )

    def with_steps(self, **changes: Step) -> Sop:
        return replace(self, steps=MappingProxyType({**self.steps, **changes}))


DEFAULT_SOP = Sop(steps=MappingProxyType({s.name: s for s in DEFAULT_STEPS}))
