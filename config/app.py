"""The composition root: builds the engine, file store, clock and services from `Settings`.

Nothing is configured at import time; the CLI, the daemon and the tests each build an `App`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from dumas.config.settings import Settings
from dumas.notify.compose import Composer
from dumas.notify.reports import ReportSetup
from dumas.notify.sender import OutboxSender
from dumas.workflow.clock import Clock, FrozenClock, SystemClock
from dumas.workflow.documents.job import DocumentRenderer
from dumas.workflow.errors import ConfigError
from dumas.workflow.reports.periods import Delivery
from dumas.workflow.reports.recap import RecapSetup
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.config import load_sop
from dumas.workflow.store.db import check_schema, make_engine, make_sessionmaker
from dumas.workflow.store.filestore import FileStore

NOW_ENV = "DUMAS_NOW"  # tests and demos only: run as if it were this instant


def clock_from_env(environ=os.environ) -> Clock:
    value = environ.get(NOW_ENV)
    if not value:
        return SystemClock()
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"${NOW_ENV} must be an ISO 8601 time with offset, not {value!r}"
        ) from None
    if at.tzinfo is None:
        raise ConfigError(f"${NOW_ENV} needs a UTC offset (e.g. 2026-11-02T09:00:00+07:00)")
    return FrozenClock(at)


@dataclass
class App:
    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        # The OAuth2 token's expiry is read on the App's clock, like every other instant.
        for tokens in {
            id(t): t for t in (self.settings.imap.tokens, self.settings.smtp.tokens) if t
        }.values():
            tokens.use_clock(self.clock)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @cached_property
    def files(self) -> FileStore:
        return FileStore(self.settings.storage_root)

    @property
    def tz(self):
        return self.settings.office.tz

    def own_addresses(self) -> frozenset[str]:
        s = self.settings
        return frozenset({s.smtp.from_address.lower(), s.replies.address.lower()})

    def require_schema(self) -> None:
        """Refuse to work on a database that `dumas init` has not brought up to date."""
        check_schema(self.engine, self.settings.database_url)

    @cached_property
    def sop(self):
        return load_sop(self.settings.sop, subdivisions=self.settings.roles.subdivisions.keys())

    @cached_property
    def calendar(self):
        w = self.settings.workhours
        return WorkCalendar(
            zone=self.settings.office.timezone,
            start=w.start,
            end=w.end,
            extra_days_off=w.extra_days_off,
        )

    @cached_property
    def toolkit(self):
        # Start-up time: the applier brings the SOP machine, its commands and the registration
        # rules (about thirty modules) that only the commands acting on cases need.
        from dumas.notify.apply import Toolkit

        s = self.settings
        return Toolkit(
            settings=s,
            composer=Composer(s.office, s.numbering.case_tag),
            sop=self.sop,
            calendar=self.calendar,
            attachments_max_bytes=s.limits.attachments_max_bytes,
        )

    def intake(self):
        # Start-up time: the intake chain loads imapclient, mail-parser and nh3, which most CLI
        # commands never use.
        from dumas.ingest.mailbox.intake import Intake
        from dumas.ingest.routing.dispatch import Dispatcher
        from dumas.ingest.routing.lookup import DbThreadLookup

        s = self.settings
        own = self.own_addresses()
        return Intake(
            self.files,
            Dispatcher(self.files, self.toolkit),
            lambda session: DbThreadLookup(
                session, s.replies.address, own, s.numbering.case_tag, s.numbering.pattern
            ),
            s.limits.max_message_bytes,
            retry_for=timedelta(hours=s.replies.dkim_retry_hours),
        )

    def poller(self):
        from dumas.ingest.mailbox.poll import Poller  # start-up time: loads imapclient

        return Poller(self.settings.imap, self.sessions, self.files, self.clock, self.intake())

    def renderer(self):
        return DocumentRenderer(
            self.sessions,
            self.files,
            self.settings.office,
            self.clock,
            render_timeout=self.settings.documents.render_timeout_seconds,
            workers=self.settings.documents.workers or os.cpu_count() or 1,
        )

    def sender(self):
        return OutboxSender(
            self.settings.smtp,
            self.sessions,
            self.files,
            self.clock,
            acks_per_hour=self.settings.limits.acknowledgements_per_hour,
            attachments_max_bytes=self.settings.limits.attachments_max_bytes,
        )

    def report_setup(self) -> ReportSetup:
        """The reports' collaborators, from the app's SOP, calendar and composer."""
        s, kit = self.settings, self.toolkit
        return ReportSetup(
            recap=RecapSetup(self.sop, self.calendar, s.office.name),
            office=s.office,
            delivery=Delivery(self.calendar, s.schedule.recap_day, s.schedule.recap_time),
            ketua=s.roles.ketua,
            sekretaris=s.roles.sekretaris,
            domain=kit.domain or "localhost",
            composer=kit.composer,
            files=self.files,
        )

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
