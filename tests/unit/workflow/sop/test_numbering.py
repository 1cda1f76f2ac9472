"""Registration numbers, Roman months and the case tag in subjects."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.numbering import (
    DEFAULT_PATTERN,
    case_tag,
    find_case_tag,
    format_number,
    number_from_tag,
    to_roman,
)

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    "month,roman",
    [
        (1, "I"),
        (2, "II"),
        (3, "III"),
        (4, "IV"),
        (5, "V"),
        (6, "VI"),
        (7, "VII"),
        (8, "VIII"),
        (9, "IX"),
        (10, "X"),
        (11, "XI"),
        (12, "XII"),
    ],
)
def test_months_in_roman(month, roman):
    assert to_roman(month) == roman


def test_roman_beyond_months_and_refusals():
    assert to_roman(2026) == "MMXXVI"
    assert to_roman(1994) == "MCMXCIV"
    for bad in (0, -1, 4000, 1.5, "11"):
        with pytest.raises(ValueError):
            to_roman(bad)


def test_default_pattern():
    at = datetime(2026, 11, 3, 9, 15, tzinfo=WIB)
    assert format_number(DEFAULT_PATTERN, 1, at) == "001/PGD/XI/2026"
    assert format_number(DEFAULT_PATTERN, 42, at) == "042/PGD/XI/2026"
    assert format_number(DEFAULT_PATTERN, 1234, at) == "1234/PGD/XI/2026"


def test_default_pattern_matches_the_settings_default():
    from dumas.config.settings import SCHEMA

    numbering = next(s for s in SCHEMA if s.name == "numbering")
    assert next(k.default for k in numbering.keys if k.name == "pattern") == DEFAULT_PATTERN


def test_other_patterns_and_tag():
    at = datetime(2027, 1, 2, tzinfo=WIB)
    assert (
        format_number("{tag}-{year}-{month:02d}-{seq:04d}", 7, at, tag="DUMAS")
        == "DUMAS-2027-01-0007"
    )
    assert (
        format_number("{seq}/{tag}/KPU-MTW/{month_roman}/{year}", 7, at) == "7/PGD/KPU-MTW/I/2027"
    )


def test_the_local_date_decides_month_and_year():
    # 31 Dec 2026 17:30 UTC is already 1 Jan 2027 00:30 WIB: the new year's numbering.
    utc = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)
    assert format_number(DEFAULT_PATTERN, 1, utc.astimezone(WIB)) == "001/PGD/I/2027"


def test_sequence_starts_at_one():
    with pytest.raises(ValueError):
        format_number(DEFAULT_PATTERN, 0, datetime(2026, 1, 1, tzinfo=WIB))


def test_case_tag():
    assert case_tag("001/PGD/XI/2026") == "[PGD 001/XI/2026]"
    assert case_tag("001/PGD/XI/2026", tag="PGD") == "[PGD 001/XI/2026]"
    assert case_tag("DUMAS-2027-01-0007", tag="DUMAS") == "[DUMAS DUMAS-2027-01-0007]"


@pytest.mark.parametrize(
    "subject",
    [
        "[PGD 001/XI/2026] Tanda terima pengaduan",
        "Re: [PGD 001/XI/2026] Tanda terima pengaduan",
        "Re: AW: [PGD 001/XI/2026] Tanda terima ...",
        "RE: RE: Fwd: Balas: [PGD 001/XI/2026] Tanda terima",
        "[EXTERNAL] Re: [PGD 001/XI/2026] Tanda terima",
        "re: [pgd 001/xi/2026] tanda terima",
        "Re: [PGD  001 / XI / 2026]\tTanda terima",
        "Re: [PGD: 001/XI/2026] Tanda terima",
        "Re: PGD 001/XI/2026 Tanda terima",  # brackets lost
        "Re: (PGD 001/XI/2026) Tanda terima",
        "Tanggapan atas [PGD 001/XI/2026]",
    ],
)
def test_find_case_tag_tolerates_mail_clients(subject):
    assert find_case_tag(subject, "PGD") == "001/XI/2026"


@pytest.mark.parametrize(
    "subject",
    [
        "",
        "Re: Tanda terima pengaduan",
        "[PGD] tanpa nomor",
        "Laporan PGD",
        "[XYZ 001/XI/2026] lain",
        "Re: UPGD 001/XI/2026",
        "Laporan PGD 2026",
    ],
)
def test_find_case_tag_none(subject):
    assert find_case_tag(subject, "PGD") is None


def test_first_tag_wins_and_round_trip():
    subject = "Re: [PGD 002/XI/2026] balasan atas [PGD 001/XI/2026]"
    assert find_case_tag(subject) == "002/XI/2026"
    number = format_number(DEFAULT_PATTERN, 17, datetime(2026, 3, 9, tzinfo=WIB))
    found = find_case_tag("Re: " + case_tag(number) + " Tanda terima")
    assert number_from_tag(found, DEFAULT_PATTERN, "PGD") == number == "017/PGD/III/2026"


def test_number_from_tag_with_other_patterns():
    pattern = "{seq}/{tag}/KPU-MTW/{month_roman}/{year}"
    number = format_number(pattern, 9, datetime(2026, 8, 1, tzinfo=WIB), tag="DUMAS")
    found = find_case_tag("Re: " + case_tag(number, "DUMAS"), "DUMAS")
    assert number_from_tag(found, pattern, "DUMAS") == number
    # A pattern without a tag segment: the tag body is the whole number.
    pattern = "{year}-{seq:04d}"
    number = format_number(pattern, 5, datetime(2026, 8, 1, tzinfo=WIB))
    assert case_tag(number) == "[PGD 2026-0005]"
    assert find_case_tag("Re: [PGD 2026-0005] Tanda terima") == "2026-0005"
    assert number_from_tag("2026-0005", pattern, "PGD") == number
