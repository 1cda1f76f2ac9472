"""The complaint mailbox over IMAP: the only module that imports imapclient.

A thin facade (the IMAPClient way): connect with the configured security, select the folder
read-only, list UIDs above our cursor, fetch sizes and bodies with BODY.PEEK[] so nobody's \\Seen
flag changes; and IDLE on the folder for `watch.py`. It never stores, deletes or expunges. Library and socket errors become
`MailServerError` / `LoginError` here, so the poller and the daemon handle one family.
"""

from __future__ import annotations

import contextlib
import logging
import select
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
from dumas.workflow.sasl import oauth2_initial_response, oauth2_mechanism, oauth2_refusal_answer
from dumas.workflow.tls import ServerAccess, TokenSource, tls_context

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
        tokens = _tokens(s)
        try:
            if tokens is None:
                client.login(s.username, s.password)
            else:
                _oauth2_login(client, s, tokens)
        except ImapLoginError as exc:
            _quiet_logout(client)
            raise LoginError(
                f"the IMAP server {where} refused the login for {s.username}: {_describe(exc)}"
            ) from exc
        except LoginError:  # the identity provider's TokenError: it already says what to run
            _quiet_logout(client)
            raise
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

    def supports_idle(self) -> bool:
        """Whether the server offers IDLE (RFC 2177) after login."""
        return bool(self._call(self._connected.has_capability, "IDLE"))

    def idle_start(self) -> None:
        """Enter IDLE on the selected folder; the server then reports new mail unasked."""
        self._call(self._connected.idle)

    def idle_wait(self, timeout: float) -> bool:
        """Wait in IDLE at most `timeout` seconds; True when the server reported new mail (EXISTS).

        A connection the server closed (BYE, or the socket hung up) raises MailServerError:
        imapclient's `idle_check` returns nothing at EOF, so the hang-up is asked of the socket.
        """
        client = self._connected
        responses = self._call(client.idle_check, timeout=timeout)
        if any(_word(r, 0) == b"BYE" for r in responses) or _hung_up(client):
            raise MailServerError(f"the IMAP server {self._s.host} closed the IDLE connection")
        return any(_word(r, 1) == b"EXISTS" for r in responses)

    def idle_done(self) -> None:
        """Leave IDLE (before re-entering it, or before logging out)."""
        self._call(self._connected.idle_done)

    def fetch(self, uids: list[int], headers_only: bool = False) -> Iterator[FetchedMessage]:
        """Fetch messages without setting \\Seen; yields in UID order."""
        if not uids:
            return
        part = b"BODY[HEADER]" if headers_only else b"BODY[]"
        query = ["BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]", "INTERNALDATE"]
        imap = self._connected._imap  # imapclient sets imaplib's debug to 5 on every client:
        debug, imap.debug = imap.debug, 0  # then each literal is repr()'d for a DEBUG line,
        try:  # dropped or not — 2.3x a message's size in memory, and a body never to be logged
            data = self._call(self._connected.fetch, uids, query)
        finally:
            imap.debug = debug
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


def _tokens(s: ImapServer) -> TokenSource | None:
    # getattr: settings without OAuth2 fields (test doubles, `ServerAccess` alone) sign in with
    # the password, as before.
    if getattr(s, "auth", "password") != "oauth2":
        return None
    return getattr(s, "tokens", None)


def _oauth2_login(client: IMAPClient, s: ImapServer, tokens: TokenSource) -> None:
    """SASL OAUTHBEARER when the server offers it, XOAUTH2 otherwise (`workflow/sasl.py`). A
    refused token is refreshed once and tried again: it may have been revoked or expired early on
    the server's clock. A second refusal is the server's answer (LoginError)."""
    advertised = [
        c.decode("ascii", "replace")[5:]
        for c in client.capabilities()
        if c.upper().startswith(b"AUTH=")
    ]
    mechanism = oauth2_mechanism(advertised)

    def attempt(token: str) -> None:
        first = oauth2_initial_response(mechanism, s.username, token, s.host, s.port)
        sent: list[str] = []

        def answer(challenge: bytes) -> str:
            # The first (empty) challenge gets the token; a second one is the server's error
            # status, answered so that the server ends the exchange with NO.
            sent.append("")
            return first if len(sent) == 1 else oauth2_refusal_answer(mechanism)

        client.sasl_login(mechanism, answer)

    log.debug("IMAP login with %s", mechanism)
    try:
        attempt(tokens.access_token())
    except ImapLoginError:
        log.info("the IMAP server refused the OAuth2 access token; refreshing it once")
        attempt(tokens.refresh())


def _word(response: object, index: int) -> object:
    """One word of a parsed IDLE response (`(3, b"EXISTS")`, `(b"BYE", b"...")`), upper-cased."""
    if not isinstance(response, tuple) or len(response) <= index:
        return None
    word = response[index]
    return word.upper() if isinstance(word, bytes) else word


# POLLRDHUP (Linux) tells a peer's FIN from data waiting; elsewhere HUP/ERR only.
_HANG_UP = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0)


def _hung_up(client: IMAPClient) -> bool:
    try:
        sock = client.socket()
        poller = select.poll()
        poller.register(sock.fileno(), _HANG_UP)
        return any(events & _HANG_UP for _fd, events in poller.poll(0))
    except (OSError, ValueError):  # a closed socket has no file descriptor any more
        return True


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
