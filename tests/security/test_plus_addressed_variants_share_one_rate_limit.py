"""Attack (issue 9, "no amplification"): the acknowledgement rate limit counted addresses as
written, so `budi.santoso+1@gmail.com`, `BudiSantoso+2@gmail.com`, `b.udi.santoso@googlemail.com`
… each got a fresh allowance, and one victim's mailbox any number of acknowledgements. The limit
now counts the mailbox: lower case, no `+tag`, no dots for Gmail."""

from __future__ import annotations

import pytest

from dumas.workflow.store.models import Pengaduan
from tests import mailfactory as mf

VARIANTS = (
    "budi.santoso+1@gmail.com",
    "BudiSantoso+2@gmail.com",
    "b.udi.santoso+3@googlemail.com",
    "BUDI.SANTOSO@GMAIL.COM",
)


@pytest.mark.dumas_settings(limits={"acks_per_sender_per_hour": 2})
def test_plus_addressed_variants_share_one_rate_limit(flow):
    for n, address in enumerate(VARIANTS):
        flow.complaint(
            sender=f"Budi Santoso <{address}>",
            subject=f"Pengaduan {n + 1}",
            body=mf.KOMPLAIN_KURANG + f"\n(laporan ke-{n + 1})\n",
        )
        flow.later(minutes=2)
    flow.poll()
    assert len(flow.rows(Pengaduan)) == len(VARIANTS)  # every complaint is registered
    assert len(flow.outbox("tanda_terima")) == 2
