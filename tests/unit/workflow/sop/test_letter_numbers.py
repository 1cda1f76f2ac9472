"""Letter numbers (`[letters] pattern`) and the verification code printed on approved letters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dumas.workflow.sop.numbering import (
    DEFAULT_LETTER_PATTERN,
    check_letter_pattern,
    format_letter_number,
    verification_code,
)


def test_the_default_pattern_numbers_by_year():
    assert check_letter_pattern(DEFAULT_LETTER_PATTERN) is None
    assert format_letter_number(DEFAULT_LETTER_PATTERN, 7, datetime(2026, 3, 1)) == (
        "007/PP.04-SD/1309/2026"
    )


def test_month_placeholders():
    pattern = "{seq}/KPU-MTW/{month_roman}/{month:02d}/{year}"
    check_letter_pattern(pattern)
    assert format_letter_number(pattern, 12, datetime(2026, 11, 5)) == "12/KPU-MTW/XI/11/2026"


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        ("{seq}/{yaer}", "{yaer}"),
        ("{seq}/{tag}/{year}", "{tag}"),
        ("PP.04/{year}", "{seq}"),
        ("{seq:03q}/{year}", "not a valid pattern"),
        ("{seq/{year}", "not a valid pattern"),
    ],
)
def test_a_bad_pattern_is_refused_naming_what_is_wrong(pattern, says):
    with pytest.raises(ValueError, match=".*".join(map(__import__("re").escape, [says]))):
        check_letter_pattern(pattern)


def test_sequence_starts_at_one():
    with pytest.raises(ValueError):
        format_letter_number(DEFAULT_LETTER_PATTERN, 0, datetime(2026, 1, 1))


def test_the_code_is_short_stable_and_changes_with_any_part():
    at = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    code = verification_code("001/PP.04-SD/1309/2026", "001/PGD/XI/2026", "sek@kpu.example", at)
    assert len(code) == 10 and code.isalnum() and code.isupper()
    assert code == verification_code(
        "001/PP.04-SD/1309/2026", "001/PGD/XI/2026", "SEK@kpu.example", at
    )
    others = {
        verification_code("002/PP.04-SD/1309/2026", "001/PGD/XI/2026", "sek@kpu.example", at),
        verification_code("001/PP.04-SD/1309/2026", "002/PGD/XI/2026", "sek@kpu.example", at),
        verification_code("001/PP.04-SD/1309/2026", "001/PGD/XI/2026", "ketua@kpu.example", at),
        verification_code(
            "001/PP.04-SD/1309/2026",
            "001/PGD/XI/2026",
            "sek@kpu.example",
            at.replace(minute=1),
        ),
    }
    assert code not in others and len(others) == 4
