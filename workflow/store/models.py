"""The database: SQLAlchemy 2.x models, portable between SQLite and PostgreSQL.

All times are stored as timezone-aware UTC (`UtcDateTime`); they are shown in the office's zone.
Vocabulary follows the SOP: a `Pengaduan` is one complaint (a "case"), its `pelapor` the reporter.

The tables, by who writes them:
- intake: `MailboxCursor`, `RawMessage` (the naskah asli, content-addressed on disk),
  `MailboxLocation` (where a raw message sits in the mailbox), `Attachment`;
- workflow: `Pengaduan`, `Task`, `ReplyToken`, `Event` (append-only audit trail), `Document`,
  `Alert` (reminders/escalations sent), `Delegation`, `Notice` (rate limit of explanations),
  `ReportRun` (one row per recap period), `LetterCounter` and `OutgoingLetter` (numbered letters);
- notify: `OutboxMessage` and `OutboxAttachment`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Email addresses are at most 254 octets (RFC 5321); Message-IDs have no hard limit but real ones
# stay far below 998 (the line limit), which is what we allow.
ADDR = 320
MSGID = 998


class UtcDateTime(TypeDecorator):
    """A DateTime that refuses naive values and always comes back aware, in UTC (also on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware UTC time")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict: JSON, list: JSON}


# --- intake -------------------------------------------------------------------------------------


class MailboxCursor(Base):
    """Highest committed UID per (account, folder, uidvalidity): our cursor, never \\Seen."""

    __tablename__ = "mailbox_cursor"
    __table_args__ = (UniqueConstraint("account", "folder", "uidvalidity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(ADDR))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime]


class RawMessage(Base):
    """One distinct message (by Message-ID + SHA-256 of its bytes) and what became of it.

    `disposition` is exactly one of: complaint, reply, ignored, quarantined. `rule` names the
    classification rule that decided; `reason` is the readable why (for ignored/quarantined).
    """

    __tablename__ = "raw_message"
    __table_args__ = (
        UniqueConstraint("sha256", "message_id_key", name="uq_raw_identity"),
        Index("ix_raw_message_id", "message_id_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    # Message-ID as written (may be missing); the key is lower-cased without <> and '' when absent,
    # so the unique constraint also covers messages that have no Message-ID.
    message_id: Mapped[str | None] = mapped_column(String(MSGID))
    message_id_key: Mapped[str] = mapped_column(String(MSGID), default="")
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(128))
    fetched_at: Mapped[datetime]
    internal_date: Mapped[datetime | None]
    disposition: Mapped[str] = mapped_column(String(16), index=True)
    rule: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    pengaduan_id: Mapped[int | None] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    # Parsed summary, for listings and threading without reparsing.
    from_address: Mapped[str] = mapped_column(String(ADDR), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    date_header: Mapped[datetime | None]
    in_reply_to: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[str] = mapped_column(Text, default="")
    defects: Mapped[list] = mapped_column(default=list)
    processed_at: Mapped[datetime | None]

    locations: Mapped[list[MailboxLocation]] = relationship(back_populates="raw")


class MailboxLocation(Base):
    """Where a raw message was seen: (account, folder, uidvalidity, uid). Several may share one raw."""

    __tablename__ = "mailbox_location"
    __table_args__ = (UniqueConstraint("account", "folder", "uidvalidity", "uid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(ADDR))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    raw_id: Mapped[int] = mapped_column(ForeignKey("raw_message.id"), index=True)
    seen_at: Mapped[datetime]

    raw: Mapped[RawMessage] = relationship(back_populates="locations")


class Attachment(Base):
    """A file that came with a message (bukti, a staff report) or that the desk scanned in."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    pengaduan_id: Mapped[int | None] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(128))
    # Which SOP step filed it ("pengaduan" for the reporter's evidence, else the step's name).
    step: Mapped[str] = mapped_column(String(40), default="pengaduan")
    added_at: Mapped[datetime]


# --- workflow -----------------------------------------------------------------------------------


class Pengaduan(Base):
    """One pengaduan: registration, the SOP minimum fields, and where it is in the SOP."""

    __tablename__ = "pengaduan"
    __table_args__ = (UniqueConstraint("year", "seq", name="uq_pengaduan_year_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(64), unique=True)
    year: Mapped[int | None]
    seq: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(16), default="email")  # email / langsung / surat
    received_at: Mapped[datetime] = mapped_column(index=True)  # recaps select and sort on it
    registered_at: Mapped[datetime | None]
    # The original message is the RawMessage with this pengaduan_id and disposition "complaint".
    # data pengaduan
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    terlapor: Mapped[str] = mapped_column(Text, default="")
    klasifikasi: Mapped[str] = mapped_column(String(64), default="")
    sifat: Mapped[str] = mapped_column(String(24), default="biasa")
    # identitas pelapor
    pelapor_name: Mapped[str] = mapped_column(String(255), default="")
    pelapor_email: Mapped[str] = mapped_column(String(ADDR), default="", index=True)
    pelapor_phone: Mapped[str] = mapped_column(String(64), default="")
    pelapor_address: Mapped[str] = mapped_column(Text, default="")
    pelapor_nik: Mapped[str] = mapped_column(String(32), default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_to_share: Mapped[bool] = mapped_column(Boolean, default=False)
    # lokasi khusus
    kecamatan: Mapped[str] = mapped_column(String(128), default="")
    desa: Mapped[str] = mapped_column(String(128), default="")
    tps: Mapped[str] = mapped_column(String(16), default="")
    lokasi_text: Mapped[str] = mapped_column(Text, default="")
    # completeness: the list of what is still missing ("identitas", "lokasi", "bukti")
    missing: Mapped[list] = mapped_column(default=list)
    # where it is in the SOP (see workflow.sop.definition); `status` is the coarse state shown in lists
    step: Mapped[str] = mapped_column(String(40), default="verifikasi", index=True)
    status: Mapped[str] = mapped_column(String(24), default="baru", index=True)
    conflict_role: Mapped[str] = mapped_column(String(24), default="")
    disposisi_to: Mapped[str] = mapped_column(String(128), default="")
    disposisi_note: Mapped[str] = mapped_column(Text, default="")
    telaah_at: Mapped[datetime | None]
    telaah_result: Mapped[str] = mapped_column(String(64), default="")
    forwarded_to: Mapped[str] = mapped_column(String(128), default="")
    tim: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    complete_at: Mapped[datetime | None]  # file complete: the Perpres 76/2013 60-day clock starts
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    # Free-form per-step data the state machine keeps (notes, reasons...).
    data: Mapped[dict] = mapped_column(default=dict)

    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")


class RegistrationCounter(Base):
    """The last registration sequence of a year. Incremented with one atomic UPDATE, so two
    processes registering at once (the daemon and a desk's `dumas register`) never share a number."""

    __tablename__ = "registration_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Task(Base):
    """One SOP step as a task for a role, with its deadline."""

    __tablename__ = "task"

    id: Mapped[int] = mapped_column(primary_key=True)
    pengaduan_id: Mapped[int] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    step: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(24))
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by: Mapped[str] = mapped_column(String(ADDR), default="")
    outcome: Mapped[str] = mapped_column(String(64), default="")


class ReplyToken(Base):
    """A single-use token bound to one case, step and role. Only its SHA-256 is stored."""

    __tablename__ = "reply_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    pengaduan_id: Mapped[int] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    step: Mapped[str] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(24))  # a role, or "pelapor"
    issued_to: Mapped[str] = mapped_column(String(ADDR))
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"))
    outbox_message_id: Mapped[str] = mapped_column(String(MSGID), default="", index=True)
    # Set when the token died without being used: its task was decided through another token,
    # the case moved on, or the deputy it was issued to lost the role (DELEGASI BATAL).
    revoked_at: Mapped[datetime | None]


class Event(Base):
    """The append-only audit trail: everything that happened, linked to the message that caused it."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    pengaduan_id: Mapped[int | None] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    raw_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(ADDR), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(default=dict)


class Document(Base):
    """A generated PDF (cetakan, tanda terima, lembar disposisi, surat tugas, ...).

    Rows are written `pending` in the transaction that needs them and rendered by a job after
    commit, so a slow or failing render never blocks intake.
    """

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    pengaduan_id: Mapped[int | None] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    params: Mapped[dict] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(Text, default="")
    storage_key: Mapped[str] = mapped_column(String(128), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    rendered_at: Mapped[datetime | None]


class LetterCounter(Base):
    """The last letter number given in a year: one row per year, locked while the next is taken
    (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite has a single writer)."""

    __tablename__ = "nomor_surat"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class OutgoingLetter(Base):
    """One numbered letter that left (or is to leave) the office: the buku agenda surat keluar.

    Written when the letter is approved and numbered; `document_id` is the PDF rendered for it,
    whose `Document.sha256` is what `dumas verify` checks a file against."""

    __tablename__ = "surat_keluar"
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    nomor: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    pengaduan_id: Mapped[int | None] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)
    tujuan: Mapped[str] = mapped_column(Text, default="")
    perihal: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str] = mapped_column(String(ADDR), default="")
    approved_role: Mapped[str] = mapped_column(String(120), default="")
    approved_at: Mapped[datetime]
    kode: Mapped[str] = mapped_column(String(16), unique=True)


class Alert(Base):
    """A reminder or escalation sent for a task; the unique key makes each go out once."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("task_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    kind: Mapped[str] = mapped_column(String(24))  # reminder / overdue / escalation
    sent_at: Mapped[datetime]


class Delegation(Base):
    """A deputy acting for a role holder until a date (DELEGASI command or [roles.delegates])."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(24))
    address: Mapped[str] = mapped_column(String(ADDR))
    granted_by: Mapped[str] = mapped_column(String(ADDR))
    starts_at: Mapped[datetime]
    until: Mapped[datetime]
    # DELEGASI BATAL: the delegation ends at once; `until` keeps what was granted, for the audit.
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str] = mapped_column(String(ADDR), default="")


class Notice(Base):
    """Explanations sent to a sender (refused command...): at most N per day per reason
    (`[limits] notices_per_sender_per_day`), so a misconfigured auto-forwarder cannot make us
    answer in a loop."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_address_day", "address", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(ADDR))
    reason: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))  # YYYY-MM-DD in the office's zone
    sent_at: Mapped[datetime]


class ReportRun(Base):
    """One produced recap or semester report; `period_key` ("recap:2026-10") makes it happen once."""

    __tablename__ = "report_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    xlsx_key: Mapped[str] = mapped_column(String(128), default="")
    pdf_key: Mapped[str] = mapped_column(String(128), default="")
    outbox_message_id: Mapped[str] = mapped_column(String(MSGID), default="")


# --- notify -------------------------------------------------------------------------------------


class OutboxMessage(Base):
    """An email to send, written in the transaction of the change that caused it.

    The Message-ID is chosen when the row is written, so a retry is recognisably the same message.
    Attachments may point at documents still being rendered: the row waits until they are ready.
    """

    __tablename__ = "outbox"
    # The acknowledgement rate limit counts one kind to one mailbox since a time (`sent_recently`).
    __table_args__ = (Index("ix_outbox_kind_to_normal", "kind", "to_normal", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(MSGID), unique=True)
    pengaduan_id: Mapped[int | None] = mapped_column(ForeignKey("pengaduan.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    to_addrs: Mapped[list] = mapped_column(default=list)
    first_to: Mapped[str] = mapped_column(String(ADDR), default="")  # lower-cased
    # The mailbox `first_to` reaches (`workflow.addresses.normal_address`), for rate limits.
    to_normal: Mapped[str] = mapped_column(String(ADDR), default="", server_default="")
    cc_addrs: Mapped[list] = mapped_column(default=list)
    reply_to: Mapped[str] = mapped_column(String(ADDR), default="")
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    in_reply_to: Mapped[str] = mapped_column(String(MSGID), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        order_by="OutboxAttachment.id", cascade="all, delete-orphan"
    )


class OutboxAttachment(Base):
    """A file for an outgoing message: a generated document, or a stored file by key."""

    __tablename__ = "outbox_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    storage_key: Mapped[str] = mapped_column(String(128), default="")
    filename: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
