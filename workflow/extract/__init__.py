"""Understanding a complaint's text: who reports, about whom, where, what kind. Pure functions.

One import for the callers (registration, the desk notification, `dumas register`):
- `extract_pelapor(text, from_name, from_email) -> Pelapor` (see `dumas.workflow.extract.pelapor`);
- `extract_lokasi(text, kecamatan_names, desa=None) -> Lokasi` (`dumas.workflow.extract.lokasi`);
- `extract_terlapor(text) -> str` (`dumas.workflow.extract.terlapor`);
- `wants_confidentiality(text) -> bool`, `allows_disclosure(text) -> bool`
  (`dumas.workflow.extract.confidential`);
- `guess_klasifikasi(subject, text) -> KlasifikasiGuess` (`dumas.workflow.extract.klasifikasi`).
Everything is a best effort on text citizens wrote freely; the desk confirms it. No I/O, no
database, no clock.
"""

from __future__ import annotations

from dumas.workflow.extract.confidential import allows_disclosure, wants_confidentiality
from dumas.workflow.extract.klasifikasi import KLASIFIKASI, KlasifikasiGuess, guess_klasifikasi
from dumas.workflow.extract.lokasi import Lokasi, extract_lokasi
from dumas.workflow.extract.pelapor import Pelapor, extract_pelapor
from dumas.workflow.extract.phone import normalize_phone
from dumas.workflow.extract.terlapor import extract_terlapor

__all__ = [
    "KLASIFIKASI",
    "KlasifikasiGuess",
    "Lokasi",
    "Pelapor",
    "allows_disclosure",
    "extract_lokasi",
    "extract_pelapor",
    "extract_terlapor",
    "guess_klasifikasi",
    "normalize_phone",
    "wants_confidentiality",
]
