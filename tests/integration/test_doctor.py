"""`dumas doctor` against the rig: everything OK, then each broken piece named."""

from dumas.config.cli.main import main
from tests.rig import write_config
from tests.rig.capfilter import CapabilityFilter


def doctor(config, capsys):
    rc = main(["--config", str(config), "doctor"])
    return rc, capsys.readouterr().out


def test_doctor_passes_on_a_working_installation(dumas, dumas_config, capsys):
    rc, out = doctor(dumas_config, capsys)
    assert rc == 0, out
    assert "all checks passed" in out and "FAIL" not in out
    assert "IMAP" in out and "SMTP" in out and "PDF rendering works" in out


def test_doctor_names_what_is_broken(rig, office, dumas_config, capsys):
    rc, out = doctor(dumas_config, capsys)  # no `dumas init` yet
    assert rc == 1 and "run `dumas init`" in out
    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="bad.toml",
        imap={"password": "salah"},
    )
    assert main(["--config", str(cfg), "init"]) == 0
    rig.stop_smtp()
    rc, out = doctor(cfg, capsys)
    assert rc == 1
    assert "FAIL  the IMAP server" in out and "refused the login" in out
    assert "FAIL  cannot connect to the SMTP server" in out


def test_wrong_config_stops_with_the_key_named(tmp_path, capsys):
    bad = tmp_path / "dumas.toml"
    bad.write_text('[office]\nname = "KPU"\n[imap]\nhost = "x"\nport = "993"\n')
    assert main(["--config", str(bad), "doctor"]) == 2
    assert "[imap] port must be an integer" in capsys.readouterr().err


def test_doctor_says_whether_new_mail_comes_through_idle(rig, office, dumas, dumas_config, capsys):
    rc, out = doctor(dumas_config, capsys)
    assert rc == 0, out
    assert "IDLE offered: new mail is taken in within seconds" in out

    # The same Dovecot behind a relay that hides IDLE from its CAPABILITY: a server without it.
    with CapabilityFilter(rig.imap_port, hide=[b"IDLE"]) as relay:
        cfg = write_config(
            rig,
            dumas_config.parent,
            office.pengaduan,
            office.roles,
            filename="no-idle.toml",
            imap={"port": relay.port},
            schedule={"poll_every_minutes": 7},
        )
        rc, out = doctor(cfg, capsys)
    assert rc == 0, out
    assert "the server does not offer IDLE: new mail waits for the poll, every 7 minute(s)" in out

    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="idle-off.toml",
        imap={"idle": False},
    )
    rc, out = doctor(cfg, capsys)
    assert "IDLE offered but [imap] idle = false: new mail waits for the poll" in out


def test_doctor_warns_when_letters_would_have_no_signatory(
    rig, office, dumas, dumas_config, capsys
):
    rc, out = doctor(dumas_config, capsys)
    assert "OK    letters signed by Sekretaris Uji (Sekretaris); Ketua Ketua Uji" in out

    nobody = {"sekretaris_name": None, "sekretaris_nip": None, "ketua_name": None}
    cfg = write_config(
        rig, dumas_config.parent, office.pengaduan, office.roles, filename="a.toml", office=nobody
    )
    rc, out = doctor(cfg, capsys)
    assert rc == 0 and "see the warnings above" in out
    assert (
        "WARN  [officials] sekretaris_nama and [officials] ketua_nama are empty: letters and "
        "reports then have no signatory"
    ) in out

    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="b.toml",
        office=nobody,
        officials={"sekretaris_nama": "Yohanes Saleleubaja, S.H."},
    )
    rc, out = doctor(cfg, capsys)
    assert "WARN  [officials] ketua_nama is empty" in out and "sekretaris_nama" not in out
