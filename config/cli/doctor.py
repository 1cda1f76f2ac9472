"""`dumas doctor`: check an installation end to end and say plainly what to fix.

Each check returns (status, message); FAIL means Dumas cannot do its job, WARN means it can but
something deserves a look. Nothing here changes data, and no email is sent unless asked; the one
thing written is the record that our server stamps every message (`authentication =
"authserv"` is trusted only with it: ingest/mail/stampcheck.py).
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from datetime import date, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32

from sqlalchemy import func, select

from dumas.config.app import App
from dumas.config.serviceaccount import GoogleRefusal, ServiceAccountTokens, advice, key_is_private
from dumas.ingest.mail.authresults import stamped_by
from dumas.ingest.mail.senderproof import aligned, signing_domains
from dumas.ingest.mail.stampcheck import forget_stamping, record_stamping
from dumas.notify.recipients import active_delegations
from dumas.notify.sender import smtp_connection
from dumas.workflow.addresses import is_public_provider
from dumas.workflow.documents.render import render
from dumas.workflow.documents.sample import sample_case
from dumas.workflow.errors import DumasError
from dumas.workflow.store.db import check_schema
from dumas.workflow.store.models import MailboxCursor, OutboxMessage, Pengaduan, RawMessage

OK, WARN, FAIL = "OK", "WARN", "FAIL"
Check = Callable[[App], "tuple[str, str]"]


def check_database(app: App) -> tuple[str, str]:
    try:
        check_schema(app.engine, app.settings.database_url)
    except DumasError as exc:
        return FAIL, str(exc)
    except Exception as exc:  # noqa: BLE001 - the driver's own error says what is wrong
        return FAIL, f"cannot open the database: {exc}"
    return OK, "database reachable and up to date"


def check_storage(app: App) -> tuple[str, str]:
    root = app.settings.storage_root
    if not root.is_dir():
        return FAIL, f"storage folder {root} does not exist (run `dumas init`)"
    if not os.access(root, os.W_OK):
        return FAIL, f"storage folder {root} is not writable by this user"
    mode = stat.S_IMODE(root.stat().st_mode)
    free_gb = shutil.disk_usage(root).free / 1e9
    if mode & 0o077:
        return WARN, f"storage folder {root} is readable by others (mode {mode:o}; use 700)"
    if free_gb < 1:
        return WARN, f"only {free_gb:.1f} GB free under {root}"
    return OK, f"storage {root} (mode 700, {free_gb:.0f} GB free)"


def check_oauth2(app: App) -> tuple[str, str]:
    """The OAuth2 sign-in, before the servers: a missing or revoked token is said once, with the
    command that fixes it. Nothing to say (an empty message) when the servers use passwords."""
    tokens = app.settings.imap.tokens or app.settings.smtp.tokens
    if tokens is None:
        return OK, ""
    if isinstance(tokens, ServiceAccountTokens):
        return _check_service_account(tokens)
    path = tokens.settings.token_file
    if path.exists() and stat.S_IMODE(path.stat().st_mode) & 0o077:
        return FAIL, f"the token file {path} is readable by others: chmod 600 {path}"
    try:
        expires = tokens.check()
    except DumasError as exc:
        return FAIL, f"OAuth2 sign-in of {tokens.account}: {exc}"
    until = f", access token valid until {expires:%Y-%m-%d %H:%M %Z}" if expires else ""
    return OK, f"OAuth2 sign-in of {tokens.account} ({tokens.settings.provider}){until}"


def _check_service_account(tokens: ServiceAccountTokens) -> tuple[str, str]:
    """Google: a token for the mailbox now; a refusal comes with the admin's steps."""
    key = tokens.key
    who = f"Google service account {key.client_email} acting for {tokens.account}"
    if not key_is_private(key.path):
        return (
            FAIL,
            f"the service account key {key.path} is readable by others: chmod 600 {key.path}",
        )
    try:
        expires = tokens.check()
    except GoogleRefusal as exc:
        steps = "".join(f"\n      - {step}" for step in advice(exc, key, tokens.account))
        return FAIL, f"{who}: {exc}\n      What to do:{steps}"
    except DumasError as exc:
        return FAIL, f"{who}: {exc}"
    until = f", access token valid until {expires:%Y-%m-%d %H:%M %Z}" if expires else ""
    return OK, f"{who} (key {key.private_key_id[:8]}…, {key.path}){until}"


def check_imap(app: App) -> tuple[str, str]:
    from dumas.ingest.mailbox.source import MailboxSource  # start-up time: loads imapclient

    s = app.settings.imap
    try:
        with MailboxSource(s) as source:
            uidvalidity = source.select(s.folder)
            count = len(source.all_uids())
            idle = source.supports_idle()
    except DumasError as exc:
        return FAIL, str(exc)
    return (
        OK,
        f"IMAP {s.host}:{s.port} ({s.security}) login as {s.username}, folder {s.folder}: "
        f"{count} message(s), UIDVALIDITY {uidvalidity}; {_idle_note(app, idle)}",
    )


def _idle_note(app: App, offered: bool) -> str:
    """How soon new mail is taken in: at once through IDLE, or at the next scheduled poll."""
    every = f"every {app.settings.schedule.poll_every_minutes} minute(s)"
    if not offered:
        return f"the server does not offer IDLE: new mail waits for the poll, {every}"
    if not app.settings.imap.idle:
        return f"IDLE offered but [imap] idle = false: new mail waits for the poll, {every}"
    return "IDLE offered: new mail is taken in within seconds"


def check_smtp(app: App) -> tuple[str, str]:
    s = app.settings.smtp
    try:
        conn = smtp_connection(s)
    except DumasError as exc:
        return FAIL, str(exc)
    conn.quit()
    who = f" as {s.username}" if s.username else " (no login)"
    return OK, f"SMTP {s.host}:{s.port} ({s.security}){who}; mail is sent from {s.from_address}"


def check_roles(app: App) -> tuple[str, str]:
    s = app.settings
    own = app.own_addresses()
    clash = [
        a
        for r in ("desk", "sekretaris", "hukum", "ketua")
        for a in s.roles.addresses(r)
        if a in own
    ]
    if clash:
        return FAIL, (
            f"{', '.join(clash)} is both a role holder and Dumas's own address: "
            "replies from it would be ignored as our own mail"
        )
    counts = ", ".join(
        f"{r} {len(s.roles.addresses(r))}" for r in ("desk", "sekretaris", "hukum", "ketua")
    )
    public = sorted(
        a for a in app.toolkit.staff_addresses if is_public_provider(a.rpartition("@")[2])
    )
    if public:
        return WARN, (
            f"roles: {counts}; {', '.join(public)} is on a public mail provider: its DKIM proves "
            "that mailbox only, and DELEGASI may not name other addresses there unless the "
            "provider is in [roles] delegate_domains (better: list deputies in [roles.delegates] "
            "or give the person an office address)"
        )
    return OK, f"roles: {counts}"


def check_officials(app: App) -> tuple[str, str]:
    """Who signs the letters: the Sekretaris (surat penerusan, pemberitahuan, hasil), the Ketua
    in the Sekretaris's place (a conflict of interest: notify/apply.py). Without a name, an
    approved letter's signature line stays blank."""
    officials = app.settings.officials
    missing = [
        f"[officials] {who}_nama"
        for who in ("sekretaris", "ketua")
        if not getattr(officials, who).nama
    ]
    if not missing:
        s, k = officials.sekretaris, officials.ketua
        return OK, f"letters signed by {s.nama} ({s.jabatan}); Ketua {k.nama}"
    which = " and ".join(missing)
    return WARN, (
        f"{which} {'is' if len(missing) == 1 else 'are'} empty: letters and reports then have no "
        "signatory (a blank signature line); set the name (and _nip) of who signs"
    )


def check_delegations(app: App) -> tuple[str, str]:
    """Who acts for a role by DELEGASI right now: a delegation nobody looks at is how a leaked
    role stays leaked, so the IT person sees every one."""
    now = app.clock.now()
    with app.sessions() as s:
        rows = active_delegations(s, now)
        listed = [
            f"{d.address} as {d.role} until {d.until.astimezone(app.tz):%Y-%m-%d %H:%M}"
            f" (granted by {d.granted_by})"
            for d in rows
        ]
    if not listed:
        return OK, "no delegation (DELEGASI) is active"
    return OK, (
        f"{len(listed)} active delegation(s): {'; '.join(listed)} "
        "(the principal ends theirs by replying DELEGASI BATAL)"
    )


def check_calendar(app: App) -> tuple[str, str]:
    today = app.clock.now().astimezone(app.tz).date()
    years = (today.year, today.year + 1)
    cal = app.calendar
    found = [sum(1 for d in _days(y) if cal.day_off_reason(d) and d.weekday() < 5) for y in years]
    if min(found) < 10:
        return WARN, (
            f"the holiday calendar knows only {found} weekday holidays for {years}: "
            "update the `holidays` package"
        )
    return (
        OK,
        f"working-day calendar: {found[0]} weekday holidays in {years[0]}, {found[1]} in {years[1]}",
    )


def check_documents(app: App) -> tuple[str, str]:
    try:
        pdf = render("tanda_terima", sample_case().context())
    except Exception as exc:  # noqa: BLE001 - report whatever WeasyPrint/Pango says
        return FAIL, f"cannot render a PDF: {exc}"
    return OK, f"PDF rendering works offline ({len(pdf) // 1024} KB sample)"


def check_backlog(app: App) -> tuple[str, str]:
    with app.sessions() as s:
        failed = s.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed")
        ).scalar()
        quarantined = s.execute(
            select(func.count())
            .select_from(RawMessage)
            .where(RawMessage.disposition == "quarantined")
        ).scalar()
        last = s.execute(select(func.max(MailboxCursor.updated_at))).scalar()
        stuck = s.execute(
            select(func.count())
            .select_from(Pengaduan)
            .where(
                Pengaduan.registered_at.is_(None),
                Pengaduan.received_at < app.clock.now() - timedelta(hours=1),
            )
        ).scalar()
    notes = []
    if stuck:
        notes.append(
            f"{stuck} complaint(s) received over an hour ago are not registered yet "
            "(`dumas list`, `dumas show ID` shows the error)"
        )
    if failed:
        notes.append(
            f"{failed} email(s) could not be delivered (`dumas outbox list --status failed`)"
        )
    if quarantined:
        notes.append(f"{quarantined} message(s) in quarantine (`dumas quarantine list`)")
    if last and app.clock.now() - last > timedelta(days=1):
        notes.append(
            f"no mail ingested since {last.astimezone(app.tz):%Y-%m-%d %H:%M} "
            "(is the daemon running?)"
        )
    return (WARN, "; ".join(notes)) if notes else (OK, "no failed mail, nothing in quarantine")


STAMP_SAMPLE = 20  # newest stored messages that must carry our server's Authentication-Results
STAFF_SAMPLE = 50  # newest stored staff messages whose DKIM alignment is looked at


def check_authentication(app: App) -> tuple[str, str]:
    """How a staff reply that changes a case proves its From, and what that relies on."""
    r = app.settings.replies
    if r.authentication == "none":
        return WARN, (
            'authentication = "none": a decision needs only the From address, which anyone can '
            'forge; set [replies] authentication = "dkim" (the default) or "authserv"'
        )
    if r.authentication == "dkim":
        where = (
            f"{len(r.dkim_keys)} pinned key(s) in [replies.dkim_keys], then DNS"
            if r.dkim_keys
            else "keys from DNS"
        )
        relies = f'authentication = "dkim": decisions need an aligned DKIM signature ({where})'
        unaligned = _unaligned_staff_mail(app)
        if not unaligned:
            return OK, relies
        return WARN, f"{relies}; but {_explain_unaligned(unaligned)}"
    return _check_authserv(app, r.authserv_id)


def _unaligned_staff_mail(app: App) -> dict[str, list[str]]:
    """Staff addresses whose newest mail here carries no DKIM signature aligned with their
    From domain -> the domains that did sign it. Their decisions are refused."""
    staff = app.toolkit.staff_addresses
    with app.sessions() as s:
        rows = s.execute(
            select(RawMessage.from_address, RawMessage.storage_key)
            .where(RawMessage.from_address.in_(staff))
            .order_by(RawMessage.id.desc())
            .limit(STAFF_SAMPLE)
        ).all()
    found: dict[str, list[str]] = {}
    for address, key in rows:
        if address in found:
            continue
        try:
            domains = signing_domains(app.files.read(key))
        except (OSError, DumasError):
            continue
        if not any(aligned(d, address.rpartition("@")[2]) for d in domains):
            found[address] = domains
    return found


def _explain_unaligned(unaligned: dict[str, list[str]]) -> str:
    said = "; ".join(
        f"{a} signed by {', '.join(d) if d else 'nobody'}" for a, d in sorted(unaligned.items())
    )
    text = (
        f"the newest mail of {len(unaligned)} staff address(es) has no DKIM signature of their "
        f"own domain ({said}): their decisions by email are refused"
    )
    if any(d.endswith(".onmicrosoft.com") for ds in unaligned.values() for d in ds):
        text += (
            ". Microsoft 365 signs with the tenant's onmicrosoft.com domain until DKIM is enabled "
            "for the office's own domain: Microsoft Defender portal > Email & collaboration > "
            "Policies > Email authentication settings > DKIM, publish the two selector1/selector2 "
            "CNAME records it shows, then enable signing (see docs/security.md)"
        )
    return text


def _check_authserv(app: App, authserv_id: str) -> tuple[str, str]:
    """ "authserv" is sound only if our server stamps every message on top: else a sender's own
    header naming our authserv-id would be read as our server's verdict."""
    with app.sessions() as s:
        keys = list(
            s.execute(
                select(RawMessage.storage_key).order_by(RawMessage.id.desc()).limit(STAMP_SAMPLE)
            ).scalars()
        )
    unstamped = 0
    for key in keys:
        try:
            head = BytesHeaderParser(policy=compat32).parsebytes(app.files.read(key))
            values = tuple(
                " ".join(str(v).split()) for v in head.get_all("Authentication-Results", [])
            )
        except (OSError, DumasError, ValueError):
            values = ()
        unstamped += not stamped_by(values, authserv_id)
    relies = (
        f'authentication = "authserv": decisions rely on Authentication-Results by {authserv_id}'
    )
    record = app.settings.replies.stamp_record
    if not keys:
        return WARN, (
            f"{relies}; no message received yet, so its stamping is unchecked and every staff "
            "decision by email is refused: run `dumas doctor` again once mail has arrived"
        )
    if unstamped:
        if record is not None:
            forget_stamping(record)  # the gate stops trusting the header at once
        return FAIL, (
            f"{relies}, but {unstamped} of the newest {len(keys)} message(s) do not carry it on "
            "top: the server does not stamp every message, so senders could write it themselves."
            " Staff decisions by email are refused until the server is fixed and `dumas doctor`"
            ' passes (or use authentication = "dkim")'
        )
    if record is not None:
        record_stamping(record, authserv_id, app.clock.now(), len(keys))
    return OK, (
        f"{relies}; the newest {len(keys)} message(s) all carry it on top "
        f"(recorded in {record}: decisions by email are accepted)"
    )


CHECKS: tuple[Check, ...] = (
    check_database,
    check_storage,
    check_roles,
    check_officials,
    check_authentication,
    check_delegations,
    check_calendar,
    check_documents,
    check_oauth2,
    check_imap,
    check_smtp,
    check_backlog,
)


def run_doctor(app: App, printer=print) -> int:
    worst = OK
    for check in CHECKS:
        status, message = check(app)
        if not message:  # a check with nothing to check here (no OAuth2)
            continue
        printer(f"{status:<4}  {message}")
        if status == FAIL:
            worst = FAIL
        elif status == WARN and worst == OK:
            worst = WARN
        if check is check_database and status == FAIL:
            printer("      (the remaining checks need the database)")
            return 1
    printer(
        "all checks passed"
        if worst == OK
        else "Dumas can run, see the warnings above"
        if worst == WARN
        else "Dumas cannot run until the failures above are fixed"
    )
    return 1 if worst == FAIL else 0


def _days(year: int):
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)
