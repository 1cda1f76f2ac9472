"""A large attachment goes out whole (issue 11 item 4): the sender streams it from the file store
into DATA, and what the rig's SMTP server received decodes to the stored file, byte for byte."""

from __future__ import annotations

import hashlib
import random

import pytest
from sqlalchemy import select

from dumas.workflow.store.models import Attachment, OutboxMessage
from tests import mailfactory as mf

pytestmark = pytest.mark.rig

SIZE = 6 * 1024 * 1024 + 5  # many slices of the sender's encoder, not a whole line at the end


@pytest.mark.dates  # the documents and emails carry the suite's instant
def test_a_large_attachment_reaches_the_desk_byte_for_byte(rig, office, dumas, app):
    data = random.Random(11).randbytes(SIZE)
    rig.append(
        office.pengaduan,
        mf.complaint(attachments=[("rekaman.mp4", "video/mp4", data)]),
    )
    rc, out = dumas("poll")
    assert rc == 0, out
    with app.sessions() as s:
        [stored] = s.execute(select(Attachment)).scalars()
        sent = s.execute(select(OutboxMessage).where(OutboxMessage.status == "sent")).scalars()
        ids = {row.message_id for row in sent if row.attachments}
    stored_sha = hashlib.sha256(app.files.path(stored.storage_key).read_bytes()).hexdigest()
    assert stored_sha == stored.sha256 == hashlib.sha256(data).hexdigest()

    carried = []
    for envelope in rig.envelopes():
        msg = envelope.message
        if msg["Message-ID"] not in ids:
            continue
        for part in msg.iter_attachments():
            if part.get_filename() == "rekaman.mp4":
                carried.append(hashlib.sha256(part.get_content()).hexdigest())
                lines = part.get_payload().splitlines()
                assert max(map(len, lines)) == 76  # RFC 2045 base64 lines
        assert max(map(len, envelope.data.split(b"\r\n"))) <= 998  # RFC 5322
    assert carried and set(carried) == {stored_sha}  # the desk got it, whole
