"""The test mail rig itself: real Dovecot and aiosmtpd on loopback, as later tests rely on them."""

from __future__ import annotations

import email
import email.policy
import email.utils
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import textwrap
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient.exceptions import LoginError

from dumas.config.settings import load_settings
from dumas.workflow.errors import ConfigError
from tests.rig import MailRig, MailUser, toml_dumps, wait_until, write_config
from tests.rig.dovecot import _group_alive

pytestmark = pytest.mark.rig

REPO = Path(__file__).resolve().parents[2]


def make_mail(
    subject: str,
    to: str = "pengaduan@dumas.test",
    sender: str = "warga@example.org",
    body: str = "Isi pengaduan.",
) -> bytes:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Message-ID"] = email.utils.make_msgid(domain="example.org")
    msg.set_content(body)
    return msg.as_bytes()


def header(raw: bytes, name: str) -> str | None:
    return email.message_from_bytes(raw, policy=email.policy.default)[name]


# --- IMAP --------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["plain", "starttls", "ssl"])
def test_login_with_each_security_mode(rig, security):
    user = rig.new_user("login")
    with rig.connect(user, security) as client:
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
        sock = client.socket()
        assert isinstance(sock, ssl.SSLSocket) == (security != "plain")


def test_tls_is_verified_against_the_rig_ca(rig):
    # A client that does not trust the rig's CA must fail: proves the CA file is what makes
    # verification pass, not a disabled check.
    from imapclient import IMAPClient

    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(
            rig.host, rig.imaps_port, ssl=True, ssl_context=ssl.create_default_context(), timeout=5
        )


def test_wrong_password_is_refused(rig):
    user = rig.new_user("wrongpw")
    with pytest.raises(LoginError):
        rig.connect(MailUser(user.address, "salah"))


def test_append_returns_uid_and_messages_are_byte_identical(rig):
    user = rig.new_user("append")
    first = make_mail("Pertama")
    second = b"Subject: =?utf-8?q?Kedua_=C3=A9?=\r\nFrom: a@b.test\r\n\r\nbaris\r\n"
    uid1 = rig.append(user, first)
    uid2 = rig.append(user, second, flags=[r"\Seen"])
    assert uid2 > uid1
    assert rig.uids(user) == [uid1, uid2]
    assert rig.messages(user) == [first, second]
    assert rig.fetch(user) == {uid1: first, uid2: second}
    assert r"\Seen" in rig.flags(user)[uid2]


def test_append_many_returns_uids_in_order(rig):
    user = rig.new_user("many")
    raws = [make_mail(f"Massal {i}") for i in range(7)]
    uids = rig.append_many(user, raws, flags=[r"\Seen"], chunk=3)
    assert uids == rig.uids(user) and len(uids) == 7 == rig.count(user)
    assert rig.messages(user) == raws
    assert all(r"\Seen" in flags for flags in rig.flags(user).values())


def test_reading_never_sets_seen_and_mark_seen_does(rig):
    user = rig.new_user("seen")
    uid = rig.append(user, make_mail("Belum dibaca"))
    rig.messages(user)
    rig.wait_for_messages(user, 1)
    assert r"\Seen" not in rig.flags(user)[uid]
    rig.mark_seen(user, uid)
    assert r"\Seen" in rig.flags(user)[uid]


def test_append_creates_other_folders(rig):
    user = rig.new_user("folder")
    uid = rig.append(user, make_mail("Arsip"), folder="Arsip")
    assert rig.uids(user, "Arsip") == [uid]
    assert rig.messages(user) == []


def test_stop_and_start_imap_keeps_ports_and_mail(rig):
    user = rig.new_user("restart")
    raw = make_mail("Sebelum mati")
    rig.append(user, raw)
    port = rig.imap_port
    rig.stop_imap()
    assert not rig.imap_running
    with pytest.raises(ConnectionRefusedError):
        rig.connect(user)
    rig.start_imap()
    assert rig.imap_port == port
    assert rig.messages(user) == [raw]


def test_reset_uidvalidity_keeps_messages_and_flags(rig):
    user = rig.new_user("uidval")
    raws = [make_mail(f"Pesan {i}") for i in range(3)]
    uids = [rig.append(user, raw) for raw in raws]
    rig.mark_seen(user, uids[1])
    old = rig.uidvalidity(user)
    new = rig.reset_uidvalidity(user)
    assert new != old
    assert rig.uidvalidity(user) == new
    assert rig.messages(user) == raws
    seen = [r"\Seen" in flags for flags in rig.flags(user).values()]
    assert seen == [False, True, False]


def test_new_users_are_isolated_and_usable_at_once(rig):
    a, b = rig.new_user("iso"), rig.new_user("iso")
    assert a.address != b.address
    rig.append(a, make_mail("Untuk A"))
    assert len(rig.messages(a)) == 1
    assert rig.messages(b) == []
    office = rig.new_office()
    assert set(office.roles) == {"desk", "sekretaris", "hukum", "ketua"}
    for user in (office.pengaduan, *office.staff.values()):
        assert rig.messages(user) == []


def test_wait_for_messages_times_out_with_what_it_found(rig):
    user = rig.new_user("wait")
    rig.append(user, make_mail("Satu"))
    with pytest.raises(TimeoutError, match="found 1"):
        rig.wait_for_messages(user, 2, timeout=0.2)


# --- SMTP -> LMTP and capture ---------------------------------------------------------------


def test_smtp_delivers_local_mail_including_plus_address(rig):
    user = rig.new_user("pengaduan")
    token = "Tok_en-9xZ"
    rig.send("warga@example.org", [user.address], make_mail("Biasa", to=user.address))
    rig.send("warga@example.org", [user.plus(token)], make_mail("Balasan", to=user.plus(token)))
    plain, plus = rig.wait_for_messages(user, 2)
    assert header(plain, "Delivered-To") == user.address
    # Dovecot LMTP writes the RCPT TO address, detail and case intact, as Delivered-To.
    assert header(plus, "Delivered-To") == user.plus(token)
    assert header(plus, "Return-Path") == "<warga@example.org>"
    assert rig.captured() == []
    assert [e.local for e in rig.envelopes()] == [(user.address,), (user.plus(token),)]


def test_external_recipients_are_captured_local_ones_delivered(rig):
    user = rig.new_user("mixed")
    raw = make_mail("Tanda terima", to="pelapor@gmail.com")
    rig.send(user.address, ["pelapor@gmail.com", user.address], raw)
    (envelope,) = rig.wait_for_captured(1)
    assert envelope.mail_from == user.address
    assert envelope.external == ("pelapor@gmail.com",)
    assert envelope.local == (user.address,)
    assert envelope.data == raw
    assert envelope.message["Subject"] == "Tanda terima"
    assert rig.captured(to="PELAPOR@gmail.com") == [envelope]
    assert rig.captured(to="other@gmail.com") == []
    assert len(rig.wait_for_messages(user, 1)) == 1


def test_wait_for_captured_with_predicate(rig):
    for n in range(3):
        rig.send("pengaduan@dumas.test", [f"p{n}@example.org"], make_mail(f"No {n}"))
    found = rig.wait_for_captured(lambda e: e.message["Subject"] != "No 1", count=2)
    assert [e.external for e in found] == [("p0@example.org",), ("p2@example.org",)]
    with pytest.raises(TimeoutError, match="No 2"):
        rig.wait_for_captured(4, timeout=0.1)
    rig.clear_captured()
    assert rig.captured() == []


def test_unknown_local_user_is_refused_at_rcpt(rig):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
        rig.send("warga@example.org", ["tidak-ada@dumas.test"], make_mail("?"))
    assert info.value.recipients["tidak-ada@dumas.test"][0] == 550
    assert rig.refusals()[-1].address == "tidak-ada@dumas.test"


def test_temporary_failure_for_everything_then_recovery(rig):
    rig.fail_smtp(451, times=2)
    raw = make_mail("Coba lagi")
    for _ in range(2):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as info:
            rig.send("pengaduan@dumas.test", ["pelapor@example.org"], raw)
        assert info.value.recipients["pelapor@example.org"][0] == 451
    rig.send("pengaduan@dumas.test", ["pelapor@example.org"], raw)
    assert len(rig.captured()) == 1
    assert [r.reply[:3] for r in rig.refusals()] == ["451", "451"]


def test_permanent_failure_for_chosen_recipient_only(rig):
    rig.fail_smtp(550, recipients=["Ditolak@example.org"])
    refused = rig.send(
        "pengaduan@dumas.test", ["ditolak@example.org", "ok@example.org"], make_mail("Sebagian")
    )
    assert refused["ditolak@example.org"][0] == 550
    assert [e.external for e in rig.captured()] == [("ok@example.org",)]


def test_failures_at_mail_and_data_stages_until_cleared(rig):
    rig.fail_smtp(421, stage="mail")
    with pytest.raises(smtplib.SMTPSenderRefused):
        rig.send("pengaduan@dumas.test", ["a@example.org"], make_mail("mail"))
    rig.clear_smtp_failures()
    rig.fail_smtp(554, stage="data", recipients=["b@example.org"])
    with pytest.raises(smtplib.SMTPDataError) as info:
        rig.send("pengaduan@dumas.test", ["a@example.org", "b@example.org"], make_mail("data"))
    assert info.value.smtp_code == 554
    rig.send("pengaduan@dumas.test", ["a@example.org"], make_mail("lolos"))
    assert [e.message["Subject"] for e in rig.captured()] == ["lolos"]


def test_smtp_down_and_back(rig):
    rig.stop_smtp()
    with pytest.raises(ConnectionRefusedError):
        rig.send("pengaduan@dumas.test", ["a@example.org"], make_mail("mati"))
    rig.start_smtp()
    rig.send("pengaduan@dumas.test", ["a@example.org"], make_mail("hidup"))
    assert len(rig.wait_for_captured(1)) == 1


def test_local_delivery_fails_temporarily_while_dovecot_is_down(rig):
    user = rig.new_user("lmtpdown")
    rig.stop_imap()
    with pytest.raises(smtplib.SMTPDataError) as info:
        rig.send("warga@example.org", [user.address], make_mail("tertunda"))
    assert info.value.smtp_code == 451
    rig.start_imap()
    rig.send("warga@example.org", [user.address], make_mail("tertunda"))
    assert len(rig.wait_for_messages(user, 1)) == 1


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_smtp_tls_and_auth(rig, security):
    user = rig.new_user("sender")
    rig.send(
        user.address,
        ["a@example.org"],
        make_mail("aman"),
        security=security,
        login=(user.address, user.password),
    )
    (envelope,) = rig.captured()
    assert envelope.tls and envelope.login == user.address
    with pytest.raises(smtplib.SMTPAuthenticationError):
        rig.send(
            user.address,
            ["a@example.org"],
            make_mail("x"),
            security=security,
            login=(user.address, "salah"),
        )


def test_deliver_goes_straight_to_lmtp(rig):
    user = rig.new_user("lmtp")
    rig.deliver(user.plus("abc"), make_mail("Langsung"))
    (raw,) = rig.wait_for_messages(user, 1)
    assert header(raw, "Delivered-To") == user.plus("abc")
    assert rig.envelopes() == []


# --- config ----------------------------------------------------------------------------------


def test_write_config_loads_and_points_at_the_rig(rig, tmp_path):
    office = rig.new_office()
    path = write_config(
        rig,
        tmp_path,
        office.pengaduan,
        office.roles,
        imap_security="ssl",
        smtp_security="starttls",
        schedule={"poll_every_minutes": 5},
        office={"name": 'KPU "Mentawai"\n'},
    )
    s = load_settings(path, environ={})
    assert (s.imap.host, s.imap.port, s.imap.security) == (rig.host, rig.imaps_port, "ssl")
    assert s.imap.username == office.pengaduan.address and s.imap.password == rig.password
    assert s.imap.ca_file == str(rig.ca_file)
    assert (s.smtp.port, s.smtp.security) == (rig.smtp_port, "starttls")
    assert s.smtp.from_address == s.replies.address == office.pengaduan.address
    assert s.roles.desk == (office.desk.address,)
    assert s.schedule.poll_every_minutes == 5
    assert s.office.name == 'KPU "Mentawai"\n'
    assert s.database_url == f"sqlite:///{tmp_path.resolve() / 'dumas.sqlite3'}"
    assert s.storage_root == tmp_path.resolve() / "files"


def test_write_config_defaults_roles_and_follows_security_override(rig, tmp_path):
    user = rig.new_user("pengaduan")
    s = load_settings(write_config(rig, tmp_path, user, imap={"security": "starttls"}))
    assert s.imap.port == rig.imap_port and s.imap.security == "starttls"
    for role in ("desk", "sekretaris", "hukum", "ketua"):
        (address,) = s.roles.addresses(role)
        assert rig.messages(address) == []  # a real, empty mailbox


def test_write_config_can_drop_keys_for_error_tests(rig, tmp_path):
    user = rig.new_user("pengaduan")
    with pytest.raises(ConfigError, match=r"\[imap\] port"):
        write_config(rig, tmp_path, user, imap={"port": None})
    path = write_config(rig, tmp_path, user, smtp=None, validate=False)
    with pytest.raises(ConfigError, match=r"\[smtp\] host"):
        load_settings(path, environ={})


def test_toml_writer_round_trips_awkward_values():
    import tomllib
    from datetime import date, time

    doc = {
        "sop": {
            "steps": [{"name": "desk", "deadline": [30, "working minutes"]}],
            "a.b": {'kutip "x"': "tab\there\u0007 ünï"},
        },
        "workhours": {"extra_days_off": [date(2026, 3, 20)], "start": time(8, 0)},
        "limits": {"ratio": 1.5, "flag": False},
    }
    assert tomllib.loads(toml_dumps(doc)) == doc


# --- no stray Dovecot --------------------------------------------------------------------------


def test_dovecot_is_gone_after_an_interrupted_with_block():
    with pytest.raises(KeyboardInterrupt), MailRig() as other:
        pgid = other.dovecot.process.pid
        root = other.root
        raise KeyboardInterrupt
    assert not _group_alive(pgid)
    assert not root.exists()


def test_dovecot_dies_with_a_killed_owner_process():
    script = textwrap.dedent("""
        import sys, time
        from tests.rig import MailRig
        rig = MailRig().start()
        print(rig.dovecot.process.pid, rig.root, flush=True)
        time.sleep(60)
    """)
    owner = subprocess.Popen(
        [sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        pgid, root = owner.stdout.readline().split()
        assert _group_alive(int(pgid))
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
        owner.stdout.close()
    wait_until(lambda: not _group_alive(int(pgid)), timeout=10, what="Dovecot to exit")
    shutil.rmtree(root)  # a SIGKILLed owner cannot clean up after itself
