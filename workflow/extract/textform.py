"""Reading a complaint's text as lines: "Label : value" pairs, sections, signature closings.

Citizens write half-forms: "Nama : ...", "No. HP/WA: ...", headings such as "IDENTITAS PELAPOR" /
"Data Terlapor", then free text. `read_lines` turns the text into `TextLine`s that know their label
kind and the section they sit in, so that a "Nama:" under "Identitas Terlapor" is not taken for the
reporter's name. Quote markers ("> ") are removed so a forwarded or quoted complaint reads the same.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Label kinds, tried in order on the normalised label ("no hp / wa", "nama lengkap pelapor").
LABEL_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(rx))
    for kind, rx in (
        ("nama_terlapor", r"^(nama|identitas) (terlapor|teradu|yang dilaporkan)$"),
        (
            "terlapor",
            r"^(terlapor|teradu|pihak teradu|pihak (yang )?(di)?laporkan|yang (di)?laporkan"
            r"|orang yang (di)?laporkan|data terlapor)$",
        ),
        ("nama_pelapor", r"^(nama( lengkap)? pelapor|pelapor)$"),
        ("nama", r"^(nama( lengkap| saya)?|name|full name)$"),
        (
            "nik",
            r"^(no(mor|mer)? )?(nik|ktp|nik ?/ ?ktp|ktp ?/ ?nik|induk kependudukan)( pelapor)?$"
            r"|^no(mor)? induk kependudukan$",
        ),
        ("email", r"^(e ?-?mail|surel|alamat (e ?-?mail|surel))( pelapor)?$"),
        (
            "lokasi",
            r"^(lokasi|tempat|tkp|lokasi tps|alamat kejadian|alamat lokasi|lokasi pelanggaran"
            r"|(lokasi|tempat) (kejadian|peristiwa|pelanggaran)( perkara)?"
            r"|tempat dan waktu kejadian|tempat ?/ ?waktu kejadian)$",
        ),
        ("tps", r"^(no(mor|mer)? )?tps$"),
        ("alamat", r"^(alamat( lengkap| rumah| domisili| tinggal)?( pelapor)?|domisili|address)$"),
        (
            "alamat_bagian",
            r"^(rt|rw|rt ?/ ?rw|kel ?/ ?desa|desa ?/ ?kel(urahan)?|desa|kelurahan|dusun"
            r"|dsn|kecamatan|kec|kabupaten|kab|kota|kab ?/ ?kota|provinsi|prov|kode pos)$",
        ),
        (
            "telepon",
            r"\b(hp|telp|telepon|tlp|tel|handphone|hand phone|ponsel|wa|whatsapp|kontak"
            r"|contact|phone|mobile|seluler)\b",
        ),
        ("jabatan", r"^(jabatan|instansi|unit kerja|pekerjaan|asal instansi|asal|lembaga|status)$"),
    )
)

_SECTION = re.compile(
    r"^(?:[ivx]+|\d{1,2}|[a-h])?[.)]?\s*(?:(identitas|data|biodata|profil)\s+)?"
    r"(pelapor|terlapor|teradu|kronologi\w*|uraian\w*( kejadian| peristiwa| singkat)?"
    r"|peristiwa|kejadian|bukti\w*|lampiran|barang bukti|saksi\w*)\s*:?\s*$"
)
_LABEL = re.compile(
    r"^(?:[-*•]\s*)?(?:\d{1,2}[.)]\s*|[a-h][.)]\s+)?"
    r"(?P<label>[^\W\d_][\w ./()'’-]{0,38}?[\w.)])\s*[:：=]\s*(?P<value>.*)$"
)
_QUOTE = re.compile(r"^(?:\s*>)+\s?")
# Extraction reads at most the head of a text (the form, the story) and its tail (the closing,
# the signature). A complaint is a few kilobytes; a megabyte is a pasted document or an attack,
# and the desk reads the whole of it anyway. Redaction and the request for confidentiality read
# the whole text: what they miss would leak.
HEAD_CHARS = 48_000
TAIL_CHARS = 16_000
# A letter's closing line; a name may follow on the same line only after punctuation
# ("Wassalam, Frans"), so "Salam hangat" is a closing and "hangat" is not a name.
_CLOSING = re.compile(
    r"^(?:hormat\s+(?:saya|kami)|salam(?:\s+(?:hormat|saya|kami|hangat|sejahtera|sehat))?"
    r"|(?:terima\s*kasih|trimakasih|makasih)(?:\s+(?:banyak|sebelumnya|pak|bu|bapak|ibu))?"
    r"|wassalam\w*(?:[\s'’]+(?:wr|wb|warahmatullahi|wabarakatuh)\b\.?)*"
    r"|wa?ssalamu\W?alaikum\w*(?:[\s'’]+(?:wr|wb|warahmatullahi|wabarakatuh)\b\.?)*"
    r"|best\s+regards|kind\s+regards|regards|tertanda|ttd|pelapor|yang\s+melapor\w*"
    r"|yang\s+membuat\s+laporan|yang\s+mengadu\w*)"
    r"(?:\s+atas\s+(?:perhatian|bantuan|kerja\s*sama)\w*(?:\s+\w+){0,3})?"
    r"\s*(?:[,.!:]+\s*(?P<rest>.*))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class TextLine:
    no: int
    text: str  # without quote markers, stripped
    kind: (
        str | None
    )  # label kind ("nama", "alamat", ...), "" for an unknown label, None if no label
    label: str  # the normalised label as written ("no hp / wa"), "" when none
    value: str  # the text after the colon, stripped ("" when no label)
    section: str  # "pelapor", "terlapor", "saksi", "lain" (another heading), "" (before any)

    @property
    def is_label(self) -> bool:
        return self.kind is not None


def readable_part(text: str) -> str:
    """What extraction reads of `text`: all of it, or its head and tail cut at line ends."""
    if len(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    head_end = text.rfind("\n", 0, HEAD_CHARS)
    tail_start = text.find("\n", len(text) - TAIL_CHARS)
    head = text[: head_end if head_end > 0 else HEAD_CHARS]
    tail = text[tail_start if tail_start >= 0 else len(text) - TAIL_CHARS :]
    return f"{head}\n\n{tail}"


def normalize_text(text: str) -> str:
    """NFKC (full-width digits, non-breaking spaces), Unix newlines, no zero-width characters."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\u200b-\u200d\ufeff]", "", text)


def label_key(label: str) -> str:
    key = " ".join(label.lower().replace(".", " ").replace("’", "'").split())
    return re.sub(r" ?/ ?", " / ", key)


def label_kind(label: str) -> str:
    """The kind of a label; labels about the accused ("No. HP Terlapor") become "terlapor_lain"
    so that nothing about the terlapor is read as the reporter's."""
    key = label_key(label)
    about_terlapor = re.search(r"terlapor|teradu", key) is not None
    for kind, rx in LABEL_KINDS:
        if rx.search(key):
            if about_terlapor and kind not in ("nama_terlapor", "terlapor"):
                return "terlapor_lain"
            return kind
    return "terlapor_lain" if about_terlapor else ""


def section_of(text: str) -> str | None:
    """The section a heading line opens ("pelapor", "terlapor", "saksi", "lain"), or None."""
    if len(text) > 80:  # headings are short; long lines are prose
        return None
    m = _SECTION.match(label_key(text).replace(" / ", "/"))
    if not m:
        return None
    word = m.group(2)
    if word.startswith(("terlapor", "teradu")):
        return "terlapor"
    if word.startswith("saksi"):
        return "saksi"
    return "pelapor" if word == "pelapor" else "lain"


def read_lines(text: str) -> list[TextLine]:
    """The text (its `readable_part`) as `TextLine`s. A heading opens a section; a section about a
    person (pelapor, terlapor, saksi) ends at a heading or at prose after a blank line — forms are
    followed by the story more often than by another heading."""
    out: list[TextLine] = []
    section, after_blank = "", False
    for no, raw in enumerate(normalize_text(readable_part(text or "")).split("\n")):
        line = _QUOTE.sub("", raw).strip()
        opened = section_of(line) if line else None
        m = _LABEL.match(line)
        if opened and not (m and m.group("value").strip()):
            section = opened
        elif m and (heading := section_of(m.group("label"))) in ("lain", "saksi"):
            section = heading  # "Kronologi: Pada ..."
        elif line and not m and after_blank and section in ("pelapor", "terlapor", "saksi"):
            section = "lain"
        after_blank = not line
        if m and not (opened and not m.group("value").strip()):
            label = m.group("label")
            out.append(
                TextLine(
                    no, line, label_kind(label), label_key(label), m.group("value").strip(), section
                )
            )
        else:
            out.append(TextLine(no, line, None, "", "", section))
    return out


def closing_of(line: str) -> re.Match[str] | None:
    """The match when `line` is a letter's closing ("Hormat saya,", "Wassalam"), else None."""
    if len(line) > 80:
        return None
    return _CLOSING.match(line)
