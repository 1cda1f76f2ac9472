"""What a document shows, as plain frozen data: built from the models once, rendered without a DB.

`view_of(...)` reads a `Pengaduan`, its attachments, the office settings and (optionally) the stored
raw message, and returns a `DocumentContext`. Every string in it has been through `clean_text`;
thumbnails are already made. Templates only format and escape, so rendering can run in any job or
process, and the same context renders every kind of document.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from email import policy
from email.parser import BytesParser
from functools import partial
from typing import TYPE_CHECKING, Protocol, overload

from dumas.workflow.documents.thumbnails import ThumbnailCache, can_thumbnail
from dumas.workflow.errors import DumasError
from dumas.workflow.formatting import (
    clean_text,
    echoed_name,
    echoed_subject,
    one_line,
    ukuran,
    zone_label,
)

if TYPE_CHECKING:
    from dumas.workflow.store.models import Attachment, Event, Pengaduan, RawMessage

log = logging.getLogger(__name__)

_HEADER_END = re.compile(rb"\r?\n\r?\n")  # the blank line after the headers; the body is not needed
ReadFile = Callable[[str], bytes]  # storage key -> bytes (FileStore.read)

# A print-out with dozens of photos is unreadable and slow; the rest are listed without a picture.
# Attempts count, not successes: twelve images that fail to decode cost as much as twelve that don't.
MAX_THUMBNAILS = 12
# About 40 pages of text. A 25 MB text body would be thousands of pages and minutes of rendering;
# the original is kept whole in the store, and the print-out says where it was cut.
MAX_PRINTED_CHARS = 200_000
CHANNEL_LABELS = {
    "email": "Surat elektronik (email)",
    "langsung": "Datang langsung (tertulis)",
    "surat": "Surat (pos/kurir)",
}
MISSING_LABELS = {
    "identitas": "identitas pelapor (nama lengkap serta nomor telepon atau alamat)",
    "lokasi": "lokasi kejadian (kecamatan, desa/kelurahan, dan nomor TPS bila ada)",
    "bukti": "bukti pendukung (foto, dokumen, atau rekaman)",
}
# (header name, label on the print-out)
PRINTED_HEADERS = (
    ("From", "Dari (From)"),
    ("To", "Kepada (To)"),
    ("Cc", "Tembusan (Cc)"),
    ("Date", "Tanggal (Date)"),
    ("Subject", "Perihal (Subject)"),
    ("Message-ID", "Message-ID"),
)


class ToLocal(Protocol):
    """A stored UTC time in the office's zone; None stays None."""

    @overload
    def __call__(self, dt: datetime, /) -> datetime: ...
    @overload
    def __call__(self, dt: None, /) -> None: ...
    @overload
    def __call__(self, dt: datetime | None, /) -> datetime | None: ...


class OfficeLike(Protocol):
    """The fields of `dumas.config.settings.Office` we read (workflow does not import config).

    Read-only properties, so that frozen dataclasses (the settings, `SampleOffice`) match.
    """

    @property
    def name(self) -> str: ...
    @property
    def short_name(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def city(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def website(self) -> str: ...
    @property
    def sekretaris_name(self) -> str: ...
    @property
    def sekretaris_nip(self) -> str: ...
    @property
    def ketua_name(self) -> str: ...


@dataclass(frozen=True)
class OfficeView:
    name: str
    short_name: str
    address: str
    city: str
    phone: str
    email: str
    website: str
    sekretaris_name: str
    sekretaris_nip: str
    ketua_name: str
    zone: str = "WIB"
    logo: bytes = field(default=b"", repr=False)  # PNG/JPEG bytes for the letterhead, optional

    @property
    def logo_uri(self) -> str:
        return data_uri("image/png", self.logo) if self.logo else ""


@dataclass(frozen=True)
class PelaporView:
    name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    nik: str = ""

    @property
    def name_echoed(self) -> str:
        """The name as a document mailed back to the sender's address may print it."""
        return echoed_name(self.name)


@dataclass(frozen=True)
class LokasiView:
    kecamatan: str = ""
    desa: str = ""
    tps: str = ""
    text: str = ""

    @property
    def ringkas(self) -> str:
        """`TPS 003, Desa Muara Siberut, Kecamatan Siberut Selatan` (+ the free text)."""
        parts = [
            _prefixed("TPS", self.tps),
            _prefixed("Desa", self.desa, ("kelurahan", "kel.")),
            _prefixed("Kecamatan", self.kecamatan, ("kec.",)),
        ]
        head = ", ".join(p for p in parts if p)
        if self.text and self.text not in head:
            return f"{head} — {self.text}" if head else self.text
        return head


@dataclass(frozen=True)
class AttachmentView:
    filename: str
    content_type: str
    size: int
    sha256: str
    step: str = "pengaduan"
    thumbnail: bytes = field(default=b"", repr=False)  # JPEG bytes, b"" when there is none
    unreadable: bool = False

    @property
    def size_text(self) -> str:
        return ukuran(self.size)

    @property
    def thumbnail_uri(self) -> str:
        return data_uri("image/jpeg", self.thumbnail) if self.thumbnail else ""


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: str
    actor: str
    summary: str


@dataclass(frozen=True)
class CaseView:
    id: int | None
    number: str
    channel: str
    received_at: datetime
    registered_at: datetime | None
    subject: str
    body: str
    terlapor: str
    klasifikasi: str
    sifat: str
    pelapor: PelaporView
    confidential: bool
    consent_to_share: bool
    lokasi: LokasiView
    missing: tuple[str, ...]
    step: str
    status: str
    disposisi_to: str
    disposisi_note: str
    telaah_result: str
    forwarded_to: str
    tim: str
    outcome: str
    headers: tuple[tuple[str, str], ...] = ()  # (label, value) of the original email
    attachments: tuple[AttachmentView, ...] = ()
    sent_at: datetime | None = None  # the original email's Date, in the office's zone
    raw_sha256: str = ""  # of the original message as stored (the naskah asli)

    @property
    def subject_echoed(self) -> str:
        """The subject as a document mailed back to the sender's address may print it."""
        return echoed_subject(self.subject)

    @property
    def body_printed(self) -> str:
        return self.body[:MAX_PRINTED_CHARS]

    @property
    def body_cut(self) -> bool:
        return len(self.body) > MAX_PRINTED_CHARS

    @property
    def display_number(self) -> str:
        return self.number or "(belum bernomor)"

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def missing_labels(self) -> tuple[str, ...]:
        return tuple(MISSING_LABELS.get(m, m) for m in self.missing)

    @property
    def evidence(self) -> tuple[AttachmentView, ...]:
        """The reporter's own files (bukti), not the staff's reports filed to the case."""
        return tuple(a for a in self.attachments if a.step == "pengaduan")

    @property
    def identity_may_leave_office(self) -> bool:
        """May documents for other agencies name the reporter? (consent, and not confidential)"""
        return self.consent_to_share and not self.confidential


@dataclass(frozen=True)
class DocumentContext:
    """Everything any document needs; `now` is in the office's zone (the "dicetak" time)."""

    office: OfficeView
    case: CaseView
    now: datetime
    events: tuple[EventView, ...] = ()


def _prefixed(word: str, value: str, alternatives: tuple[str, ...] = ()) -> str:
    """`Desa Muara Siberut` from "Muara Siberut", but "Kelurahan X" stays as written."""
    if not value:
        return ""
    lower = value.lower()
    if lower.startswith((word.lower() + " ", *alternatives)):
        return value
    return f"{word} {value}"


class DataUri(str):
    """A `data:` URI that we made (a thumbnail, the logo): printed whole, never broken up.

    A type of its own, not a prefix test: a citizen's text may start with "data:" too, and must
    get its line-break opportunities like any other text (see `render._breakable`).
    """

    __slots__ = ()


def data_uri(content_type: str, data: bytes) -> DataUri:
    return DataUri(f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}")


def office_view(office: OfficeLike, tz: tzinfo, logo: bytes = b"") -> OfficeView:
    fields = (
        "name",
        "short_name",
        "address",
        "city",
        "phone",
        "email",
        "website",
        "sekretaris_name",
        "sekretaris_nip",
        "ketua_name",
    )
    return OfficeView(
        **{f: one_line(getattr(office, f, "")) for f in fields}, zone=zone_label(tz), logo=logo
    )


def view_of(
    pengaduan: Pengaduan,
    attachments: Iterable[Attachment],
    office: OfficeLike,
    tz: tzinfo,
    read_file: ReadFile,
    *,
    raw: RawMessage | None = None,
    events: Iterable[Event] = (),
    now: datetime | None = None,
    logo: bytes = b"",
    thumbnails: ThumbnailCache | None = None,
) -> DocumentContext:
    """The context for every document of one case.

    `pengaduan` is a `Pengaduan`, `attachments` its `Attachment` rows (in the order to print),
    `raw` the original `RawMessage` (for the email headers; None for walk-in and postal cases),
    `events` its `Event` rows for the timeline, `now` the print time (default: the registration
    time, so a render never reads the clock). Files are read with `read_file(storage_key)`.
    Pass the same `thumbnails` for every document of a job so each attachment is decoded once.
    """

    @overload
    def local(dt: datetime) -> datetime: ...
    @overload
    def local(dt: None) -> None: ...
    @overload
    def local(dt: datetime | None) -> datetime | None: ...
    def local(dt: datetime | None) -> datetime | None:
        return dt.astimezone(tz) if dt is not None else None

    case = replace(
        _case_view(
            pengaduan,
            local,
            _headers(raw, read_file, local, tz),
            _attachment_views(attachments, read_file, thumbnails or ThumbnailCache()),
        ),
        sent_at=local(getattr(raw, "date_header", None)),
        raw_sha256=getattr(raw, "sha256", "") or "",
    )
    when = now or pengaduan.registered_at or pengaduan.received_at
    return DocumentContext(
        office=office_view(office, tz, logo),
        case=case,
        now=local(when),
        events=tuple(
            EventView(local(e.at), one_line(e.kind), one_line(e.actor), clean_text(e.summary))
            for e in events
        ),
    )


def _case_view(
    p: Pengaduan,
    local: ToLocal,
    headers: tuple[tuple[str, str], ...],
    attachments: tuple[AttachmentView, ...],
) -> CaseView:
    text = {
        name: clean_text(getattr(p, name) or "")
        for name in ("body", "terlapor", "disposisi_note", "tim", "outcome", "pelapor_address")
    }
    line = {
        name: one_line(getattr(p, name) or "")
        for name in (
            "number",
            "channel",
            "subject",
            "klasifikasi",
            "sifat",
            "pelapor_name",
            "pelapor_email",
            "pelapor_phone",
            "pelapor_nik",
            "kecamatan",
            "desa",
            "tps",
            "lokasi_text",
            "step",
            "status",
            "disposisi_to",
            "telaah_result",
            "forwarded_to",
        )
    }
    return CaseView(
        id=p.id,
        number=line["number"],
        channel=line["channel"] or "email",
        received_at=local(p.received_at),
        registered_at=local(p.registered_at),
        subject=line["subject"],
        body=text["body"],
        terlapor=text["terlapor"],
        klasifikasi=line["klasifikasi"],
        sifat=_sifat(line["sifat"]),
        pelapor=PelaporView(
            line["pelapor_name"],
            line["pelapor_email"],
            line["pelapor_phone"],
            text["pelapor_address"],
            line["pelapor_nik"],
        ),
        confidential=bool(p.confidential),
        consent_to_share=bool(p.consent_to_share),
        lokasi=LokasiView(line["kecamatan"], line["desa"], line["tps"], line["lokasi_text"]),
        missing=tuple(one_line(m) for m in (p.missing or ())),
        step=line["step"],
        status=line["status"],
        disposisi_to=line["disposisi_to"],
        disposisi_note=text["disposisi_note"],
        telaah_result=line["telaah_result"],
        forwarded_to=line["forwarded_to"],
        tim=text["tim"],
        outcome=text["outcome"],
        headers=headers,
        attachments=attachments,
    )


def _sifat(value: str) -> str:
    """ "Sangat_Segera" and "sangat-segera" are "sangat segera"; empty is "biasa"."""
    return " ".join(value.lower().replace("_", " ").replace("-", " ").split()) or "biasa"


def _attachment_views(
    attachments: Iterable[Attachment], read_file: ReadFile, thumbnails: ThumbnailCache
) -> tuple[AttachmentView, ...]:
    views, attempts = [], 0
    for a in attachments:
        thumbnail, unreadable = b"", False
        if can_thumbnail(a.content_type or "") and attempts < MAX_THUMBNAILS:
            attempts += 1
            try:
                thumbnail = thumbnails.get(a.sha256 or "", partial(read_file, a.storage_key))
            except DumasError:  # StorageError: the list still shows it, marked unreadable
                log.warning("attachment %s unreadable for its thumbnail", (a.sha256 or "")[:12])
                unreadable = True
        views.append(
            AttachmentView(
                one_line(a.filename) or "(tanpa nama)",
                one_line(a.content_type),
                int(a.size or 0),
                a.sha256,
                a.step or "pengaduan",
                thumbnail,
                unreadable,
            )
        )
    return tuple(views)


def _headers(
    raw: RawMessage | None, read_file: ReadFile, local: ToLocal, tz: tzinfo
) -> tuple[tuple[str, str], ...]:
    """The printed headers: from the stored message when readable, else from its summary row."""
    if raw is None:
        return ()
    found = _summary_headers(raw, local, tz)
    try:
        data = read_file(raw.storage_key)
        end = _HEADER_END.search(data)  # a slice of the head only: split() copied the body too
        head = data[: end.start()] if end else data
        del data  # the message may be 25 MB; only its head is parsed
        message = BytesParser(policy=policy.default).parsebytes(head, headersonly=True)
        for name, _ in PRINTED_HEADERS:
            value = ", ".join(one_line(str(v)) for v in message.get_all(name) or ())
            found[name] = value or found.get(name, "")
    except Exception as exc:  # noqa: BLE001 - a malformed header must not cost the print-out
        log.warning(
            "headers of raw message %s not readable (%s); using the summary",
            getattr(raw, "id", "?"),
            type(exc).__name__,
        )
    return tuple((label, found.get(name) or "—") for name, label in PRINTED_HEADERS)


def _summary_headers(raw: RawMessage, local: ToLocal, tz: tzinfo) -> dict[str, str]:
    msgid = one_line(raw.message_id)
    if msgid and not msgid.startswith("<"):
        msgid = f"<{msgid}>"
    sent = local(raw.date_header)
    return {
        "From": one_line(raw.from_address),
        "Subject": one_line(raw.subject),
        "Message-ID": msgid,
        "Date": f"{sent:%d-%m-%Y %H.%M} {zone_label(tz)}" if sent else "",
    }
