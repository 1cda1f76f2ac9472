"""Classification rules: the order is the policy; each rule is tested on its own and in the table."""

import pytest

from dumas.ingest.mail.inbound import Address, InboundMail
from dumas.ingest.routing.rules import COMPLAINT, IGNORED, REPLY, classify

OWN = "pengaduan@kpu.example"


def mail(
    subject="Pengaduan politik uang",
    sender="warga@gmail.com",
    headers=None,
    content_type="text/plain",
    return_path="warga@gmail.com",
    to=(OWN,),
    in_reply_to=(),
    references=(),
    delivered_to=(),
):
    hdrs = {k.lower(): (v,) for k, v in (headers or {}).items()}
    return InboundMail(
        message_id="m1@gmail.com",
        sender=Address("Warga", sender) if sender else None,
        reply_to=(),
        to=tuple(Address("", a) for a in to),
        cc=(),
        delivered_to=delivered_to,
        return_path=return_path,
        subject=subject,
        date=None,
        in_reply_to=in_reply_to,
        references=references,
        text="isi",
        html="",
        text_from_html=False,
        attachments=(),
        headers=hdrs,
        content_type=content_type,
        auth_results=(),
        defects=(),
    )


class FakeLookup:
    def __init__(self, sent=None, tokens=None, numbers=None):
        self.sent = sent or {}
        self.tokens = tokens or {}
        self.numbers = numbers or {}

    def own_addresses(self):
        return frozenset({OWN})

    def case_for_message_ids(self, ids):
        return next((self.sent[i] for i in ids if i in self.sent), None)

    def case_for_token(self, token):
        return self.tokens.get(token)

    def case_for_number(self, number):
        return self.numbers.get(number)

    def token_in(self, addresses):
        for a in addresses:
            local = a.partition("@")[0]
            if "+" in local:
                return local.partition("+")[2]
        return ""

    def token_in_subject(self, subject):
        return ""

    def number_in_subject(self, subject):
        return "001/PGD/XI/2026" if "[PGD 001/XI/2026]" in subject else ""


@pytest.mark.parametrize(
    "kwargs,rule",
    [
        ({"content_type": "multipart/report"}, "bounce"),
        ({"sender": "MAILER-DAEMON@mx.example"}, "bounce"),
        ({"sender": "postmaster@mx.example"}, "bounce"),
        ({"return_path": ""}, "bounce"),
        ({"headers": {"Auto-Submitted": "auto-replied"}}, "auto_reply"),
        ({"headers": {"Auto-Submitted": "auto-generated"}}, "auto_reply"),
        ({"headers": {"Precedence": "bulk"}}, "auto_reply"),
        ({"headers": {"Precedence": "junk"}}, "auto_reply"),
        ({"headers": {"Precedence": "list"}}, "auto_reply"),
        ({"headers": {"X-Autoreply": "yes"}}, "auto_reply"),
        ({"headers": {"X-Autorespond": "Out of office"}}, "auto_reply"),
        ({"subject": "Balasan Otomatis: Pengaduan"}, "auto_reply"),
        ({"subject": "Automatic reply: Tanda terima"}, "auto_reply"),
        ({"subject": "Out of Office: re pengaduan"}, "auto_reply"),
        ({"subject": "Sedang cuti sampai 5 Desember"}, "auto_reply"),
        ({"sender": OWN}, "loop"),
        ({"sender": "pengaduan+abc@kpu.example"}, "loop"),
        ({"headers": {"X-Dumas-Outbox": "12"}}, "loop"),
    ],
)
def test_ignored_messages(kwargs, rule):
    verdict = classify(mail(**kwargs), FakeLookup())
    assert (verdict.disposition, verdict.rule) == (IGNORED, rule)
    assert verdict.reason


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "no"},
        {"X-Auto-Response-Suppress": "All"},  # Exchange sets this on human mail
        {"Precedence": "first-class"},
    ],
)
def test_human_mail_is_not_automatic(headers):
    m = mail(headers=headers)
    assert classify(m, FakeLookup()).disposition == COMPLAINT


def test_bounce_wins_over_reply_thread():
    m = mail(content_type="multipart/report", in_reply_to=("out1@kpu.example",))
    assert classify(m, FakeLookup(sent={"out1@kpu.example": 7})).rule == "bounce"


def test_auto_reply_quoting_a_command_is_still_ignored():
    m = mail(headers={"Auto-Submitted": "auto-replied"}, to=("pengaduan+tok@kpu.example",))
    assert classify(m, FakeLookup(tokens={"tok": 3})).disposition == IGNORED


def test_reply_by_token_then_thread_then_tag():
    lookup = FakeLookup(
        sent={"out1@kpu.example": 5}, tokens={"tok": 3}, numbers={"001/PGD/XI/2026": 9}
    )
    v = classify(mail(to=("pengaduan+tok@kpu.example",), in_reply_to=("out1@kpu.example",)), lookup)
    assert (v.disposition, v.rule, v.pengaduan_id, v.token) == (REPLY, "reply_token", 3, "tok")
    v = classify(mail(in_reply_to=("out1@kpu.example",)), lookup)
    assert (v.rule, v.pengaduan_id) == ("reply_thread", 5)
    v = classify(mail(references=("x@y", "out1@kpu.example")), lookup)
    assert (v.rule, v.pengaduan_id) == ("reply_thread", 5)
    v = classify(mail(subject="Re: [PGD 001/XI/2026] Tanda terima"), lookup)
    assert (v.rule, v.pengaduan_id) == ("reply_tag", 9)


def test_unknown_token_thread_or_tag_is_a_new_complaint():
    lookup = FakeLookup()
    m = mail(
        to=("pengaduan+nope@kpu.example",),
        in_reply_to=("other@x",),
        subject="Re: [PGD 001/XI/2026] x",
    )
    assert classify(m, lookup).disposition == COMPLAINT


def test_delivered_to_token_counts():
    m = mail(delivered_to=("pengaduan+tok@kpu.example",))
    assert classify(m, FakeLookup(tokens={"tok": 4})).pengaduan_id == 4


def test_daftar_on_the_first_line_is_a_registration_after_the_reply_rules():
    from dataclasses import replace

    from dumas.ingest.routing.rules import DAFTAR

    daftar = replace(mail(sender="desk@kpu.example"), text="DAFTAR SURAT\nNama: Ani\nUraian: x")
    assert classify(daftar, FakeLookup()) == Verdict_of(COMPLAINT, DAFTAR)
    story = replace(mail(), text="Daftar pelanggaran:\n1. politik uang")
    assert classify(story, FakeLookup()).rule == "new_complaint"
    # A reply on a case stays a reply, DAFTAR or not.
    reply = replace(daftar, in_reply_to=("ours@kpu.example",))
    assert classify(reply, FakeLookup(sent={"ours@kpu.example": 7})).disposition == REPLY


def Verdict_of(disposition, rule):
    from dumas.ingest.routing.rules import Verdict

    return Verdict(disposition, rule)
