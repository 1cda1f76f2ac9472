"""Dumas's own exception hierarchy.

Library exceptions (imaplib/imapclient, smtplib, SQLAlchemy, WeasyPrint) are translated into these
at the boundary that calls the library, so callers handle one family and logs read the same.
"""

import traceback
from pathlib import Path


class DumasError(Exception):
    """Base of every error Dumas raises on purpose."""


class ConfigError(DumasError):
    """The configuration is wrong; the message names the key (`[imap] port ...`)."""


class MailServerError(DumasError):
    """The mail server cannot be reached, refused the login, or broke the protocol."""


class LoginError(MailServerError):
    """The server answered but refused the credentials."""


class TokenError(LoginError):
    """An OAuth2 access token could not be had (no sign-in yet, consent revoked, provider down);
    the message says what to run (`dumas auth login`)."""


class StorageError(DumasError):
    """The file store could not keep a file (disk full, permissions)."""


class MessageError(DumasError):
    """A message could not be processed; `reason` is the readable quarantine reason."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class MessageDeferred(MessageError):
    """A message cannot be decided yet for a reason that should pass (DNS did not answer for a
    DKIM key): intake leaves it for the next cycle instead of quarantining or refusing it."""


class DeliveryError(DumasError):
    """The SMTP server did not accept a message; `permanent` tells whether to retry."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class DocumentError(DumasError):
    """A PDF or workbook could not be produced."""


class WorkflowError(DumasError):
    """A workflow rule was violated (wrong step, unknown case...)."""


def where(exc: BaseException) -> str:
    """`TypeName at file.py:123` — what logs say about an unexpected exception. Its text is
    left out on purpose: it may quote a message, an address or SQL parameters (personal data);
    the full text goes only where personal data may be (the database's quarantine record)."""
    frames = traceback.extract_tb(exc.__traceback__)[-1:]
    at = f" at {Path(frames[0].filename).name}:{frames[0].lineno}" if frames else ""
    return f"{type(exc).__name__}{at}"
