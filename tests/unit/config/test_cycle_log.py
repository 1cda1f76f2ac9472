"""The daemon logs one line per job per cycle: INFO when it did something, DEBUG when idle."""

import logging

from dumas.config.cycle import log_cycle


class _Intake:
    def __init__(self, text):
        self.text = text

    def summary(self):
        return self.text


def test_one_info_line_per_busy_job_and_idle_jobs_at_debug(caplog):
    caplog.set_level(logging.DEBUG, logger="dumas")
    log_cycle(
        {
            "intake": (_Intake("INBOX: 5 new message(s): complaint 3, ignored 2"), 0.31),
            "registration": ({"registered": 3}, 0.2),
            "deadlines": ({"reminders": 0}, 0.0),
            "reports": ({"error": "boom"}, 0.0),
        }
    )
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert lines == [
        (logging.INFO, "intake: INBOX: 5 new message(s): complaint 3, ignored 2 (0.3 s)"),
        (logging.INFO, "registration: registered 3 (0.2 s)"),
        (logging.DEBUG, "deadlines: nothing to do (0.0 s)"),
    ]
