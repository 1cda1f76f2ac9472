"""The desk's DAFTAR form: a walk-in or postal complaint registered by email (issue 10 item 4).

The desk writes `DAFTAR` (or `DAFTAR LANGSUNG` / `DAFTAR SURAT`) on the first line and a short
form below it, one "Label: value" per line, labels in Indonesian and case-insensitive:

    DAFTAR SURAT
    Nama: Yohanes Sakerebau
    NIK: 1309010101800001        (optional)
    Telepon: 0813 7000 1111
    Alamat: Dusun Puro, Desa Muntei
    Lokasi kejadian: TPS 02 Desa Muntei, Kecamatan Siberut Selatan
    Terlapor: Ketua KPPS TPS 02
    Email: yohanes@contoh.id      (optional: only then does the reporter get email)
    Saluran: surat                (optional: langsung by default)
    Uraian: the complaint, as many lines as needed.

`is_daftar(lines)` says whether a message's first line asks for a registration; `read_form(text)`
reads the form. A line with a label the form does not know (a "Waktu: …" inside the story) joins
the field above it, so the Uraian may hold such lines. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dumas.workflow.extract.phone import normalize_phone
from dumas.workflow.extract.textform import label_key, normalize_text

CHANNELS = ("langsung", "surat")
DEFAULT_CHANNEL = "langsung"
FORM_CHARS = 20_000  # a form is a page; the raw message keeps everything beyond

# The first line: DAFTAR, optionally the channel ("DAFTAR SURAT"), nothing else.
# Only these words: "Daftar pelanggaran:" opening a citizen's story is no registration.
_HEAD = re.compile(
    r"^\s*\**daftar(?:\s+(?P<channel>langsung|surat))?\s*[.!]?\**\s*$", re.IGNORECASE
)
_LINE = re.compile(r"^\s*(?:[-*•]\s*)?(?P<label>[^\W\d_][\w ./()-]{0,30}?)\s*[:：]\s*(?P<v>.*)$")

# Form field -> the labels that name it (after `label_key`: lower-case, dots as spaces).
LABELS: dict[str, tuple[str, ...]] = {
    "nama": ("nama", "nama pelapor", "nama lengkap", "nama lengkap pelapor"),
    "nik": ("nik", "no nik", "nomor nik", "nik pelapor", "ktp", "no ktp", "nik / ktp"),
    "telepon": (
        "telepon",
        "telp",
        "tlp",
        "hp",
        "no hp",
        "nomor hp",
        "no telp",
        "no telepon",
        "nomor telepon",
        "telepon / hp",
        "hp / wa",
        "no hp / wa",
        "wa",
        "whatsapp",
    ),
    "alamat": ("alamat", "alamat pelapor", "alamat lengkap"),
    "email": ("email", "e-mail", "e mail", "surel", "email pelapor"),
    "lokasi": ("lokasi kejadian", "lokasi", "tempat kejadian", "tkp"),
    "terlapor": ("terlapor", "pihak terlapor", "yang dilaporkan"),
    "uraian": ("uraian", "uraian pengaduan", "uraian singkat", "isi pengaduan", "kronologi"),
    "perihal": ("perihal", "hal"),
    "saluran": ("saluran", "cara penyampaian"),
}
_BY_LABEL = {label: name for name, labels in LABELS.items() for label in labels}
_EMAIL = re.compile(r"^[^@\s<>]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)+$", re.IGNORECASE)


@dataclass(frozen=True)
class DaftarForm:
    """What the desk typed: `channel` (langsung/surat), the `fields` present (stripped, by the
    names of LABELS), and `problems`: Indonesian sentences, empty when it can be registered."""

    channel: str
    fields: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def get(self, name: str) -> str:
        return self.fields.get(name, "")


def is_daftar(lines: list[str]) -> bool:
    """Whether the first meaningful line (of what the sender wrote) is a DAFTAR line."""
    return bool(lines) and _HEAD.match(lines[0]) is not None


def read_form(text: str) -> DaftarForm:
    """The form in `text`, whose first non-empty line is the DAFTAR line (else a problem)."""
    lines = normalize_text(text[:FORM_CHARS]).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    head = _HEAD.match(lines[0]) if lines else None
    if head is None:
        return DaftarForm(DEFAULT_CHANNEL, {}, ("Baris pertama email harus berbunyi DAFTAR.",))
    fields: dict[str, list[str]] = {}
    current = ""
    for line in lines[1:]:
        m = _LINE.match(line)
        name = _BY_LABEL.get(label_key(m.group("label"))) if m else None
        if m and name:
            current = name
            fields[name] = [m.group("v").strip()]  # a label given twice: the last one counts
        elif current:
            fields[current].append(line.strip())
    values = {k: _joined(v, keep_lines=k == "uraian") for k, v in fields.items()}
    values = {k: v for k, v in values.items() if v}
    problems: list[str] = []
    channel = _channel(head.group("channel"), values.get("saluran", ""), problems)
    _check(values, problems)
    return DaftarForm(channel, values, tuple(problems))


def _joined(lines: list[str], keep_lines: bool) -> str:
    if keep_lines:
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return " ".join(" ".join(lines).split())


def _channel(word: str | None, saluran: str, problems: list[str]) -> str:
    """DAFTAR SURAT wins over a Saluran line; langsung when neither says."""
    for given in (word, saluran):
        if not given:
            continue
        value = given.strip().lower().split()[0]
        if value in ("pos", "tertulis"):
            value = "surat"
        if value in ("datang", "tatap"):
            value = "langsung"
        if value in CHANNELS:
            return value
        problems.append(
            f"Saluran '{given.strip()[:40]}' tidak dikenal: tulis DAFTAR LANGSUNG (pelapor datang "
            "langsung) atau DAFTAR SURAT (pengaduan melalui surat)."
        )
        return DEFAULT_CHANNEL
    return DEFAULT_CHANNEL


def _check(values: dict[str, str], problems: list[str]) -> None:
    if not values.get("uraian"):
        problems.append(
            "Uraian pengaduan tidak ditemukan: tulis baris 'Uraian:' disertai isi pengaduan."
        )
    if "telepon" in values:
        values["telepon"] = normalize_phone(values["telepon"]) or values["telepon"]
    nik = re.sub(r"[\s.-]", "", values.get("nik", ""))
    if nik:
        if not re.fullmatch(r"\d{16}", nik):
            problems.append("NIK harus 16 angka (boleh dikosongkan bila tidak ada).")
        values["nik"] = nik
    email = values.get("email", "")
    if email:
        if not _EMAIL.match(email):
            problems.append(f"Alamat email pelapor '{email[:80]}' tidak sah.")
        values["email"] = email.lower()
