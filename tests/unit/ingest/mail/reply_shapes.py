"""Staff replies in the quote-header shapes mail clients and gateways produce (issue 10 item 6).

Each `Shape` is a reply body as the parser hands it over (decoded text, and the sanitized HTML
when the client sends one), the command that must be read from it (None: the reply decides
nothing) and the exact note it carries: the text on the command's line and the lines directly
under it, up to the first blank line, signature, quote header or quote. Footers, disclaimers,
gateway banners and quote headers never join it; a command that only appears in quoted text
never decides.

Written for Dumas: the people, addresses and cases are invented.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    name: str
    text: str
    command: str | None
    note: str = ""
    html: str = ""


# A human's earlier reply, quoted: its TOLAK must never decide a reply that has no command.
_ORIGINAL = "TOLAK Laporan hasil belum lengkap.\nMohon diperbaiki.\n\nSalam,\nSekretaris\n"


def _q(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


_DISCLAIMER_EN = (
    "DISCLAIMER: This email and any attachments are confidential and intended solely for the\n"
    "addressee. If you have received it in error, please notify the sender and delete it."
)
_DISCLAIMER_EN2 = (
    "This email and any attachments are confidential and may be privileged. If you are not\n"
    "the intended recipient, please delete it."
)
_DISCLAIMER_ID = (
    "Email ini bersifat rahasia dan hanya ditujukan kepada penerima yang dituju. Jika Anda\n"
    "bukan penerima yang dimaksud, mohon hapus email ini."
)
_BANNER_EN = (
    "CAUTION: This email originated from outside of the organization. Do not click links or\n"
    "open attachments unless you recognize the sender and know the content is safe."
)
_BANNER_ID = "Hati-hati: email ini berasal dari luar organisasi. Jangan membuka tautan sembarangan."
_OUTLOOK_EN = (
    "From: Sekretariat Dumas <dumas@kpu.example>\n"
    "Sent: Monday, November 2, 2026 9:20 AM\n"
    "To: Rina Hukum <hukum@kpu.example>\n"
    "Subject: [0042/DUMAS/XI/2026] Persetujuan laporan"
)
_OUTLOOK_ID = (
    "Dari: Sekretariat Dumas <dumas@kpu.example>\n"
    "Dikirim: Senin, 02 November 2026 09.20\n"
    "Kepada: Rina Hukum <hukum@kpu.example>\n"
    "Subjek: [0042/DUMAS/XI/2026] Persetujuan laporan"
)

SHAPES: tuple[Shape, ...] = (
    # ---- "-----Reply Message-----"
    Shape(
        "reply-message-bare-setuju-footer",
        "SETUJU\n\nDikirim dari ponsel Samsung saya\n\n-----Reply Message-----\n"
        "From: Sekretariat Dumas <dumas@kpu.example>\nTo: hukum@kpu.example\n\n" + _ORIGINAL,
        "SETUJU",
    ),
    Shape(
        "reply-message-no-command",
        "Baik, saya pelajari dulu.\n\n-----Reply Message-----\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "reply-message-tolak-note",
        "TOLAK Lampiran foto belum ada.\n\n----- Reply message -----\n" + _ORIGINAL,
        "TOLAK",
        "Lampiran foto belum ada.",
    ),
    # ---- "-----Original Message-----" / "-----Pesan Asli-----"
    Shape(
        "original-message-bare-setuju-disclaimer",
        "SETUJU\n\n" + _DISCLAIMER_EN + "\n\n-----Original Message-----\n" + _ORIGINAL,
        "SETUJU",
    ),
    Shape(
        "original-message-no-command",
        "Sudah saya terima, terima kasih.\n-----Original Message-----\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "pesan-asli-tolak-two-lines",
        "TOLAK Kesimpulan belum didukung bukti;\nmohon lengkapi keterangan saksi.\n"
        "-----Pesan Asli-----\n" + _ORIGINAL,
        "TOLAK",
        "Kesimpulan belum didukung bukti; mohon lengkapi keterangan saksi.",
    ),
    Shape(
        "pesan-asli-no-command",
        "Nanti saya kabari.\n\n-----Pesan Asli-----\n" + _ORIGINAL,
        None,
    ),
    # ---- "---- X wrote ----" / "---- Pada … menulis ----"
    Shape(
        "dashes-wrote-bare-setuju",
        "SETUJU\n\n---- Sekretariat Dumas wrote ----\n\n" + _ORIGINAL,
        "SETUJU",
    ),
    Shape(
        "dashes-wrote-no-command",
        "Ok noted\n\n---- On Mon, 02 Nov 2026 09:20:11 +0700 Sekretariat Dumas "
        "<dumas@kpu.example> wrote ----\n\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "dashes-menulis-tolak",
        "TOLAK Nama terlapor keliru\n---- Pada Sen, 02 Nov 2026 09.20 Sekretariat Dumas "
        "menulis ----\n" + _ORIGINAL,
        "TOLAK",
        "Nama terlapor keliru",
    ),
    Shape(
        "dashes-menulis-no-command",
        "Siap\n\n---- Pada Sen, 02 Nov 2026 09.20 Sekretariat Dumas menulis ----\n" + _ORIGINAL,
        None,
    ),
    # ---- "On … wrote:" / "Pada … menulis:" wrapped over 2-3 lines, then a `>` quote
    Shape(
        "wrote-3-lines-bare-setuju-footer",
        "SETUJU\n\nSent from my iPhone\n\nOn Mon, Nov 2, 2026 at 9:20 AM Sekretariat\n"
        "Komisi Pemilihan Umum Kabupaten <dumas@kpu.example>\nwrote:\n\n" + _q(_ORIGINAL),
        "SETUJU",
    ),
    Shape(
        "wrote-3-lines-no-command-unquoted",
        "Terima kasih atas informasinya.\n\nOn Mon, Nov 2, 2026 at 9:20 AM Sekretariat\n"
        "Komisi Pemilihan Umum Kabupaten <dumas@kpu.example>\nwrote:\n\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "menulis-3-lines-disposisi",
        "DISPOSISI HUKUM mohon ditelaah\nsegera sebelum Jumat.\n\nPada Sen, 2 Nov 2026 pukul "
        "09.20\nSekretariat Komisi Pemilihan Umum\n<dumas@kpu.example> menulis:\n" + _q(_ORIGINAL),
        "DISPOSISI",
        "HUKUM mohon ditelaah segera sebelum Jumat.",
    ),
    Shape(
        "menulis-2-lines-no-command-unquoted",
        "Saya cek dulu ya.\nPada Sen, 2 Nov 2026 pukul 09.20 Sekretariat Dumas\n"
        "<dumas@kpu.example> menulis:\n" + _ORIGINAL,
        None,
    ),
    # ---- Outlook's plain-text block
    Shape(
        "outlook-en-bare-setuju-disclaimer",
        "SETUJU\n\n" + _DISCLAIMER_EN2 + "\n\n" + _OUTLOOK_EN + "\n\n" + _ORIGINAL,
        "SETUJU",
    ),
    Shape(
        "outlook-en-no-command",
        "Noted, thanks.\n\n" + _OUTLOOK_EN + "\n\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "outlook-id-tolak-signature",
        "TOLAK Mohon tambahkan kronologi.\n\nHormat saya,\nRina\nKasubbag Hukum\n\n"
        + _OUTLOOK_ID
        + "\n\n"
        + _ORIGINAL,
        "TOLAK",
        "Mohon tambahkan kronologi.",
    ),
    Shape(
        "outlook-id-no-command",
        "Baik Bu.\n\n" + _OUTLOOK_ID + "\n\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "outlook-id-separator-lengkap",
        "LENGKAP\n\n________________________________\n" + _OUTLOOK_ID + "\n\n" + _ORIGINAL,
        "LENGKAP",
    ),
    # ---- Outlook's <hr> + "From: … Date: …" on one line (HTML)
    Shape(
        "outlook-hr-one-line-bare-setuju",
        "",
        "SETUJU",
        html="<div>SETUJU</div><div><br></div><div>Salam,</div><div>Rina</div>"
        "<hr><div><b>From:</b> Sekretariat Dumas &lt;dumas@kpu.example&gt; <b>Date:</b> "
        "Monday, November 2, 2026 at 9:20 AM</div><div>Kasus 0042 menunggu.</div>"
        "<div>TOLAK Laporan hasil belum lengkap</div>",
    ),
    Shape(
        "outlook-hr-one-line-no-command",
        "",
        None,
        html="<div>Akan saya pelajari.</div><hr><div><b>From:</b> Sekretariat Dumas "
        "&lt;dumas@kpu.example&gt; <b>Sent:</b> Monday, November 2, 2026 9:20 AM "
        "<b>To:</b> hukum@kpu.example <b>Subject:</b> Persetujuan</div>"
        "<div>TOLAK Laporan hasil belum lengkap</div>",
    ),
    Shape(
        "from-date-one-line-text-no-command",
        "Saya pelajari.\nFrom: Sekretariat Dumas <dumas@kpu.example> Date: Mon, 2 Nov 2026 "
        "09:20\n" + _ORIGINAL,
        None,
    ),
    # ---- "2014-10-17 11:28 GMT+03:00 X <…>:"
    Shape(
        "iso-date-header-bare-setuju",
        "SETUJU\n\n2026-11-02 9:20 GMT+07:00 Sekretariat Dumas <dumas@kpu.example>:\n"
        + _q(_ORIGINAL),
        "SETUJU",
    ),
    Shape(
        "iso-date-header-no-command-unquoted",
        "Oke.\n\n2026-11-02 09:20 GMT+07:00 Sekretariat Dumas <dumas@kpu.example>:\n" + _ORIGINAL,
        None,
    ),
    Shape(
        "iso-date-header-tolak",
        "TOLAK Bukti transfer tidak terbaca\n2026-11-02 09:20 GMT+07:00 Sekretariat Dumas "
        "<dumas@kpu.example>:\n" + _q(_ORIGINAL),
        "TOLAK",
        "Bukti transfer tidak terbaca",
    ),
    # ---- footers, disclaimers and banners below a `>` quote, or above the command
    Shape(
        "bare-setuju-quote-then-disclaimer",
        "SETUJU\n\nPada Sen, 2 Nov 2026 pukul 09.20 Sekretariat Dumas <dumas@kpu.example> "
        "menulis:\n" + _q(_ORIGINAL) + "\n\n" + _DISCLAIMER_ID,
        "SETUJU",
    ),
    Shape(
        "bare-tolak-quote-then-footer",
        "TOLAK\nSaksi belum diperiksa.\n\nOn Mon, Nov 2, 2026 at 9:20 AM Sekretariat Dumas "
        "<dumas@kpu.example> wrote:\n"
        + _q(_ORIGINAL)
        + "\n\nSent from my Galaxy\n"
        + _DISCLAIMER_EN,
        "TOLAK",
        "Saksi belum diperiksa.",
    ),
    Shape(
        "banner-en-above-setuju",
        _BANNER_EN + "\n\nSETUJU\n\n" + _q(_ORIGINAL),
        "SETUJU",
    ),
    Shape(
        "banner-external-tag-above-tolak",
        "[EXTERNAL] This message came from outside the organisation.\n\nTOLAK Berkas ganda\n"
        "\n-- \nRina\n\n" + _q(_ORIGINAL),
        "TOLAK",
        "Berkas ganda",
    ),
    Shape(
        "banner-id-below-setuju-no-blank",
        "SETUJU\n" + _BANNER_ID + "\n\n" + _q(_ORIGINAL),
        "SETUJU",
    ),
    Shape(
        "disclaimer-directly-under-setuju",
        "SETUJU\n" + _DISCLAIMER_ID + "\n" + _q(_ORIGINAL),
        "SETUJU",
    ),
    Shape(
        "setuju-note-then-iphone-footer",
        "SETUJU Surat tugas boleh dikirim hari ini.\nDikirim dari iPhone\n\n" + _q(_ORIGINAL),
        "SETUJU",
        "Surat tugas boleh dikirim hari ini.",
    ),
    Shape(
        "setuju-salam-name-directly-under",
        "SETUJU\nSalam,\nRina\n\n" + _q(_ORIGINAL),
        "SETUJU",
    ),
    Shape(
        "tolak-note-paragraph-then-more",
        "TOLAK\nKronologi belum ada.\nMohon dilengkapi.\n\nNanti saya telepon.\n\n" + _q(_ORIGINAL),
        "TOLAK",
        "Kronologi belum ada. Mohon dilengkapi.",
    ),
    Shape(
        "dash-signature-under-lengkap",
        "LENGKAP\n-- \nDesk Pelayanan\nKPU Kabupaten\n\n" + _q(_ORIGINAL),
        "LENGKAP",
    ),
    Shape(
        "quoted-only-tolak-no-command",
        "\n" + _q(_ORIGINAL),
        None,
    ),
)
