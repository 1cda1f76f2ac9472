"""A document context with the reporter's identity taken out, for PDFs handed to outsiders.

Only the riwayat (the timeline) is rendered from it by `dumas export --redacted`: its template
prints the subject and the events, and both are redacted here. The other kinds print the
reporter's identity by design (the cetakan, the tanda terima, the surat hasil) and are withheld
from a redacted export rather than trusted to this view; the surat penerusan has its own
redaction (`redact_identity`, workflow/documents/params.py).
"""

from __future__ import annotations

from dataclasses import replace

from dumas.workflow.documents.views import DocumentContext, EventView, PelaporView
from dumas.workflow.extract.redaction import redact

# How the reporter appears where an address or a name of theirs was.
PELAPOR_HIDDEN = "Pelapor (dirahasiakan)"


def identity_of(pelapor: PelaporView) -> tuple[str, ...]:
    """The reporter's known values besides the name, for `redact`."""
    return tuple(v for v in (pelapor.email, pelapor.phone, pelapor.nik, pelapor.address) if v)


def hidden_actor(actor: str, reporter_email: str) -> bool:
    """Is this event's actor the reporter (their address, bare or with a display name)?"""
    email = (reporter_email or "").strip().lower()
    return bool(email) and email in (actor or "").lower()


def shown_actor(actor: str, reporter_email: str, keep: frozenset[str], hide) -> str:
    """An event's actor as outsiders read it: the office's own addresses (`keep`, lower case)
    as written, so DKPP sees who decided; the reporter as "Pelapor (dirahasiakan)"; anyone else
    through `hide` (a look-alike of the reporter's address is theirs as much as the address)."""
    if (actor or "").strip().lower() in keep:
        return actor
    if hidden_actor(actor, reporter_email):
        return PELAPOR_HIDDEN
    return hide(actor or "")


def for_outsiders(ctx: DocumentContext, keep: frozenset[str] = frozenset()) -> DocumentContext:
    """`ctx` with no identity of the reporter: no name, address or number fields, the texts
    redacted, no original headers, no attachments (their names and thumbnails may show it).
    `keep`: actor addresses shown as written (the staff's)."""
    pelapor = ctx.case.pelapor
    name, others = pelapor.name, identity_of(pelapor)

    def hide(text: str) -> str:
        return redact(text or "", name, others)

    case = replace(
        ctx.case,
        subject=hide(ctx.case.subject),
        body=hide(ctx.case.body),
        terlapor=hide(ctx.case.terlapor),
        disposisi_note=hide(ctx.case.disposisi_note),
        tim=hide(ctx.case.tim),
        outcome=hide(ctx.case.outcome),
        pelapor=PelaporView(name=PELAPOR_HIDDEN),
        headers=(),
        attachments=(),
    )
    events = tuple(
        EventView(
            e.at,
            e.kind,
            shown_actor(e.actor, pelapor.email, keep, hide),
            hide(e.summary),
        )
        for e in ctx.events
    )
    return replace(ctx, case=case, events=events)
