"""Is the complaint complete enough to handle (SOP step 2: data, identity, location, evidence)?

What "complete" means here — the desk still decides with `LENGKAP` / `LENGKAPI`; this check only
decides what the acknowledgement asks the reporter for:
- `identitas`: a name AND at least one way to identify or reach the reporter beyond the email
  address they wrote from — a phone/WhatsApp number, an address or a NIK. An email address alone
  proves nothing about who writes, and the clarification of step 5 may need a call or a visit.
  A confidential reporter must still identify themselves to the office (the flag only keeps the
  identity out of what is sent outside).
- `lokasi`: any of TPS, desa/kelurahan, kecamatan, or a free-text place.
- `bukti`: at least one attachment, or a link to evidence on a file/media host (Google Drive,
  YouTube, Facebook...): citizens often share a link instead of a 20 MB video. A long description
  alone is not evidence — it is the complaint itself; the desk may still accept it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dumas.workflow.extract.lokasi import Lokasi
    from dumas.workflow.extract.pelapor import Pelapor

IDENTITAS, LOKASI, BUKTI = "identitas", "lokasi", "bukti"
ORDER = (IDENTITAS, LOKASI, BUKTI)

EVIDENCE_HOSTS = (
    "drive.google.com",
    "docs.google.com",
    "photos.google.com",
    "photos.app.goo.gl",
    "youtube.com",
    "youtu.be",
    "facebook.com",
    "fb.watch",
    "instagram.com",
    "tiktok.com",
    "twitter.com",
    "x.com",
    "dropbox.com",
    "wetransfer.com",
    "we.tl",
    "onedrive.live.com",
    "1drv.ms",
    "mega.nz",
    "icloud.com",
    "terabox.com",
)
_URL = re.compile(r"https?://(?:www\.|m\.|vt\.)?([a-z0-9.-]+)(?:/[^\s<>\")\]]*)?", re.IGNORECASE)


def evidence_links(text: str) -> list[str]:
    """Links in the text that point to evidence hosted elsewhere (see `EVIDENCE_HOSTS`)."""
    found = []
    for m in _URL.finditer(text or ""):
        host = m.group(1).lower().rstrip(".")
        if any(host == h or host.endswith("." + h) for h in EVIDENCE_HOSTS):
            found.append(m.group().rstrip(".,;:!?'"))  # sentence punctuation is not the link's
    return found


def check_completeness(
    *,
    name: str = "",
    phone: str = "",
    address: str = "",
    nik: str = "",
    tps: str = "",
    desa: str = "",
    kecamatan: str = "",
    lokasi_text: str = "",
    attachments: int = 0,
    text: str = "",
) -> list[str]:
    """What is missing, in `ORDER`: a sublist of ["identitas", "lokasi", "bukti"]."""
    missing = []
    if not (name.strip() and (phone.strip() or address.strip() or nik.strip())):
        missing.append(IDENTITAS)
    if not (tps.strip() or desa.strip() or kecamatan.strip() or lokasi_text.strip()):
        missing.append(LOKASI)
    if attachments <= 0 and not evidence_links(text):
        missing.append(BUKTI)
    return missing


def check_extracted(
    pelapor: Pelapor, lokasi: Lokasi, attachments: int, text: str = ""
) -> list[str]:
    """`check_completeness` on the results of `extract_pelapor` and `extract_lokasi`."""
    return check_completeness(
        name=pelapor.name,
        phone=pelapor.phone,
        address=pelapor.address,
        nik=pelapor.nik,
        tps=lokasi.tps,
        desa=lokasi.desa,
        kecamatan=lokasi.kecamatan,
        lokasi_text=lokasi.text,
        attachments=attachments,
        text=text,
    )


def check_pengaduan(p: Any) -> list[str]:
    """`check_completeness` on a `Pengaduan` (or anything with its field names). Evidence is the
    attachments filed at step "pengaduan" (the reporter's, not staff documents)."""
    # A not-yet-flushed Attachment has step None (the column default applies on INSERT).
    evidence = [
        a
        for a in (getattr(p, "attachments", None) or [])
        if (getattr(a, "step", None) or "pengaduan") == "pengaduan"
    ]
    return check_completeness(
        name=p.pelapor_name or "",
        phone=p.pelapor_phone or "",
        address=p.pelapor_address or "",
        nik=p.pelapor_nik or "",
        tps=p.tps or "",
        desa=p.desa or "",
        kecamatan=p.kecamatan or "",
        lokasi_text=p.lokasi_text or "",
        attachments=len(evidence),
        text=p.body or "",
    )


_PHRASES = {
    LOKASI: "Mohon sebutkan lokasi kejadian secara spesifik: nomor TPS (bila terkait TPS), nama "
    "desa/kelurahan, dan kecamatan tempat kejadian.",
    BUKTI: "Mohon lampirkan bukti pendukung, misalnya foto, video, rekaman suara, tangkapan layar, "
    "atau dokumen, sebagai lampiran pada balasan email ini. Bila berkasnya terlalu besar, "
    "Anda dapat mengirimkan tautan unduhannya (misalnya Google Drive).",
}
_IDENTITAS_ALL = (
    "Mohon lengkapi identitas Anda sebagai pelapor: nama lengkap, nomor HP/WhatsApp "
    "yang dapat dihubungi, dan alamat tempat tinggal (NIK bila ada)."
)
_IDENTITAS_NAME = "Mohon sebutkan nama lengkap Anda sebagai pelapor."
_IDENTITAS_CONTACT = (
    "Mohon sebutkan nomor HP/WhatsApp yang dapat dihubungi dan alamat tempat "
    "tinggal Anda (NIK bila ada)."
)
_SECRET_NOTE = (
    "Identitas Anda hanya digunakan untuk keperluan penanganan pengaduan dan akan kami "
    "rahasiakan bila Anda memintanya."
)


def missing_phrases(missing: Iterable[str], pelapor: Pelapor | None = None) -> list[str]:
    """One Indonesian sentence (or two) per missing item, telling the reporter what to send.

    With the extracted `pelapor`, the identity sentence asks only for what is lacking (the
    name, or a way to reach them). Unknown items raise ValueError: it is a programming error.
    """
    out = []
    for item in missing:
        if item == IDENTITAS:
            out.append(_identitas_phrase(pelapor) + " " + _SECRET_NOTE)
        elif item in _PHRASES:
            out.append(_PHRASES[item])
        else:
            raise ValueError(f"unknown completeness item {item!r} (known: {', '.join(ORDER)})")
    return out


def _identitas_phrase(pelapor: Pelapor | None) -> str:
    if pelapor is None:
        return _IDENTITAS_ALL
    has_name = bool(pelapor.name.strip())
    has_contact = bool(pelapor.phone or pelapor.address or pelapor.nik)
    if has_name and not has_contact:
        return _IDENTITAS_CONTACT
    if has_contact and not has_name:
        return _IDENTITAS_NAME
    return _IDENTITAS_ALL
