"""Who or what is reported (*terlapor*), when the complaint says so."""

from __future__ import annotations

import re

from dumas.workflow.extract.textform import TextLine, read_lines, readable_part, section_of
from dumas.workflow.extract.textnames import phrase_until_stop


def extract_terlapor(text: str) -> str:
    """Who or what is reported, if the text says: a "Terlapor:" line, an "Identitas Terlapor"
    block ("Nama:", "Jabatan:" under it), "yang dilaporkan adalah ...", "melaporkan Sdr. ...",
    "oknum ...". "" when nothing is stated."""
    lines = read_lines(text)
    for ln in lines:
        if ln.kind in ("terlapor", "nama_terlapor") and ln.value:
            return _with_details(ln.value, lines[ln.no + 1 : ln.no + 4], ("jabatan",))
    block = [ln for ln in lines if ln.section == "terlapor" and ln.text and not section_of(ln.text)]
    if block:
        labelled = [ln.value for ln in block if ln.kind in ("nama", "jabatan") and ln.value]
        return ", ".join(labelled) if labelled else block[0].text  # as written: "KPPS" stays
    return _terlapor_phrase(readable_part(text or ""))


def _with_details(value: str, following: list[TextLine], kinds: tuple[str, ...]) -> str:
    details = []
    for ln in following:
        if not (ln.is_label and ln.kind in kinds and ln.value):
            break
        details.append(ln.value)
    return ", ".join([value.strip()] + details)


# The blanks around "adalah" are bounded: unbounded, two runs of blanks side by side share a long
# run every way before failing (quadratic); not possessive, since `who` may start with a blank.
_TERLAPOR_PHRASES = tuple(
    re.compile(rx, re.IGNORECASE)
    for rx in (
        r"\byang\s+(?:di)?laporkan\s{1,20}(?:adalah|yaitu|ialah|:)?\s{0,20}"
        r"(?P<who>[^\n.;]{3,120})",
        r"\b(?:melaporkan|mengadukan|laporkan)\s+(?:oknum\s+)?(?P<who>(?:sdr|saudara|saudari|bapak|pak"
        r"|ibu|bu)\b\.?\s*[^\n.;]{2,120})",
        r"\boknum\s+(?P<who>[^\n.;]{2,120})",
    )
)


def _terlapor_phrase(text: str) -> str:
    for rx in _TERLAPOR_PHRASES:
        for m in rx.finditer(text or ""):
            who = phrase_until_stop(m.group("who"), max_words=8)
            if who:
                return who
    return ""
