"""The SMTP transaction the sender speaks itself (issue 11 item 4): DATA written from chunks,
dot-stuffed across chunk boundaries, byte for byte what smtplib would write for the whole message;
refusals and failures as smtplib reports them; a failure mid-DATA never ends the message."""

from __future__ import annotations

import random
import smtplib
from collections.abc import Iterator

import pytest

from dumas.notify import sender
from dumas.workflow.errors import StorageError
from tests.smtpfake import FakeSmtp


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


def _cut(rng: random.Random, msg: bytes) -> list[bytes]:
    """`msg` cut at random places: before a dot, between CR and LF, empty pieces too."""
    cuts = sorted(rng.sample(range(len(msg) + 1), min(len(msg) + 1, 40)))
    return [msg[a:b] for a, b in zip([0, *cuts], [*cuts, len(msg)], strict=True)]


@pytest.mark.parametrize("ending", [b"\r\n", b"", b"\r\n.\r\n"])
def test_the_bytes_on_the_wire_are_smtplibs(ending):
    rng = random.Random(len(ending))
    for lines in (0, 1, 5, 300):
        msg = _message(rng, lines, ending)
        theirs, ours = _Recording(), _Recording()
        assert smtplib.SMTP.data(theirs, msg) == (250, b"ok")
        ours.putcmd("data")
        sender._write_data(ours, _cut(rng, msg))
        assert b"".join(ours.sent) == b"".join(theirs.sent)


def test_a_dot_at_the_start_of_a_chunk_is_stuffed_only_at_a_line_start():
    conn = _Recording()
    sender._write_data(conn, [b".a\r", b"\n.b", b".c\r\n", b"", b".\r\n"])
    assert b"".join(conn.sent) == b"..a\r\n..b.c\r\n..\r\n.\r\n"


class _Mime:
    """Stands for `OutgoingMime`: the chunks given, then (optionally) a failure."""

    def __init__(self, chunks: list[bytes], fail: Exception | None = None):
        self._chunks, self._fail = chunks, fail

    def size(self, utf8: bool = False) -> int:
        return sum(map(len, self._chunks))

    def chunks(self, utf8: bool = False) -> Iterator[bytes]:
        yield from self._chunks
        if self._fail is not None:
            raise self._fail


def test_a_transaction_delivers_the_message_with_size_declared():
    conn = FakeSmtp()
    mails: list[tuple[str, list[str]]] = []
    conn.mail = lambda addr, options=(): mails.append((addr, list(options))) or (250, b"ok")  # type: ignore[method-assign]
    refused = sender._transmit(
        conn, "a@kpu.example", ["b@x.example"], _Mime([b"S: x\r\n\r\n.\r\n"])
    )  # type: ignore[arg-type]
    assert refused == {} and mails == [("a@kpu.example", ["size=11"])]
    [d] = conn.deliveries
    assert d.data == b"S: x\r\n\r\n.\r\n" and d.wire == b"S: x\r\n\r\n..\r\n.\r\n"
    assert d.rcpt_tos == ("b@x.example",)


def test_a_refused_data_command_raises_as_smtplib_does():
    conn = FakeSmtp()
    conn.putcmd = lambda cmd, args="": None  # type: ignore[method-assign]
    conn.getreply = lambda: (554, b"no")  # type: ignore[method-assign]
    with pytest.raises(smtplib.SMTPDataError):
        sender._transmit(conn, "a@kpu.example", ["b@x.example"], _Mime([b"x\r\n"]))  # type: ignore[arg-type]


def test_some_refused_recipients_are_returned_all_refused_raise():
    conn = FakeSmtp()
    conn.rcpt = lambda addr, options=(): (550, b"no such user") if "bad" in addr else (250, b"ok")  # type: ignore[method-assign]
    refused = sender._transmit(conn, "a@kpu.example", ["bad@x", "ok@x"], _Mime([b"x\r\n"]))  # type: ignore[arg-type]
    assert refused == {"bad@x": (550, b"no such user")} and len(conn.deliveries) == 1
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        sender._transmit(conn, "a@kpu.example", ["bad@x"], _Mime([b"x\r\n"]))  # type: ignore[arg-type]
    assert len(conn.deliveries) == 1


def test_a_file_failing_mid_data_closes_the_connection_without_the_final_dot():
    conn = FakeSmtp()
    closed: list[bool] = []
    conn.close = lambda: closed.append(True)  # type: ignore[method-assign]
    mime = _Mime([b"S: x\r\n\r\n", b"QUJD\r\n"], fail=StorageError("cannot read"))
    with pytest.raises(StorageError):
        sender._transmit(conn, "a@kpu.example", ["b@x.example"], mime)  # type: ignore[arg-type]
    assert closed and conn.deliveries == []
    assert not b"".join(conn._wire).endswith(b"\r\n.\r\n")  # the server never saw an end
