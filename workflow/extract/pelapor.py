"""The reporter's identity (*identitas pelapor*) from a complaint's text and its From header.

Where each field comes from, in order of trust:
- name: a "Nama:" / "Nama Lengkap :" / "Nama pelapor" line (not one under an "Identitas
  Terlapor" or "Saksi" heading), "nama saya ...", a signature after "Hormat saya," / "Salam," /
  "Terima kasih," / "Wassalam", and last the From display name (not when it is an address or a
  no-reply sender). ALL-CAPS or all-lower names are re-cased ("BUDI SANTOSO" -> "Budi Santoso").
  "Nama: Rahasia" / "Anonim" / "Hamba Allah" give no name and mark the report confidential.
- phone: a labelled value ("No. HP", "HP/WA", "No. Telp", "WhatsApp", "WA:"), a phrase
  ("WA saya 0812...", "hubungi saya di ..."), or a bare number line in the signature block —
  never an unlabelled number elsewhere (it may be the terlapor's). Canonical "+62..." (`phone`).
- address: the "Alamat:" value and its continuation lines, up to the next "Label:" line, blank
  line or closing; KTP-style parts ("RT/RW:", "Desa:", "Kecamatan:") directly below are included.
- NIK: 16 digits after "NIK" / "No. KTP" that pass `nik.nik_is_plausible`, else "".
- email: the sender's address (where we answer), else an "Email:" line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dumas.workflow.extract.confidential import wants_confidentiality
from dumas.workflow.extract.nik import find_nik
from dumas.workflow.extract.phone import RUN, find_phone, phone_from_run
from dumas.workflow.extract.redaction import EMAIL
from dumas.workflow.extract.textform import TextLine, closing_of, read_lines
from dumas.workflow.extract.textnames import clean_name, is_anonymous_name, phrase_until_stop

_PELAPOR_SECTIONS = ("pelapor", "", "lain")  # in order of preference; never terlapor / saksi
_NOREPLY = re.compile(
    r"no[-_. ]?reply|do[-_. ]?not[-_. ]?reply|mailer[-_. ]?daemon|postmaster", re.IGNORECASE
)
# "Nama saya X" opening a sentence — not "jangan sebut nama saya ya pak".
_NAMA_SAYA = re.compile(
    r"(?:^|[,.;:!?]\s*|\b(?:perkenalkan|adapun|dan)\s+)"
    r"nama\s+(?:saya|sy|lengkap\s+saya)\s*(?:adalah|ialah|yaitu|:)?\s+"
    r"(?P<name>[^\n,.;:(]{2,60})",
    re.IGNORECASE,
)
_PHONE_PHRASE = re.compile(
    r"(?:\b(?:no(?:mor|mer)?\.?\s*)?(?:hp|telp|telepon|tlp|wa|whatsapp|ponsel|handphone|kontak)\b"
    r"|\b(?:di)?hubungi\b)(?:\s*(?:saya|sy|sya|aktif|yg|yang|bisa|dapat|dihubungi|di|ke|melalui"
    r"|lewat|via|nomor|no|[:/.,()-]))*\s*(?P<num>" + RUN + ")",
    re.IGNORECASE,
)
_NIK_PHRASE = re.compile(r"\b(?:nik|no(?:mor)?\.?\s*ktp|ktp)\b", re.IGNORECASE)
_ADDRESS_PHRASE = re.compile(
    r"\b(?:alamat\s+saya(?:\s+di)?|beralamat\s+di)\s+(?P<addr>[^\n]{4,160})", re.IGNORECASE
)
# Where a sentence ends: ". " or ";" — but not after the abbreviations of addresses ("Jl. ").
_SENTENCE_END = re.compile(
    r"(?<!\bjl)(?<!\bjln)(?<!\bno)(?<!\bkec)(?<!\bkab)(?<!\bds)(?<!\bkel)"
    r"(?<!\bgg)(?<!\bdsn)(?<!\bprov)(?<!\brt)(?<!\brw)\.(?:\s|$)|;",
    re.IGNORECASE,
)
_SIGNATURE_NOISE = re.compile(
    r"^(?:wr\.?\s*wb\.?|warahmatullahi\b.*|ttd\.?|\(.*\)|-+)$", re.IGNORECASE
)


@dataclass(frozen=True)
class Pelapor:
    name: str = ""
    email: str = ""
    phone: str = ""  # canonical "+62...", see dumas.workflow.extract.phone
    address: str = ""
    nik: str = ""  # 16 digits, only when plausible
    confidential: bool = False


def extract_pelapor(text: str, from_name: str = "", from_email: str = "") -> Pelapor:
    """The reporter's identity from the complaint text and the From header (module docstring)."""
    lines = read_lines(text)
    labelled = _labelled_name(lines)
    anonymous = labelled is not None and is_anonymous_name(labelled)
    # "Nama: Budi, 45 th" / "Nama: Budi 0812...": the name is what comes before the digits.
    name = "" if anonymous else clean_name(re.split(r"\d", labelled or "", maxsplit=1)[0])
    if not name and not anonymous:
        name = _name_saya(lines) or _signature(lines)[0] or _display_name(from_name, from_email)
    return Pelapor(
        name=name,
        email=(from_email or "").strip() or _labelled_email(lines),
        phone=_phone(lines),
        address=address_of(lines)[0],
        nik=_nik(lines),
        confidential=anonymous or wants_confidentiality(text),
    )


def _own(lines: list[TextLine], kinds: tuple[str, ...]) -> list[TextLine]:
    """Labelled lines of these kinds that belong to the reporter, best section first."""
    found = [ln for ln in lines if ln.kind in kinds and ln.section in _PELAPOR_SECTIONS]
    return sorted(found, key=lambda ln: (_PELAPOR_SECTIONS.index(ln.section), ln.no))


def _labelled_name(lines: list[TextLine]) -> str | None:
    explicit = [ln for ln in lines if ln.kind == "nama_pelapor"]
    plain = [ln for ln in _own(lines, ("nama",)) if ln.section != "lain"]
    for ln in explicit + plain:
        value = ln.value or _value_below(lines, ln)
        if value:
            return value
    return None


def _value_below(lines: list[TextLine], ln: TextLine) -> str:
    """The value of a label written alone on its line ("Nama :" then the name below)."""
    below = lines[ln.no + 1] if ln.no + 1 < len(lines) else None
    if below and below.text and not below.is_label and below.section == ln.section:
        return below.text
    return ""


def _name_saya(lines: list[TextLine]) -> str:
    for ln in lines:
        if ln.section in _PELAPOR_SECTIONS:
            for m in _NAMA_SAYA.finditer(ln.text):
                name = clean_name(phrase_until_stop(m.group("name"), max_words=5))
                if name:
                    return name
    return ""


def _signature(lines: list[TextLine]) -> tuple[str, int, int]:
    """(name, closing line, name line) from the first letter closing followed by a name;
    ("", -1, -1) when there is none."""
    for i, ln in enumerate(lines):
        m = closing_of(ln.text) if ln.section != "terlapor" else None
        if not m:
            continue
        if m.group("rest") and clean_name(m.group("rest")):
            return clean_name(m.group("rest")), i, i
        for j in range(i + 1, min(i + 5, len(lines))):
            candidate = lines[j].text
            if not candidate or _SIGNATURE_NOISE.match(candidate):
                continue
            name = clean_name(candidate)
            if name:
                return name, i, j
            break
    return "", -1, -1


def _display_name(from_name: str, from_email: str) -> str:
    name = (from_name or "").strip().strip("'\"").strip()
    local = (from_email or "").partition("@")[0].lower()
    if not name or "@" in name or _NOREPLY.search(name) or _NOREPLY.search(local):
        return ""
    if name.lower() == local:  # "budisantoso" <budisantoso@...>: no more than the address
        return ""
    return clean_name(name)


def _labelled_email(lines: list[TextLine]) -> str:
    for ln in _own(lines, ("email",)):
        m = EMAIL.search(ln.value)
        if m:
            return m.group()
    return ""


def _phone(lines: list[TextLine]) -> str:
    for ln in _own(lines, ("telepon",)):
        phone = find_phone(ln.value)
        if phone:
            return phone
    for ln in lines:
        if ln.section in _PELAPOR_SECTIONS and ln.kind not in ("terlapor_lain", "nik"):
            for m in _PHONE_PHRASE.finditer(ln.text):
                phone = phone_from_run(m.group("num"))
                if phone:
                    return phone
    return _signature_phone(lines)


def _signature_phone(lines: list[TextLine]) -> str:
    _, _, at = _signature(lines)
    if at < 0:
        return ""
    for ln in lines[at + 1 : at + 5]:
        if re.fullmatch(r"[+\d][\d \t().\-]{6,24}", ln.text):
            phone = find_phone(ln.text)
            if phone:
                return phone
    return ""


def _nik(lines: list[TextLine]) -> str:
    for ln in _own(lines, ("nik",)):
        return find_nik(ln.value)
    for ln in lines:
        if ln.section in _PELAPOR_SECTIONS and ln.kind != "terlapor_lain":
            m = _NIK_PHRASE.search(ln.text)
            if m:
                nik = find_nik(ln.text[m.end() :])
                if nik:
                    return nik
    return ""


def address_of(lines: list[TextLine]) -> tuple[str, set[int]]:
    """The reporter's address and the numbers of the lines it fills (none when it was read
    from a phrase inside a line, "beralamat di ...")."""
    for ln in _own(lines, ("alamat",)):
        parts, used = [ln.value] if ln.value else [], {ln.no}
        for nxt in lines[ln.no + 1 : ln.no + 6]:
            another_label = nxt.is_label and nxt.kind != "alamat_bagian"
            if (
                not nxt.text
                or closing_of(nxt.text)
                or another_label
                or nxt.section != ln.section
                or _is_prose(nxt.text)
            ):
                break
            used.add(nxt.no)
            parts.append(
                f"{nxt.text.split(':', 1)[0].strip()} {nxt.value}" if nxt.is_label else nxt.text
            )
        address = ", ".join(p.strip(" ,") for p in parts if p.strip(" ,"))
        if address and address != "-":
            return address, used
    for ln in lines:
        m = _ADDRESS_PHRASE.search(ln.text) if ln.section in _PELAPOR_SECTIONS else None
        if m:
            # The rest of the line may tell the incident: the caller removes the address text.
            return _SENTENCE_END.split(m.group("addr"), maxsplit=1)[0].strip(" ,"), set()
    return "", set()


def _is_prose(text: str) -> bool:
    """A sentence of the story rather than a line of an address ("Dusun Baru, Desa Sioban")."""
    return len(text) > 70 or len(text.split()) > 8


def signature_lines(lines: list[TextLine]) -> set[int]:
    """Line numbers of the signature block (the closing and the few lines under it)."""
    _, start, at = _signature(lines)
    return set(range(start, at + 5)) if start >= 0 else set()
