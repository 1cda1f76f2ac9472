"""Place names for the *lokasi khusus*: kecamatan (configurable) and the desa of each.

The kecamatan list comes from the settings (`[gazetteer] kecamatan`, default the ten of Kabupaten
Kepulauan Mentawai); this module cannot import config, so callers pass the names in.

`DESA_MENTAWAI` lists the 43 desa of Kabupaten Kepulauan Mentawai (kode wilayah 13.09) per
kecamatan, as in the Kemendagri regulation on kode dan data wilayah administrasi pemerintahan,
cross-checked against the idn-area-data package (v3.1.2). The regency has no kelurahan. Two names
occur twice — Matobe (Sipora Selatan and Sikakap) and Betumonga (Pagai Utara and Sipora Utara) — so
a desa alone does not always tell the kecamatan; `Gazetteer.kecamatan_of_desa` then answers "".
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

DESA_MENTAWAI: dict[str, tuple[str, ...]] = {
    "Pagai Utara": ("Betumonga", "Silabu", "Saumanganya"),
    "Sipora Selatan": ("Bosua", "Beriulou", "Nemnemleleu", "Mara", "Sioban", "Matobe", "Saureinu"),
    "Siberut Selatan": ("Muara Siberut", "Maileppet", "Muntei", "Matotonan", "Madobag"),
    "Siberut Utara": (
        "Bojakan",
        "Sotboyak",
        "Mongan Poula",
        "Muara Sikabaluan",
        "Sirilogui",
        "Malancan",
    ),
    "Siberut Barat": ("Simatalu", "Simalegi", "Sigapokna"),
    "Siberut Barat Daya": ("Katurei", "Sagulubbeg", "Pasakiat Taileleu"),
    "Siberut Tengah": ("Saibi Samukop", "Cimpungan", "Saliguma"),
    "Sipora Utara": (
        "Betumonga",
        "Goisooinan",
        "Tuapejat",
        "Sido Makmur",
        "Bukit Pamewa",
        "Sipora Jaya",
    ),
    "Sikakap": ("Sikakap", "Taikako", "Matobe"),
    "Pagai Selatan": ("Sinaka", "Bulasat", "Malakopa", "Makalo"),
}

# How people shorten the direction words in kecamatan names ("Kec. Siberut Sel.", "Sipora Utr").
_WORD_VARIANTS = {
    "selatan": ("selatan", "sel", "sltn", "slt", "seltan"),
    "utara": ("utara", "utr", "ut", "utra"),
    "barat": ("barat", "brt", "bar", "brat"),
    "timur": ("timur", "tmr", "tim"),
    "tengah": ("tengah", "tgh", "teng", "tngh", "tng"),
    "daya": ("daya", "dy"),
}
_FUZZY_CUTOFF = 0.85


def _key(name: str) -> str:
    """Compare form: lower case, letters only ("Sido Makmur" == "Sidomakmur" == "SIDO-MAKMUR")."""
    return re.sub(r"[^a-z]", "", name.lower())


def _expand(words: Iterable[str]) -> str:
    """Expand abbreviated direction words and join, for fuzzy comparison."""
    out = []
    for w in words:
        w = w.lower().strip(".")
        full = next((k for k, alts in _WORD_VARIANTS.items() if w in alts), w)
        out.append(full)
    return " ".join(out)


@functools.lru_cache(maxsize=256)
def _name_pattern(name: str) -> re.Pattern[str]:
    parts = []
    for word in name.lower().split():
        alts = _WORD_VARIANTS.get(word, (word,))
        written = (re.escape(a) + (r"\.?" if a != word else "") for a in alts)  # "Sel." too
        parts.append("(?:" + "|".join(written) + ")")
    return re.compile(r"(?<![a-z])" + r"[\s.\-_]*".join(parts) + r"(?![a-z])", re.IGNORECASE)


@dataclass(frozen=True)
class PlaceMatch:
    name: str  # the canonical name from the gazetteer
    start: int
    end: int


@dataclass(frozen=True)
class Gazetteer:
    """The kecamatan names (canonical spelling) and, optionally, the desa of each.

    Desa whose kecamatan is not among `kecamatan` are dropped, so the Mentawai desa list never
    leaks into a gazetteer configured for another regency.
    """

    kecamatan: tuple[str, ...]
    desa: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, kecamatan: Iterable[str], desa: Mapping[str, Iterable[str]] | None = None
    ) -> Gazetteer:
        names = tuple(n.strip() for n in kecamatan if n.strip())
        table = DESA_MENTAWAI if desa is None else desa
        wanted = {_key(n): n for n in names}
        kept = {wanted[_key(k)]: tuple(v) for k, v in table.items() if _key(k) in wanted}
        return cls(kecamatan=names, desa=kept)

    def find_kecamatan(self, text: str) -> list[PlaceMatch]:
        """Every kecamatan named in `text`, in order; the longest name wins where they overlap
        ("Siberut Barat Daya" is not also "Siberut Barat")."""
        found = [
            PlaceMatch(n, m.start(), m.end())
            for n in self.kecamatan
            for m in _name_pattern(n).finditer(text)
        ]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        chosen: list[PlaceMatch] = []
        for m in found:
            if not chosen or m.start >= chosen[-1].end:
                chosen.append(m)
        return chosen

    def fuzzy_kecamatan(self, words: Iterable[str]) -> str:
        """The kecamatan that the words after "Kec." most likely mean (typos), or ""."""
        words = list(words)
        best, best_score = "", 0.0
        for n in range(min(len(words), 3), 0, -1):
            wanted = _expand(words[:n])
            for name in self.kecamatan:
                score = difflib.SequenceMatcher(None, wanted, name.lower()).ratio()
                if score > best_score:
                    best, best_score = name, score
        return best if best_score >= _FUZZY_CUTOFF else ""

    def canonical_kecamatan(self, name: str) -> str:
        """The gazetteer spelling of a kecamatan name written any way we recognise, or ""."""
        found = self.find_kecamatan(name)
        return found[0].name if found else self.fuzzy_kecamatan(name.split())

    def canonical_desa(self, words: str) -> str:
        """The known desa that `words` starts with ("muntei kec siberut" -> "Muntei"), or ""."""
        key = _key(words)
        known = sorted({d for ds in self.desa.values() for d in ds}, key=lambda d: -len(_key(d)))
        for d in known:
            if key.startswith(_key(d)) and _is_word_prefix(words, d):
                return d
        return ""

    def kecamatan_of_desa(self, desa: str) -> str:
        """The kecamatan of a desa when the name is unambiguous, else ""."""
        homes = [k for k, ds in self.desa.items() if any(_key(d) == _key(desa) for d in ds)]
        return homes[0] if len(homes) == 1 else ""

    def desa_names(self) -> tuple[str, ...]:
        return tuple(sorted({d for ds in self.desa.values() for d in ds}))


def _is_word_prefix(words: str, desa: str) -> bool:
    """True when `desa` ends at a word boundary of `words` (so "Mara" does not match "Marapat")."""
    letters = 0
    target = len(_key(desa))
    for i, ch in enumerate(words):
        if ch.isalpha():
            letters += 1
            if letters == target:
                rest = words[i + 1 : i + 2]
                return not rest.isalpha()
    return False
