"""DATA is written in slices (issue 11 item 4), byte for byte what smtplib would write."""

from __future__ import annotations

import random
import smtplib

import pytest

from dumas.notify import sender


class _Recording(smtplib.SMTP):
    def __init__(self) -> None:
        super().__init__()  # no host: nothing connects
        self.sent: list[bytes] = []

    def putcmd(self, cmd: str, args: str = "") -> None:
        self.sent.append(f"{cmd}\r\n".encode())

    def getreply(self) -> tuple[int, bytes]:
        return (354, b"go ahead") if len(self.sent) == 1 else (250, b"ok")

    def send(self, s) -> None:
        self.sent.append(bytes(s))


def _message(rng: random.Random, lines: int, ending: bytes) -> bytes:
    words = [b"abc", b".", b"..", b".x", b"", b"QUJD" * 19]
    return b"\r\n".join(rng.choice(words) for _ in range(lines)) + ending


@pytest.mark.parametrize("ending", [b"\r\n", b"", b"\r\n.\r\n"])
def test_the_bytes_on_the_wire_are_smtplibs(monkeypatch, ending):
    monkeypatch.setattr(sender, "_DATA_SLICE", 64)
    rng = random.Random(len(ending))
    for lines in (0, 1, 5, 300):
        msg = _message(rng, lines, ending)
        theirs, ours = _Recording(), _Recording()
        assert smtplib.SMTP.data(theirs, msg) == (250, b"ok")
        sender._stream_data(ours)
        assert ours.data(msg) == (250, b"ok")
        assert b"".join(ours.sent) == b"".join(theirs.sent)
        assert len(ours.sent) > 3 or lines < 50  # written in slices, not at once


def test_a_refused_data_command_raises_as_smtplib_does():
    conn = _Recording()
    conn.getreply = lambda: (554, b"no")  # type: ignore[method-assign]
    sender._stream_data(conn)
    with pytest.raises(smtplib.SMTPDataError):
        conn.data(b"x\r\n")
