"""Crash safety: `dumas poll` killed with SIGKILL at random moments, then restarted, ingests every
message exactly once."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dumas.config.app import App
from dumas.config.settings import load_settings
from dumas.workflow.store.models import MailboxLocation, Pengaduan, RawMessage
from tests import mailfactory as mf
from tests.rig import write_config

MESSAGES = 300
KILLS = 12


def dumas_process(config: Path, *args) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dumas.config.cli.main", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_sigkill_during_intake_loses_and_duplicates_nothing(rig, office, dumas_config):
    raws = []
    for i in range(MESSAGES):
        if i % 10 == 9:
            raws.append(mf.out_of_office(sender=f"pejabat{i}@instansi.example"))
        else:
            raws.append(
                mf.complaint(
                    subject=f"Pengaduan nomor {i}",
                    sender=f"warga{i}@gmail.com",
                    attachments=[(f"bukti{i}.txt", "text/plain", f"bukti {i}".encode())],
                )
            )
    rig.append_many(office.pengaduan, raws)
    # Small batches so that kills land between, and inside, many commits.
    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="crash.toml",
        imap={"batch_size": 7},
    )
    assert (
        subprocess.run(
            [sys.executable, "-m", "dumas.config.cli.main", "--config", str(cfg), "init"],
            capture_output=True,
        ).returncode
        == 0
    )

    rng = random.Random(20261128)
    # Kill points spread over the whole intake: after N messages are committed, plus a random
    # jitter that lands the kill in a fetch, a parse, a file write or a commit.
    targets = sorted(rng.randrange(0, MESSAGES - 20) for _ in range(KILLS))
    killed = 0
    for target in targets:
        proc = dumas_process(cfg, "poll", "--only", "intake")
        _wait_for_progress(cfg, target, proc)
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        killed += proc.wait(timeout=30) == -signal.SIGKILL
    assert killed >= 10  # the kills really interrupted running polls

    final = subprocess.run(
        [
            sys.executable,
            "-m",
            "dumas.config.cli.main",
            "--config",
            str(cfg),
            "poll",
            "--only",
            "intake",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert final.returncode == 0, final.stderr
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "dumas.config.cli.main",
            "--config",
            str(cfg),
            "reconcile",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    rec = json.loads(again.stdout)
    assert rec["missing"] == [] and rec["pending"] == []
    assert rec["counts"] == {"complaint": 270, "reply": 0, "ignored": 30, "quarantined": 0}

    app = App(load_settings(cfg))
    with app.sessions() as s:
        assert s.execute(select(func.count()).select_from(RawMessage)).scalar() == MESSAGES
        assert s.execute(select(func.count()).select_from(MailboxLocation)).scalar() == MESSAGES
        subjects = list(s.execute(select(Pengaduan.subject)).scalars())
    app.close()
    assert len(subjects) == len(set(subjects)) == 270


def _wait_for_progress(cfg: Path, target: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    import sqlite3

    db = cfg.parent / "dumas.sqlite3"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
                if conn.execute("SELECT count(*) FROM raw_message").fetchone()[0] >= target:
                    return
        except sqlite3.OperationalError:
            pass  # locked or mid-checkpoint: look again
        time.sleep(0.005)
