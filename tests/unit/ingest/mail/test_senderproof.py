"""Proof of sender: DKIM with pinned keys or a stand-in for DNS, alignment (Public Suffix List),
bounded work, temporary DNS trouble, authserv (only once checked), none."""

import dkim
import dns.exception
import dns.resolver
import pytest

from dumas.ingest.mail.parser import parse_message
from dumas.ingest.mail.senderproof import (
    BAD_SIGNATURE,
    DNS_BUDGET,
    KEY_UNAVAILABLE,
    MAX_SIGNATURES,
    NO_SIGNATURE,
    OTHER_DOMAIN,
    STAMPING_UNCHECKED,
    KeyLookupFailed,
    ProofSettings,
    aligned,
    organisational_domain,
    prove_sender,
    resolve_txt,
)
from tests.rig.dkimkey import PUBLIC_RECORD, TEST_ONLY_PRIVATE_KEY, pinned, sign

RAW = (
    b"From: Sekretaris <sekretaris@kpu-mentawai.example>\r\nTo: pengaduan@kpu.example\r\n"
    b"Subject: Re: [PGD-001]\r\nMessage-ID: <r1@kpu-mentawai.example>\r\n\r\nLENGKAP\r\n"
)
KEYS = ProofSettings(
    "dkim", dkim_keys=pinned("kpu-mentawai.example", "attacker.example"), dns=False
)


def prove(raw: bytes, settings: ProofSettings = KEYS):
    return prove_sender(parse_message(raw), settings)


def test_a_signature_for_the_from_domain_proves_it():
    proof = prove(sign(RAW))
    assert (proof.proven, proof.method, proof.domain) == (True, "dkim", "kpu-mentawai.example")


@pytest.mark.parametrize(
    "raw,reason",
    [
        (RAW, NO_SIGNATURE),
        (sign(RAW, "attacker.example"), OTHER_DOMAIN),
        (sign(RAW).replace(b"LENGKAP", b"TOLAK"), BAD_SIGNATURE),  # the body changed
        (b"From: x@attacker.example\r\n" + sign(RAW), BAD_SIGNATURE),  # a second From on top
    ],
)
def test_what_proves_nothing(raw, reason):
    proof = prove(raw)
    assert not proof.proven and proof.reason == reason


def test_a_key_nobody_pinned_and_no_dns_proves_nothing():
    assert prove(sign(RAW), ProofSettings("dkim", dkim_keys={}, dns=False)).reason == BAD_SIGNATURE


def test_a_garbled_signature_is_a_failed_proof_not_an_exception():
    unreadable = b"DKIM-Signature: v=1; a=rsa-sha256; d=kpu-mentawai.example; b=;;;\r\n" + RAW
    assert prove(unreadable).reason == OTHER_DOMAIN  # no d= we can read is no aligned d=
    broken = (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=kpu-mentawai.example; s=dumas-test; "
        b"h=from; bh=AAAA; b=AAAA\r\n" + RAW
    )
    assert prove(broken).reason == BAD_SIGNATURE


def test_only_the_first_aligned_signatures_are_verified(monkeypatch):
    calls = []
    import dumas.ingest.mail.senderproof as module

    monkeypatch.setattr(module, "_verifies", lambda raw, i, dns: calls.append(i) or False)
    raw = RAW
    for _ in range(MAX_SIGNATURES + 3):
        raw = sign(raw)
    assert prove(raw).reason == BAD_SIGNATURE and len(calls) == MAX_SIGNATURES


@pytest.mark.parametrize(
    "d,from_domain,ok",
    [
        ("kpu.go.id", "kpu.go.id", True),
        ("kpu.go.id", "mentawai.kpu.go.id", True),
        ("KPU.go.id.", "kpu.go.id", True),
        ("mentawai.kpu.go.id", "kpu.go.id", False),
        ("id", "kpu.go.id", False),
        ("xkpu.go.id", "kpu.go.id", False),
        # Public suffixes (the Public Suffix List): a registry is no organisation's domain.
        ("go.id", "kpu.go.id", False),
        ("go.id", "mail.kpu.go.id", False),
        ("co.id", "kantor.co.id", False),
        ("kpu.go.id", "mail.kpu.go.id", True),
        ("mail.kpu.go.id", "mail.kpu.go.id", True),
    ],
)
def test_relaxed_alignment(d, from_domain, ok):
    assert aligned(d, from_domain) is ok


def test_authserv_mode_reads_our_servers_topmost_header():
    ours = b"Authentication-Results: mx.kpu.example; dkim=pass header.d=kpu-mentawai.example\r\n"
    settings = ProofSettings("authserv", authserv_id="mx.kpu.example", authserv_checked=True)
    assert prove(ours + RAW, settings).proven
    assert prove(RAW, settings).reason == "autentikasi_gagal"


def test_authserv_mode_with_a_second_from_on_top_proves_nothing():
    """Review of issue 9: a From added above a signed message's own is what we read, while the
    server's verifier judged the bottom one."""
    ours = b"Authentication-Results: mx.kpu.example; dkim=pass header.d=kpu-mentawai.example\r\n"
    forged = ours + b"From: ketua@kpu-mentawai.example\r\n" + RAW
    settings = ProofSettings("authserv", authserv_id="mx.kpu.example", authserv_checked=True)
    assert not prove(forged, settings).proven


def test_a_signature_that_leaves_the_date_unsigned_proves_nothing():
    """The gate compares the reply's Date with its token's issue: a Date nobody signed could be
    set to anything."""
    dated = RAW.replace(b"To:", b"Date: Mon, 02 Nov 2026 09:20:00 +0700\r\nTo:", 1)
    signature = dkim.sign(
        dated,
        b"dumas-test",
        b"kpu-mentawai.example",
        TEST_ONLY_PRIVATE_KEY,
        include_headers=[b"from", b"subject", b"content-type", b"to"],
    )
    assert not prove(signature + dated).proven
    assert prove(sign(dated)).proven


def test_authserv_mode_proves_nothing_before_doctor_saw_the_server_stamp():
    ours = b"Authentication-Results: mx.kpu.example; dkim=pass header.d=kpu-mentawai.example\r\n"
    proof = prove(ours + RAW, ProofSettings("authserv", authserv_id="mx.kpu.example"))
    assert not proof.proven and proof.reason == STAMPING_UNCHECKED


# --- keys from DNS: an answer, no key, no answer ----------------------------------------------


def _resolver(outcome):
    """A `resolver` as `resolve_txt` behaves: the record, None (no key), or an exception."""
    asked = []

    def resolve(name: bytes, timeout: int = 5):
        asked.append(name)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    resolve.asked = asked  # type: ignore[attr-defined]
    return resolve


def _from_dns(resolver) -> ProofSettings:
    return ProofSettings("dkim", dkim_keys={}, resolver=resolver)


def test_a_key_from_dns_proves_the_sender():
    resolver = _resolver(PUBLIC_RECORD.encode())
    assert prove(sign(RAW), _from_dns(resolver)).proven
    assert resolver.asked == [b"dumas-test._domainkey.kpu-mentawai.example."]


@pytest.mark.parametrize(
    "trouble",
    [KeyLookupFailed("Timeout"), dkim.DnsTimeoutError("timed out")],
    ids=["ours", "dkimpy"],
)
def test_dns_that_does_not_answer_is_temporary_not_a_bad_signature(trouble):
    proof = prove(sign(RAW), _from_dns(_resolver(trouble)))
    assert not proof.proven and proof.temporary
    assert (proof.reason, proof.domain) == (KEY_UNAVAILABLE, "kpu-mentawai.example")


def test_a_missing_key_fails_for_good():
    proof = prove(sign(RAW), _from_dns(_resolver(None)))  # NXDOMAIN, or no TXT record
    assert not proof.proven and not proof.temporary and proof.reason == BAD_SIGNATURE


def test_a_forged_body_is_bad_even_when_dns_answers():
    forged = sign(RAW).replace(b"LENGKAP", b"TOLAK")
    proof = prove(forged, _from_dns(_resolver(PUBLIC_RECORD.encode())))
    assert not proof.temporary and proof.reason == BAD_SIGNATURE


def test_without_dns_only_pinned_keys_count_and_dns_is_never_asked():
    resolver = _resolver(PUBLIC_RECORD.encode())
    settings = ProofSettings("dkim", dkim_keys={}, dns=False, resolver=resolver)
    assert prove(sign(RAW), settings).reason == BAD_SIGNATURE
    assert resolver.asked == []
    pinned_only = ProofSettings("dkim", dkim_keys=KEYS.dkim_keys, dns=False, resolver=resolver)
    assert prove(sign(RAW), pinned_only).proven and resolver.asked == []


@pytest.mark.parametrize(
    "raised,temporary",
    [
        (dns.resolver.NXDOMAIN(), False),
        (dns.resolver.YXDOMAIN(), False),
        (dns.exception.Timeout(), True),
        (dns.resolver.LifetimeTimeout(timeout=5.0, errors=[]), True),
        (dns.resolver.NoNameservers(), True),  # SERVFAIL from every server
        (dns.resolver.NoResolverConfiguration(), True),
    ],
)
def test_resolve_txt_tells_a_missing_key_from_no_answer(monkeypatch, raised, temporary):
    def fail(*args, **kwargs):
        raise raised

    monkeypatch.setattr(dns.resolver, "resolve", fail)
    if temporary:
        with pytest.raises(KeyLookupFailed):
            resolve_txt(b"s._domainkey.kpu.go.id.")
    else:
        assert resolve_txt(b"s._domainkey.kpu.go.id.") is None


def test_none_mode_accepts_the_address_alone_and_says_so():
    proof = prove(RAW, ProofSettings("none"))
    assert proof.proven and not proof.verified


def _signed_with(**options) -> bytes:
    import dkim

    from tests.rig.dkimkey import SELECTOR, TEST_ONLY_PRIVATE_KEY

    signature = dkim.sign(
        RAW,
        SELECTOR.encode(),
        b"kpu-mentawai.example",
        TEST_ONLY_PRIVATE_KEY,
        canonicalize=(b"relaxed", b"relaxed"),
        **options,
    )
    return signature + RAW


@pytest.mark.parametrize(
    "raw",
    [
        # A lone CR ends the header block for our parser, not for dkimpy: "SETUJU" would be read
        # as the reply while the signature still covers the original.
        sign(RAW).replace(b"Message-ID:", b"X-Note: x\r\rSETUJU\r\nMessage-ID:"),
        # An unsigned Subject on top: DKIM verifies the bottom one, our parser reads the top one.
        b"Subject: Re: [PGD-999]\r\n" + sign(RAW),
        # Text after the signed length (l=) would be read as part of the reply.
        _signed_with(length=True) + b"SETUJU\r\n",
        # Subject left out of the signed headers: anyone may set it.
        _signed_with(include_headers=[b"from", b"to", b"message-id"]),
    ],
    ids=["bare-cr", "unsigned-subject-on-top", "body-length-tag", "subject-not-signed"],
)
def test_a_signed_message_read_differently_than_it_was_signed_proves_nothing(raw):
    assert prove(sign(RAW)).proven  # the same message untouched does prove its sender
    proof = prove(raw)
    assert not proof.proven and proof.reason == BAD_SIGNATURE


def test_an_rsa_sha1_signature_proves_nothing():
    # RFC 8301: SHA-1 signatures must not be considered valid.
    proof = prove(_signed_with(signature_algorithm=b"rsa-sha1"))
    assert not proof.proven and proof.reason == BAD_SIGNATURE


def test_a_from_with_two_addresses_proves_nothing():
    # The signer vouches for both; we would act for the first.
    raw = RAW.replace(
        b"From: Sekretaris <sekretaris@kpu-mentawai.example>",
        b"From: Sekretaris <sekretaris@kpu-mentawai.example>, x@attacker.example",
    )
    proof = prove(sign(raw))
    assert not proof.proven and proof.reason == BAD_SIGNATURE


# --- DNS bounded per message (security review, finding 2) -------------------------------------


class _Clock:
    """A stand-in for `time.monotonic` that moves only when a lookup "takes" time."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nameservers_that_never_answer_cost_one_lookup_per_message():
    raw = sign(sign(sign(RAW)))  # three aligned signatures, each needing a key from DNS
    resolver = _resolver(dkim.DnsTimeoutError("timed out"))
    proof = prove(raw, _from_dns(resolver))
    assert proof.temporary and proof.reason == KEY_UNAVAILABLE
    assert len(resolver.asked) == 1


def test_the_key_lookups_of_a_message_share_one_time_budget():
    clock, timeouts = _Clock(), []

    def slow_missing_key(name: bytes, timeout: float = 5):
        timeouts.append(timeout)
        clock.now += 3  # each answer ("no such key") takes 3 s

    raw = sign(sign(sign(RAW)))
    settings = ProofSettings("dkim", dkim_keys={}, resolver=slow_missing_key, monotonic=clock)
    proof = prove(raw, settings)
    # 3 s + 2 s spent the budget of 5 s: the third key is not asked for, and the message is
    # tried again later rather than refused for a key DNS never got the time to give.
    assert timeouts == [DNS_BUDGET, DNS_BUDGET - 3]
    assert proof.temporary and proof.reason == KEY_UNAVAILABLE


def test_answers_within_the_budget_are_all_used():
    resolver = _resolver(None)  # every key missing, answered at once
    proof = prove(sign(sign(sign(RAW))), _from_dns(resolver))
    assert proof.reason == BAD_SIGNATURE and not proof.temporary and len(resolver.asked) == 3


def test_organisational_domain():
    assert organisational_domain("Mail.KPU.go.id.") == "kpu.go.id"
    assert organisational_domain("go.id") == "go.id"
