"""Proof that a reply's `From` is who it says: the check behind a state-changing staff reply.

`[replies] authentication` chooses the proof (see docs/security.md, "Proof of sender"):

- "dkim" (the default): a DKIM signature on the message that verifies (dkimpy) for a domain
  aligned with the From domain. Alignment is relaxed and kept simple: the signature's `d=` is
  the From domain or a parent of it (`d=kpu.go.id` proves `From: x@mentawai.kpu.go.id`), never a
  bare top-level label. We carry no Public Suffix List, so a signature by a registry-level parent
  such as `go.id` would count — only that registry could make one. Keys come from the pinned
  `[replies.dkim_keys]` table first (offline sites, the test rig), then DNS.
- "authserv": our own receiving server's Authentication-Results (RFC 8601, parsed by `authres`):
  the topmost header only, and only when it carries our authserv-id; see `authresults.py`.
- "none": the address alone; the transcript of every accepted decision says so.

The work per message is bounded: at most `MAX_SIGNATURES` signatures are looked at, and only
aligned ones are verified (a hostile sender cannot make us fetch keys of domains of its choice).
Library exceptions stop here and become a failed proof with a reason code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import getaddresses

import dkim
from dkim.util import InvalidTagValueList, parse_tag_value

from dumas.ingest.mail.authresults import sender_authenticated
from dumas.ingest.mail.inbound import InboundMail

log = logging.getLogger(__name__)
# dkimpy logs every step of a verification at DEBUG/INFO, quoting header values; ours say enough.
logging.getLogger("dkim").setLevel(logging.WARNING)

DKIM, AUTHSERV, NONE = "dkim", "authserv", "none"
MODES = (DKIM, AUTHSERV, NONE)
MAX_SIGNATURES = 3
DNS_TIMEOUT = 5  # seconds per key lookup
# Headers whose every instance a signature must cover: the reader routes and decides on them, and
# every major provider (Gmail, Microsoft 365, iCloud) signs them.
MUST_SIGN = (b"from", b"subject", b"content-type")
# Python's parser ends a line at a lone CR, dkimpy only at (CR)LF: with one in the message the two
# read different headers and bodies, so a signed message could carry text nobody signed.
_BARE_CR = re.compile(rb"\r(?!\n)")
_BARE_LF = re.compile(rb"(?<!\r)\n")

# Why a proof failed; the gate's refusal explains each code in Indonesian (GATE_REASONS).
NO_SIGNATURE = "dkim_tidak_ada"
OTHER_DOMAIN = "dkim_domain_lain"
BAD_SIGNATURE = "dkim_tidak_sah"
NOT_STAMPED = "autentikasi_gagal"

DnsFunc = Callable[..., bytes | None]


@dataclass(frozen=True)
class SenderProof:
    """What the check found: `proven`, by which `method`, for which `domain`, else `reason`."""

    proven: bool
    method: str
    domain: str = ""
    reason: str = ""

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
    dns: bool = True  # fall back to DNS for keys not pinned


def prove_sender(mail: InboundMail, settings: ProofSettings) -> SenderProof:
    """Check that `mail`'s From is proven the way the office configured."""
    domain = mail.sender.key.rpartition("@")[2] if mail.sender else ""
    if settings.mode == NONE:
        return SenderProof(True, NONE, domain)
    if settings.mode == AUTHSERV:
        ok = bool(domain) and sender_authenticated(mail.auth_results, settings.authserv_id, domain)
        return SenderProof(ok, AUTHSERV, domain if ok else "", "" if ok else NOT_STAMPED)
    # One From, or the signature may cover another From than the one we read: DKIM verifies the
    # bottom-most instance, the parser reads the first (RFC 6376 section 5.4.2).
    if not domain or not _one_from(mail) or not _one_way_to_read(mail.raw):
        return SenderProof(False, DKIM, reason=BAD_SIGNATURE)
    return prove_dkim(mail.raw, domain, pinned_dns(settings.dkim_keys or {}, settings.dns))


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
    """Relaxed alignment: `d=` is the From domain or one of its parents (at least two labels)."""
    d = signing_domain.lower().rstrip(".")
    f = from_domain.lower().rstrip(".")
    return "." in d and (f == d or f.endswith("." + d))


def prove_dkim(raw: bytes, from_domain: str, dnsfunc: DnsFunc) -> SenderProof:
    """Verify the first `MAX_SIGNATURES` DKIM signatures aligned with `from_domain`."""
    domains = _signature_domains(raw)
    if not domains:
        return SenderProof(False, DKIM, reason=NO_SIGNATURE)
    candidates = [i for i, (d, _) in enumerate(domains) if aligned(d, from_domain)]
    if not candidates:
        return SenderProof(False, DKIM, reason=OTHER_DOMAIN)
    for index in [i for i in candidates if domains[i][1]][:MAX_SIGNATURES]:
        if _verifies(raw, index, dnsfunc):
            return SenderProof(True, DKIM, domains[index][0].lower())
    return SenderProof(False, DKIM, reason=BAD_SIGNATURE)


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


def _verifies(raw: bytes, index: int, dnsfunc: DnsFunc) -> bool:
    try:
        verifier = dkim.DKIM(raw, minkey=1024, timeout=DNS_TIMEOUT)
        ok = bool(verifier.verify(idx=index, dnsfunc=dnsfunc))
    except dkim.DKIMException as exc:  # a malformed signature or key, a DNS timeout
        log.info("DKIM: signature %d not verified (%s)", index, type(exc).__name__)
        return False
    except Exception as exc:  # noqa: BLE001 - a library bug on hostile input is no proof either
        log.warning("DKIM: verifier failed on signature %d (%s)", index, type(exc).__name__)
        return False
    # RFC 6376 requires From among the signed headers; dkimpy enforces it, we do not rely on it.
    return ok and b"from" in getattr(verifier, "include_headers", ())


def pinned_dns(keys: Mapping[str, str], dns: bool = True) -> DnsFunc:
    """A dkimpy `dnsfunc` answering from the pinned records first, then DNS (when `dns`)."""
    table = {name.lower().rstrip("."): record.encode() for name, record in keys.items()}

    def lookup(name: bytes, timeout: int = DNS_TIMEOUT) -> bytes | None:
        key = name.decode("ascii", "replace").lower().rstrip(".")
        if key in table:
            return table[key]
        return dkim.dnsplug.get_txt(name, timeout=timeout) if dns else None

    return lookup
