"""Process locks: one daemon per installation, one intake cycle at a time."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dumas.workflow.errors import DumasError


class AlreadyRunning(DumasError):
    """Another process holds the lock."""


@contextmanager
def job_lock(root: Path, name: str, wait: bool = True) -> Iterator[None]:
    """An exclusive `flock` on `<storage root>/<name>.lock` (released by the kernel on any exit,
    including SIGKILL, so a crash never leaves a stale lock)."""
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise AlreadyRunning(f"another dumas process holds {root / (name + '.lock')}") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
