"""A display-name From on the rig: `doctor --send-test` and the outbox's own mail (issue 11, 6)."""

import re
from email import message_from_bytes, policy

from dumas.config.cli.main import main
from tests.rig import write_config

NAME = "Layanan Pengaduan KPU Kab. Kepulauan Mentawai"


def named_config(rig, office, folder):
    address = rig.address(office.pengaduan)
    config = write_config(
        rig,
        folder,
        office.pengaduan,
        office.roles,
        smtp={"from": f"{NAME} <{address}>", "from_name": None},
    )
    assert main(["--config", str(config), "init"]) == 0
    return config, address


def test_send_test_sends_a_real_email_from_the_display_name(rig, office, tmp_path, capsys):
    config, address = named_config(rig, office, tmp_path)
    capsys.readouterr()

    rc = main(["--config", str(config), "doctor", "--send-test", "warga@example.org"])

    out = capsys.readouterr().out
    assert rc == 0, out
    assert "OK    test email sent to warga@example.org" in out
    [sent] = rig.smtp.captured(to="warga@example.org")
    assert sent.mail_from == address
    message = sent.message
    assert message["From"].addresses[0].display_name == NAME
    assert message["From"].addresses[0].addr_spec == address
    assert message["Subject"] == "Uji kirim email Dumas"
    domain = address.rpartition("@")[2]
    assert re.fullmatch(rf"<[^<>@]+@{re.escape(domain)}>", message["Message-ID"].strip())


def test_send_test_says_when_the_server_refuses(rig, office, tmp_path, capsys):
    config, _ = named_config(rig, office, tmp_path)
    rig.smtp.fail(550, recipients=["warga@example.org"])
    capsys.readouterr()

    rc = main(["--config", str(config), "doctor", "--send-test", "warga@example.org"])

    out = capsys.readouterr().out
    assert rc == 1
    assert "FAIL  test email to warga@example.org not sent: recipient refused" in out
    assert "550" in out
    assert not rig.smtp.captured(to="warga@example.org")


def test_send_test_refuses_an_address_that_is_not_one(rig, office, tmp_path, capsys):
    config, _ = named_config(rig, office, tmp_path)
    capsys.readouterr()

    rc = main(["--config", str(config), "doctor", "--send-test", "warga"])

    assert rc == 1
    assert "FAIL  test email not sent: --send-test" in capsys.readouterr().out


def test_the_outbox_sends_with_a_display_name_from(rig, office, tmp_path, capsys):
    config, address = named_config(rig, office, tmp_path)
    args = ["--name", "Yosefina", "--subject", "Pemilih tidak terdaftar", "--text", "Tidak ada."]
    assert main(["--config", str(config), "register", *args]) == 0

    assert main(["--config", str(config), "poll"]) == 0, capsys.readouterr()

    [note] = rig.wait_for_messages(office.desk, 1)
    message = message_from_bytes(note, policy=policy.default)
    assert message["From"].addresses[0].display_name == NAME
    assert message["From"].addresses[0].addr_spec == address
    assert message["Message-ID"].strip().endswith(f"@{address.rpartition('@')[2]}>")
