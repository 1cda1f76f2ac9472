import pytest

from dumas.ingest.mail.authresults import sender_authenticated

TRUSTED = "mx.kpu.example"


@pytest.mark.parametrize(
    "header,domain,ok",
    [
        (
            "mx.kpu.example; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com",
            "gmail.com",
            True,
        ),
        (
            "mx.kpu.example; dkim=pass (2048-bit key) header.d=kpu.go.id header.s=s1",
            "kpu.go.id",
            True,
        ),
        ("mx.kpu.example; dkim=pass header.i=@kpu.go.id", "kpu.go.id", True),
        ("mx.kpu.example; dmarc=pass (p=none) header.from=kpu.go.id", "kpu.go.id", True),
        (
            "mx.kpu.example; dkim=fail header.d=gmail.com; dmarc=fail header.from=gmail.com",
            "gmail.com",
            False,
        ),
        (
            "mx.kpu.example; dkim=pass header.d=evil.example; dmarc=fail header.from=gmail.com",
            "gmail.com",
            False,
        ),
        ("mx.kpu.example; spf=pass smtp.mailfrom=gmail.com", "gmail.com", False),
        (
            "attacker.example; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com",
            "gmail.com",
            False,
        ),
        ("mx.kpu.example; none", "gmail.com", False),
        ("mx.kpu.example 1; dkim=pass header.d=gmail.com", "gmail.com", True),
    ],
)
def test_sender_authenticated(header, domain, ok):
    assert sender_authenticated((header,), TRUSTED, domain) is ok


def test_only_a_trusted_header_counts_even_when_another_claims_pass():
    forged = "mx.kpu.example.evil; dmarc=pass header.from=kpu.go.id"
    real = "mx.kpu.example; dmarc=fail header.from=kpu.go.id"
    assert not sender_authenticated((real, forged), TRUSTED, "kpu.go.id")


def test_a_pass_written_below_our_servers_fail_counts_for_nothing():
    ours = "mx.kpu.example; dmarc=fail header.from=kpu.go.id"
    forged_below = "mx.kpu.example; dmarc=pass header.from=kpu.go.id"
    assert not sender_authenticated((ours, forged_below), TRUSTED, "kpu.go.id")
    assert sender_authenticated((forged_below,), TRUSTED, "kpu.go.id")


def test_a_pass_inside_a_quoted_value_is_a_value_not_a_result():
    quoted = (
        "mx.kpu.example; dkim=fail header.d=kpu.go.id "
        'header.b="dkim=pass header.d=kpu.go.id"; dmarc=fail header.from=kpu.go.id'
    )
    commented = "mx.kpu.example; dkim=fail (dkim=pass header.d=kpu.go.id) header.d=kpu.go.id"
    assert not sender_authenticated((quoted,), TRUSTED, "kpu.go.id")
    assert not sender_authenticated((commented,), TRUSTED, "kpu.go.id")


def test_only_the_topmost_header_counts_even_when_ours_is_below():
    """Where our server wrote nothing on top, a lower header naming us is the sender's."""
    ours_below = "mx.kpu.example; dmarc=pass header.from=kpu.go.id"
    assert not sender_authenticated(("other.example; none", ours_below), TRUSTED, "kpu.go.id")
