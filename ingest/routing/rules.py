"""Classification: an ordered table of small named rules (the Mailman way).

Each rule looks at an `InboundMail` (and, for threading, a `ThreadLookup` into what we sent) and
either returns a `Verdict` or None to pass. The first verdict wins, so the order is the policy:
bounces, then auto-replies, then our own mail coming back, then replies to a case, then — when
nothing matched — a new complaint. Rules are pure apart from the lookup, which keeps them
unit-testable without a database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from dumas.ingest.mail.inbound import InboundMail
from dumas.ingest.mail.replytext import first_lines, reply_text
from dumas.workflow.addresses import staff_key
from dumas.workflow.extract.daftar import is_daftar

COMPLAINT, REPLY, IGNORED, QUARANTINED = "complaint", "reply", "ignored", "quarantined"


@dataclass(frozen=True)
class Verdict:
    disposition: str  # complaint / reply / ignored / quarantined
    rule: str  # the rule's name, stored with the message
    reason: str = ""  # readable, for ignored and quarantined messages
    pengaduan_id: int | None = None
    token: str = ""  # the reply token found, when a reply was recognised by one


class ThreadLookup(Protocol):
    """What the reply rules need to know about mail we sent (implemented over the database)."""

    def own_addresses(self) -> frozenset[str]:
        """Our sending and reply addresses, lower-cased."""

    def case_for_message_ids(self, ids: tuple[str, ...]) -> int | None:
        """The case of the newest of `ids` that is a message we sent, if any."""

    def case_for_token(self, token: str) -> int | None:
        """The case a reply token belongs to (valid or not: validity is the workflow's call)."""

    def case_for_number(self, number: str) -> int | None:
        """The case with this registration number."""

    def token_in(self, addresses: tuple[str, ...]) -> str:
        """The reply token in a plus-address among `addresses`, or ""."""

    def token_in_subject(self, subject: str) -> str:
        """The reply token written in the subject's case tag (`#token`), or ""."""

    def number_in_subject(self, subject: str) -> str:
        """The registration number in a case tag of the subject, or ""."""


Rule = Callable[[InboundMail, ThreadLookup], "Verdict | None"]

_BOUNCE_LOCALPARTS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_OOO_SUBJECT = re.compile(
    r"^\s*(?:\[?(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|autoreply|out of (?:the )?"
    r"office|away from (?:the )?office|on vacation|vacation reply|balasan otomatis|jawaban otomatis"
    r"|balas(?:an)? otomatis|di luar kantor|sedang di luar kantor|sedang cuti|pesan otomatis"
    r"|abwesenheitsnotiz|r[ée]ponse automatique)\b)",
    re.IGNORECASE,
)


def bounce(mail: InboundMail, _: ThreadLookup) -> Verdict | None:
    """Delivery status notifications: multipart/report, mailer-daemon senders, null return path."""
    if mail.content_type == "multipart/report":
        return Verdict(IGNORED, "bounce", "delivery status notification (multipart/report)")
    sender = mail.sender.key if mail.sender else ""
    if sender.partition("@")[0] in _BOUNCE_LOCALPARTS:
        return Verdict(IGNORED, "bounce", f"sent by the mail system ({sender})")
    if mail.return_path == "":
        return Verdict(IGNORED, "bounce", "null return path <> (automatic message)")
    return None


def auto_reply(mail: InboundMail, _: ThreadLookup) -> Verdict | None:
    """RFC 3834 and the de-facto headers. Not X-Auto-Response-Suppress: Exchange sets it on
    ordinary human mail, so it says nothing about this message."""
    auto = mail.header("auto-submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return Verdict(IGNORED, "auto_reply", f"Auto-Submitted: {auto[:40]}")
    precedence = mail.header("precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Verdict(IGNORED, "auto_reply", f"Precedence: {precedence}")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"):
        if mail.headers.get(name):
            return Verdict(IGNORED, "auto_reply", f"{name} header present")
    if _OOO_SUBJECT.match(mail.subject):
        return Verdict(IGNORED, "auto_reply", "out-of-office subject")
    return None


def loop(mail: InboundMail, lookup: ThreadLookup) -> Verdict | None:
    """Our own outgoing mail delivered back to the complaint mailbox."""
    own = lookup.own_addresses()
    # Strict ASCII: a look-alike of our own address is someone else's mail, never "ours".
    sender = staff_key(mail.sender.email) if mail.sender else ""
    base = _without_plus(sender)
    if sender in own or base in own:
        return Verdict(IGNORED, "loop", "sent by Dumas itself")
    if mail.header("x-dumas-outbox"):
        return Verdict(IGNORED, "loop", "carries our X-Dumas-Outbox header")
    return None


def reply_by_token(mail: InboundMail, lookup: ThreadLookup) -> Verdict | None:
    token = lookup.token_in(mail.all_recipients) or lookup.token_in_subject(mail.subject)
    if token:
        case = lookup.case_for_token(token)
        if case is not None:
            return Verdict(REPLY, "reply_token", pengaduan_id=case, token=token)
    return None


def reply_by_thread(mail: InboundMail, lookup: ThreadLookup) -> Verdict | None:
    ids = tuple(dict.fromkeys(mail.in_reply_to + tuple(reversed(mail.references))))
    if ids:
        case = lookup.case_for_message_ids(ids)
        if case is not None:
            return Verdict(REPLY, "reply_thread", pengaduan_id=case)
    return None


def reply_by_tag(mail: InboundMail, lookup: ThreadLookup) -> Verdict | None:
    number = lookup.number_in_subject(mail.subject)
    if number:
        case = lookup.case_for_number(number)
        if case is not None:
            return Verdict(REPLY, "reply_tag", pengaduan_id=case)
    return None


DAFTAR = "daftar"  # the rule's name: the dispatcher registers it when a staff address sent it
_DAFTAR_PEEK_CHARS = 4000


def desk_registration(mail: InboundMail, _: ThreadLookup) -> Verdict | None:
    """A new message whose first line (of what the sender wrote) is DAFTAR: the desk registering
    a walk-in or postal complaint (ingest/actions/daftar.py). Still a complaint: from anyone but
    staff it is handled as one. After the reply rules, so a reply on a case stays a reply."""
    peek = f"{mail.text[:_DAFTAR_PEEK_CHARS]} {mail.html[:_DAFTAR_PEEK_CHARS]}".lower()
    if "daftar" not in peek:  # the cheap check first: reading a reply costs more
        return None
    if is_daftar(first_lines(reply_text(mail.text, mail.html), 1)):
        return Verdict(COMPLAINT, DAFTAR)
    return None


def new_complaint(mail: InboundMail, _: ThreadLookup) -> Verdict:
    return Verdict(COMPLAINT, "new_complaint")


RULES: tuple[Rule, ...] = (
    bounce,
    auto_reply,
    loop,
    reply_by_token,
    reply_by_thread,
    reply_by_tag,
    desk_registration,
    new_complaint,
)


def classify(mail: InboundMail, lookup: ThreadLookup, rules: tuple[Rule, ...] = RULES) -> Verdict:
    """Run the rules in order; the first verdict wins (the last rule always answers)."""
    for rule in rules:
        verdict = rule(mail, lookup)
        if verdict is not None:
            return verdict
    raise AssertionError("the rules table must end with a rule that always answers")


def _without_plus(address: str) -> str:
    local, at, domain = address.partition("@")
    return f"{local.partition('+')[0]}{at}{domain}"
