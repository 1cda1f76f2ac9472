"""Run pytest with the wall clock moved, for every process it starts: `make test-dates`.

    python -m tests.rig.faketime --wall 2026-12-31T23:30:00+07:00 [--test-now ISO] -- PYTEST_ARGS

libfaketime (Debian `faketime`) is preloaded with a relative offset, so pytest, Dovecot,
PostgreSQL, openssl and the `dumas` child processes all see the same moved clock (the rig's fresh
TLS certificates stay valid) while it keeps ticking. `--test-now` moves the suite's own instant
too ($DUMAS_TEST_NOW, see tests/conftest.py); it may not be later than the wall clock, since
Dovecot will not receive mail in its future. Things libfaketime would get wrong are left alone:
CLOCK_MONOTONIC (timeouts), file times (Dovecot keeps a message's internal date as its file's
mtime), Python's `time.sleep` (see faketime_site/sitecustomize.py).

libfaketime shares a semaphore and a memory segment between the processes of one tree, made by
the first of them and readable by its owner only: PostgreSQL and Dovecot's mail processes, which
run as the `dumas` user, would die at start. So this runner makes one pair that every process
may open, and removes it afterwards.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

SITE = Path(__file__).with_name("faketime_site")
LIBRARY_GLOB = "/usr/lib/*/faketime/libfaketimeMT.so.1"  # the thread-safe build; pytest has threads
SHM_SIZE = 4096  # at least libfaketime's shared struct (8 bytes in 0.9.10)


def _aware(value: str) -> datetime | None:
    if not value:
        return None  # `make test-dates` passes an empty --test-now for "the tests' own instants"
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise argparse.ArgumentTypeError(f"needs a UTC offset: {value}")
    return at


class SharedSegment:
    """A named semaphore and shared memory segment for $FAKETIME_SHARED, open to every user."""

    def __init__(self) -> None:
        self.sem = f"/dumas_faketime_sem_{os.getpid()}"
        self.shm = f"/dumas_faketime_shm_{os.getpid()}"

    def __enter__(self) -> str:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.sem_open.restype = ctypes.c_void_p
        old = os.umask(0)
        try:
            sem = libc.sem_open(
                self.sem.encode(), os.O_CREAT | os.O_EXCL, ctypes.c_uint(0o666), ctypes.c_uint(1)
            )
            if sem in (None, ctypes.c_void_p(-1).value):
                raise OSError(ctypes.get_errno(), f"sem_open {self.sem}")
            libc.sem_close(ctypes.c_void_p(sem))
            fd = os.open(f"/dev/shm{self.shm}", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                os.ftruncate(fd, SHM_SIZE)
            finally:
                os.close(fd)
        finally:
            os.umask(old)
        return f"{self.sem} {self.shm}"

    def __exit__(self, *exc) -> None:
        for path in (f"/dev/shm/sem.{self.sem[1:]}", f"/dev/shm{self.shm}"):
            Path(path).unlink(missing_ok=True)


def faked_environment(wall: datetime, shared: str) -> dict[str, str]:
    libraries = sorted(glob.glob(LIBRARY_GLOB))
    if not libraries:
        raise SystemExit(f"no {LIBRARY_GLOB}: install the Debian package faketime")
    offset = round(wall.timestamp() - datetime.now().timestamp())  # the real clock, once
    env = dict(
        os.environ,
        LD_PRELOAD=libraries[0],
        FAKETIME=f"{offset:+d}",
        FAKETIME_SHARED=shared,
        FAKETIME_DONT_FAKE_MONOTONIC="1",
        NO_FAKE_STAT="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")])),
    )
    shown = subprocess.run(
        ["date", "-u", "+%F"], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    expected = wall.astimezone(UTC).strftime("%F")
    if shown != expected:  # a preload that silently failed would make every run pass
        raise SystemExit(f"libfaketime did not move the clock: `date` says {shown}, not {expected}")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wall", type=_aware, required=True, help="the wall clock, ISO 8601")
    parser.add_argument(
        "--test-now",
        type=_aware,
        help="the suite's instant ($DUMAS_TEST_NOW); empty for the default",
    )
    parser.add_argument("pytest_args", nargs="*", help="after --: pytest's arguments")
    args = parser.parse_args(argv)
    if args.test_now and args.test_now > args.wall:
        parser.error(
            "--test-now may not be later than --wall: Dovecot would date mail by its clock"
        )
    with SharedSegment() as shared:
        env = faked_environment(args.wall, shared)
        env.pop("DUMAS_TEST_NOW", None)
        if args.test_now:
            env["DUMAS_TEST_NOW"] = args.test_now.isoformat()
        print(
            f"== wall clock at {args.wall.isoformat()}, tests at "
            f"{args.test_now.isoformat() if args.test_now else 'their own instants'}",
            flush=True,
        )
        return subprocess.run(
            [sys.executable, "-m", "pytest", *args.pytest_args], env=env
        ).returncode


if __name__ == "__main__":
    sys.exit(main())
