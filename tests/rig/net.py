"""Loopback plumbing shared by the rig's servers: free ports and waiting for a banner."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Callable

HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """Ask the OS for `count` distinct free TCP ports on loopback.

    All sockets are held open until every port is chosen so the OS cannot hand out the same one
    twice; the tiny window between closing them and the server binding is accepted.
    """
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((HOST, 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def read_banner(port: int, context: ssl.SSLContext | None = None, timeout: float = 1.0) -> bytes:
    """Connect once and return the server's first line (raises OSError if nobody answers)."""
    with socket.create_connection((HOST, port), timeout=timeout) as raw:
        sock = context.wrap_socket(raw, server_hostname=HOST) if context else raw
        with sock:
            return sock.makefile("rb").readline()


def wait_for_banner(
    port: int,
    prefix: bytes,
    timeout: float,
    *,
    context: ssl.SSLContext | None = None,
    alive: Callable[[], bool] = lambda: True,
) -> bytes:
    """Poll until the server on `port` greets with a line starting with `prefix`.

    `alive` lets the caller stop waiting as soon as the server process has died. Raises
    TimeoutError (or RuntimeError when `alive()` turns false) with what was last seen.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"server on port {port} exited before greeting (last: {last!r})")
        try:
            line = read_banner(port, context)
            if line.startswith(prefix):
                return line
            last = line
        except OSError as exc:
            last = exc
        time.sleep(0.02)
    raise TimeoutError(f"no {prefix!r} banner on {HOST}:{port} within {timeout}s (last: {last!r})")


def poll(condition: Callable[[], object], timeout: float, what: str, interval: float = 0.02):
    """Call `condition` until it returns something truthy; return it, or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
