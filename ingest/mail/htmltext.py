"""HTML bodies: sanitized with nh3 for display, and turned into readable plain text.

`sanitize_html` keeps structure and formatting but nothing that runs or fetches: no scripts,
styles, event handlers, forms or frames (nh3's allow-list), no `src` on images (a remote image is
a tracking beacon; an inline `cid:` image is kept as an attachment instead), links only to http,
https, mailto and tel (no `javascript:`, `data:`, `file:` or relative URLs).

`html_to_text` reads the sanitized HTML, so the parser below only ever sees well-formed markup:
block elements start new lines, `<br>` breaks a line, list items get "- ", a link shows its
address after its text, `<blockquote>` lines get "> " (so quoted replies look like quoted plain
text to the reply reader), entities are decoded and runs of white space collapse as a browser
would.
"""

from __future__ import annotations

import re
from html import escape, unescape
from html.parser import HTMLParser

import nh3

_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["img"] = _ATTRIBUTES.get("img", set()) - {"src", "srcset"}
# The reply reader (ingest.mail.replyhtml) finds quoted text by these markers: Gmail's gmail_quote,
# Outlook's divRplyFwdMsg / x_ prefixes, hr#stopSpelling, Apple's blockquote type=cite. They
# neither run nor fetch anything.
for _tag, _names in {
    "div": {"id", "class"},
    "hr": {"id", "class"},
    "blockquote": {"class", "type"},
    "span": {"class"},
}.items():
    _ATTRIBUTES[_tag] = _ATTRIBUTES.get(_tag, set()) | _names

_CLEANER = nh3.Cleaner(
    attributes=_ATTRIBUTES,
    clean_content_tags={"script", "style", "title", "template"},
    url_schemes={"http", "https", "mailto", "tel"},
    url_relative="deny",
    strip_comments=True,
    link_rel="noopener noreferrer",
)

MAX_NESTING = 250  # html5ever (inside nh3) is quadratic in the depth of unclosed elements
MAX_QUOTE_PREFIX = 8

_PARAGRAPH = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "hr",
    "figure",
    "blockquote",
    "details",
}
_LINE = {
    "div",
    "li",
    "tr",
    "dt",
    "dd",
    "caption",
    "figcaption",
    "header",
    "footer",
    "article",
    "aside",
    "nav",
    "center",
    "summary",
    "hgroup",
    "address",
    "section",
    "main",
}
_CELL = {"td", "th"}
# Elements that never nest: void, or closed implicitly by their next sibling.
_FLAT = {
    "br",
    "img",
    "hr",
    "meta",
    "link",
    "input",
    "col",
    "area",
    "base",
    "wbr",
    "embed",
    "param",
    "source",
    "track",
    "keygen",
    "p",
    "li",
    "dt",
    "dd",
    "tr",
    "td",
    "th",
    "option",
    "optgroup",
    "rb",
    "rt",
    "rp",
    "tbody",
    "thead",
    "tfoot",
    "colgroup",
    "caption",
    "html",
    "head",
    "body",
    "!doctype",
}
_SKIPPED = {"script", "style", "title", "template"}
# Possessive quantifiers: without them a "<" followed by a long run of letters and no ">"
# backtracks quadratically.
_TAG = re.compile(r"<(/?)([A-Za-z!][A-Za-z0-9:!-]*+)?[^<>]*+>")
_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def is_too_deep(html: str) -> bool:
    """True when `html` opens more than MAX_NESTING elements without closing them."""
    depth = 0
    for match in _TAG.finditer(html):
        name = (match.group(2) or "").lower()
        if not name or name in _FLAT or match.group(0).endswith("/>"):
            continue
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            if depth > MAX_NESTING:
                return True
    return False


def sanitize_html(html: str) -> str:
    """The HTML with everything active or remote removed (see the module docstring).

    HTML nested too deeply for the sanitizer to finish in reasonable time (a denial of service
    by a few megabytes of `<div>`) is reduced to its text, escaped, in a `<pre>`.
    """
    if is_too_deep(html):
        return "<pre>" + escape(_strip_tags(html), quote=False) + "</pre>"
    return _CLEANER.clean(html)


def _strip_tags(html: str) -> str:
    """Plain text of HTML by a linear scan: tags removed, blocks become line breaks."""
    out: list[str] = []
    position, skipping = 0, ""
    for match in _TAG.finditer(html):
        closing, name = match.group(1), (match.group(2) or "").lower()
        if not skipping:
            out.append(html[position : match.start()])
        if skipping:
            skipping = "" if closing and name == skipping else skipping
        elif not closing and name in _SKIPPED:
            skipping = name
        elif name == "br" or name in _PARAGRAPH or name in _LINE:
            out.append("\n")
        position = match.end()
    if not skipping:
        out.append(html[position:])
    lines = (_SPACES.sub(" ", line).strip() for line in unescape("".join(out)).split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


class _TextWriter(HTMLParser):
    """Reads sanitized (well-formed) HTML into lines of text; linear in the input."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (quote depth, text)
        self.current: list[str] = []
        self.has_text = False  # whether self.current holds more than white space
        self.line_number = 0  # changes on every flush, so an open link knows its line ended
        self.quote = 0
        self.pre = 0
        self.links: list[tuple[str, int, int]] = []  # (href, line_number, index in current)
        self.pending_blank = False

    # -- line handling ------------------------------------------------------------------------
    def _append(self, text: str) -> None:
        self.current.append(text)
        self.has_text = self.has_text or bool(text.strip())

    def _flush(self, force: bool = False) -> None:
        text = "".join(self.current)
        if not self.pre:
            text = _SPACES.sub(" ", text).strip()
        if text or force:
            if self.pending_blank and self.lines and self.lines[-1][1]:
                self.lines.append((min(self.quote, self.lines[-1][0]), ""))
            self.lines.append((self.quote, text.rstrip()))
            self.pending_blank = False
        self.current, self.has_text = [], False
        self.line_number += 1

    def _paragraph(self) -> None:
        self._flush()
        self.pending_blank = True

    # -- parser callbacks ---------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._flush(force=True)
        elif tag in _PARAGRAPH:
            self._paragraph()
        elif tag in _LINE:
            self._flush()
        elif tag in _CELL and self.has_text:
            self._append(" ")
        if tag == "li":
            self._append("- ")
        elif tag == "blockquote":
            self.quote += 1
        elif tag == "pre":
            self.pre += 1
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append((href, self.line_number, len(self.current)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            self._close_link(*self.links.pop())
        if tag in _PARAGRAPH:
            self._paragraph()
        elif tag in _LINE:
            self._flush()
        if tag == "blockquote":
            self.quote = max(self.quote - 1, 0)
        elif tag == "pre":
            self.pre = max(self.pre - 1, 0)

    def handle_data(self, data: str) -> None:
        if not self.pre:
            self._append(data)
            return
        first, *rest = data.replace("\r\n", "\n").split("\n")
        self._append(first)
        for line in rest:
            self._flush(force=True)
            self._append(line)

    def _close_link(self, href: str, line_number: int, index: int) -> None:
        start = index if line_number == self.line_number else 0
        text = _SPACES.sub(" ", "".join(self.current[start:])).strip()
        target = href[7:] if href.lower().startswith("mailto:") else href
        if not href or target.rstrip("/") == text.rstrip("/"):
            return
        self._append(f" ({target})" if text else target)

    def text(self) -> str:
        self._flush()
        out = []
        for depth, line in self.lines:
            prefix = "> " * min(depth, MAX_QUOTE_PREFIX)
            out.append((prefix + line) if line else prefix.rstrip())
        return _BLANK_LINES.sub("\n\n", "\n".join(out)).strip()


def html_to_text(html: str, *, sanitized: bool = False) -> str:
    """Readable plain text of an HTML body. Pass `sanitized=True` when `html` came from
    `sanitize_html` already (saves a second pass)."""
    writer = _TextWriter()
    writer.feed(html if sanitized else sanitize_html(html))
    writer.close()
    return writer.text()
