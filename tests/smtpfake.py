"""An SMTP connection without a server, for unit tests of `notify/sender.py`.

It accepts every command the sender issues (EHLO is taken as done, MAIL, RCPT, DATA, RSET, QUIT)
and records each message as the server would store it: the data with the dot-stuffing undone.
Tests on the rig use the real SMTP server (`tests/rig/smtp.py`) instead.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass(frozen=True)
class FakeDelivery:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes  # as the server stores it: dot-stuffing undone, without the final dot
    wire: bytes  # as written after DATA's 354, dot-stuffed, final dot included

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)  # type: ignore[return-value]


class FakeSmtp(smtplib.SMTP):
    def __init__(self) -> None:
        super().__init__()  # no host: nothing connects
        self.ehlo_resp = b"fake"
        self.does_esmtp = True
        self.esmtp_features = {"size": ""}
        self.deliveries: list[FakeDelivery] = []
        self._from, self._to, self._wire = "", [], [b""]
        self._replies: list[tuple[int, bytes]] = []

    def mail(self, sender: str, options=()) -> tuple[int, bytes]:
        self._from, self._to = sender, []
        return 250, b"ok"

    def rcpt(self, recip: str, options=()) -> tuple[int, bytes]:
        self._to.append(recip)
        return 250, b"ok"

    def putcmd(self, cmd: str, args: str = "") -> None:
        self._replies.append((354, b"go ahead") if cmd == "data" else (250, b"ok"))
        if cmd == "data":
            self._wire = []

    def send(self, s) -> None:
        self._wire.append(bytes(s))

    def getreply(self) -> tuple[int, bytes]:
        if self._replies:
            return self._replies.pop(0)
        wire = b"".join(self._wire)  # the end of DATA
        assert wire.endswith(b"\r\n.\r\n"), "DATA must end with CRLF . CRLF"
        data = re.sub(rb"(?m)^\.", b"", wire[: -len(b".\r\n")])
        self.deliveries.append(FakeDelivery(self._from, tuple(self._to), data, wire))
        return 250, b"ok"

    def close(self) -> None:
        pass
