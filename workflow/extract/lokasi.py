"""Where it happened (*lokasi khusus*): TPS, desa/kelurahan, kecamatan, or a free-text place.

Canonical forms:
- `tps`: the number zero-padded to three digits as KPU numbers them ("TPS 3", "tps03", "TPS No.
  03", "TPS nomor 3" -> "003"); several TPS -> "003, 005" (at most three). A four-digit number
  ("TPS 2024") is never a TPS number.
- `desa`: the gazetteer spelling when the name is known ("desa muntei" -> "Muntei"), else the
  words after "Desa"/"Kelurahan" as written (re-cased if ALL CAPS or all lower). A "Dusun X"
  alone is reported in `text`, since a dusun is not a desa.
- `kecamatan`: always a name from the configured gazetteer (spelling variants and "Kec."
  abbreviations tolerated, typos after "Kec." fuzzily), or inferred from a known desa whose
  kecamatan is unambiguous; "" otherwise.
- `text`: the value of a "Lokasi:" / "Tempat kejadian:" / "TKP:" line, as written.

The reporter's own address is not the place of the incident: the "Alamat" block, the lines under
an "Identitas Pelapor" heading and the signature block are left out of the search (explicit
"Lokasi:"/"TPS:" lines are always read). Pass the subject and the body joined, subject first.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from dumas.workflow.extract.gazetteer import Gazetteer
from dumas.workflow.extract.pelapor import address_of, signature_lines
from dumas.workflow.extract.textform import TextLine, read_lines
from dumas.workflow.extract.textnames import phrase_until_stop, tidy_case

# Here and below, blanks around an optional mark are possessive: "\s*:?\s*" would share a long
# run of blanks between its two halves every way before failing (quadratic in the run).
_TPS = re.compile(
    r"\btps(?![a-z])\s*+[-.:#]?\s*+(?:(?:no|nomor|nomer|nmr)\b\.?\s*+[:.]?\s*+)?"
    r"(?P<n>\d{1,3})(?!\d)",
    re.IGNORECASE,
)
_DESA = re.compile(
    r"\b(?:desa|kelurahan|kel\.|ds\.)\s*+:?\s*+(?P<name>[^\W\d_][^\n,.;:()/]{1,60})", re.IGNORECASE
)
_DUSUN = re.compile(
    r"\b(?:dusun|dsn\.?)\s*+:?\s*+(?P<name>[^\W\d_][^\n,.;:()/]{1,60})", re.IGNORECASE
)
_KEC = re.compile(r"\b(?:kecamatan|kec)\b\.?\s*+:?\s*+(?P<words>[^\n,;:()/]{2,60})", re.IGNORECASE)
_PLACE_STOP = frozenset(
    [
        "kecamatan",
        "kec",
        "kab",
        "kabupaten",
        "dusun",
        "dsn",
        "rt",
        "rw",
        "tps",
        "dan",
        "yang",
        "yg",
        "pada",
        "di",
        "ke",
        "dari",
        "untuk",
        "oleh",
        "sekitar",
        "jam",
        "pukul",
        "tanggal",
        "tgl",
        "saat",
        "ketika",
        "waktu",
        "tadi",
        "kemarin",
        "tempat",
        "lokasi",
        "no",
        "nomor",
        "ada",
        "telah",
        "sudah",
        "sedang",
        "ini",
        "itu",
        "tersebut",
        "kepulauan",
        "mentawai",
        "provinsi",
        "sumbar",
        "sumatera",
        "pulau",
        "kota",
        "terjadi",
        "saya",
        "kami",
        "kita",
        "oknum",
        "para",
        "banyak",
        "warga",
        "setempat",
        "kami",
        "sendiri",
        "juga",
        "tidak",
        "akan",
        "ikut",
        "bahwa",
        "dengan",
    ]
)
_LOKASI_KINDS = ("lokasi", "tps")
_MAX_TRIES = 50  # candidate places looked at per kind: bounds the work on a hostile text
_DESA_LABELS = ("desa", "kelurahan", "kel / desa", "desa / kel", "desa / kelurahan")


@dataclass(frozen=True)
class Lokasi:
    tps: str = ""
    desa: str = ""
    kecamatan: str = ""
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.tps or self.desa or self.kecamatan or self.text)


def extract_lokasi(
    text: str,
    kecamatan_names: Iterable[str] | Gazetteer,
    desa: Mapping[str, Iterable[str]] | None = None,
) -> Lokasi:
    """The place of the incident (see the module docstring). `kecamatan_names` is the configured
    gazetteer (`Settings.kecamatan`) or a ready `Gazetteer`; `desa` overrides the built-in desa
    list (kecamatan name -> desa names; `{}` for none)."""
    gaz = (
        kecamatan_names
        if isinstance(kecamatan_names, Gazetteer)
        else Gazetteer.build(kecamatan_names, desa)
    )
    lines = read_lines(text)
    # "No. TPS: 05" says TPS in its label only; the value alone would be just a number.
    labelled = [
        ("TPS " if ln.kind == "tps" else "") + ln.value
        for ln in lines
        if ln.kind in _LOKASI_KINDS and ln.value
    ]
    incident = _incident_lines(lines)
    scope = "\n".join(labelled + [ln.text for ln in incident])
    found_desa = (
        _desa_line(incident, gaz) or _first_place(_DESA, scope, gaz) or _bare_desa(scope, gaz)
    )
    dusun = _first_place(_DUSUN, scope, gaz)
    free = next((ln.value for ln in lines if ln.kind == "lokasi" and ln.value), "")
    return Lokasi(
        tps=_tps(scope),
        desa=found_desa,
        kecamatan=_kecamatan(scope, gaz) or gaz.kecamatan_of_desa(found_desa),
        text=free or (f"Dusun {dusun}" if dusun else ""),
    )


def _incident_lines(lines: list[TextLine]) -> list[TextLine]:
    """The lines that may describe the incident: not the reporter's address, identity or
    signature, and not the explicit location lines (those are read first, separately)."""
    address, address_lines = address_of(lines)
    hidden = address_lines | signature_lines(lines)
    return [
        _without(ln, address)
        for ln in lines
        if ln.no not in hidden and ln.section != "pelapor" and ln.kind not in _LOKASI_KINDS
    ]


def _without(ln: TextLine, address: str) -> TextLine:
    return replace(ln, text=ln.text.replace(address, " ")) if address and address in ln.text else ln


def _tps(scope: str) -> str:
    numbers: list[str] = []
    for m in _TPS.finditer(scope):
        n = int(m.group("n"))
        if n and f"{n:03d}" not in numbers:
            numbers.append(f"{n:03d}")
    return ", ".join(numbers[:3])


def _desa_line(incident: list[TextLine], gaz: Gazetteer) -> str:
    """A form's own "Desa:" line about the incident (the reporter's address is not in `incident`)."""
    for ln in incident:
        if ln.kind == "alamat_bagian" and ln.value and ln.label in _DESA_LABELS:
            return gaz.canonical_desa(ln.value) or tidy_case(_place_words(ln.value))
    return ""


def _first_place(rx: re.Pattern[str], scope: str, gaz: Gazetteer) -> str:
    for m in itertools.islice(rx.finditer(scope), _MAX_TRIES):
        words = m.group("name")
        known = gaz.canonical_desa(words)
        if known:
            return known
        name = _place_words(words)
        if name and (name[0].isupper() or words.isupper()):
            return tidy_case(name)
    return ""


def _place_words(words: str) -> str:
    out = []
    for w in phrase_until_stop(words, max_words=3).split():
        if w.lower() in _PLACE_STOP:
            break
        out.append(w)
    return " ".join(out)


def _bare_desa(scope: str, gaz: Gazetteer) -> str:
    """A known desa named without "Desa" ("di Muntei"): only distinctive names (5+ letters, not
    also a kecamatan name) written with a capital, so that a word such as "mara" (danger) or the
    kecamatan Sikakap does not count."""
    kecamatan = {k.lower() for k in gaz.kecamatan}
    for name in sorted(gaz.desa_names(), key=len, reverse=True):
        if len(name) < 5 or name.lower() in kecamatan:
            continue
        m = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", scope, re.IGNORECASE)
        if m and m.group()[0].isupper():
            return name
    return ""


def _kecamatan(scope: str, gaz: Gazetteer) -> str:
    found = gaz.find_kecamatan(scope)
    if found:
        return found[0].name
    for m in itertools.islice(_KEC.finditer(scope), _MAX_TRIES):
        name = gaz.fuzzy_kecamatan(m.group("words").split())
        if name:
            return name
    return ""
