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
