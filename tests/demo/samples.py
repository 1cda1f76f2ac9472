"""Sample complaints for the demo, written the way citizens of Mentawai write them."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tests import mailfactory as mf
from tests.rig.dkimkey import sign


def complaints() -> list[bytes]:
    photo = mf.tiny_jpeg()
    return [
        mf.complaint(attachments=[("foto-amplop.jpg", "image/jpeg", photo)]),
        mf.complaint(
            sender="Rina Sakerebau <rina.sakerebau@yahoo.co.id>",
            body=None,
            subject=mf.rfc2047_subject("Petugas PPS tidak netral – mohon ditindak"),
            html="<div>Selamat pagi Bapak/Ibu,<br><br>Saya melaporkan anggota PPS "
            "Desa Sioban, Kecamatan Sipora Selatan yang mengajak warga memilih "
            "calon tertentu di TPS 4.<br><br>Nama: Rina Sakerebau<br>WA: "
            "0852-6611-2233<br>Alamat: Desa Sioban</div>",
            attachments=[("screenshot-wa.jpg", "image/jpeg", photo)],
        ),
        mf.complaint(sender="warga.peduli@gmail.com", subject="lapor", body=mf.KOMPLAIN_KURANG),
        mf.out_of_office(),
        mf.bounce(),
    ]


def desk_reply(notification: bytes, desk: str) -> bytes:
    """The desk answers LENGKAP from Gmail on a phone (top-posted, quoted below)."""
    note = message_from_bytes(notification, policy=policy.default)
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = desk
    reply["To"] = note["Reply-To"]
    reply["Subject"] = "Re: " + note["Subject"]
    reply["In-Reply-To"] = note["Message-ID"]
    reply["References"] = note["Message-ID"]
    reply["Message-ID"] = make_msgid(domain="gmail.com")
    # Every client dates its mail; the gate refuses a reply older than what it answers.
    reply["Date"] = format_datetime(note["Date"].datetime + timedelta(minutes=5))
    quoted = "\n".join("> " + line for line in note.get_body(("plain",)).get_content().splitlines())
    reply.set_content(
        "LENGKAP\n\nPada Sen, 2 Nov 2026 pukul 09.20 Layanan Pengaduan menulis:\n" + quoted + "\n",
        cte="quoted-printable",
    )
    return sign(reply.as_bytes())  # the desk's provider signs it (DKIM, the rig's test key)
