"""`[letters]` and `[officials]`: checked at load, naming the key."""

import pytest

from dumas.config.settings import settings_from_dict
from dumas.workflow.errors import ConfigError
from dumas.workflow.sop.numbering import DEFAULT_LETTER_PATTERN
from tests.unit.config.test_settings import MINIMAL, with_change


def test_defaults():
    s = settings_from_dict(MINIMAL, environ={})
    assert s.letters.pattern == DEFAULT_LETTER_PATTERN
    assert s.officials.sekretaris.jabatan == "Sekretaris" and s.officials.ketua.jabatan == "Ketua"


@pytest.mark.parametrize(
    ("pattern", "says"),
    [("{seq}/{tahun}", "{tahun}"), ("PP.04/{year}", "{seq}"), ("{seq/{year}", "not a valid")],
)
def test_a_bad_letter_pattern_stops_startup_naming_the_key(pattern, says):
    with pytest.raises(ConfigError) as err:
        settings_from_dict(with_change("letters", "pattern", pattern), environ={})
    assert "[letters] pattern" in str(err.value) and says in str(err.value)


def test_officials_fall_back_to_the_office_and_check_the_nip():
    data = with_change("office", "sekretaris_name", "Dra. Rosita")
    data["office"]["sekretaris_nip"] = "19700101 199003 2 001"
    data["officials"] = {"ketua_nama": "Yohanes", "ketua_jabatan": "Ketua KPU"}
    s = settings_from_dict(data, environ={})
    assert (s.officials.sekretaris.nama, s.officials.sekretaris.nip) == (
        "Dra. Rosita",
        "197001011990032001",
    )
    assert (s.officials.ketua.nama, s.officials.ketua.jabatan) == ("Yohanes", "Ketua KPU")
    with pytest.raises(ConfigError, match=r"\[officials\] ketua_nip"):
        settings_from_dict(with_change("officials", "ketua_nip", "12345"), environ={})


def test_pegawai_by_address_with_pangkat_and_checked_keys():
    data = with_change("pegawai", "Andi@KPU.example", {"nama": "Andi", "pangkat": "Penata (III/c)"})
    andi = settings_from_dict(data, environ={}).pegawai["andi@kpu.example"]
    assert (andi.nama, andi.pangkat, andi.nip) == ("Andi", "Penata (III/c)", "")
    for bad, match in (
        ({"golongan": "III/c"}, "golongan is not a known key"),
        ({"nip": "123"}, "nip must be the 18 digits"),
    ):
        with pytest.raises(ConfigError, match=match):
            settings_from_dict(with_change("pegawai", "andi@kpu.example", bad), environ={})
    with pytest.raises(ConfigError, match="email address"):
        settings_from_dict(with_change("pegawai", "andi", {"nama": "Andi"}), environ={})
