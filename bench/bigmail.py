"""Peak memory of intake against the size of one email (run: `python -m bench.bigmail`).

Issue 11 item 4: memory is bounded by the mail, not multiplied by it. On the rig's Dovecot, two
fresh mailboxes: one small complaint, and one complaint with a 17 MiB attachment (random bytes,
fixed seed; about 23 MiB as sent, under the 25 MB limit). For each, in fresh processes:
`dumas poll --only intake`, then `registration`, `documents` and `outbox`; each job's peak RSS
is the maximum resident set of that process alone (read by a wrapper process from
`RUSAGE_CHILDREN` after its one child exited, so peaks never mix). `[limits]
attachments_max_bytes` is raised to 25 MB (a provider's limit) for both, so the outbox job sends
the attachment to the desk rather than leaving it out under the 15 MB default.

Prints the peaks and the multiplier (big − small) / attachment size per job, against the goal
(<= 4x). A figure, never a pass/fail.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import mailfactory as mf  # noqa: E402
from tests.rig import MailRig, write_config  # noqa: E402

GOAL = 4.0
# Above the attachment (17 MiB = 17.8 MB): the default cap would leave it out of every email.
ATTACHMENTS_MAX_BYTES = 25_000_000
JOBS = ("intake", "registration", "documents", "outbox")
# Runs one command as its only child and prints that child's peak RSS in KiB (Linux ru_maxrss).
_WRAPPER = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def big_complaint(size: int, seed: int = 11) -> bytes:
    data = random.Random(seed).randbytes(size)
    return mf.complaint(
        sender="Rina Marlina <rina.marlina@gmail.com>",
        subject="Pengaduan dengan rekaman video",
        attachments=[("rekaman.mp4", "video/mp4", data)],
    )


def peak_kib(config: Path, *args: str) -> int:
    """The peak RSS (KiB) of `dumas --config config *args` run in a fresh process."""
    command = [sys.executable, "-m", "dumas.config.cli.main", "--config", str(config), *args]
    out = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *command], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def measure(rig: MailRig, root: Path, name: str, raw: bytes) -> dict[str, int]:
    office = rig.new_office()
    rig.append(office.pengaduan, raw)
    config = write_config(
        rig,
        root / name,
        office.pengaduan,
        office.roles,
        limits={"attachments_max_bytes": ATTACHMENTS_MAX_BYTES},
    )
    peak_kib(config, "init")
    return {job: peak_kib(config, "poll", "--only", job) for job in JOBS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=float, default=17, help="attachment size in MiB")
    args = parser.parse_args()
    size = int(args.mib * 1048576)
    big = big_complaint(size)
    small = mf.complaint(sender="Budi Santoso <budi.santoso@gmail.com>")
    with tempfile.TemporaryDirectory(prefix="dumas-bench-") as tmp, MailRig() as rig:
        low = measure(rig, Path(tmp), "small", small)
        high = measure(rig, Path(tmp), "big", big)
        largest = max(len(e.data) for e in rig.envelopes())  # the outbox did send the file
    print(
        f"one complaint with a {size / 1048576:.0f} MiB attachment ({len(big) / 1048576:.1f} MiB "
        f"as sent) against a small one ({len(small) / 1024:.1f} KiB), peak RSS per job:"
    )
    for job in JOBS:
        ratio = (high[job] - low[job]) * 1024 / size
        print(
            f"  {job:13} small {low[job] / 1024:6.1f} MiB   big {high[job] / 1024:6.1f} MiB   "
            f"(big - small) / attachment = {ratio:4.1f}x (goal <= {GOAL:.0f}x)"
        )
    print(f"  the largest email the outbox sent: {largest / 1048576:.1f} MiB")


if __name__ == "__main__":
    main()
