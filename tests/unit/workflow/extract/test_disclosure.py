"""Consent to be named, read from the complaint's text (issue 10 item 5): `allows_disclosure`,
and how registration settles it against a request for secrecy."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.extract import allows_disclosure, wants_confidentiality
from dumas.workflow.sop.commands.pelapor import CONSENT_DATA
from dumas.workflow.store.models import Pengaduan
from dumas.workflow.store.registration import NumberingRules, fill_from_text

RULES = NumberingRules("{seq:03d}/PGD/{month_roman}/{year}", "PGD", ZoneInfo("Asia/Jakarta"), ())


@pytest.mark.parametrize(
    "text",
    [
        "Identitas saya boleh dibuka kepada instansi terkait.",
        "identitas saya boleh disebutkan",
        "Nama saya boleh disampaikan kepada Bawaslu.",
        "Identitas saya sebagai pelapor dapat disampaikan.",
        "Saya bersedia identitas saya disampaikan kepada pihak berwenang.",
        "Saya setuju identitas saya dibuka.",
        "Silakan sebutkan nama saya.",
        "Saya tidak keberatan identitas saya disebutkan.",
        "Terlapor: Ketua KPPS\nIDENTITAS BOLEH DIBUKA\n",
        "You may share my identity with the agency.",
    ],
)
def test_consent_is_read(text):
    assert allows_disclosure(text)


@pytest.mark.parametrize(
    "text",
    [
        "Identitas saya tidak boleh dibuka.",
        "identitas saya jangan sampai boleh disebutkan",
        "Saya tidak bersedia identitas saya disampaikan.",
        "Saya tidak setuju identitas saya dibuka.",
        "Identitas terlapor boleh disebutkan: Ketua PPS Saibi.",  # not the reporter's identity
        "Kotak suara boleh dibuka oleh KPPS.",
        "Mohon identitas saya dirahasiakan.",
        "",
    ],
)
def test_no_consent(text):
    assert not allows_disclosure(text)


def case(body: str, **fields) -> Pengaduan:
    values = dict(subject="Politik uang", body=body, pelapor_email="budi@example.org", data={})
    return Pengaduan(**{**values, **fields})


def test_registration_sets_consent_from_the_text():
    c = case("Identitas saya boleh disebutkan kepada Bawaslu.")
    fill_from_text(c, RULES)
    assert c.consent_to_share and not c.confidential


def test_secrecy_wins_over_consent_in_one_text():
    text = "Identitas saya boleh disebutkan kepada Bawaslu, tetapi mohon nama saya dirahasiakan."
    assert allows_disclosure(text) and wants_confidentiality(text)
    c = case(text)
    fill_from_text(c, RULES)
    assert c.confidential and not c.consent_to_share and c.sifat == "rahasia"


def test_a_statement_by_command_is_not_undone_by_older_text():
    given = {CONSENT_DATA: {"setuju": True, "at": "2026-03-06T02:00:00+00:00"}}
    c = case("Mohon identitas saya dirahasiakan.", consent_to_share=True, data=given)
    fill_from_text(c, RULES)  # as when the reporter adds information later
    assert c.consent_to_share and not c.confidential
    taken = {CONSENT_DATA: {"setuju": False, "at": "2026-03-06T02:00:00+00:00"}}
    c = case("Identitas saya boleh dibuka.", confidential=True, data=taken)
    fill_from_text(c, RULES)
    assert c.confidential and not c.consent_to_share


def test_hostile_text_is_read_in_linear_time():
    for chunk in ("identitas saya tidak " * 20000, "bersedia " * 40000, "boleh di " * 40000):
        start = time.process_time()
        allows_disclosure(chunk)
        assert time.process_time() - start < 2.0
