"""Loaded by every Python process that `python -m tests.rig.faketime` runs (its PYTHONPATH points
here): they run under libfaketime with the wall clock moved and CLOCK_MONOTONIC left alone.

libfaketime 0.9.10 breaks `time.sleep` there: Python 3.11+ sleeps with
clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), whose deadline libfaketime shifts by the wall
clock's offset, and the call fails with EINVAL (`subprocess.wait(timeout=...)` sleeps too).
Faking CLOCK_MONOTONIC as well is no way out: lock and event timeouts (sem_clockwait) would then
wait for a deadline years ahead. A relative select() timeout is passed through unchanged.
"""

import os

if os.environ.get("FAKETIME"):
    import select
    import time

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        select.select([], [], [], seconds)

    time.sleep = _sleep
