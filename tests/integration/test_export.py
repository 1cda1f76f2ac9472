"""`dumas export`: a registered case (attachments, a reply of the reporter) handed over as a zip.

On the rig: the complaint arrives by IMAP, the desk asks for more by email, the reporter answers
with a photo. The full export holds every stored original byte for byte and its manifest
verifies; the redacted export holds no trace of the reporter (name, email, phone, NIK), in any
entry, PDFs included (read with pdftotext)."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile

import pytest
from sqlalchemy import select

from dumas.workflow.store.bundle import MANIFEST, SUMS
from dumas.workflow.store.models import Document, RawMessage
from tests import mailfactory as mf
from tests.flows.conftest import REPORTER, dumas_config, flow, pdf_text, registered  # noqa: F401
from tests.flows.conftest import pytest_configure as _flows_configure
from tests.replies import GMAIL_WEB_ID
from tests.rig import write_config

NIK = "3171012345678901"
BODY = mf.KOMPLAIN_LENGKAP.replace("No. HP:", f"NIK: {NIK}\nNo. HP:")
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8  # a JPEG's start, no text in it
KTP = b"\xff\xd8\xff\xe1" + bytes(range(255, -1, -1)) * 8
SCENE = b"\xff\xd8\xff\xe2" + bytes(range(0, 256, 3)) * 8
# Everything that identifies the reporter, as written in the complaint and the From header.
IDENTITY = ("Budi", "Santoso", REPORTER, "0812-3456-7890", "081234567890", NIK)


def pytest_configure(config):
    _flows_configure(config)


@pytest.fixture
def case(flow):  # noqa: F811 - the imported fixture
    """Registered with two attachments, then LENGKAPI, then the reporter's answer with a photo."""
    desk_note = registered(
        flow,
        body=BODY,
        attachments=[
            ("bukti_foto.jpg", "image/jpeg", PHOTO),
            ("KTP_Budi_Santoso.jpg", "image/jpeg", KTP),
        ],
    )
    flow.inbox(REPORTER)
    flow.later(minutes=10)
    flow.reply(desk_note, "LENGKAPI Mohon lampirkan foto kejadian.", "desk", style=GMAIL_WEB_ID)
    flow.poll()
    flow.inbox("desk")
    ask = flow.one(REPORTER, "permintaan_kelengkapan")
    flow.later(hours=2)
    flow.reply(
        ask,
        "Foto kejadian terlampir. Budi Santoso, HP 0812-3456-7890",
        REPORTER,
        style=GMAIL_WEB_ID,
        attachments=[("kejadian.jpg", "image/jpeg", SCENE)],
    )
    flow.poll()
    flow.later(hours=1)
    return flow.case()


def _entries(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def _verify(entries: dict[str, bytes]) -> dict:
    manifest = json.loads(entries[MANIFEST])
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == set(entries) - {MANIFEST, SUMS}
    for path, digest in listed.items():
        assert hashlib.sha256(entries[path]).hexdigest() == digest, path
    sums = dict(reversed(line.split("  ", 1)) for line in entries[SUMS].decode().splitlines())
    assert set(sums) == set(entries) - {SUMS}
    for path, digest in sums.items():
        assert hashlib.sha256(entries[path]).hexdigest() == digest, path
    return manifest


def test_export_holds_every_original_and_verifies(flow, case, dumas, tmp_path):  # noqa: F811
    out = tmp_path / "kasus.zip"
    rc, printed = dumas("export", case.number, "--out", str(out))
    assert rc == 0, printed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    entries = _entries(out)
    manifest = _verify(entries)
    assert manifest["case"] == case.number and manifest["redacted"] is False
    assert manifest["exported_at"] == flow.now.isoformat(timespec="seconds")
    assert manifest["dumas_version"]

    with flow.app.sessions() as s:
        raws = (
            s.execute(
                select(RawMessage).where(RawMessage.pengaduan_id == case.id).order_by(RawMessage.id)
            )
            .scalars()
            .all()
        )
    emails = [f for f in manifest["files"] if f["kind"] == "email"]
    assert len(raws) >= 2 and [e["raw_id"] for e in emails] == [r.id for r in raws]
    for entry, raw in zip(emails, raws, strict=True):
        assert entries[entry["path"]] == flow.app.files.read(raw.storage_key)
        assert entry["sha256"] == raw.sha256 and entry["path"].endswith(".eml")

    names = {f.get("original_name") for f in manifest["files"] if f["kind"] == "attachment"}
    assert {"bukti_foto.jpg", "KTP_Budi_Santoso.jpg", "kejadian.jpg"} <= names
    documents = [f for f in manifest["files"] if f["kind"] == "document"]
    assert {"cetakan", "tanda_terima"} <= {d["document"] for d in documents}
    assert all(entries[d["path"]].startswith(b"%PDF") for d in documents)
    riwayat = [p for p in entries if p.startswith("riwayat-")]
    assert riwayat and "Riwayat Penanganan" in pdf_text(entries[riwayat[0]])

    timeline = json.loads(entries["timeline.json"])
    assert timeline["number"] == case.number and timeline["reporter_email"] == REPORTER
    assert timeline["tasks"] and timeline["timeline"]
    assert any(e["actor"] == REPORTER for e in timeline["timeline"])

    # The same case at the same instant: the same bytes.
    again = tmp_path / "lagi.zip"
    assert dumas("export", str(case.id), "--out", str(again))[0] == 0
    assert again.read_bytes() == out.read_bytes()


def test_redacted_export_has_no_identity_anywhere(flow, case, dumas, tmp_path):  # noqa: F811
    out = tmp_path / "untuk-bawaslu.zip"
    rc, printed = dumas("export", case.number, "--out", str(out), "--redacted")
    assert rc == 0, printed
    entries = _entries(out)
    manifest = _verify(entries)
    assert manifest["redacted"] is True
    assert not [p for p in entries if p.endswith(".eml")]
    withheld = {w["what"] for w in manifest["withheld"]}
    assert {"original emails", "document"} <= withheld
    assert any(
        w["what"] == "attachment" and w["name"] == "KTP_[dirahasiakan].jpg"
        for w in manifest["withheld"]
    )
    shared = {f["path"] for f in manifest["files"] if f["kind"] == "attachment"}
    assert shared == {"attachments/pengaduan/bukti_foto.jpg", "attachments/pengaduan/kejadian.jpg"}

    timeline = json.loads(entries["timeline.json"])
    assert timeline["reporter"] == "Pelapor (dirahasiakan)"
    assert any(e["actor"] == "Pelapor (dirahasiakan)" for e in timeline["timeline"])
    assert timeline["tasks"]

    texts = {}
    for path, data in entries.items():
        texts[path] = data.decode("utf-8", errors="ignore")
        if data.startswith(b"%PDF"):
            texts[path + " (text)"] = pdf_text(data)
    assert any(p.endswith("(text)") for p in texts), "the riwayat PDF is in the zip"
    for path, text in texts.items():
        for value in IDENTITY:
            assert value.lower() not in text.lower(), (path, value)


def test_a_document_not_rendered_yet_is_rendered_and_older_versions_kept(
    flow,  # noqa: F811 - the imported fixture
    case,
    dumas,
    tmp_path,
):
    """A new version queued but not rendered (the daemon is behind): the export renders it, as
    `dumas pdf` does, and keeps the rendered version 1 under documents/older/."""
    with flow.app.sessions() as s, s.begin():
        s.add(
            Document(
                pengaduan_id=case.id,
                kind="cetakan",
                version=2,
                status="pending",
                params={},
                created_at=flow.now,
            )
        )
    out = tmp_path / "kasus.zip"
    assert dumas("export", case.number, "--out", str(out))[0] == 0
    entries = _entries(out)
    manifest = _verify(entries)
    cetakan = {f["path"]: f for f in manifest["files"] if f.get("document") == "cetakan"}
    assert set(cetakan) == {
        "documents/cetakan-pengaduan-001-PGD-XI-2026-v2.pdf",
        "documents/older/cetakan-pengaduan-001-PGD-XI-2026.pdf",
    }
    fresh = cetakan["documents/cetakan-pengaduan-001-PGD-XI-2026-v2.pdf"]
    assert fresh["rendered"].startswith("at export")
    assert "CETAKAN PENGADUAN" in pdf_text(entries[fresh["path"]]).upper()


class TestOnPostgres:
    """The same case on PostgreSQL (the rig's throw-away server): the export reads the same rows
    through the other dialect and holds every original byte for byte."""

    @pytest.fixture
    def dumas_config(self, rig, office, tmp_path, postgres):
        return write_config(
            rig,
            tmp_path,
            office.pengaduan,
            office.roles,
            database={"url": postgres.new_database()},
        )

    def test_export_holds_every_original_and_verifies(self, flow, case, dumas, tmp_path):  # noqa: F811
        assert flow.app.settings.database_url.startswith("postgresql")
        out = tmp_path / "kasus.zip"
        rc, printed = dumas("export", case.number, "--out", str(out))
        assert rc == 0, printed
        entries = _entries(out)
        manifest = _verify(entries)
        assert manifest["case"] == case.number
        with flow.app.sessions() as s:
            raws = s.execute(select(RawMessage).where(RawMessage.pengaduan_id == case.id))
            stored = {r.id: flow.app.files.read(r.storage_key) for r in raws.scalars()}
        emails = {
            f["raw_id"]: entries[f["path"]] for f in manifest["files"] if f["kind"] == "email"
        }
        assert len(stored) >= 2 and emails == stored
        attachments = {
            f["original_name"]: entries[f["path"]]
            for f in manifest["files"]
            if f["kind"] == "attachment"
        }
        assert attachments["bukti_foto.jpg"] == PHOTO and attachments["kejadian.jpg"] == SCENE
        timeline = json.loads(entries["timeline.json"])
        assert timeline["number"] == case.number and timeline["tasks"]
