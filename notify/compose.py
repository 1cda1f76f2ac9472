"""Composing emails from the Jinja2 templates in `templates/email/` (Indonesian texts).

Each kind of email is three files: `<kind>.subject` (one line), `<kind>.txt` (the plain text, the
part every client shows) and optionally `<kind>.html`. Text templates are not escaped (they are
plain text); HTML templates are autoescaped, so a complaint's text can never become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape

from dumas.workflow.numbering import case_tag

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
         "Oktober", "November", "Desember")


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def tanggal(value: datetime | None, tz: ZoneInfo, with_time: bool = True) -> str:
    """`Senin, 2 November 2026 pukul 09.15 WIB` — the way Indonesian letters write dates."""
    if value is None:
        return "-"
    local = value.astimezone(tz)
    text = f"{HARI[local.weekday()]}, {local.day} {BULAN[local.month - 1]} {local.year}"
    if with_time:
        text += f" pukul {local:%H.%M} {local.tzname() or ''}".rstrip()
    return text


def ukuran(size: int) -> str:
    """Human file sizes with Indonesian decimal commas: `1,4 MB`."""
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}".replace(".", ",")
    return f"{size} byte"


class Composer:
    def __init__(self, office, tag: str):
        self.office = office
        self.tag = tag
        folder = resources.files("dumas.templates") / "email"
        self.env = Environment(loader=FileSystemLoader(str(folder)), undefined=StrictUndefined,
                               autoescape=select_autoescape(["html"]), keep_trailing_newline=True,
                               trim_blocks=True, lstrip_blocks=True)
        tz = office.tz
        self.env.filters["tanggal"] = lambda v, with_time=True: tanggal(v, tz, with_time)
        self.env.filters["ukuran"] = ukuran
        self.env.globals["office"] = office

    def compose(self, kind: str, number: str | None = None, **context) -> Composed:
        """Render `kind` with `context`; the subject gets the case tag when there is a number."""
        context = {"number": number, **context}
        subject = " ".join(self.env.get_template(f"{kind}.subject").render(context).split())
        if number:
            subject = f"{case_tag(number, self.tag)} {subject}"
        text = self.env.get_template(f"{kind}.txt").render(context)
        try:
            html = self.env.get_template(f"{kind}.html").render(context)
        except TemplateNotFound:
            html = ""
        return Composed(subject=subject, text=text, html=html)
