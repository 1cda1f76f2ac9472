"""The per-document part of a context: what `Document.params` says, with the SOP's defaults.

A `Document` row carries a JSON `params` dict written by the workflow (the team of a Surat Tugas,
the agency of a forwarding letter, the sub-divisions of a lembar disposisi). These functions turn it
into frozen views, filling in what the office would write by hand. Unknown keys are ignored, so a
newer workflow can add keys without breaking an older renderer. Dates are ISO strings.

- tanda_terima: `tenggat` [[tahap, jangka waktu], ...] (default: the SOP's time frame).
- lembar_disposisi: `filled` (default: whether the case has a `disposisi_to`), `subdivisions`
  [[key, label], ...] or [label, ...], `tanggal_disposisi`, `nomor_surat`, `tanggal_surat`.
- surat_tugas: `nomor`, `tanggal`, `anggota` [{nama, nip, jabatan, pangkat}, ...] or [nama, ...]
  (default: `Pengaduan.tim` split by line, ";" or ","; email addresses dropped), `dasar` [..],
  `untuk` [..], `hari_kerja`, `catatan` (the Sekretaris's note when approving).
- surat_penerusan: `instansi` (default: `Pengaduan.forwarded_to`), `kepada` (the addressee's
  title, default: `instansi`), `tempat` (default: `alamat`, else "Tempat"), `nomor`, `tanggal`,
  `alasan`, `ringkasan` (default: the complaint text), `tembusan` [..], `redact_identity` (True
  forces redaction; the case's own flags redact anyway unless the reporter consented).
- surat_hasil: `ringkasan` (default: `Pengaduan.outcome`), `nomor`, `tanggal`.
- surat_pemberitahuan: `jenis` (tidak_ditindaklanjuti, tidak_dilengkapi; bukan_pengaduan only
  for letters issued before BUKAN PENGADUAN stopped issuing one),
  `alasan` (default: `Pengaduan.outcome`), `apa`, `diminta_tanggal`, `batas_hari`, `nomor`,
  `tanggal`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dumas.workflow.documents.views import AttachmentView, DocumentContext, PelaporView
from dumas.workflow.errors import DocumentError
from dumas.workflow.extract.redaction import DIRAHASIAKAN, redact, redact_filename
from dumas.workflow.formatting import clean_text, one_line, tanggal, terbilang

SIFAT = (
    ("biasa", "Biasa"),
    ("segera", "Segera"),
    ("sangat segera", "Sangat Segera"),
    ("rahasia", "Rahasia"),
)
# The office's sub-divisions (KPU kabupaten/kota), key -> label; a config can pass its own.
DEFAULT_SUBDIVISIONS = (
    ("hukum", "Sub Bagian Hukum"),
    ("teknis", "Sub Bagian Teknis"),
    ("keuangan", "Sub Bagian Keuangan, Umum dan Logistik"),
    ("perencanaan", "Sub Bagian Perencanaan, Data dan Informasi"),
    ("sdm", "Sub Bagian SDM dan Partisipasi Masyarakat"),
)
# What happens next, as the SOP's default time frame (the workflow may pass the configured one).
DEFAULT_TENGGAT = (
    ("Verifikasi kelengkapan oleh Desk Pelayanan", "30 menit kerja"),
    ("Disposisi oleh Sekretaris", "2 hari kerja"),
    ("Penelaahan oleh Sub Bagian Hukum", "7 hari kerja"),
    ("Tindak lanjut pengaduan yang berkadar pengawasan", "3 hari kerja"),
    ("Penentuan tindak lanjut", "2 hari kerja"),
    ("Persetujuan penelitian/audit investigasi oleh Sekretaris", "1 hari kerja"),
    ("Penelitian atau audit investigasi (bila diperlukan)", "4 hari kerja"),
    ("Persetujuan laporan hasil oleh Sekretaris", "3 hari kerja"),
)
PLACEHOLDER = "…………………………"


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    chosen: bool


@dataclass(frozen=True)
class DisposisiView:
    sifat: tuple[Choice, ...]
    kepada: tuple[Choice, ...]
    filled: bool
    isi: str
    tanggal: str
    nomor_surat: str
    tanggal_surat: str


@dataclass(frozen=True)
class TandaTerimaView:
    tenggat: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Anggota:
    nama: str
    nip: str = ""
    jabatan: str = ""
    pangkat: str = ""  # pangkat/golongan, e.g. "Penata (III/c)"


@dataclass(frozen=True)
class SuratTugasView:
    nomor: str
    tanggal: str
    dasar: tuple[str, ...]
    anggota: tuple[Anggota, ...]
    untuk: tuple[str, ...]
    catatan: str = ""


@dataclass(frozen=True)
class SuratHasilView:
    nomor: str
    tanggal: str
    ringkasan: str


FALLBACK_KELENGKAPAN = "Identitas pelapor, lokasi kejadian, dan bukti pendukung pengaduan."


@dataclass(frozen=True)
class KelengkapanView:
    tanggal: str
    apa: str
    batas_tanggal: str


@dataclass(frozen=True)
class PenerusanView:
    nomor: str
    tanggal: str
    instansi: str
    kepada: str  # the addressee block: "Yth. <kepada>" / "di" / "<tempat>"
    tempat: str
    alasan: str
    perihal: str
    ringkasan: str
    pelapor: PelaporView | None  # None: redacted ("Dirahasiakan")
    lampiran: tuple[str, ...]
    tembusan: tuple[str, ...]
    salinan: bool = False  # the reporter's copy (tembusan), not the letter to the agency

    @property
    def pelapor_text(self) -> str:
        return self.pelapor.name if self.pelapor else DIRAHASIAKAN


def disposisi(ctx: DocumentContext, params: Mapping[str, Any]) -> DisposisiView:
    """Blank at intake; filled (sub-division, notes) when `filled` or once the case has one."""
    case = ctx.case
    filled = bool(params.get("filled", bool(case.disposisi_to)))
    chosen = case.disposisi_to if filled else ""
    subs = _subdivisions(params.get("subdivisions"))
    letter_date = params.get("tanggal_surat")
    return DisposisiView(
        sifat=tuple(Choice(k, label, k == case.sifat) for k, label in SIFAT),
        kepada=tuple(Choice(k, label, _matches(chosen, k, label)) for k, label in subs),
        filled=filled,
        isi=case.disposisi_note if filled else "",
        tanggal=_date_text(params.get("tanggal_disposisi")) if filled else "",
        nomor_surat=one_line(str(params.get("nomor_surat") or ""))
        or ("— (surat elektronik)" if case.channel == "email" else "—"),
        tanggal_surat=_date_text(letter_date) or _sent_date(ctx),
    )


def tanda_terima(ctx: DocumentContext, params: Mapping[str, Any]) -> TandaTerimaView:
    rows = params.get("tenggat") or DEFAULT_TENGGAT
    return TandaTerimaView(tuple((one_line(str(a)), one_line(str(b))) for a, b in rows))


def surat_tugas(ctx: DocumentContext, params: Mapping[str, Any]) -> SuratTugasView:
    case, office = ctx.case, ctx.office
    anggota = _anggota(params.get("anggota")) or _anggota(
        _team(case.tim, params.get("pegawai") or {})
    )
    if not anggota:
        raise DocumentError(f"surat tugas {case.display_number}: no team members given")
    days = int(params.get("hari_kerja") or 7)
    # The team may be from outside the office: the subject can name the reporter.
    subject = (
        case.subject if case.identity_may_leave_office else _redactor(case.pelapor)(case.subject)
    )
    # PKPU 8/2019 first: the SOP's own legal basis (its "Dasar Hukum") for the office's work.
    dasar = _lines(params.get("dasar")) or (
        "Peraturan Komisi Pemilihan Umum Nomor 8 Tahun 2019 tentang Tata Kerja Komisi Pemilihan "
        "Umum, Komisi Pemilihan Umum Provinsi, dan Komisi Pemilihan Umum Kabupaten/Kota;",
        "Peraturan Presiden Nomor 76 Tahun 2013 tentang Pengelolaan Pengaduan Pelayanan Publik;",
        f"Standar Operasional Prosedur Nomor 14 Tahun 2022 tentang Pelaksanaan Prosedur "
        f"Pengelolaan Pelayanan Pengaduan Masyarakat di Lingkungan {office.name};",
        f"Pengaduan masyarakat Nomor Registrasi {case.display_number} tanggal "
        f"{tanggal(case.received_at)} beserta Laporan Hasil Telaah Sub Bagian Hukum.",
    )
    untuk = _lines(params.get("untuk")) or (
        f"Melakukan penelitian dan/atau audit investigasi atas pengaduan masyarakat Nomor "
        f"Registrasi {case.display_number} perihal “{subject or '-'}”"
        + (f" di {case.lokasi.ringkas}" if case.lokasi.ringkas else "")
        + ";",
        "Melakukan klarifikasi, konfirmasi, dan pengumpulan data serta dokumen yang diperlukan;",
        f"Melaporkan hasil pelaksanaan tugas secara tertulis kepada Sekretaris paling lambat "
        f"{days} ({terbilang(days)}) hari kerja sejak surat tugas ini diterima;",
        "Melaksanakan tugas ini dengan penuh tanggung jawab.",
    )
    return SuratTugasView(
        nomor=one_line(str(params.get("nomor") or "")) or PLACEHOLDER,
        tanggal=_date_text(params.get("tanggal")) or tanggal(ctx.now),
        dasar=dasar,
        anggota=anggota,
        untuk=untuk,
        catatan=clean_text(str(params.get("catatan") or "")).strip(),
    )


def surat_hasil(ctx: DocumentContext, params: Mapping[str, Any]) -> SuratHasilView:
    """The letter telling the reporter how their complaint was handled (SOP step 7)."""
    ringkasan = clean_text(str(params.get("ringkasan") or "")).strip() or ctx.case.outcome
    if not ringkasan.strip():
        raise DocumentError(f"surat hasil {ctx.case.display_number}: no outcome (ringkasan) given")
    return SuratHasilView(
        nomor=one_line(str(params.get("nomor") or "")) or PLACEHOLDER,
        tanggal=_date_text(params.get("tanggal")) or tanggal(ctx.now),
        ringkasan=ringkasan,
    )


# The closures told by a surat pemberitahuan (no surat hasil): `jenis` -> the letter's "Hal".
PEMBERITAHUAN_HAL = {
    "tidak_ditindaklanjuti": "Pemberitahuan Pengaduan Tidak Dapat Ditindaklanjuti",
    "bukan_pengaduan": "Pemberitahuan Pesan Bukan Pengaduan",
    "tidak_dilengkapi": "Pemberitahuan Penutupan Pengaduan karena Tidak Dilengkapi",
}


@dataclass(frozen=True)
class PemberitahuanView:
    nomor: str
    tanggal: str
    jenis: str
    hal: str
    alasan: str
    apa: str = ""
    diminta_tanggal: str = ""
    batas_hari: str = ""


def pemberitahuan(ctx: DocumentContext, params: Mapping[str, Any]) -> PemberitahuanView:
    """The letter to a reporter whose case closed without a surat hasil: TIDAK DAPAT
    DITINDAKLANJUTI (the handler's reason), BUKAN PENGADUAN (the desk's), or the reporter not
    completing it in time. Only what was written for the reporter: `alasan`, or `apa` with
    `diminta_tanggal` and `batas_hari` for "tidak_dilengkapi"."""
    jenis = str(params.get("jenis") or "")
    if jenis not in PEMBERITAHUAN_HAL:
        jenis = "tidak_dilengkapi" if ctx.case.status == "tidak_dilengkapi" else ""
    alasan = clean_text(str(params.get("alasan") or "")).strip() or ctx.case.outcome.strip()
    if not jenis and not alasan:
        raise DocumentError(f"surat pemberitahuan {ctx.case.display_number}: no reason given")
    return PemberitahuanView(
        nomor=one_line(str(params.get("nomor") or "")) or PLACEHOLDER,
        tanggal=_date_text(params.get("tanggal")) or tanggal(ctx.now),
        jenis=jenis or "tidak_ditindaklanjuti",
        hal=PEMBERITAHUAN_HAL[jenis or "tidak_ditindaklanjuti"],
        alasan=alasan,
        apa=clean_text(str(params.get("apa") or "")).strip(),
        diminta_tanggal=one_line(str(params.get("diminta_tanggal") or "")),
        batas_hari=one_line(str(params.get("batas_hari") or "")),
    )


def permintaan_kelengkapan(ctx: DocumentContext, params: Mapping[str, Any]) -> KelengkapanView:
    """The printed LENGKAPI request to a reporter without email (the desk posts or hands it)."""
    # Without params (`dumas pdf`, a re-render) the letter still reads as a request.
    apa = clean_text(str(params.get("apa") or "")).strip() or FALLBACK_KELENGKAPAN
    return KelengkapanView(
        tanggal=_date_text(params.get("tanggal")) or tanggal(ctx.now),
        apa=apa,
        batas_tanggal=one_line(str(params.get("batas_tanggal") or "")),
    )


def penerusan(ctx: DocumentContext, params: Mapping[str, Any]) -> PenerusanView:
    """The forwarding letter; the reporter is redacted unless they agreed to be named."""
    case = ctx.case
    instansi = one_line(str(params.get("instansi") or case.forwarded_to or ""))
    if not instansi:
        raise DocumentError(f"surat penerusan {case.display_number}: no agency (instansi) given")
    copy = bool(params.get("salinan_pelapor"))
    # The reporter's own copy names them (nothing of theirs is hidden from them).
    shown = copy or (case.identity_may_leave_office and not params.get("redact_identity", False))
    hide = (lambda t: t) if shown else _redactor(case.pelapor)
    hide_file = (lambda t: t) if shown else _filename_redactor(case.pelapor)
    # The full complaint ("Uraian pengaduan"): the agency acts on what the reporter wrote.
    summary = clean_text(str(params.get("ringkasan") or "")) or clean_text(case.body)
    return PenerusanView(
        nomor=one_line(str(params.get("nomor") or "")) or PLACEHOLDER,
        tanggal=_date_text(params.get("tanggal")) or tanggal(ctx.now),
        instansi=instansi,
        # Letters approved before the addressee block existed name the agency and its town.
        kepada=one_line(str(params.get("kepada") or "")) or instansi,
        tempat=one_line(str(params.get("tempat") or params.get("alamat") or "")) or "Tempat",
        # The considerations are the office's to the agency, not part of the reporter's copy.
        alasan="" if copy else clean_text(str(params.get("alasan") or "")),
        perihal=hide(case.subject),
        ringkasan=hide(summary),
        pelapor=case.pelapor if shown else None,
        lampiran=tuple(_attachment_line(a, hide_file) for a in case.evidence),
        tembusan=_lines(params.get("tembusan"))
        or (f"Ketua {ctx.office.name}", "Pelapor (sebagai pemberitahuan)", "Arsip"),
        salinan=copy,
    )


@dataclass(frozen=True)
class Pengesahan:
    """The signature block of an approved letter, and the approval printed under it."""

    nama: str
    nip: str
    jabatan: str
    oleh: str
    pada: str
    kode: str
    cara: str = "surel"  # "ditetapkan": decided without approval; "otomatis": by the SOP's clock


def pengesahan(params: Mapping[str, Any]) -> Pengesahan | None:
    """From the params the applier wrote when the letter was numbered; None before approval
    (a draft shows dotted lines where the name and number will be)."""
    sah = params.get("pengesahan")
    if not isinstance(sah, Mapping):
        return None
    nama, nip, jabatan, oleh, pada, kode = (
        one_line(str(sah.get(k) or "")) for k in ("nama", "nip", "jabatan", "oleh", "pada", "kode")
    )
    cara = str(sah.get("cara") or "surel")
    if cara not in ("surel", "ditetapkan", "otomatis"):
        cara = "surel"
    return Pengesahan(nama, nip, jabatan, oleh, pada, kode, cara)


def _redactor(pelapor: PelaporView):
    others = (pelapor.email, pelapor.phone, pelapor.address, pelapor.nik)
    return lambda text: redact(text, pelapor.name, others)


def _filename_redactor(pelapor: PelaporView):
    """Like `_redactor`, for a file name ("KTP_Budi_Santoso.jpg": "_" separates its words)."""
    others = (pelapor.email, pelapor.phone, pelapor.address, pelapor.nik)
    return lambda filename: redact_filename(filename, pelapor.name, others)


def _attachment_line(a: AttachmentView, hide_file) -> str:
    return f"{hide_file(a.filename)} ({a.size_text})"


def _subdivisions(value) -> tuple[tuple[str, str], ...]:
    if not value:
        return DEFAULT_SUBDIVISIONS
    out = []
    for item in value:
        key, label = (item, item) if isinstance(item, str) else (item[0], item[1])
        out.append((one_line(key).lower(), one_line(label)))
    return tuple(out)


def _matches(choice: str, key: str, label: str) -> bool:
    c = " ".join(choice.lower().split())
    if not c:
        return False
    label = label.lower()
    return c in (key, label, label.removeprefix("sub bagian ").strip(), f"sub bagian {key}")


def _anggota(value) -> tuple[Anggota, ...]:
    out = []
    for item in value or ():
        if isinstance(item, str):
            if item.strip():
                out.append(Anggota(one_line(item)))
        elif isinstance(item, Mapping) and str(item.get("nama") or "").strip():
            out.append(
                Anggota(
                    *(
                        one_line(str(item.get(k) or ""))
                        for k in ("nama", "nip", "jabatan", "pangkat")
                    )
                )
            )
    return tuple(out)


def _team(text: str, pegawai: Mapping[str, Any]) -> list[str | Mapping[str, Any]]:
    """The team as written, each member named with an address in `[pegawai]` (`pegawai`, frozen
    into the params when the Surat Tugas was numbered) with its NIP, Pangkat/Gol. and jabatan."""
    out: list[str | Mapping[str, Any]] = []
    for item in _split_items(text):
        found = re.search(r"[\w.+-]+@[\w.-]+", item)
        entry = pegawai.get(found[0].lower()) if found else None
        name = _member_name(item)
        if isinstance(entry, Mapping):
            out.append({**entry, "nama": entry.get("nama") or name})
        else:
            out.append(name)
    return out


def _split_items(text: str) -> list[str]:
    """`Pengaduan.tim` as written in `INVESTIGASI <tim>` ("Andi Saputra (andi@kpu.example);
    Rina"): by line, semicolon or comma."""
    for sep in ("\n", ";", ","):
        if sep in text:
            return text.split(sep)
    return [text]


_WITH_ADDRESS = re.compile(r"^(.*?)\s*[(<\[]?\s*[\w.+-]+@[\w.-]+\s*[)>\]]?\s*$")


def _member_name(item: str) -> str:
    item = item.strip()
    match = _WITH_ADDRESS.match(item)
    return match[1].strip() if match and match[1].strip() else item


def _lines(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = value.splitlines()
    return tuple(one_line(str(v)) for v in value or () if str(v).strip())


def _date_text(value) -> str:
    if isinstance(value, (date, datetime)):
        return tanggal(value)
    if isinstance(value, str) and value.strip():
        try:
            return tanggal(date.fromisoformat(value.strip()[:10]))
        except ValueError:
            return one_line(value)
    return ""


def _sent_date(ctx: DocumentContext) -> str:
    return tanggal(ctx.case.sent_at or ctx.case.received_at)
