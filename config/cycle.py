"""One complete cycle of the office's jobs, in order: what `dumas poll` runs and the daemon schedules.

Intake first (new mail), then the work intake created (documents, deadlines, reports), then the
outbox, so that one cron line alone could run the office.
"""

from __future__ import annotations

import logging

from dumas.config.app import App

log = logging.getLogger(__name__)


def run_cycle(app: App, should_stop=lambda: False) -> dict:
    """Run every job once; returns a summary per job. Mail-server errors propagate."""
    summary = {"intake": app.poller().poll(should_stop)}
    return summary
