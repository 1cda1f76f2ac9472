"""Proof that a reply's `From` is who it says: the check behind a state-changing staff reply.

`[replies] authentication` chooses the proof (see docs/security.md, "Proof of sender"):

- "dkim" (the default): a DKIM signature on the message that verifies (dkimpy) for a domain
  aligned with the From domain. Alignment is relaxed (RFC 7489 section 3.1.1): the signature's
  `d=` and the From domain have the same organisational domain, found with the Public Suffix
  List (`publicsuffixlist`, its bundled copy: no network). `d=kpu.go.id` proves
  `From: x@mentawai.kpu.go.id`; `d=go.id`, a public suffix, proves nothing. Keys come from the
  pinned `[replies.dkim_keys]` table first (offline sites, the test rig), then DNS unless
  `[replies] dkim_dns = false`.
  DNS that does not answer (a timeout, SERVFAIL) is not a verdict on the signature: the proof is
  then `temporary` and the caller tries the message again later. A key that does not exist
  (NXDOMAIN, no TXT record) fails the proof for good.
- "authserv": our own receiving server's Authentication-Results (RFC 8601, parsed by `authres`):
  the topmost header only, and only when it carries our authserv-id; see `authresults.py`. It
  counts only once `dumas doctor` has seen our server stamp every message
  (`ProofSettings.authserv_checked`, see `stampcheck.py`).
- "none": the address alone; the transcript of every accepted decision says so.

The work per message is bounded: at most `MAX_SIGNATURES` signatures are looked at, and only
aligned ones are verified (a hostile sender cannot make us fetch keys of domains of its choice).
DNS is bounded too, because the check runs inside intake's write transaction: the key lookups of
one message share `DNS_BUDGET` seconds, and the first lookup DNS does not answer ends the check
(`temporary`): nameservers that never answer cost one timeout per message, not one per signature.
Library exceptions stop here and become a failed proof with a reason code.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import getaddresses

import dkim
import dns.exception
import dns.resolver
from dkim.util import InvalidTagValueList, parse_tag_value
from publicsuffixlist import PublicSuffixList

from dumas.ingest.mail.authresults import sender_authenticated
from dumas.ingest.mail.inbound import InboundMail

log = logging.getLogger(__name__)
# dkimpy logs every step of a verification at DEBUG/INFO, quoting header values; ours say enough.
logging.getLogger("dkim").setLevel(logging.WARNING)

DKIM, AUTHSERV, NONE = "dkim", "authserv", "none"
MODES = (DKIM, AUTHSERV, NONE)
MAX_SIGNATURES = 3
DNS_TIMEOUT = 5  # seconds per key lookup
DNS_BUDGET = 5.0  # seconds for all the key lookups of one message
# Headers whose every instance a signature must cover: the reader routes and decides on them (the
# gate compares the Date with the token's issue), and every major provider (Gmail, Microsoft
# 365, iCloud) signs them.
MUST_SIGN = (b"from", b"subject", b"content-type", b"date")
# Python's parser ends a line at a lone CR, dkimpy only at (CR)LF: with one in the message the two
# read different headers and bodies, so a signed message could carry text nobody signed.
_BARE_CR = re.compile(rb"\r(?!\n)")
_BARE_LF = re.compile(rb"(?<!\r)\n")

# Why a proof failed; the gate's refusal explains each code in Indonesian (GATE_REASONS).
NO_SIGNATURE = "dkim_tidak_ada"
OTHER_DOMAIN = "dkim_domain_lain"
BAD_SIGNATURE = "dkim_tidak_sah"
KEY_UNAVAILABLE = "dkim_kunci_tidak_terambil"  # DNS did not answer: temporary, see `temporary`
NOT_STAMPED = "autentikasi_gagal"
STAMPING_UNCHECKED = "authserv_belum_diperiksa"

DnsFunc = Callable[..., bytes | None]


@dataclass(frozen=True)
class SenderProof:
    """What the check found: `proven`, by which `method`, for which `domain`, else `reason`."""

    proven: bool
    method: str
    domain: str = ""
    reason: str = ""
    # Not proven only because DNS did not answer for a key: the same message may prove its
    # sender once it does, so the caller should try again later rather than refuse.
    temporary: bool = False

    @property
    def verified(self) -> bool:
        """False for a decision taken on the address alone (authentication = "none")."""
        return self.proven and self.method != NONE


@dataclass(frozen=True)
class ProofSettings:
    """What the check reads of `[replies]` (built by the caller from the settings)."""

    mode: str = DKIM
    authserv_id: str = ""
    dkim_keys: Mapping[str, str] | None = None  # "selector._domainkey.domain" -> TXT text
    dns: bool = True  # fall back to DNS for keys not pinned ([replies] dkim_dns)
    # `dumas doctor` recorded that our server stamps every message with `authserv_id`: until
    # then a header naming our authserv-id may be the sender's own, so "authserv" proves nothing.
    authserv_checked: bool = False
    resolver: DnsFunc | None = None  # asks DNS for a TXT record; None: `resolve_txt`
    monotonic: Callable[[], float] = time.monotonic  # measures the DNS budget (tests: fake)


def prove_sender(mail: InboundMail, settings: ProofSettings) -> SenderProof:
    """Check that `mail`'s From is proven the way the office configured."""
    domain = mail.sender.key.rpartition("@")[2] if mail.sender else ""
    if settings.mode == NONE:
        return SenderProof(True, NONE, domain)
    # One From, or the proof may be about another From than the one we read: DKIM (and the
    # server's verifier, in authserv mode) checks the bottom-most instance, our parser reads the
    # first (RFC 6376 section 5.4.2).
    if settings.mode == AUTHSERV:
        if not settings.authserv_checked:
            return SenderProof(False, AUTHSERV, reason=STAMPING_UNCHECKED)
        ok = (
            bool(domain)
            and _one_from(mail)
            and sender_authenticated(mail.auth_results, settings.authserv_id, domain)
        )
        return SenderProof(ok, AUTHSERV, domain if ok else "", "" if ok else NOT_STAMPED)
    if not domain or not _one_from(mail) or not _one_way_to_read(mail.raw):
        return SenderProof(False, DKIM, reason=BAD_SIGNATURE)
    resolver = (settings.resolver or resolve_txt) if settings.dns else None
    keys = pinned_dns(settings.dkim_keys or {}, resolver, monotonic=settings.monotonic)
    return prove_dkim(mail.raw, domain, keys)


def _one_from(mail: InboundMail) -> bool:
    """One From header with one address. Two headers: DKIM verifies the bottom one, the parser
    reads the top one (RFC 6376 section 5.4.2). Two addresses: the signer vouches for the group,
    we would act for the first (RFC 5322 then wants a Sender, which no staff client sends)."""
    values = mail.headers.get("from", ())
    return len(values) == 1 and len(getaddresses([values[0]])) == 1


def _one_way_to_read(raw: bytes) -> bool:
    """No lone CR, and not CRLF mixed with bare LF: our parser and dkimpy see the same lines."""
    return not _BARE_CR.search(raw) and not (b"\r\n" in raw and _BARE_LF.search(raw))


def aligned(signing_domain: str, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 section 3.1.1): `d=` is the From domain or one of its
    parents, and not a public suffix (`go.id`, `co.id`, `com`): the two share an
    organisational domain by the Public Suffix List."""
    d = signing_domain.lower().rstrip(".")
    f = from_domain.lower().rstrip(".")
    if not (f == d or f.endswith("." + d)):
        return False
    # privatesuffix: the organisational domain, None when `d` is itself a public suffix.
    org = _psl().privatesuffix(d)
    return org is not None and org == _psl().privatesuffix(f)


def organisational_domain(domain: str) -> str:
    """The organisational domain of `domain` by the Public Suffix List (`mail.kpu.go.id` ->
    `kpu.go.id`); the domain itself when it is a public suffix or unknown."""
    d = domain.lower().rstrip(".")
    return _psl().privatesuffix(d) or d


_PSL: list[PublicSuffixList] = []


def _psl() -> PublicSuffixList:
    """The bundled Public Suffix List, read once (about 10 000 rules) when first needed."""
    if not _PSL:
        _PSL.append(PublicSuffixList())
    return _PSL[0]


def prove_dkim(raw: bytes, from_domain: str, dnsfunc: DnsFunc) -> SenderProof:
    """Verify the first `MAX_SIGNATURES` DKIM signatures aligned with `from_domain`."""
    domains = _signature_domains(raw)
    if not domains:
        return SenderProof(False, DKIM, reason=NO_SIGNATURE)
    candidates = [i for i, (d, _) in enumerate(domains) if aligned(d, from_domain)]
    if not candidates:
        return SenderProof(False, DKIM, reason=OTHER_DOMAIN)
    for index in [i for i in candidates if domains[i][1]][:MAX_SIGNATURES]:
        outcome = _verifies(raw, index, dnsfunc)
        if outcome is True:
            return SenderProof(True, DKIM, domains[index][0].lower())
        if outcome is None:
            # DNS did not answer: stop here rather than wait for the next signature's key too
            # (three signatures on nameservers that never answer were 3 x 5 s per attempt).
            # Signatures tried before failing for good do not make this one bad: try later.
            domain = domains[index][0].lower()
            return SenderProof(False, DKIM, domain, KEY_UNAVAILABLE, temporary=True)
    return SenderProof(False, DKIM, reason=BAD_SIGNATURE)


def signing_domains(raw: bytes) -> list[str]:
    """The readable `d=` of each DKIM-Signature, in order (for `dumas doctor`)."""
    return [d.lower() for d, _ in _signature_domains(raw) if d]


def _signature_domains(raw: bytes) -> list[tuple[str, bool]]:
    """The `d=` of each DKIM-Signature, in order ("" for one that cannot be read), and whether
    the signature would prove the message as we read it if it verified (`_acceptable`)."""
    try:
        headers, _ = dkim.rfc822_parse(raw)
    except Exception as exc:  # noqa: BLE001 - any failure to read is simply no proof
        log.info("DKIM: message headers unreadable (%s)", type(exc).__name__)
        return []
    counts: dict[bytes, int] = {}
    for name, _value in headers:
        counts[name.lower()] = counts.get(name.lower(), 0) + 1
    out: list[tuple[str, bool]] = []
    for name, value in headers:
        if name.lower() != b"dkim-signature":
            continue
        try:
            tags = parse_tag_value(value)
            d = tags.get(b"d", b"").decode("ascii").strip()
        except (InvalidTagValueList, UnicodeDecodeError):
            d = ""
            tags = {}
        out.append((d, bool(d) and _acceptable(tags, counts)))
    return out


def _acceptable(tags: Mapping[bytes, bytes], counts: Mapping[bytes, int]) -> bool:
    """A signature that, once verified, proves the message as we read it.

    Refused: `l=` (text appended after the signed length would be read as the reply), rsa-sha1
    (RFC 8301), and a header present more often than `h=` covers it — DKIM verifies the bottom
    instances, our parser reads the top one, so an unsigned copy on top would be what we route
    on. The headers of `MUST_SIGN` must be covered wherever they occur.
    """
    if b"l" in tags or tags.get(b"a", b"").strip().lower() == b"rsa-sha1":
        return False
    signed: dict[bytes, int] = {}
    for header in tags.get(b"h", b"").split(b":"):
        key = header.strip().lower()
        signed[key] = signed.get(key, 0) + 1
    if any(counts.get(name, 0) > signed.get(name, 0) for name in signed):
        return False
    return all(counts.get(name, 0) <= signed.get(name, 0) for name in MUST_SIGN)


def _verifies(raw: bytes, index: int, dnsfunc: DnsFunc) -> bool | None:
    """True: verified; False: not, for good; None: DNS did not answer for the key."""
    try:
        verifier = dkim.DKIM(raw, minkey=1024, timeout=DNS_TIMEOUT)
        ok = bool(verifier.verify(idx=index, dnsfunc=dnsfunc))
    except KeyLookupFailed as exc:
        log.info("DKIM: key of signature %d not fetched (%s)", index, exc)
        return None
    except dkim.DKIMException as exc:  # a malformed signature or key
        log.info("DKIM: signature %d not verified (%s)", index, type(exc).__name__)
        return False
    except Exception as exc:  # noqa: BLE001 - a library bug on hostile input is no proof either
        log.warning("DKIM: verifier failed on signature %d (%s)", index, type(exc).__name__)
        return False
    # RFC 6376 requires From among the signed headers; dkimpy enforces it, we do not rely on it.
    return ok and b"from" in getattr(verifier, "include_headers", ())


class KeyLookupFailed(Exception):
    """DNS gave no answer for a key (timeout, SERVFAIL, no resolver): it may answer later.

    Deliberately not a `dkim.DKIMException`: dkimpy turns its own DNS timeout into a plain
    "not verified", and this must come through its `verify` to us instead."""


def pinned_dns(
    keys: Mapping[str, str],
    resolver: DnsFunc | None = None,
    budget: float = DNS_BUDGET,
    monotonic: Callable[[], float] = time.monotonic,
) -> DnsFunc:
    """A dkimpy `dnsfunc` answering from the pinned records first, then from `resolver` (None:
    no DNS at all, `[replies] dkim_dns = false`). A resolver's `dkim.DnsTimeoutError` becomes
    `KeyLookupFailed`, so that a DNS timeout stays distinguishable from a bad signature.

    The resolver's lookups share `budget` seconds (make one `dnsfunc` per message): each is given
    what is left of it as its timeout, and once it is spent DNS is not asked again
    (`KeyLookupFailed`, so the message is tried again later rather than refused)."""
    table = {name.lower().rstrip("."): record.encode() for name, record in keys.items()}
    deadline: list[float] = []  # set at the first lookup that goes to DNS

    def lookup(name: bytes, timeout: int = DNS_TIMEOUT) -> bytes | None:
        key = name.decode("ascii", "replace").lower().rstrip(".")
        if key in table:
            return table[key]
        if resolver is None:
            return None
        if not deadline:
            deadline.append(monotonic() + budget)
        left = min(float(timeout), deadline[0] - monotonic())
        if left <= 0:
            raise KeyLookupFailed("DNS budget of the message spent")
        try:
            return resolver(name, timeout=left)
        except dkim.DnsTimeoutError as exc:
            raise KeyLookupFailed(type(exc).__name__) from None

    return lookup


def resolve_txt(name: bytes, timeout: float = DNS_TIMEOUT) -> bytes | None:
    """The TXT record at `name` from DNS (its strings joined, as RFC 6376 section 3.6.2.2 asks).

    None when DNS says there is none (NXDOMAIN, no TXT record): the key is missing, for good.
    `KeyLookupFailed` when DNS did not answer (timeout, every server failed, no resolver): dkimpy's
    own lookup would call that "no key" too, and refuse a genuine decision."""
    try:
        answer = dns.resolver.resolve(
            name.decode("ascii"), "TXT", lifetime=timeout, raise_on_no_answer=False, search=False
        )
    except (dns.resolver.NXDOMAIN, dns.resolver.YXDOMAIN, UnicodeDecodeError):
        return None
    except (
        dns.exception.Timeout,
        dns.resolver.NoNameservers,  # SERVFAIL or refused by every server
        dns.resolver.NoResolverConfiguration,
    ) as exc:
        raise KeyLookupFailed(type(exc).__name__) from None
    except dns.exception.DNSException as exc:  # a name DNS cannot carry: no key can be there
        log.info("DKIM: key name not resolvable (%s)", type(exc).__name__)
        return None
    for rdata in answer.rrset or ():
        return b"".join(rdata.strings)
    return None
