"""Composing emails from the Jinja2 templates in `templates/email/` (Indonesian texts).

Each kind of email is three files: `<kind>.subject` (one line), `<kind>.txt` (the plain text, the
part every client shows) and optionally `<kind>.html`. Text templates are not escaped (they are
plain text); HTML templates are autoescaped, so a complaint's text can never become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from importlib import resources
from typing import Any, Protocol

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from dumas.workflow.formatting import hari_tanggal, ukuran, waktu
from dumas.workflow.sop.numbering import case_tag


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def tanggal_lengkap(value: datetime | None, tz: tzinfo, with_time: bool = True) -> str:
    """`Senin, 2 November 2026 pukul 09.15 WIB` (or without the time)."""
    if value is None:
        return "-"
    local = value.astimezone(tz)
    return waktu(local) if with_time else hari_tanggal(local)


class ComposerOffice(Protocol):
    """`dumas.config.settings.Office` (notify does not import config): the templates read its
    fields as `office.*`; Python reads only its zone."""

    @property
    def tz(self) -> tzinfo: ...


class Composer:
    def __init__(self, office: ComposerOffice, tag: str) -> None:
        self.office = office
        self.tag = tag
        folder = resources.files("dumas.templates") / "email"
        self.env = Environment(
            loader=FileSystemLoader(str(folder)),
            undefined=StrictUndefined,
            autoescape=select_autoescape(["html"]),
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
            # The templates are installed with the code and change with it (and a restart):
            # not checking each file's mtime on every email is a third of composing's time in a
            # burst of registrations (issue 11 item 3).
            auto_reload=False,
        )
        # Which kinds have an HTML part: asked once per kind, not by a failed lookup per email.
        self._has_html: dict[str, bool] = {}
        tz = office.tz
        self.env.filters["tanggal"] = lambda v, with_time=True: tanggal_lengkap(v, tz, with_time)
        self.env.filters["ukuran"] = ukuran
        self.env.globals["office"] = office

    def compose(
        self, kind: str, number: str | None = None, token: str = "", **context: Any
    ) -> Composed:
        """Render `kind` with `context`. The subject gets the case tag when there is a number,
        with `#token` inside it when the token cannot ride in a plus-address."""
        context = {"number": number, **context}
        subject = " ".join(self.env.get_template(f"{kind}.subject").render(context).split())
        if number:
            tag = case_tag(number, self.tag)
            subject = f"{tag[:-1]} #{token}] {subject}" if token else f"{tag} {subject}"
        text = self.env.get_template(f"{kind}.txt").render(context)
        html = ""
        if self._has_html.get(kind, True):
            try:
                html = self.env.get_template(f"{kind}.html").render(context)
                self._has_html[kind] = True
            except TemplateNotFound:
                self._has_html[kind] = False
        return Composed(subject=subject, text=text, html=html)
