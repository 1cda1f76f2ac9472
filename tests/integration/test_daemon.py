"""The daemon: survives a mail server that is down, retries with backoff, one instance, clean stop."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from dumas.config.daemon import CycleJob
from dumas.workflow.store.models import Pengaduan
from tests import mailfactory as mf
from tests.rig import wait_until


class Daemon:
    """`dumas run` in a subprocess, its stderr collected line by line."""

    def __init__(self, config, *options: str):
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dumas.config.cli.main",
                *options,
                "--config",
                str(config),
                "run",
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


def test_daemon_survives_server_down_and_stops_cleanly(rig, office, dumas, dumas_config):
    rig.stop_imap()
    daemon = Daemon(dumas_config)
    try:
        wait_until(lambda: daemon.saw("mail server unavailable"), 60, "the failure logged")
        assert daemon.saw("retrying in 0:01:00")
        assert daemon.proc.poll() is None  # still running
        second = subprocess.run(
            [sys.executable, "-m", "dumas.config.cli.main", "--config", str(dumas_config), "run"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0 and "another dumas process" in second.stderr
    finally:
        rc = daemon.stop()
    assert rc == 0 and daemon.saw("dumas daemon stopped")


def test_cycle_job_backs_off_then_recovers(rig, office, dumas, app):
    rig.append(office.pengaduan, mf.complaint())
    scheduler = BackgroundScheduler(timezone="Asia/Jakarta")
    scheduler.start(paused=True)  # jobs are scheduled, never run: the test calls the job itself
    job = CycleJob(app, scheduler, threading.Event())
    rig.stop_imap()
    before = datetime.now(UTC)
    job()
    job()
    retry = scheduler.get_job("cycle-retry")
    assert job.failures == 2 and retry is not None
    delay = (retry.trigger.run_date - before).total_seconds()
    assert 110 <= delay <= 130  # 1 minute, then 2: exponential
    rig.start_imap()
    job()
    scheduler.shutdown(wait=False)
    assert job.failures == 0
    with app.sessions() as s:
        assert s.execute(select(func.count()).select_from(Pengaduan)).scalar() == 1


def test_daemon_processes_mail_and_stops_between_batches(rig, office, dumas, dumas_config, app):
    rig.append(office.pengaduan, mf.complaint())
    daemon = Daemon(dumas_config)
    try:

        def registered():
            with app.sessions() as s:
                return s.execute(select(func.count()).select_from(Pengaduan)).scalar() == 1

        wait_until(registered, 60, "the complaint registered by the daemon")
        wait_until(lambda: rig.captured(), 60, "the acknowledgement sent by the daemon")
    finally:
        started = time.monotonic()
        rc = daemon.stop()
    assert rc == 0 and time.monotonic() - started < 30
