"""A realistic sample case, for the document previews, the bench, the demo and the tests.

Everything is fictional (names, addresses, numbers); the domains are `.example`. The case uses the
characters Indonesian text really contains (é, “ ”, –, …), a very long URL, two generated photos
and a PDF, so one render shows how a document copes with all of them.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from dumas.workflow.documents.views import DocumentContext, view_of
from dumas.workflow.errors import StorageError
from dumas.workflow.store.models import Attachment, Event, Pengaduan, RawMessage

WIB = ZoneInfo("Asia/Jakarta")
RECEIVED = datetime(2026, 11, 16, 2, 14, tzinfo=UTC)  # Senin 09.14 WIB


@dataclass(frozen=True)
class SampleOffice:
    """Shaped like `dumas.config.settings.Office` (workflow does not import config)."""

    name: str = "Komisi Pemilihan Umum Kabupaten Kepulauan Mentawai"
    short_name: str = "KPU Kabupaten Kepulauan Mentawai"
    address: str = "Jalan Raya Tuapejat Km. 4, Desa Tuapejat, Kecamatan Sipora Utara"
    city: str = "Tuapejat"
    phone: str = "(0759) 000 1234"
    email: str = "pengaduan@kpu-mentawai.example"
    website: str = "https://kpu-mentawai.example"
    sekretaris_name: str = "Yohanes Saleleubaja, S.H."
    sekretaris_nip: str = "19800101 200604 1 001"
    ketua_name: str = "Teresia Samaloisa, S.Sos."
    timezone: str = "Asia/Jakarta"


BODY = """Yth. Bapak/Ibu Desk Pelayanan KPU Kabupaten Kepulauan Mentawai,

Saya ingin melaporkan dugaan pelanggaran oleh petugas KPPS di TPS 003 Desa Muara Siberut, \
Kecamatan Siberut Selatan, pada hari pemungutan suara (Rabu, 11 November 2026) – sekitar pukul \
10.30 WIB.

Kronologi:
1. Ketua KPPS meminta pemilih lansia “dibantu” memilih oleh anggota KPPS tanpa persetujuan keluarga.
2. Formulir C.Hasil tidak ditempel di papan pengumuman sampai sore.
3. Saksi dari salah satu peserta ditolak masuk meski membawa surat mandat (café di depan TPS \
menjadi tempat menunggu).

Video kejadian sudah saya unggah: https://video.example/watch?v=abcdefghijklmnopqrstuvwxyz0123456789\
ABCDEFGHIJKLMNOPQRSTUVWXYZ&list=PL0123456789abcdefghijklmnopqrstuvwxyz&index=42&t=1m30s&feature=share

Nama : Maria Sababalat
No. HP/WA : 0812-6634-1290
Alamat : Dusun Puro, Desa Muara Siberut

Mohon identitas saya dirahasiakan. Terima kasih atas perhatiannya.

Hormat saya,
Maria Sababalat"""


@dataclass
class SampleCase:
    pengaduan: Pengaduan
    attachments: list[Attachment]
    raw: RawMessage
    events: list[Event]
    files: dict[str, bytes] = field(default_factory=dict)

    def read_file(self, key: str) -> bytes:
        try:
            return self.files[key]
        except KeyError:
            raise StorageError(f"cannot read stored file {key}") from None

    def context(self, now: datetime | None = None) -> DocumentContext:
        return view_of(
            self.pengaduan,
            self.attachments,
            SampleOffice(),
            WIB,
            self.read_file,
            raw=self.raw,
            events=self.events,
            now=now or datetime(2026, 11, 16, 2, 20, tzinfo=UTC),
        )


def sample_case(
    body: str = BODY,
    subject: str = "Pengaduan dugaan pelanggaran KPPS di TPS 003 "
    "Desa Muara Siberut – mohon ditindaklanjuti",
) -> SampleCase:
    files: dict[str, bytes] = {}
    raw_bytes = _email(subject, body)
    raw_key, raw_sha = _put(files, "raw", raw_bytes)
    raw = RawMessage(
        id=1,
        sha256=raw_sha,
        storage_key=raw_key,
        size=len(raw_bytes),
        message_id="CAJ7x0Q8mentawai@mail.example",
        date_header=RECEIVED,
        from_address="maria.sababalat@example.com",
        subject=subject,
    )
    attachments = [
        _attachment(files, name, ctype, data)
        for name, ctype, data in (
            ("foto-tps-003.jpg", "image/jpeg", sample_image("JPEG", (1600, 1200), "#4a7")),
            ("tangkapan-layar-grup-wa.png", "image/png", sample_image("PNG", (720, 1280), "#58c")),
            ("surat-pernyataan-saksi.pdf", "application/pdf", b"%PDF-1.4\n% contoh\n" * 400),
        )
    ]
    p = Pengaduan(
        id=1,
        number="001/PGD/XI/2026",
        year=2026,
        seq=1,
        channel="email",
        received_at=RECEIVED,
        registered_at=RECEIVED,
        subject=subject,
        body=body,
        terlapor="Ketua dan anggota KPPS TPS 003 Desa Muara Siberut",
        klasifikasi="",
        sifat="segera",
        pelapor_name="Maria Sababalat",
        pelapor_email="maria.sababalat@example.com",
        pelapor_phone="0812-6634-1290",
        pelapor_address="Dusun Puro, Desa Muara Siberut",
        pelapor_nik="",
        confidential=False,
        consent_to_share=False,
        kecamatan="Siberut Selatan",
        desa="Muara Siberut",
        tps="003",
        lokasi_text="",
        missing=[],
        step="verifikasi",
        status="baru",
        disposisi_to="",
        disposisi_note="",
        telaah_result="",
        forwarded_to="",
        tim="",
        outcome="",
        data={},
    )
    return SampleCase(p, attachments, raw, _events(), files)


def sample_image(fmt: str, size: tuple[int, int], color: str) -> bytes:
    """A generated picture (a "photo" with a label), so nothing binary lives in the repository."""
    img = Image.new("RGB", size, color)
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle(
        (w // 8, h // 4, w * 7 // 8, h * 3 // 4), outline="white", width=max(2, w // 100)
    )
    draw.ellipse((w // 3, h // 3, w * 2 // 3, h * 2 // 3), fill="#fc3")
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def _put(files: dict[str, bytes], kind: str, data: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(data).hexdigest()
    key = f"{kind}/{digest[:2]}/{digest}"
    files[key] = data
    return key, digest


def _attachment(files, name: str, ctype: str, data: bytes) -> Attachment:
    key, digest = _put(files, "att", data)
    return Attachment(
        filename=name,
        content_type=ctype,
        size=len(data),
        sha256=digest,
        storage_key=key,
        step="pengaduan",
        added_at=RECEIVED,
    )


def _email(subject: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maria Sababalat <maria.sababalat@example.com>"
    msg["To"] = "Pengaduan KPU Mentawai <pengaduan@kpu-mentawai.example>"
    msg["Cc"] = "Andreas Sakerebau <andreas.s@example.com>"
    msg["Date"] = format_datetime(RECEIVED.astimezone(WIB))
    msg["Subject"] = subject
    msg["Message-ID"] = "<CAJ7x0Q8mentawai@mail.example>"
    msg.set_content(body)
    return msg.as_bytes()


def _events() -> list[Event]:
    rows = (
        (
            0,
            "diterima",
            "maria.sababalat@example.com",
            "Surel pengaduan diterima dari kotak masuk.",
        ),
        (1, "registrasi", "", "Pengaduan diregistrasi dengan nomor 001/PGD/XI/2026."),
        (2, "dokumen", "", "Cetakan pengaduan dan lembar disposisi dibuat."),
        (3, "surel_terkirim", "", "Tanda terima dikirim kepada pelapor."),
        (4, "perintah", "desk@kpu-mentawai.example", "LENGKAP — diteruskan kepada Sekretaris."),
    )
    return [
        Event(at=RECEIVED.replace(minute=14 + m), kind=k, actor=a, summary=s) for m, k, a, s in rows
    ]


# What the workflow would have written into `Document.params` for each kind, later in the SOP.
SAMPLE_PARAMS: dict[str, dict] = {
    "lembar_disposisi": {"filled": True, "tanggal_disposisi": "2026-11-17"},
    "surat_tugas": {
        "nomor": "012/PW.04-ST/1309/2026",
        "tanggal": "2026-12-02",
        "anggota": [
            {
                "nama": "Andi Sakerebau, S.H.",
                "nip": "19870412 201001 1 003",
                "jabatan": "Kepala Sub Bagian Hukum",
                "pangkat": "Penata Tk. I (III/d)",
            },
            {
                "nama": "Rina Samaloisa, S.E.",
                "nip": "19910305 201503 2 002",
                "jabatan": "Analis Pengaduan Masyarakat",
                "pangkat": "Penata Muda Tk. I (III/b)",
            },
            {"nama": "Petrus Sababalat", "nip": "", "jabatan": "Pengolah Data"},
        ],
    },
    "surat_penerusan": {
        "nomor": "145/PY.01-SD/1309/2026",
        "tanggal": "2026-11-25",
        "instansi": "Badan Pengawas Pemilihan Umum Kabupaten Kepulauan Mentawai",
        "kepada": "Ketua Bawaslu Kabupaten Kepulauan Mentawai",
        "tempat": "Tuapejat",
        "alasan": "dugaan pelanggaran pemilihan yang menjadi kewenangan Bawaslu",
    },
    "surat_hasil": {"nomor": "160/PY.01-SD/1309/2026", "tanggal": "2026-12-14"},
    "surat_pemberitahuan": {
        "jenis": "tidak_ditindaklanjuti",
        "alasan": "Identitas terlapor dan lokasi kejadian tidak jelas.",
        "nomor": "161/PY.01-SD/1309/2026",
        "tanggal": "2026-12-14",
    },
    "surat_permintaan_kelengkapan": {
        "apa": "Mohon sampaikan fotokopi KTP dan foto kejadian di TPS 02.",
        "batas_tanggal": "Senin, 16 November 2026",
    },
}


def advanced_sample_case() -> SampleCase:
    """The sample case after the Sekretaris's disposition, the telaah and the team's approval."""
    case = sample_case()
    p = case.pengaduan
    p.step, p.status = "investigasi", "proses"
    p.disposisi_to = "hukum"
    p.disposisi_note = (
        "Mohon ditelaah dan dikoordinasikan dengan Sub Bagian Teknis; "
        "laporkan hasilnya dalam 7 hari kerja."
    )
    p.forwarded_to = "Bawaslu Kabupaten Kepulauan Mentawai"
    p.tim = "Andi Sakerebau (andi@kpu-mentawai.example); Rina Samaloisa; Petrus Sababalat"
    p.outcome = (
        "Hasil penelitian tim menunjukkan bahwa Ketua KPPS TPS 003 membantu pemilih lansia "
        "tanpa permintaan pemilih. Ketua KPPS telah diberi teguran tertulis dan seluruh "
        "anggota KPPS di Kecamatan Siberut Selatan akan mendapat bimbingan teknis ulang."
    )
    return case
