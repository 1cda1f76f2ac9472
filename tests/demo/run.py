"""`make demo`: the main job end to end on this machine, with nothing to configure.

Starts a private Dovecot and SMTP server (the test rig), puts sample complaints in the complaint
mailbox, runs `dumas poll` as cron or the daemon would, lets the desk answer one by email, and
writes everything a person would look at into the output folder:
  dumas.toml            the configuration used (SQLite, the local servers)
  pdf/<number>/*.pdf    print-out, tanda terima, lembar disposisi of each complaint
  email/*.eml           every email Dumas sent (acknowledgements, desk notifications...)
  rekap-*.xlsx, *.pdf   the monthly recap
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
from email import message_from_bytes, policy
from pathlib import Path

from dumas.config.cli.main import main as dumas_main
from tests.demo.samples import complaints, desk_reply
from tests.rig import MailRig, write_config


def dumas(config: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = dumas_main(["--config", str(config), *args])
    if rc != 0:
        raise SystemExit(f"dumas {' '.join(args)} failed ({rc}):\n{out.getvalue()}")
    return out.getvalue()


def save_emails(rig: MailRig, office, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    sent = [(e.rcpt_tos[0], e.data) for e in rig.captured()]
    for role in ("desk", "sekretaris", "hukum", "ketua"):
        sent += [(getattr(office, role).address, raw) for raw in rig.messages(getattr(office, role))]
    for i, (to, raw) in enumerate(sent, 1):
        subject = message_from_bytes(raw, policy=policy.default)["Subject"]
        (folder / f"{i:02d}.eml").write_bytes(raw)
        lines.append(f"  {i:02d}.eml  to {to}: {subject}")
    return lines


def run(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with MailRig() as rig:
        office = rig.new_office()
        config = write_config(rig, out, office.pengaduan, office.roles)
        print(f"Local Dovecot on 127.0.0.1:{rig.imap_port}, complaint mailbox "
              f"{office.pengaduan.address}; config {config}")
        dumas(config, "init")
        for raw in complaints():
            rig.append(office.pengaduan, raw)
        print("\n$ dumas poll   (intake, documents, outbox)")
        print(dumas(config, "poll"))
        print("$ dumas register   (a walk-in complaint typed by the desk)")
        print(dumas(config, "register", "--name", "Yosefina Saleleubaja", "--phone",
                    "0813 6300 1234", "--address", "Desa Saumanganya, Pagai Utara",
                    "--subject", "Pemilih tidak terdaftar di DPT TPS 02", "--kecamatan",
                    "Pagai Utara", "--desa", "Saumanganya", "--tps", "2", "--text",
                    "Saya dan keluarga tidak terdaftar di DPT TPS 02 walaupun sudah "
                    "didata oleh petugas pantarlih."))
        note = rig.wait_for_messages(office.desk, 1)[0]
        rig.send(office.desk.address, office.pengaduan.address, desk_reply(note, office.desk.address))
        rig.wait_for_messages(office.pengaduan, len(complaints()) + 1)
        print("$ dumas poll   (the desk replied LENGKAP to the first notification)")
        print(dumas(config, "poll"))
        print("$ dumas list")
        print(dumas(config, "list"))
        cases = json.loads(dumas(config, "list", "--json"))
        for case in cases:
            dumas(config, "pdf", str(case["id"]), "--out",
                  str(out / "pdf" / case["number"].replace("/", "-")))
        print("$ dumas show 1")
        print(dumas(config, "show", "1"))
        print("Emails sent by Dumas (saved in email/):")
        print("\n".join(save_emails(rig, office, out / "email")))
        recap(config, out, cases)
        print(f"\n$ dumas reconcile\n{dumas(config, 'reconcile')}")
    print(f"Everything is in {out.resolve()}")


def recap(config: Path, out: Path, cases: list[dict]) -> None:
    month = cases[0]["received_at"][:7]
    print(f"$ dumas recap --month {month} --out {out}")
    print(dumas(config, "recap", "--month", month, "--out", str(out)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run the Dumas demo.")
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    run(parser.parse_args().out)
