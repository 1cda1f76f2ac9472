"""HTML reply -> plain text in which every quoted part is replaced by one `>` line.

Used by `dumas.ingest.mail.replytext`: the structure of an HTML reply says more reliably than its
text where the quote starts, so quotes are cut here, before conversion, and the text rules of
`replytext` then run on what is left (they still catch header blocks such as Outlook desktop's
"Dari: / Dikirim:" paragraph, which has no id or class to recognise).

What is recognised (ids and class names compared case-insensitively and by suffix, so Outlook's
re-quoted `x_divRplyFwdMsg` / `x_x_gmail_quote` and Yahoo's `ydp1234yahoo_quoted` match too):

- quote, replaced by a `>` line: every `<blockquote>` (Gmail `blockquote.gmail_quote`, Apple Mail
  and Thunderbird `blockquote type="cite"`, and whatever nh3 left of them), `div.gmail_quote` /
  `gmail_quote_container`, Yahoo's `yahoo_quoted`;
- the rest of the document is quoted: Outlook's `#divRplyFwdMsg`, `#appendonsend`,
  `#mail-editor-reference-message-container`, Hotmail's `<hr id="stopSpelling">`;
- dropped silently: attribution lines (`gmail_attr`, `moz-cite-prefix`) and signature blocks
  (any id or class ending in "signature": `gmail_signature`, `moz-signature`,
  `AppleMailSignature`, Outlook's `Signature` / `ms-outlook-mobile-signature`, Yahoo's
  `ymail_android_signature`).

A plain `<hr>` becomes a line of underscores, which is how Outlook's own text part draws its
separator and which the text rules treat as the end of the reply. Treating every blockquote as a
quote is deliberate: after nh3 has removed `class` and `type` nothing else tells a quote apart,
and nobody indents a command.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

QUOTE_LINE = ">"

_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
_HIDDEN = frozenset({"head", "title", "script", "style", "template"})
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "tr",
        "ul",
    ]
)
_CELL = frozenset({"td", "th"})

_CUT = re.compile(
    r"(?:divrplyfwdmsg|appendonsend|mail-editor-reference-message-container"
    r"|stopspelling)$"
)
_QUOTE = re.compile(r"(?:gmail_quote|gmail_quote_container|yahoo_quoted(?:_\d+)?)$")
_DROP = re.compile(r"(?:signature|signature_prefix|gmail_attr|moz-cite-prefix)$")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_SEPARATOR = "_" * 32

CUT, QUOTE, DROP, KEEP = "cut", "quote", "drop", "keep"


def html_reply_source(html: str) -> str | None:
    """The visible text of `html` with quotes replaced by `>` lines and cut-off parts removed.

    Returns None when the HTML has no visible text at all (quoted or not), so the caller can
    fall back to the text body.
    """
    parser = _ReplyHTML()
    parser.feed(html)
    parser.close()
    return parser.result() if parser.saw_text else None


def element_role(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    """What an element means for reply extraction: CUT, QUOTE, DROP or KEEP."""
    names = []
    for key, value in attrs:
        if key == "id" and value:
            names.append(value.strip().lower())
        elif key == "class" and value:
            names.extend(value.lower().split())
    if any(_CUT.search(name) for name in names):
        return CUT
    if tag == "blockquote" or any(_QUOTE.search(name) for name in names):
        return QUOTE
    if any(_DROP.search(name) for name in names):
        return DROP
    return KEEP


class _ReplyHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.saw_text = False
        self._parts: list[str] = []
        self._line_start = True
        self._stack: list[str] = []
        self._open: dict[str, int] = {}  # tag -> how many are on the stack (O(1) membership)
        self._skip_depth: int | None = None  # stack depth of the quote/signature being skipped
        self._hidden = 0
        self._pre = 0
        self._stopped = False

    def result(self) -> str:
        return "".join(self._parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        void = tag in _VOID
        if self._stopped or self._skip_depth is not None:
            self._push(tag, void)
            return
        kind = element_role(tag, attrs)
        if kind == CUT:
            self._stopped = True
        elif kind in (QUOTE, DROP):
            self._break()
            if kind == QUOTE:
                self._emit(QUOTE_LINE + "\n")
            self._push(tag, void)
            if not void:
                self._skip_depth = len(self._stack)
        else:
            self._render_start(tag)
            self._push(tag, void)

    def handle_endtag(self, tag: str) -> None:
        if not self._open.get(tag):
            return  # a stray end tag closes nothing, as in a browser
        while self._stack:
            opened = self._stack.pop()
            self._open[opened] -= 1
            self._leave(opened)
            if self._skip_depth is None and not self._stopped and opened in _BLOCK:
                self._break()
            if opened == tag:
                break
        if self._skip_depth is not None and len(self._stack) < self._skip_depth:
            self._skip_depth = None
            self._break()

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if data.strip():
            self.saw_text = True
        if self._stopped or self._skip_depth is not None:
            return
        if not self._pre:
            data = _HTML_SPACE.sub(" ", data)
            if self._line_start:
                data = data.lstrip(" ")
        if data:
            self._emit(data)

    def _push(self, tag: str, void: bool) -> None:
        if not void:
            self._stack.append(tag)
            self._open[tag] = self._open.get(tag, 0) + 1
            if tag in _HIDDEN:
                self._hidden += 1
            if tag == "pre":
                self._pre += 1

    def _render_start(self, tag: str) -> None:
        if tag == "br":
            self._emit("\n")
        elif tag == "hr":
            self._break()
            self._emit("\n" + _SEPARATOR + "\n")
        elif tag in _BLOCK:
            self._break()
        elif tag in _CELL and not self._line_start:
            self._emit(" ")

    def _leave(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden -= 1
        if tag == "pre":
            self._pre -= 1

    def _break(self) -> None:
        if not self._line_start:
            self._emit("\n")

    def _emit(self, text: str) -> None:
        self._parts.append(text)
        self._line_start = text.endswith("\n")
