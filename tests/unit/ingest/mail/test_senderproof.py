"""Proof of sender: DKIM with pinned keys (no DNS), alignment, bounded work, authserv, none."""

import pytest

from dumas.ingest.mail.parser import parse_message
from dumas.ingest.mail.senderproof import (
    BAD_SIGNATURE,
    MAX_SIGNATURES,
    NO_SIGNATURE,
    OTHER_DOMAIN,
    ProofSettings,
    aligned,
    prove_sender,
)
from tests.rig.dkimkey import pinned, sign

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
    ],
)
def test_relaxed_alignment(d, from_domain, ok):
    assert aligned(d, from_domain) is ok


def test_authserv_mode_reads_our_servers_topmost_header():
    ours = b"Authentication-Results: mx.kpu.example; dkim=pass header.d=kpu-mentawai.example\r\n"
    settings = ProofSettings("authserv", authserv_id="mx.kpu.example")
    assert prove(ours + RAW, settings).proven
    assert prove(RAW, settings).reason == "autentikasi_gagal"


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
