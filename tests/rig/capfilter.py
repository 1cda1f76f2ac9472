"""A loopback relay in front of the rig's plain IMAP port that hides capabilities and records the
AUTHENTICATE mechanisms clients use.

Dovecot's `auth_mechanisms` is one list for the whole server, and the rig's Dovecot offers both
XOAUTH2 and OAUTHBEARER. To show a client falling back to XOAUTH2 against a server that does not
advertise OAUTHBEARER (Microsoft 365), the relay drops `AUTH=OAUTHBEARER` from the server's
CAPABILITY lines; the real Dovecot behind it still checks the token. Plain IMAP only (after
STARTTLS the bytes are opaque).
"""

from __future__ import annotations

import contextlib
import socket
import threading

from .net import HOST


class CapabilityFilter:
    """`with CapabilityFilter(rig.imap_port, hide=[b"AUTH=OAUTHBEARER"]) as relay:` connect to
    `relay.port`; `relay.mechanisms` lists each AUTHENTICATE's mechanism, in order."""

    def __init__(self, upstream_port: int, hide: list[bytes]) -> None:
        self.upstream_port = upstream_port
        self.hide = hide
        self.mechanisms: list[str] = []
        self._listener = socket.create_server((HOST, 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []

    def __enter__(self) -> CapabilityFilter:
        threading.Thread(target=self._accept, name="rig-capfilter", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed by __exit__
                return
            server = socket.create_connection((HOST, self.upstream_port))
            self._sockets += [client, server]
            threading.Thread(target=self._down, args=(server, client), daemon=True).start()
            threading.Thread(target=self._up, args=(client, server), daemon=True).start()

    def _down(self, server: socket.socket, client: socket.socket) -> None:
        """Server to client, line by line, without the hidden capabilities."""
        with contextlib.suppress(OSError):
            for line in server.makefile("rb"):
                if b"CAPABILITY" in line.upper():
                    for word in self.hide:
                        line = line.replace(b" " + word, b"")
                client.sendall(line)
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_WR)

    def _up(self, client: socket.socket, server: socket.socket) -> None:
        """Client to server, unchanged; an AUTHENTICATE's mechanism is noted before it goes."""
        with contextlib.suppress(OSError):
            for line in client.makefile("rb"):
                words = line.split()
                if len(words) >= 3 and words[1].upper() == b"AUTHENTICATE":
                    self.mechanisms.append(words[2].decode("ascii", "replace").upper())
                server.sendall(line)
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_WR)
