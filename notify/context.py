"""What every email template can use about its case, shaped for who will read it.

Staff (the office) see the whole case. The pelapor sees their own case. Anyone else — another
agency — sees no identity of the reporter unless the reporter agreed (`consent_to_share`), and
the complaint's text with the identity redacted: a confidential reporter stays confidential in
everything that leaves the office.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from dumas.workflow.documents.views import CHANNEL_LABELS, MISSING_LABELS
from dumas.workflow.extract.redaction import redact, redact_filename
from dumas.workflow.formatting import echoed_name, echoed_subject, waktu
from dumas.workflow.sop.definition import Sop
from dumas.workflow.store.models import Pengaduan

STAFF, PELAPOR, EXTERNAL = "staff", "pelapor", "external"
HIDDEN = "Dirahasiakan"


@dataclass(frozen=True)
class EmailPelapor:
    name: str
    email: str
    phone: str
    address: str
    nik: str
    hidden: bool


def audience_of(address: str, case: Pengaduan | None, staff_addresses: frozenset[str]) -> str:
    if address in staff_addresses:
        return STAFF
    if case is not None and address == (case.pelapor_email or "").lower():
        return PELAPOR
    return EXTERNAL


def case_context(case: Pengaduan | None, audience: str, tz: tzinfo, sop: Sop) -> dict[str, Any]:
    """The `case` variable of the templates (empty dict when the email is about no case)."""
    if case is None:
        return {}
    # The same rule as the printed letters: identity leaves the office only with the reporter's
    # consent, and never when they asked for confidentiality.
    hide = audience == EXTERNAL and (case.confidential or not case.consent_to_share)
    body, subject = case.body or "", case.subject or ""
    name, identity = case.pelapor_name or "", _identity(case)
    if hide:
        body = redact(body, name, identity)
        subject = redact(subject, name, identity)
    if audience == PELAPOR:
        subject = echoed_subject(subject)
    return {
        "number": case.number or "",
        "subject": subject,
        "body": body,
        "received": waktu(case.received_at.astimezone(tz)) if case.received_at else "",
        "channel": CHANNEL_LABELS.get(case.channel, case.channel),
        "pelapor": _pelapor(case, hide, echo=audience == PELAPOR),
        "confidential": bool(case.confidential),
        # Whether the reporter allowed their identity to go to the agency a case is forwarded to
        # (the acknowledgement then says how to take it back).
        "consent_to_share": bool(case.consent_to_share),
        "terlapor": case.terlapor or "",
        "lokasi": lokasi_text(case),
        "klasifikasi": (case.klasifikasi or "").replace("_", " "),
        "missing": [MISSING_LABELS.get(m, m) for m in case.missing or ()],
        "attachments": [
            {
                # "KTP_Budi_Santoso.jpg" names the reporter as surely as the body does.
                "name": redact_filename(a.filename, name, identity) if hide else a.filename,
                "size": a.size,
                "type": a.content_type,
            }
            for a in case.attachments
            if a.step == "pengaduan"
        ],
        "step_title": sop.step(case.step).title if case.step in sop.steps else case.step,
    }


def _identity(case: Pengaduan) -> tuple[str, ...]:
    """The reporter's known values besides the name, for `redact`."""
    values = (case.pelapor_email, case.pelapor_phone, case.pelapor_nik, case.pelapor_address)
    return tuple(v for v in values if v)


def _pelapor(case: Pengaduan, hide: bool, echo: bool = False) -> EmailPelapor:
    if hide:
        return EmailPelapor(HIDDEN, "", "", "", "", True)
    name = case.pelapor_name or ""
    if echo:  # the salutation ("Yth. ...") to the sender's address: never a link, never long
        name = echoed_name(name)
    return EmailPelapor(
        name,
        case.pelapor_email or "",
        case.pelapor_phone or "",
        case.pelapor_address or "",
        case.pelapor_nik or "",
        False,
    )


def lokasi_text(case: Pengaduan) -> str:
    parts = [
        f"TPS {case.tps}" if case.tps else "",
        f"Desa {case.desa}" if case.desa else "",
        f"Kecamatan {case.kecamatan}" if case.kecamatan else "",
        case.lokasi_text or "",
    ]
    return ", ".join(p for p in parts if p)
