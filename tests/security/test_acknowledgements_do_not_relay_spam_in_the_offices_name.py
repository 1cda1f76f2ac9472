"""Attack (issue 9, "no amplification"): a complaint forged with a victim's address as From, a
900-character advertisement as Subject and a link as display name made the office mail the whole
advertisement to the victim, in the office's name, saluted "Yth. Bapak/Ibu <link>". The
acknowledgement now echoes at most ~120 characters and no link; the case keeps everything."""

from __future__ import annotations

from tests import mailfactory as mf
from tests.flows.conftest import REPORTER

AD = "PROMO GILA diskon besar klik sekarang juga untuk hadiah " * 17  # ~950 characters
LINK_NAME = "Menang Undian Hadiah-kilat.example"


def test_acknowledgements_do_not_relay_spam_in_the_offices_name(flow):
    assert len(AD) > 900
    flow.complaint(sender=f'"{LINK_NAME}" <{REPORTER}>', subject=AD, body=mf.KOMPLAIN_KURANG)
    flow.poll()
    ack = flow.one(REPORTER, "tanda_terima")
    salutation = next(line for line in ack.text.splitlines() if line.startswith("Yth."))
    assert "kilat.example" not in salutation.lower(), salutation
    assert "kilat.example" not in ack.text.lower()
    assert "PROMO GILA" in ack.subject and len(ack.subject) < 200, ack.subject
    for line in ack.text.splitlines():
        assert line.count("PROMO GILA") <= 3, line  # at most ~120 characters of it
    assert flow.case().subject.strip() == AD.strip()  # the case keeps it all
