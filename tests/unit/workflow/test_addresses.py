"""Strict ASCII address keys: look-alikes never fold onto a staff address (issue 9, item 13)."""

import pytest

from dumas.workflow.addresses import domain_of, lower_ascii, staff_key


@pytest.mark.parametrize(
    "written",
    [
        "se\u212aretaris@kpu.example",  # Kelvin sign: "\u212a".lower() == "k"
        "sekretaris@\u212apu.example",
        "\u0130nfo@kpu.example",  # dotted capital I
        "sekretaris@kpu.ex\u0430mple",  # Cyrillic a
        "sekretaris@kpu.example\u200b",  # zero-width space
    ],
)
def test_a_lookalike_has_no_staff_key(written):
    assert staff_key(written) == ""
    assert lower_ascii(written) != "sekretaris@kpu.example"


def test_plain_ascii_is_lower_cased_and_stripped():
    assert staff_key("  Sekretaris@KPU.Example ") == "sekretaris@kpu.example"
    assert domain_of(staff_key("Wakil@KPU.example")) == "kpu.example"
    assert domain_of("") == ""
