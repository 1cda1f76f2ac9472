"""Attack (issue 9, "no amplification"): the surat penerusan emailed to an agency carried
`In-Reply-To`/`References` with the reporter's own Message-ID. Whoever holds that email (the
agency, or anyone it is forwarded to) could reply into the reporter's conversation, or forge a
message their mail client files under the office's thread. Only the reporter (and staff) are
threaded to the reporter's mail now."""

from __future__ import annotations

import pytest

from dumas.workflow.store.models import RawMessage
from tests.flows.conftest import REPORTER, forwarded_to_bawaslu

BAWASLU = "bawaslu.mentawai@bawaslu.example"


@pytest.mark.dumas_settings(
    sop={"agencies": {"bawaslu": {"email": BAWASLU, "address": "Tuapejat"}}}
)
def test_outsiders_get_no_thread_to_the_reporter(flow):
    forwarded_to_bawaslu(flow)
    case = flow.case()
    reporters = {r.message_id for r in flow.rows(RawMessage, pengaduan_id=case.id) if r.message_id}
    [original] = [
        r.message_id for r in flow.rows(RawMessage, pengaduan_id=case.id, disposition="complaint")
    ]
    letter = flow.one(BAWASLU, "penerusan_instansi")
    assert letter.msg["In-Reply-To"] is None and letter.msg["References"] is None
    assert not any(m in letter.raw.decode("ascii", "replace") for m in reporters)
    # The reporter's own mail still threads under their complaint.
    told = flow.one(REPORTER, "diteruskan")
    assert str(told.msg["In-Reply-To"]).strip() == original
