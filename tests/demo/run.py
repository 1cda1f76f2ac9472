"""`make demo`: the main job end to end on this machine, with nothing to configure.

Starts a private Dovecot and SMTP server (the test rig), puts sample complaints in the complaint
mailbox, runs `dumas poll` as cron or the daemon would, lets the desk answer one by email, and
writes everything a person would look at into the output folder. It runs at a fixed instant
(`DEMO_NOW`, or `--now` / $DUMAS_NOW), not today, so its numbers and recap are the same every day.
The output folder:
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
import os
import shutil
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

from dumas.config.app import NOW_ENV
from dumas.config.cli.main import main as dumas_main
from dumas.workflow import logs
from tests.demo.samples import complaints, desk_reply
from tests.rig import MailRig, write_config

# A Monday morning in the office's zone, when the sample complaints are dated.
DEMO_NOW = datetime(2026, 11, 2, 9, 15, tzinfo=ZoneInfo("Asia/Jakarta"))


def dumas(config: Path, *args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = dumas_main(["--config", str(config), *args])
    if rc != 0:
        raise SystemExit(f"dumas {' '.join(args)} failed ({rc}):\n{out.getvalue()}")
    return out.getvalue()


def busy(poll_output: str) -> str:
    """`dumas poll`'s lines for the jobs that did something: the demo's output fits on a screen."""
    return "\n".join(line for line in poll_output.splitlines() if "nothing to do" not in line)


def save_emails(rig: MailRig, office, folder: Path) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    sent = [(e.rcpt_tos[0], e.data) for e in rig.captured()]
    for role in ("desk", "sekretaris", "hukum", "ketua"):
        sent += [
            (getattr(office, role).address, raw) for raw in rig.messages(getattr(office, role))
        ]
    for i, (to, raw) in enumerate(sent, 1):
        subject = message_from_bytes(raw, policy=policy.default)["Subject"]
        (folder / f"{i:02d}.eml").write_bytes(raw)
        lines.append(f"  {i:02d}.eml  to {to}: {subject}")
    return lines


@contextlib.contextmanager
def dumas_now(now: datetime):
    """Every `dumas` command of the demo runs at `now` ($DUMAS_NOW), restored afterwards."""
    before = os.environ.get(NOW_ENV)
    os.environ[NOW_ENV] = now.isoformat()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(NOW_ENV, None)
        else:
            os.environ[NOW_ENV] = before


def run(out: Path, now: datetime = DEMO_NOW) -> None:
    if now.tzinfo is None:
        raise ValueError("the demo's time needs a UTC offset")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    # Before the rig starts: its SMTP server (aiosmtpd) logs every command at INFO otherwise.
    logs.configure()
    with dumas_now(now), MailRig() as rig:
        office = rig.new_office()
        config = write_config(rig, out, office.pengaduan, office.roles)
        print(
            f"Local Dovecot on 127.0.0.1:{rig.imap_port}, complaint mailbox "
            f"{office.pengaduan.address}; config {config}"
        )
        dumas(config, "init")
        for raw in complaints():
            rig.append(office.pengaduan, raw, when=now)  # received now, for the numbering
        print("\n$ dumas poll   (intake, documents, outbox)")
        print(busy(dumas(config, "poll")))
        print("$ dumas register   (a walk-in complaint typed by the desk)")
        print(
            dumas(
                config,
                "register",
                "--name",
                "Yosefina Saleleubaja",
                "--phone",
                "0813 6300 1234",
                "--address",
                "Desa Saumanganya, Pagai Utara",
                "--subject",
                "Pemilih tidak terdaftar di DPT TPS 02",
                "--kecamatan",
                "Pagai Utara",
                "--desa",
                "Saumanganya",
                "--tps",
                "2",
                "--text",
                "Saya dan keluarga tidak terdaftar di DPT TPS 02 walaupun sudah "
                "didata oleh petugas pantarlih.",
            )
        )
        note = rig.wait_for_messages(office.desk, 1)[0]
        rig.send(
            office.desk.address, office.pengaduan.address, desk_reply(note, office.desk.address)
        )
        rig.wait_for_messages(office.pengaduan, len(complaints()) + 1)
        print("$ dumas poll   (the desk replied LENGKAP to the first notification)")
        print(busy(dumas(config, "poll")))
        print("$ dumas list")
        print(dumas(config, "list"))
        cases = json.loads(dumas(config, "list", "--json"))
        for case in cases:
            dumas(
                config,
                "pdf",
                str(case["id"]),
                "--out",
                str(out / "pdf" / case["number"].replace("/", "-")),
            )
        print("Emails sent by Dumas (saved in email/):")
        print("\n".join(save_emails(rig, office, out / "email")))
        recap(config, out, cases)
        print(f"\n$ dumas reconcile\n{dumas(config, 'reconcile')}")
    print(f"Everything is in {out.resolve()}")
    print(f"A case in full, with its timeline: dumas --config {out}/dumas.toml show 1")


def recap(config: Path, out: Path, cases: list[dict]) -> None:
    month = cases[0]["received_at"][:7]
    print(f"$ dumas recap --month {month} --out {out}")
    print(dumas(config, "recap", "--month", month, "--out", str(out)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Run the Dumas demo.")
    parser.add_argument("--out", type=Path, default=Path("demo-output"))
    parser.add_argument(
        "--now",
        type=datetime.fromisoformat,
        default=os.environ.get(NOW_ENV) or DEMO_NOW.isoformat(),
        help="the instant the demo runs at, ISO 8601 with a UTC offset "
        f"(default ${NOW_ENV}, else {DEMO_NOW.isoformat()})",
    )
    args = parser.parse_args()
    run(args.out, args.now)
