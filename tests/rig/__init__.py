"""The test mail rig: a private Dovecot and an aiosmtpd server on loopback.

Usable from pytest (the `mail_rig` / `rig` fixtures in tests/conftest.py) and from plain scripts
(`make demo`, bench/): `with MailRig() as rig: ...`. See `mailrig.py` for the API.
"""

from .config import toml_dumps, write_config
from .imap import MailUser
from .mailrig import DOMAIN, PASSWORD, STAFF_ROLES, MailRig, OfficeMailboxes
from .net import poll as wait_until
from .smtp import Envelope, FailureRule, Refusal

__all__ = [
    "DOMAIN",
    "PASSWORD",
    "STAFF_ROLES",
    "Envelope",
    "FailureRule",
    "MailRig",
    "MailUser",
    "OfficeMailboxes",
    "Refusal",
    "toml_dumps",
    "wait_until",
    "write_config",
]
