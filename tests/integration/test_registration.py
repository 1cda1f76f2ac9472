"""SOP step 2 on the real rig: registration, acknowledgement, desk notification, documents, outbox."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from dumas.workflow.sop.numbering import case_tag
from dumas.workflow.store.models import Document, OutboxMessage, Pengaduan
from tests import mailfactory as mf

NUMBER = re.compile(r"\b\d{3}/PGD/[IVXLC]+/\d{4}\b")


def parse(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


def text_of(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def only_case(app) -> Pengaduan:
    with app.sessions() as s:
        return s.execute(select(Pengaduan)).scalar_one()


@pytest.mark.dates  # numbered, acknowledged and printed at the suite's instant
def test_complaint_is_registered_acknowledged_and_sent_to_the_desk(rig, office, dumas, app):
    rig.append(
        office.pengaduan,
        mf.complaint(attachments=[("foto-bukti.jpg", "image/jpeg", mf.tiny_jpeg())]),
    )
    rc, out = dumas("poll", "--json")
    assert rc == 0, out
    case = only_case(app)
    assert NUMBER.fullmatch(case.number)
    assert (case.pelapor_name, case.pelapor_phone) == ("Budi Santoso", "+6281234567890")
    assert (case.tps, case.desa, case.kecamatan) == ("003", "Muara Siberut", "Siberut Selatan")
    assert case.missing == [] and case.step == "verifikasi"

    [ack] = rig.wait_for_captured(1)  # the reporter is outside the test domain
    assert list(ack.rcpt_tos) == ["budi.santoso@gmail.com"]
    ack_msg = ack.message
    assert case_tag(case.number) in ack_msg["Subject"] and case.number in text_of(ack_msg)
    assert ack_msg["Auto-Submitted"] == "auto-generated"
    assert [p.get_filename() for p in ack_msg.iter_attachments()][0].startswith("tanda-terima")

    [note] = [parse(r) for r in rig.wait_for_messages(office.desk, 1)]
    pdfs = {
        p.get_filename(): p.get_content()
        for p in note.iter_attachments()
        if p.get_content_type() == "application/pdf"
    }
    assert len(pdfs) == 2
    names = sorted(pdfs)
    assert names[0].startswith("cetakan") and names[1].startswith("lembar-disposisi")
    cetakan = pdf_text(pdfs[names[0]])
    for needle in (case.number, "Budi Santoso", "Muara Siberut", "Siberut Selatan"):
        assert needle in cetakan
    assert case.number in pdf_text(pdfs[names[1]])
    body = text_of(note)
    assert "LENGKAP" in body and "Budi Santoso" in body
    assert (
        note["Reply-To"]
        .addresses[0]
        .username.startswith(office.pengaduan.address.split("@")[0] + "+")
    )


def test_incomplete_complaint_is_asked_for_exactly_what_is_missing_then_completed(
    rig, office, dumas, app
):
    rig.append(
        office.pengaduan,
        mf.complaint(
            sender="Warga Peduli <warga.peduli@yahoo.co.id>",
            subject="laporan petugas tidak netral",
            body=mf.KOMPLAIN_KURANG,
        ),
    )
    assert dumas("poll")[0] == 0
    case = only_case(app)
    assert case.missing == ["identitas", "lokasi", "bukti"]
    [ack] = rig.wait_for_captured(1)
    ack_text = text_of(ack.message)
    assert "nomor HP" in ack_text and "lokasi kejadian" in ack_text and "bukti" in ack_text

    # The reporter answers the acknowledgement: to its Reply-To, which carries their token (an
    # unsigned message to the case address would be only a note for the desk: issue 9 item 7).
    reply = mf.complaint(
        sender="Warga Peduli <warga.peduli@yahoo.co.id>",
        to=ack.message["Reply-To"],
        subject="Re: " + ack.message["Subject"],
        body="Nama: Yohanes Sakerebau\nNo. HP: 0813 7000 1111\n"
        "Alamat: Dusun Puro, Desa Muntei\n"
        "Kejadiannya di TPS 02 Desa Muntei, Kecamatan Siberut Selatan.\n",
        attachments=[("bukti.jpg", "image/jpeg", mf.tiny_jpeg())],
        headers={"In-Reply-To": ack.message["Message-ID"], "References": ack.message["Message-ID"]},
    )
    rig.append(office.pengaduan, reply)
    rc, out = dumas("poll", "--json")
    assert json.loads(out)["outcomes"] == {"reply": 1}
    case = only_case(app)
    assert case.missing == []
    assert (case.pelapor_phone, case.tps, case.desa) == ("+6281370001111", "002", "Muntei")
    with app.sessions() as s:
        assert len(s.get(Pengaduan, case.id).attachments) == 1


def test_auto_replies_and_bounces_get_nothing(rig, office, dumas, app):
    rig.append(office.pengaduan, mf.out_of_office())
    rig.append(office.pengaduan, mf.bounce())
    assert dumas("poll")[0] == 0
    with app.sessions() as s:
        assert s.execute(select(OutboxMessage)).first() is None
    assert rig.captured() == []


def test_smtp_down_rows_wait_then_go_once(rig, office, dumas, app):
    rig.stop_smtp()
    for i in range(3):
        rig.append(
            office.pengaduan, mf.complaint(sender=f"warga{i}@gmail.com", subject=f"Pengaduan {i}")
        )
    assert dumas("poll")[0] == 0  # intake works; the outbox waits
    with app.sessions() as s:
        statuses = {r.status for r in s.execute(select(OutboxMessage)).scalars()}
    assert statuses == {"pending"}
    rig.start_smtp()
    dumas("outbox", "send")
    rig.wait_for_captured(3)
    dumas("outbox", "send")
    dumas("poll")
    acks = [e for e in rig.captured() if e.rcpt_tos[0].startswith("warga")]
    assert sorted(e.rcpt_tos[0] for e in acks) == [f"warga{i}@gmail.com" for i in range(3)]
    assert len(rig.messages(office.desk)) == 3
    with app.sessions() as s:
        assert {r.status for r in s.execute(select(OutboxMessage)).scalars()} == {"sent"}


def test_permanent_smtp_failure_gives_up_and_says_so(rig, office, dumas, app):
    rig.fail_smtp(550, recipients=["ditolak@gmail.com"])
    rig.append(office.pengaduan, mf.complaint(sender="ditolak@gmail.com"))
    dumas("poll")
    rc, out = dumas("outbox", "list", "--json")
    rows = {r["kind"]: r for r in json.loads(out)}
    assert (
        rows["tanda_terima"]["status"] == "failed" and "550" in rows["tanda_terima"]["last_error"]
    )
    assert rows["tugas"]["status"] == "sent"


def test_subject_with_crlf_cannot_inject_headers(rig, office, dumas):
    evil = "Pengaduan\r\nBcc: korban@example.org\r\nX-Injected: ya"
    raw = mf.complaint(subject=mf.rfc2047_subject(evil))
    rig.append(office.pengaduan, raw)
    dumas("poll")
    [ack] = rig.wait_for_captured(1)
    assert list(ack.rcpt_tos) == ["budi.santoso@gmail.com"]
    assert ack.message["X-Injected"] is None and ack.message["Bcc"] is None
    assert b"\nX-Injected" not in ack.data and b"\nBcc:" not in ack.data


@pytest.fixture
def counting_http_server():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_hostile_html_renders_without_fetching_anything(
    rig, office, dumas, app, counting_http_server
):
    base, hits = counting_http_server
    html = (
        f'<p>Lihat bukti <img src="{base}/beacon.png"> dan <a href="file:///etc/passwd">ini</a>'
        f'<script>fetch("{base}/script")</script>'
        f'<style>body {{ background: url("{base}/css") }}</style> di TPS 4 Desa Sioban.</p>'
    )
    rig.append(office.pengaduan, mf.complaint(body=None, html=html))
    assert dumas("poll")[0] == 0
    with app.sessions() as s:
        docs = s.execute(select(Document)).scalars().all()
        assert {d.status for d in docs} == {"rendered"}
        cetakan = next(d for d in docs if d.kind == "cetakan")
        text = pdf_text(app.files.read(cetakan.storage_key))
    assert "Sioban" in text and "<script>" not in text
    assert hits == []


def test_two_processes_registering_at_once_get_distinct_numbers(dumas, dumas_config):
    def register(i):
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dumas.config.cli.main",
                "--config",
                str(dumas_config),
                "register",
                "--json",
                "--name",
                f"Pelapor {i}",
                "--subject",
                f"Pengaduan langsung {i}",
                "--text",
                "Isi laporan.",
                "--kecamatan",
                "Sikakap",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )

    procs = [register(i) for i in range(8)]
    numbers = [json.loads(p.communicate(timeout=120)[0])["number"] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(numbers)) == 8
    assert sorted(int(n.split("/")[0]) for n in numbers) == list(range(1, 9))


def test_logs_carry_no_personal_data(rig, office, dumas, app, caplog, monkeypatch, expected_number):
    """A registration bug whose message quotes the sender: the log names the case and the error's
    type, the details stay in the database, and the case is registered once the bug is gone."""
    import logging

    from dumas.ingest.actions.registrar import Registrar

    caplog.set_level(logging.INFO)
    rig.append(office.pengaduan, mf.complaint())
    rig.append(
        office.pengaduan,
        mf.complaint(sender="Ani Sababalat <ani.sababalat@yahoo.co.id>", subject="Laporan kedua"),
    )
    real = Registrar.complete

    def failing(self, session, case, now, *args, **kw):
        if "ani.sababalat" in case.pelapor_email:
            raise ValueError(f"cannot register {case.pelapor_email} ({case.body[:40]})")
        return real(self, session, case, now, *args, **kw)

    monkeypatch.setattr(Registrar, "complete", failing)
    rc, out = dumas("poll", "--json")
    assert rc == 0 and json.loads(out)["registration"] == {"registered": 1, "failed": 1}
    # Ours only: the rig's own SMTP server logs its envelopes, as a real MTA would.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(("mail.log", "tests"))
    )
    for personal in (
        "Budi Santoso",
        "budi.santoso",
        "0812",
        "Muara Siberut No. 5",
        "ani.sababalat",
        "Sababalat",
        "politik uang",
    ):
        assert personal not in logged, personal
    assert "failed (will retry): ValueError at" in logged
    shown = json.loads(dumas("list", "--json")[1])
    assert [c["number"] for c in shown] == [expected_number(1), None]
    with app.sessions() as s:
        assert "ani.sababalat" in s.get(Pengaduan, shown[1]["id"]).data["registrasi_gagal"]

    monkeypatch.setattr(Registrar, "complete", real)  # the bug is fixed: the next cycle catches up
    assert json.loads(dumas("poll", "--json")[1])["registration"] == {"registered": 1, "failed": 0}
    with app.sessions() as s:
        case = s.get(Pengaduan, shown[1]["id"])
        assert case.number == expected_number(2) and "registrasi_gagal" not in case.data
