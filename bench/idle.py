"""Mail within seconds (issue 11, item 2), against the rig's real Dovecot (`python -m bench.idle`).

Prints, for a complaint APPENDed to the mailbox, the time until its acknowledgement (tanda terima)
is queued in the outbox and until it is sent:
1. with IMAP IDLE: the daemon's own watcher and mail runner (`dumas.config.daemon.watch_mailbox`);
2. without: the daemon's scheduled cycle (`CycleJob`) at a short poll interval (default 5 s; a
   real office polls every 15 minutes, where the difference is 180 times larger);
and the ratio polling / IDLE. Each mode runs in-process on its own fresh instance; the APPENDs
fall at random moments of the poll interval, as mail does. Figures only, never pass/fail.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apscheduler.schedulers.background import BackgroundScheduler  # noqa: E402
from sqlalchemy import select  # noqa: E402

from dumas.config.app import App, clock_from_env  # noqa: E402
from dumas.config.cli.main import main as dumas  # noqa: E402
from dumas.config.daemon import CycleJob, watch_mailbox  # noqa: E402
from dumas.config.settings import load_settings  # noqa: E402
from dumas.workflow.store.models import OutboxMessage  # noqa: E402
from tests import mailfactory as mf  # noqa: E402
from tests.rig import MailRig, wait_until, write_config  # noqa: E402


def _acknowledgements(app: App) -> tuple[int, int]:
    """(queued, sent) tanda terima rows."""
    with app.sessions() as s:
        rows = s.execute(
            select(OutboxMessage.status).where(OutboxMessage.kind == "tanda_terima")
        ).all()
    return len(rows), sum(status == "sent" for (status,) in rows)


def _instance(rig: MailRig, root: Path, name: str) -> tuple[App, object]:
    office = rig.new_office()
    config = write_config(rig, root / name, office.pengaduan, office.roles)
    assert dumas(["--config", str(config), "init"]) == 0
    return App(load_settings(config), clock=clock_from_env()), office


def _measure(rig: MailRig, app: App, office, rounds: int, spread: float, rng) -> list:
    """APPEND one complaint per round; [(queued after, sent after)] in seconds."""
    figures = []
    for i in range(rounds):
        # Wait on an Event, not a sleep: a random phase of the poll interval.
        threading.Event().wait(rng.uniform(0, spread))
        queued0, sent0 = _acknowledgements(app)
        started = time.perf_counter()
        rig.append(office.pengaduan, mf.complaint(sender=f"Warga {i} <warga{i}@gmail.com>"))
        wait_until(lambda q=queued0: _acknowledgements(app)[0] > q, 120, "queued", interval=0.005)
        queued = time.perf_counter() - started
        wait_until(lambda n=sent0: _acknowledgements(app)[1] > n, 120, "sent", interval=0.005)
        figures.append((queued, time.perf_counter() - started))
    return figures


def bench_idle(rig: MailRig, root: Path, rounds: int, rng) -> list:
    app, office = _instance(rig, root, "idle")
    stop = threading.Event()
    scheduler = BackgroundScheduler(timezone="Asia/Jakarta")
    scheduler.start(paused=True)  # only for CycleJob's retries, which a mail run never asks
    watching = watch_mailbox(app, scheduler, stop)  # type: ignore[arg-type]
    assert watching is not None
    watcher, _cycles = watching
    wait_until(watcher.ready.is_set, 30, "IDLE entered")
    try:
        return _measure(rig, app, office, rounds, 1.0, rng)
    finally:
        stop.set()
        for thread in watching:
            thread.join(timeout=10)
        scheduler.shutdown(wait=False)
        app.close()


def bench_polling(rig: MailRig, root: Path, rounds: int, interval: float, rng) -> list:
    app, office = _instance(rig, root, "polling")
    stop = threading.Event()
    scheduler = BackgroundScheduler(
        timezone="Asia/Jakarta", job_defaults={"coalesce": True, "max_instances": 1}
    )
    # The daemon's cycle (every job), at `interval` seconds instead of poll_every_minutes.
    scheduler.add_job(CycleJob(app, scheduler, stop), "interval", seconds=interval)  # type: ignore[arg-type]
    scheduler.start()
    try:
        return _measure(rig, app, office, rounds, interval, rng)
    finally:
        stop.set()
        scheduler.shutdown(wait=True)
        app.close()


def _line(name: str, figures: list) -> tuple[float, float]:
    queued = statistics.median(q for q, _ in figures)
    sent = statistics.median(s for _, s in figures)
    worst = max(q for q, _ in figures)
    print(f"  {name:<22} queued {queued:6.2f} s (worst {worst:5.2f} s)   sent {sent:6.2f} s")
    return queued, sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--interval", type=float, default=5.0, help="poll interval, seconds")
    args = parser.parse_args()
    rng = random.Random(11)
    with tempfile.TemporaryDirectory(prefix="dumas-bench-") as tmp, MailRig() as rig:
        root = Path(tmp)
        idle = bench_idle(rig, root, args.rounds, rng)
        polling = bench_polling(rig, root, args.rounds, args.interval, rng)
    print(f"APPEND -> acknowledgement, median of {args.rounds} complaints:")
    q_idle, s_idle = _line("IMAP IDLE", idle)
    q_poll, s_poll = _line(f"polling every {args.interval:g} s", polling)
    print(f"  polling / IDLE: queued {q_poll / q_idle:.1f}x, sent {s_poll / s_idle:.1f}x")


if __name__ == "__main__":
    main()
