"""The OAuth2 SASL messages IMAP and SMTP share (workflow/sasl.py)."""

from dumas.workflow.sasl import (
    OAUTHBEARER,
    XOAUTH2,
    oauth2_initial_response,
    oauth2_mechanism,
    oauth2_refusal_answer,
)


def test_oauthbearer_only_when_advertised():
    assert oauth2_mechanism(["PLAIN", "LOGIN", "XOAUTH2", "oauthbearer"]) == OAUTHBEARER
    assert oauth2_mechanism(["LOGIN", "XOAUTH2"]) == XOAUTH2  # Microsoft 365
    assert oauth2_mechanism([]) == XOAUTH2


def test_oauthbearer_initial_response_is_rfc_7628():
    text = oauth2_initial_response(OAUTHBEARER, "a,b=c@kpu.example", "T0k", "mail.example", 993)
    # RFC 7628 3.1 / RFC 5801 4: ',' and '=' of the authzid escaped; ^A-separated, ^A^A ended.
    assert (
        text
        == "n,a=a=2Cb=3Dc@kpu.example,\x01host=mail.example\x01port=993\x01auth=Bearer T0k\x01\x01"
    )


def test_xoauth2_initial_response():
    text = oauth2_initial_response(XOAUTH2, "p@kpu.example", "T0k", "mail.example", 993)
    assert text == "user=p@kpu.example\x01auth=Bearer T0k\x01\x01"


def test_a_refusal_is_answered_so_the_server_ends_the_exchange():
    assert oauth2_refusal_answer(OAUTHBEARER) == "\x01"
    assert oauth2_refusal_answer(XOAUTH2) == ""
