"""Attack 3 (issue 9): attachments pile up.

Anyone who writes with the case tag files what they attach on the case (`lampiran:informasi`),
and the desk is told with the files attached. Before: a `lampiran:<step>` reference attached
every file of that step to every notification, so each new message sent all the earlier files
again (n messages: n(n+1)/2 attachments), and the sender read them all into memory, with no
total cap. Now each email attaches only the files its recipient has not had on the case, within
`[limits] attachments_max_bytes`, and names the rest as kept in the case file."""

from __future__ import annotations

import pytest

from tests.flows.conftest import REPORTER, registered
from tests.replies import IPHONE_ID, pdf_with_text, reply

CAP = 60_000
STRANGER = "orang.lain@luar.example"


def _pdf(label: str, size: int) -> tuple[str, str, bytes]:
    """A valid PDF padded with a trailing comment to exactly `size` bytes."""
    data = pdf_with_text(label)
    return (f"{label}.pdf", "application/pdf", data + b"%" * (size - len(data)))


# The stranger's daily allowance of emails to the desk is raised, so every message reaches it.
@pytest.mark.dumas_settings(limits={"attachments_max_bytes": CAP, "notices_per_sender_per_day": 9})
def test_attachments_do_not_pile_up(flow):
    note = registered(flow)  # the desk's task email carries the case tag
    flow.inbox(REPORTER)
    batches = [
        [_pdf("bukti1", 20_000)],
        [_pdf("bukti2", 20_000)],
        [_pdf("bukti3", 20_000), _pdf("bukti4", 45_000)],  # 65 000 new bytes: over the cap
        [_pdf("bukti5", 20_000)],
    ]
    told = []
    for files in batches:
        flow.later(minutes=20)
        # A stranger writes on the case with the tag (no token of theirs), adding files.
        reply(
            note,
            "Tambahan bukti.",
            sender=STRANGER,
            strip_token=True,
            style=IPHONE_ID,
            attachments=files,
        ).send(flow.rig)
        flow.poll("intake", "outbox")
        told.append(flow.one("desk", "informasi"))

    got = [list(t.attachments) for t in told]
    # Before: [[1], [1, 2], [1, 2, 3, 4], [1, 2, 3, 4, 5]]: every email repeats the earlier ones.
    assert got == [
        ["bukti1.pdf"],
        ["bukti2.pdf"],
        ["bukti3.pdf"],  # bukti4 would pass the cap
        ["bukti4.pdf"],  # it never arrived, so it is still new; bukti5 would pass the cap now
    ]
    for t in told:
        assert sum(len(data) for data in t.attachments.values()) <= CAP
    assert "tidak dilampirkan lagi" not in told[0].text
    assert "- bukti4.pdf" in told[2].text and "- bukti1.pdf" in told[2].text
    assert "- bukti5.pdf" in told[3].text and "- bukti3.pdf" in told[3].text
    # Nothing is lost: every file is in the case file.
    case = flow.case()
    assert [a.filename for a in flow.attachments(case.id, "informasi")] == [
        f"bukti{n}.pdf" for n in range(1, 6)
    ]
