"""The complaint mailbox over IMAP: the only module that imports imapclient.

A thin facade (the IMAPClient way): connect with the configured security, select the folder
read-only, list UIDs above our cursor, fetch sizes and bodies with BODY.PEEK[] so nobody's \\Seen
flag changes. It never stores, deletes or expunges. Library and socket errors become
`MailServerError` / `LoginError` here, so the poller and the daemon handle one family.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.exceptions import LoginError as ImapLoginError

from dumas.workflow.errors import LoginError, MailServerError
from dumas.workflow.tls import ServerAccess, tls_context

log = logging.getLogger(__name__)

_NETWORK_ERRORS = (OSError, socket.timeout, ssl.SSLError, IMAPClientError)


# How to reach the server: what a connection reads of `dumas.config.settings.Imap`.
ImapServer = ServerAccess


class ImapSettings(ImapServer, Protocol):
    """The whole of `dumas.config.settings.Imap`: the server, the folder and the batch size."""

    @property
    def folder(self) -> str: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def account(self) -> str: ...


@dataclass(frozen=True)
class FetchedMessage:
    uid: int
    raw: bytes
    internal_date: datetime | None


class MailboxSource:
    """One IMAP session on the complaint folder. Use as a context manager."""

    def __init__(self, settings: ImapServer) -> None:
        self._s = settings
        self._client: IMAPClient | None = None

    def __enter__(self) -> MailboxSource:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        s = self._s
        where = f"{s.host}:{s.port}"
        ctx = tls_context(s.tls_verify, s.ca_file)
        try:
            client = IMAPClient(
                s.host, port=s.port, ssl=s.security == "ssl", ssl_context=ctx, timeout=s.timeout
            )
            if s.security == "starttls":
                client.starttls(ctx)
        except _NETWORK_ERRORS as exc:
            raise MailServerError(
                f"cannot connect to the IMAP server {where} ({s.security}): {_describe(exc)}"
            ) from exc
        try:
            client.login(s.username, s.password)
        except ImapLoginError as exc:
            _quiet_logout(client)
            raise LoginError(
                f"the IMAP server {where} refused the login for {s.username}: {_describe(exc)}"
            ) from exc
        except _NETWORK_ERRORS as exc:
            raise MailServerError(f"IMAP login to {where} failed: {_describe(exc)}") from exc
        self._client = client

    def close(self) -> None:
        if self._client is not None:
            _quiet_logout(self._client)
            self._client = None

    def select(self, folder: str) -> int:
        """Select `folder` read-only (EXAMINE) and return its UIDVALIDITY."""
        info = self._call(self._connected.select_folder, folder, readonly=True)
        return int(info[b"UIDVALIDITY"])

    def uids_above(self, last_uid: int) -> list[int]:
        """UIDs greater than `last_uid`, ascending.

        `UID SEARCH UID n:*` always matches the highest message even when its UID is below n,
        so the result is filtered.
        """
        found = self._call(self._connected.search, ["UID", f"{last_uid + 1}:*"])
        return sorted(u for u in found if u > last_uid)

    def all_uids(self) -> list[int]:
        return sorted(self._call(self._connected.search, ["ALL"]))

    def sizes(self, uids: Iterable[int]) -> dict[int, int]:
        uids = list(uids)
        if not uids:
            return {}
        data = self._call(self._connected.fetch, uids, ["RFC822.SIZE"])
        return {uid: int(item[b"RFC822.SIZE"]) for uid, item in data.items()}

    def fetch(self, uids: list[int], headers_only: bool = False) -> Iterator[FetchedMessage]:
        """Fetch messages without setting \\Seen; yields in UID order."""
        if not uids:
            return
        part = b"BODY[HEADER]" if headers_only else b"BODY[]"
        query = ["BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]", "INTERNALDATE"]
        data = self._call(self._connected.fetch, uids, query)
        for uid in sorted(data):
            item = data[uid]
            raw = item.get(part)
            if raw is None:  # the message vanished between SEARCH and FETCH (moved by a person)
                log.warning("UID %s disappeared before it could be fetched", uid)
                continue
            yield FetchedMessage(
                uid=uid, raw=bytes(raw), internal_date=_utc(item.get(b"INTERNALDATE"))
            )

    @property
    def _connected(self) -> IMAPClient:
        if self._client is None:
            raise MailServerError("not connected to the IMAP server")
        return self._client

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        # Any: imapclient is untyped; each caller reads the answer it asked for.
        try:
            return fn(*args, **kwargs)
        except _NETWORK_ERRORS as exc:
            raise MailServerError(
                f"IMAP {fn.__name__} failed on {self._s.host}: {_describe(exc)}"
            ) from exc


def _utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:  # IMAPClient returns local naive times unless normalise_times=False
        value = value.astimezone()
    return value.astimezone(UTC)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text[:300]  # servers can answer with whole pages; logs stay readable


def _quiet_logout(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):  # the session is being dropped anyway
        client.logout()
