"""`dumas doctor` against the rig: everything OK, then each broken piece named."""

from dumas.config.cli.main import main
from tests.rig import write_config


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
