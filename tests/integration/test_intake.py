"""Intake against the real Dovecot: every message accounted for exactly once, nothing lost."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dumas.config.cli.main import main
from dumas.workflow.store.models import Attachment, MailboxLocation, Pengaduan, RawMessage
from tests import mailfactory as mf


def run(config, *args, capsys=None):
    rc = main(["--config", str(config), *args])
    out = capsys.readouterr().out if capsys else ""
    return rc, out


def count(app, model, *where):
    with app.sessions() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar()


def test_plain_complaint_is_recorded_with_its_data(rig, office, dumas, app):
    rig.append(
        office.pengaduan, mf.complaint(attachments=[("foto.jpg", "image/jpeg", mf.tiny_jpeg())])
    )
    rc, out = dumas("poll", "--only", "intake", "--json")
    assert rc == 0 and json.loads(out)["outcomes"] == {"complaint": 1}
    rc, out = dumas("list", "--json")
    [case] = json.loads(out)
    assert case["reporter_email"] == "budi.santoso@gmail.com"
    assert case["subject"] == "Pengaduan dugaan politik uang di TPS 03 Desa Muara Siberut"
    assert case["received_at"].endswith("+07:00")
    with app.sessions() as s:
        raw = s.execute(select(RawMessage)).scalar_one()
        assert app.files.read(raw.storage_key) == rig.messages(office.pengaduan)[0]
        att = s.execute(select(Attachment)).scalar_one()
        assert (att.filename, att.content_type) == ("foto.jpg", "image/jpeg")
        assert app.files.read(att.storage_key) == mf.tiny_jpeg()


def test_html_only_and_rfc2047_subject(rig, office, dumas):
    html = (
        "<p>Saya melapor <b>intimidasi</b> pemilih di TPS 5 Desa Tuapejat.</p><script>x()</script>"
    )
    subject = "Pengaduan: petugas tidak netral – Desa Tuapejat"
    rig.append(office.pengaduan, mf.complaint(body=None, html=html, subject=subject))
    assert dumas("poll", "--only", "intake")[0] == 0
    [case] = json.loads(dumas("list", "--json")[1])
    assert case["subject"] == subject
    body = json.loads(dumas("show", str(case["id"]), "--json")[1])["body"]
    assert "intimidasi" in body and "<b>" not in body and "x()" not in body


RFC2231_CRLF = "CRLF"


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        "/etc/shadow",
        "a\x07b\x1bc.txt",
        "..\\..\\windows\\system32\\x.exe",
        RFC2231_CRLF,
    ],
)
def test_hostile_attachment_names_stay_inside_the_store(rig, office, dumas, app, hostile):
    if hostile == RFC2231_CRLF:  # CR, LF and NUL smuggled in through RFC 2231 encoding
        raw = mf.complaint(attachments=[("placeholder.txt", "text/plain", b"isi bukti")])
        raw = raw.replace(
            b'filename="placeholder.txt"', b"filename*=utf-8''..%2F..%2Fa%0D%0AX-Evil%3A%201%00.txt"
        )
    else:
        raw = mf.complaint(attachments=[(hostile, "text/plain", b"isi bukti")])
    rig.append(office.pengaduan, raw)
    assert dumas("poll", "--only", "intake")[0] == 0
    with app.sessions() as s:
        att = s.execute(select(Attachment)).scalar_one()
    assert "/" not in att.filename and "\\" not in att.filename
    assert all(ch.isprintable() for ch in att.filename) and not att.filename.startswith(".")
    path = app.files.path(att.storage_key).resolve()
    assert path.is_relative_to(app.settings.storage_root.resolve())
    assert path.read_bytes() == b"isi bukti"


def test_bounce_and_out_of_office_are_recorded_and_ignored(rig, office, dumas, app):
    rig.append(office.pengaduan, mf.bounce())
    rig.append(office.pengaduan, mf.out_of_office())
    rc, out = dumas("poll", "--json")  # the whole cycle: nothing may answer them
    assert json.loads(out)["outcomes"] == {"ignored": 2}
    assert count(app, Pengaduan) == 0
    with app.sessions() as s:
        rules = sorted(r.rule for r in s.execute(select(RawMessage)).scalars())
    assert rules == ["auto_reply", "bounce"]
    assert rig.captured() == []  # never answered


def test_second_poll_changes_nothing_and_seen_flags_are_untouched(rig, office, dumas, app):
    uid = rig.append(office.pengaduan, mf.complaint())
    rig.append(office.pengaduan, mf.complaint(subject="Laporan kedua", sender="ani@yahoo.co.id"))
    rig.mark_seen(office.pengaduan, uid)  # staff read it in Gmail before the poll
    assert json.loads(dumas("poll", "--only", "intake", "--json")[1])["outcomes"] == {
        "complaint": 2
    }
    assert json.loads(dumas("poll", "--only", "intake", "--json")[1])["new_messages"] == 0
    assert count(app, Pengaduan) == 2 and count(app, RawMessage) == 2
    flags = rig.flags(office.pengaduan)
    assert sorted(len(f) for f in flags.values()) == [0, 1]  # only the one staff read is \Seen


def test_uidvalidity_change_rescans_without_duplicates(rig, office, dumas, app):
    rig.append(office.pengaduan, mf.complaint())
    rig.append(office.pengaduan, mf.out_of_office())
    dumas("poll", "--only", "intake")
    rig.reset_uidvalidity(office.pengaduan)
    rig.append(office.pengaduan, mf.complaint(subject="Baru setelah reset", sender="c@x.id"))
    report = json.loads(dumas("poll", "--only", "intake", "--json")[1])
    assert report["uidvalidity_changed"] is True
    assert report["outcomes"] == {"duplicate": 2, "complaint": 1}
    assert count(app, RawMessage) == 3 and count(app, Pengaduan) == 2
    assert count(app, MailboxLocation) == 5
    rec = json.loads(dumas("reconcile", "--json")[1])
    assert (
        rec["missing"] == [] and rec["counts"]["complaint"] == 2 and rec["counts"]["ignored"] == 1
    )


def test_unreadable_message_is_quarantined_and_replayable(rig, office, dumas, app):
    rig.append(office.pengaduan, b"\x00\x01\x02 not a mail at all \xff\xfe")
    rig.append(office.pengaduan, mf.complaint())
    outcomes = json.loads(dumas("poll", "--only", "intake", "--json")[1])["outcomes"]
    assert outcomes == {"quarantined": 1, "complaint": 1}
    [item] = json.loads(dumas("quarantine", "list", "--json")[1])
    assert item["reason"]
    rc, out = dumas("replay", str(item["id"]), "--json")
    assert rc == 0 and json.loads(out)[0]["disposition"] == "quarantined"  # still unreadable
    assert count(app, RawMessage) == 2


def test_oversize_message_is_quarantined_once(rig, office, dumas_config, capsys):
    from tests.rig import write_config

    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="small.toml",
        limits={"max_message_mb": 1},
    )
    assert main(["--config", str(cfg), "init"]) == 0
    big = mf.complaint(attachments=[("video.mp4", "video/mp4", b"\0" * (1024 * 1024 + 10))])
    rig.append(office.pengaduan, big)
    run(cfg, "poll", "--only", "intake", capsys=capsys)
    [item] = json.loads(run(cfg, "quarantine", "list", "--json", capsys=capsys)[1])
    assert "over the limit of 1 MB" in item["reason"] and item["size"] > 1024 * 1024
    assert (
        json.loads(run(cfg, "poll", "--only", "intake", "--json", capsys=capsys)[1])["new_messages"]
        == 0
    )


def test_server_down_gives_a_clear_error(rig, dumas, dumas_config, capsys):
    rig.stop_imap()
    rc = main(["--config", str(dumas_config), "poll"])
    err = capsys.readouterr().err
    assert rc == 3 and "cannot connect to the IMAP server" in err


def test_wrong_password_gives_a_clear_error(rig, office, dumas_config, capsys):
    from tests.rig import write_config

    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="badpw.toml",
        imap={"password": "salah"},
    )
    assert main(["--config", str(cfg), "init"]) == 0
    rc = main(["--config", str(cfg), "poll"])
    assert rc == 3 and "refused the login" in capsys.readouterr().err
