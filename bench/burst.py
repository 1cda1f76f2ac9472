"""Bench: a burst of real-world complaints after an outage, until the last acknowledgement is sent.

    .venv/bin/python -m bench.burst [--n 300] [--workers 1,2]

Issue 11 item 3: after an outage, an acknowledgement should wait only for its own tanda terima.
In one run, on the rig's real Dovecot and SMTP server:

1. Setup (untimed): the corpus (`../shared/corpus`) goes through intake once on a scratch
   mailbox, to find `--n` messages that become complaints with an address to acknowledge.
2. For each worker count: those `--n` messages wait in a fresh mailbox (the outage); the clock
   starts; the cycle the daemon runs for new mail runs in process (`MAIL_JOBS`: intake,
   registration, documents with receipts first and each acknowledgement sent as its receipt is
   stored, `[documents] workers`, then the outbox); the clock stops when the last acknowledgement
   has been handed to the SMTP server (a thread watches the outbox), while the print-outs may
   still be rendering.
3. The baseline: a bare render of the same cases' tanda terima, one after the other in one
   process (`documents.render`, no worker, no database writes).

Prints the ratio of each run to the baseline; the issue's goal is <= 1.5x here (2 cores), and
the figure should fall as workers are added. Prints, never asserts: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the rig lives in tests/

from sqlalchemy import func, select  # noqa: E402

from dumas.config.app import App  # noqa: E402
from dumas.config.cycle import MAIL_JOBS, run_cycle  # noqa: E402
from dumas.config.settings import load_settings  # noqa: E402
from dumas.workflow.documents.render import render  # noqa: E402
from dumas.workflow.store.db import upgrade  # noqa: E402
from dumas.workflow.store.models import (  # noqa: E402
    Document,
    OutboxMessage,
    Pengaduan,
    RawMessage,
)
from tests.rig import MailRig, write_config  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
GOAL = 1.5
WATCH_EVERY = 0.1  # seconds between two looks at the outbox during the burst
# The burst is the subject here, not the office-wide or per-sender caps on acknowledgements.
LIMITS = {"acknowledgements_per_hour": 100_000, "acks_per_sender_per_hour": 100_000}


def corpus() -> list[bytes]:
    rows = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [(CORPUS / r.split("\t", 1)[0]).read_bytes() for r in rows]


def office_app(rig: MailRig, root: Path, raws: list[bytes], workers: int = 1) -> App:
    office = rig.new_office()
    rig.append_many(office.pengaduan, raws)
    config = write_config(rig, root, office.pengaduan, office.roles, limits=LIMITS)
    settings = load_settings(config)
    settings = replace(settings, documents=replace(settings.documents, workers=workers))
    app = App(settings)
    Path(settings.storage_root).mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    return app


def acknowledged_complaints(rig: MailRig, root: Path, raws: list[bytes], n: int) -> list[bytes]:
    """The first `n` messages that become complaints whose reporter gets an acknowledgement."""
    # About two thirds of the corpus qualify: try a slice first rather than the whole corpus.
    if 2 * n + 20 < len(raws):
        found = acknowledged_complaints(rig, root / "slice", raws[: 2 * n + 20], n)
        if len(found) == n:
            return found
    app = office_app(rig, root / "scratch", raws)
    run_cycle(app, only=("intake", "registration"))
    with app.sessions() as session:
        rows = session.execute(
            select(RawMessage.storage_key)
            .join(Pengaduan, Pengaduan.id == RawMessage.pengaduan_id)
            .join(OutboxMessage, OutboxMessage.pengaduan_id == Pengaduan.id)
            .where(RawMessage.disposition == "complaint", OutboxMessage.kind == "tanda_terima")
            .order_by(RawMessage.id)
        ).scalars()
        keys = list(dict.fromkeys(rows))[:n]
    app.engine.dispose()
    return [app.files.read(k) for k in keys]


def burst(rig: MailRig, root: Path, raws: list[bytes], workers: int) -> tuple[float, float, int]:
    """Seconds from the start of intake until every acknowledgement was sent, of which intake and
    registration; how many were sent."""
    app = office_app(rig, root / f"burst-{workers}", raws, workers)
    done = threading.Event()

    def unsent() -> int:
        with app.sessions() as session:
            return session.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.kind == "tanda_terima",
                    OutboxMessage.status.not_in(("sent", "failed")),
                )
            ).scalar_one()

    finished: list[float] = []

    def watch() -> None:
        # Only looks: the sending is the cycle's own (as in the daemon), not the bench's.
        while not done.wait(WATCH_EVERY):
            if unsent() == 0:
                finished.append(time.perf_counter())
                return

    started = time.perf_counter()
    results = run_cycle(app, only=("intake", "registration"))
    registered = time.perf_counter() - started
    if results["registration"][0].get("registered", 0) == 0:
        raise SystemExit("nothing registered: see the errors above")
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    # The rest of the mail cycle: documents (acknowledgements sent as receipts appear), outbox.
    run_cycle(app, only=tuple(j for j in MAIL_JOBS if j not in ("intake", "registration")))
    watcher.join(timeout=60)
    done.set()
    seconds = (finished[0] if finished else time.perf_counter()) - started
    with app.sessions() as session:
        sent = session.execute(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "tanda_terima", OutboxMessage.status == "sent")
        ).scalar_one()
    app.engine.dispose()
    return seconds, registered, sent


def bare(rig: MailRig, root: Path, raws: list[bytes]) -> tuple[float, int]:
    """The floor: the same cases' tanda terima rendered in one process, one after the other."""
    app = office_app(rig, root / "bare", raws)
    run_cycle(app, only=("intake", "registration"))
    renderer = app.renderer()
    with app.sessions() as session:
        jobs = [
            (renderer.context(session, session.get_one(Pengaduan, d.pengaduan_id), d.kind), d)
            for d in session.execute(
                select(Document).where(Document.kind == "tanda_terima").order_by(Document.id)
            ).scalars()
        ]
        started = time.perf_counter()
        for context, doc in jobs:
            render(doc.kind, context, dict(doc.params or {}))
        seconds = time.perf_counter() - started
    app.engine.dispose()
    return seconds, len(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="dumas-burst-") as tmp, MailRig() as rig:
        root = Path(tmp)
        raws = acknowledged_complaints(rig, root, corpus(), args.n)
        print(f"{len(raws)} real-world complaints from the corpus, each acknowledged")
        floor, rendered = bare(rig, root, raws)
        print(f"bare render of their {rendered} tanda terima in one process: {floor:.1f} s")
        for workers in counts:
            seconds, registered, sent = burst(rig, root, raws, workers)
            print(
                f"workers={workers}: last of {sent} acknowledgements sent after {seconds:.1f} s "
                f"(intake and registration {registered:.1f} s) "
                f"= {seconds / floor:.2f}x the bare render (goal <= {GOAL}x)"
            )


if __name__ == "__main__":
    main()
