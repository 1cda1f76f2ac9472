"""Replies to a Dumas notification, composed the way real mail clients write them.

    note = Received(raw_bytes_from_the_desk_inbox)
    r = reply(note, "LENGKAP", sender="desk-3@dumas.test", style=GMAIL_WEB_ID)
    r.send(rig)                       # through the rig's SMTP, to the notification's Reply-To

Each style reproduces what its client puts on the wire, because the reply reader must find the
command in exactly that shape:

- `GMAIL_WEB_ID` — Gmail web, Indonesian: text + HTML, top-posted, a wrapped
  "Pada Sen, 2 Nov 2026 pukul 09.20 … menulis:" attribution and a `>` quote in the text,
  `div.gmail_quote` > `blockquote.gmail_quote` in the HTML, signature after "-- ".
- `GMAIL_ANDROID_EN` — Gmail for Android, English: "On Mon, 2 Nov 2026, 09:20 Name, <
  address> wrote:" (Android wraps inside the angle brackets), `>` quote; HTML likewise.
- `OUTLOOK_ID` — Outlook desktop (Word HTML), Indonesian: HTML only, quoted-printable,
  `p.MsoNormal` paragraphs with `<o:p>`, then a border-top `<div>` (no id, no class) holding the
  "Dari: / Dikirim: / Kepada: / Subjek:" block, the original below it unquoted.
- `OUTLOOK_NEW_ID` — new Outlook / Outlook on the web, Indonesian: HTML only, quoted-printable,
  `<div id="appendonsend">`, `<hr>`, `<div id="divRplyFwdMsg">` with the Dari/Dikirim block.
- `OUTLOOK_WEB_ID` — the same when the message was re-quoted by Outlook on the web: `x_`-prefixed
  ids and classes (`x_divRplyFwdMsg`, `x_appendonsend`, the original's classes with `x_`).
- `IPHONE_ID` — iPhone Mail, Indonesian: "Dikirim dari iPhone saya" under the text, then a `>`
  quote that begins "Pada 2 Nov 2026, pukul 09.20, … menulis:"; HTML with
  `blockquote type="cite"`.

Options: `subject_prefix` ("Re:", "RE:", "Balas:", "AW:"), `attachments` ((name, type, bytes)),
`in_reply_to=False` (a client that drops In-Reply-To/References), `from_` (a spoofed From),
`strip_token=True` (a client replying to From instead of Reply-To: no plus-token), `to` (any
other recipient), `auto_submitted` (an auto-responder's header), `headers` (anything else, e.g.
Authentication-Results), `dkim` (who signs: by default the sender's own domain with the rig's
test key, as Gmail or Microsoft 365 would; nobody for a spoofed `from_`; False for nobody; a
domain for that domain's signature).
"""

from __future__ import annotations

import html as html_lib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from zoneinfo import ZoneInfo

from dumas.workflow.formatting import BULAN, HARI
from tests.rig.dkimkey import sign

GMAIL_WEB_ID = "gmail_web_id"
GMAIL_ANDROID_EN = "gmail_android_en"
OUTLOOK_ID = "outlook_desktop_id"
OUTLOOK_NEW_ID = "outlook_new_id"
OUTLOOK_WEB_ID = "outlook_web_id"
IPHONE_ID = "iphone_id"
STYLES = (GMAIL_WEB_ID, GMAIL_ANDROID_EN, OUTLOOK_ID, OUTLOOK_NEW_ID, OUTLOOK_WEB_ID, IPHONE_ID)

_OUTLOOK_COM = "SG2PR04MB1234.apcprd04.prod.outlook.com"
_DEFAULT_PREFIX = {
    GMAIL_WEB_ID: "Re:",
    GMAIL_ANDROID_EN: "Re:",
    OUTLOOK_ID: "RE:",
    OUTLOOK_NEW_ID: "RE:",
    OUTLOOK_WEB_ID: "Balas:",
    IPHONE_ID: "Re:",
}
_MSGID_DOMAIN = {
    GMAIL_WEB_ID: "mail.gmail.com",
    GMAIL_ANDROID_EN: "mail.gmail.com",
    OUTLOOK_ID: "dumas.test",
    OUTLOOK_NEW_ID: _OUTLOOK_COM,
    OUTLOOK_WEB_ID: _OUTLOOK_COM,
    IPHONE_ID: "dumas.test",
}
WIB = ZoneInfo("Asia/Jakarta")
_HARI_PENDEK = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
_BULAN_PENDEK = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
_DAY_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CLASS_OR_ID = re.compile(r'\b(class|id)="([^"]*)"')

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- the notification as the recipient's client sees it -------------------------------------


@dataclass(frozen=True)
class Received:
    """One message from a mailbox, parsed the way a mail client shows it."""

    raw: bytes

    @property
    def msg(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        return str(self.msg["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.msg["Message-ID"] or "").strip()

    @property
    def references(self) -> str:
        return " ".join(str(self.msg["References"] or "").split())

    @property
    def sender(self) -> tuple[str, str]:
        """(display name, address) of From."""
        return parseaddr(str(self.msg["From"] or ""))

    @property
    def reply_address(self) -> str:
        """Where a reply goes: Reply-To when there is one, else From."""
        value = self.msg["Reply-To"] or self.msg["From"]
        return parseaddr(str(value))[1]

    @property
    def to(self) -> list[str]:
        return [a for _, a in getaddresses([str(v) for v in self.msg.get_all("To", [])])]

    @property
    def token(self) -> str:
        """The plus-token in the Reply-To ("" when none)."""
        local = self.reply_address.partition("@")[0]
        return local.partition("+")[2]

    @property
    def date(self) -> datetime:
        return self.msg["Date"].datetime

    @property
    def text(self) -> str:
        part = self.msg.get_body(("plain",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""

    @property
    def html(self) -> str:
        part = self.msg.get_body(("html",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""

    @property
    def attachments(self) -> dict[str, bytes]:
        """{filename: bytes} of the attachments, in order."""
        return {p.get_filename(): p.get_content() for p in self.msg.iter_attachments()}

    @property
    def kind(self) -> str:
        """The template kind Dumas used, from our Message-ID `<dumas.{kind}.{random}@…>`."""
        m = re.match(r"<dumas\.([a-z-]+)\.", self.message_id)
        return m.group(1).replace("-", "_") if m else ""

    def __repr__(self) -> str:
        return f"Received({self.kind or '?'}: {self.subject!r})"


# --- the reply ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A composed reply and its SMTP envelope."""

    raw: bytes
    mail_from: str
    rcpt: str

    def send(self, rig) -> None:
        rig.send(self.mail_from, [self.rcpt], self.raw)

    @property
    def msg(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


def reply(
    note: Received,
    body: str,
    *,
    sender: str,
    name: str = "",
    style: str = GMAIL_WEB_ID,
    attachments=(),
    subject_prefix: str | None = None,
    in_reply_to: bool = True,
    from_: str | None = None,
    strip_token: bool = False,
    to: str | None = None,
    auto_submitted: str | None = None,
    headers: dict | None = None,
    date: datetime | None = None,
    signature: str = "",
    dkim: str | bool | None = None,
) -> Reply:
    """A reply to `note` whose new (top-posted) content is `body`, written by `style`.

    `sender` is the account replying; `from_` overrides the From header and the envelope sender
    (a forgery). `to` overrides the recipient; `strip_token` answers From instead of Reply-To
    (so no plus-token). `date` defaults to five minutes after the notification.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r} (known: {', '.join(STYLES)})")
    author = from_ or sender
    rcpt = to or (note.sender[1] if strip_token else note.reply_address)
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"{name} <{author}>" if name else author
    msg["To"] = rcpt
    msg["Subject"] = f"{subject_prefix or _DEFAULT_PREFIX[style]} {_bare_subject(note.subject)}"
    msg["Date"] = format_datetime(date or note.date.replace(second=0) + _LATER)
    msg["Message-ID"] = make_msgid(domain=_MSGID_DOMAIN[style])
    if in_reply_to and note.message_id:
        msg["In-Reply-To"] = note.message_id
        chain = f"{note.references} {note.message_id}".split()
        msg["References"] = " ".join(dict.fromkeys(chain))
    if auto_submitted:
        msg["Auto-Submitted"] = auto_submitted
    for key, value in (headers or {}).items():
        msg[key] = value
    msg["MIME-Version"] = "1.0"
    _BODIES[style](msg, note, body, signature)
    for filename, ctype, data in attachments:
        main, _, sub = ctype.partition("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    raw = msg.as_bytes()
    if dkim is None:
        dkim = from_ is None  # a forger cannot sign for the address it spoofs
    if dkim is not False:
        raw = sign(raw, None if dkim is True else dkim)
    return Reply(raw, author, rcpt)


_LATER = timedelta(minutes=5)


def _bare_subject(subject: str) -> str:
    return " ".join(subject.split())


# --- the bodies, one per client ------------------------------------------------------------


def _quoted(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.rstrip("\n").splitlines())


def _note_html(note: Received) -> str:
    """The notification's HTML as a client embeds it (its body only), or its text as HTML."""
    source = note.html
    if not source:
        lines = (html_lib.escape(line) for line in note.text.splitlines())
        return "<div>" + "<br>\n".join(lines) + "</div>"
    m = re.search(r"<body[^>]*>(.*)</body>", source, re.S | re.I)
    return m.group(1) if m else source


def _lines_html(body: str, tag: str = "div", attrs: str = 'dir="ltr"') -> str:
    out = []
    for line in body.splitlines():
        out.append(f"<{tag} {attrs}>{html_lib.escape(line) if line.strip() else '<br>'}</{tag}>")
    return "\n".join(out)


def _wrap(line: str, width: int = 78) -> str:
    """Wrap one long line at spaces the way Gmail wraps its attribution in plain text."""
    words, lines, current = line.split(" "), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\n".join(lines)


def _gmail_web_id(msg, note, body, signature) -> None:
    name, address = note.sender
    local = note.date.astimezone(WIB)
    when = (
        f"{_HARI_PENDEK[local.weekday()]}, {local.day} {_BULAN_PENDEK[local.month - 1]} "
        f"{local.year} pukul {local:%H.%M}"
    )
    attribution = f"Pada {when} {name} <{address}> menulis:"
    sig = f"\n\n-- \n{signature}" if signature else ""
    text = f"{body}{sig}\n\n{_wrap(attribution)}\n\n{_quoted(note.text)}\n"
    sig_html = (
        f'<br><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" '
        f'class="gmail_signature">{html_lib.escape(signature)}</div>'
        if signature
        else ""
    )
    html = (
        f'<div dir="ltr">{_lines_html(body)}{sig_html}</div><br>'
        f'<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">'
        f'Pada {when} {html_lib.escape(name)} &lt;<a href="mailto:{address}">{address}</a>&gt; '
        f'menulis:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        f'border-left:1px solid rgb(204,204,204);padding-left:1ex">{_note_html(note)}'
        f"</blockquote></div>\n"
    )
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")


def _gmail_android_en(msg, note, body, signature) -> None:
    name, address = note.sender
    local = note.date.astimezone(WIB)
    when = (
        f"{_DAY_EN[local.weekday()]}, {local.day} {_MONTH_EN[local.month - 1]} {local.year}, "
        f"{local:%H:%M}"
    )
    sig = f"\n\n{signature}" if signature else ""
    text = f"{body}{sig}\n\nOn {when} {name}, <\n{address}> wrote:\n\n{_quoted(note.text)}\n"
    lines = _lines_html(body, "div", 'dir="auto"')
    html = (
        f'<div dir="auto">{lines}</div><br>'
        f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On {when} '
        f'{html_lib.escape(name)}, &lt;<a href="mailto:{address}">{address}</a>&gt; wrote:<br>'
        f'</div><blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px '
        f'#ccc solid;padding-left:1ex">{_note_html(note)}</blockquote></div>\n'
    )
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")


def _outlook(msg, note, body, signature, web: bool) -> None:
    name, address = note.sender
    local = note.date.astimezone(WIB)
    sent = (
        f"{HARI[local.weekday()]}, {local.day:02d} {BULAN[local.month - 1]} {local.year} "
        f"{local:%H.%M}"
    )
    x = "x_" if web else ""
    original = _note_html(note)
    if web:  # Outlook on the web prefixes every id and class of the quoted message with x_
        original = _CLASS_OR_ID.sub(
            lambda m: f'{m[1]}="{" ".join("x_" + c for c in m[2].split())}"', original
        )
    recipients = "; ".join(note.to)
    sig = (
        (f'<div id="Signature"><p>{html_lib.escape(signature).replace(chr(10), "<br>")}</p></div>')
        if signature
        else ""
    )
    style = (
        'style="font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif; '
        'font-size: 12pt; color: rgb(0, 0, 0);"'
    )
    lines = _lines_html(body, "div", 'class="elementToProof" ' + style)
    html = (
        '<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} '
        '</style>\n</head>\n<body dir="ltr">\n'
        f"{lines}\n{sig}\n"
        f'<div id="{x}appendonsend"></div>\n'
        '<hr style="display:inline-block;width:98%" tabindex="-1">\n'
        f'<div id="{x}divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
        'style="font-size:11pt" color="#000000">'
        f"<b>Dari:</b> {html_lib.escape(name)} &lt;{address}&gt;<br>\n"
        f"<b>Dikirim:</b> {sent}<br>\n<b>Kepada:</b> {html_lib.escape(recipients)}<br>\n"
        f"<b>Subjek:</b> {html_lib.escape(note.subject)}</font>\n<div>&nbsp;</div>\n</div>\n"
        f"<div>{original}</div>\n</body>\n</html>\n"
    )
    msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")


def _outlook_desktop(msg, note, body, signature) -> None:
    """Word's HTML: MsoNormal paragraphs; the header block sits in a border-top div."""
    name, address = note.sender
    local = note.date.astimezone(WIB)
    sent = (
        f"{HARI[local.weekday()]}, {local.day:02d} {BULAN[local.month - 1]} {local.year} "
        f"{local:%H.%M}"
    )

    def para(line: str) -> str:
        text = html_lib.escape(line) if line.strip() else "&nbsp;"
        return f'<p class="MsoNormal"><span lang="IN">{text}</span><o:p></o:p></p>'

    lines = [*body.splitlines(), "", *(signature.splitlines() if signature else ()), ""]
    original = "".join(para(line) for line in note.text.splitlines())
    html = (
        '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:'
        'office" xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-'
        'html40"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        '<meta name="Generator" content="Microsoft Word 15 (filtered medium)"><style><!--\n'
        "p.MsoNormal, li.MsoNormal, div.MsoNormal {margin:0cm; font-size:11.0pt; "
        'font-family:"Calibri",sans-serif;}\n--></style></head><body lang="EN-ID" '
        'link="#0563C1" vlink="#954F72" style="word-wrap:break-word"><div class="WordSection1">'
        + "".join(para(line) for line in lines)
        + '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'<p class="MsoNormal"><b><span lang="IN">Dari:</span></b><span lang="IN"> '
        f"{html_lib.escape(name)} &lt;{address}&gt; <br><b>Dikirim:</b> {sent}<br>"
        f"<b>Kepada:</b> {html_lib.escape('; '.join(note.to))}<br><b>Subjek:</b> "
        f"{html_lib.escape(note.subject)}<o:p></o:p></span></p></div>"
        f'<p class="MsoNormal"><o:p>&nbsp;</o:p></p><div>{original}</div></div></body></html>\n'
    )
    msg.set_content(html, subtype="html", charset="utf-8", cte="quoted-printable")


def _iphone_id(msg, note, body, signature) -> None:
    name, address = note.sender
    local = note.date.astimezone(WIB)
    when = f"{local.day} {_BULAN_PENDEK[local.month - 1]} {local.year}, pukul {local:%H.%M}"
    attribution = f"Pada {when}, {name} <{address}> menulis:"
    text = f"{body}\n\nDikirim dari iPhone saya\n\n> {attribution}\n>\n{_quoted(note.text)}\n"
    html = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
        f'<body dir="auto">{_lines_html(body)}<div dir="ltr"><br>'
        '<div id="AppleMailSignature" dir="ltr">Dikirim dari iPhone saya</div>'
        f'<div dir="ltr"><br><blockquote type="cite">{html_lib.escape(attribution)}<br><br>'
        f'</blockquote></div><blockquote type="cite"><div dir="ltr">{_note_html(note)}</div>'
        "</blockquote></div></body></html>\n"
    )
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")


_BODIES = {
    GMAIL_WEB_ID: _gmail_web_id,
    GMAIL_ANDROID_EN: _gmail_android_en,
    OUTLOOK_ID: _outlook_desktop,
    OUTLOOK_NEW_ID: lambda m, n, b, s: _outlook(m, n, b, s, web=False),
    OUTLOOK_WEB_ID: lambda m, n, b, s: _outlook(m, n, b, s, web=True),
    IPHONE_ID: _iphone_id,
}


# --- attachments staff send ------------------------------------------------------------------


def pdf_with_text(text: str) -> bytes:
    """A small valid one-page PDF showing `text` (pdftotext reads it back)."""
    safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def docx_with_text(text: str) -> bytes:
    """A minimal Word document (.docx) holding one paragraph."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            "<Default Extension="
            '"xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
            'document.main+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
            'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            f"{html_lib.escape(text)}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buf.getvalue()
