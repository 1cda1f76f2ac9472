"""How Dumas logs: our own loggers at INFO (DEBUG with `-v`), every library at WARNING.

The libraries we use log their inner workings at INFO: fontTools one line per font subset,
WeasyPrint every rendering step, Alembic every migration check, aiosmtpd every SMTP command. A
year of that buries the lines an administrator looks for (a failed job, a mail server down), so
only our own `dumas.*` loggers speak at INFO; a library is heard when it warns.

`configure` is called wherever a process starts logging: the command line (and with it the
daemon and the demo) and each document worker, which a fork server starts from a fresh
interpreter that inherits nothing of the parent's logging.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
OURS = "dumas"
# Named as well as silenced through the root logger: some of them set their own level at import
# (or a later version may), which the root's level does not override.
LIBRARIES = (
    "fontTools",
    "weasyprint",
    "weasyprint.progress",
    "alembic",
    "apscheduler",
    "imapclient",
    "sqlalchemy",
    "PIL",
    "mail.log",  # aiosmtpd, the rig's SMTP server (tests and the demo)
    "mailparser",
    "urllib3",
    "asyncio",
    "multiprocessing",
    "openpyxl",
    "holidays",
)
# Marks the handler we install, so that a second call replaces it instead of adding another.
_HANDLER_NAME = "dumas"


def configure(verbose: bool = False) -> None:
    """Log our own records at INFO (DEBUG if `verbose`) to stderr, the libraries' at WARNING."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger(OURS).setLevel(logging.DEBUG if verbose else logging.INFO)
    quiet_libraries()


def quiet_libraries() -> None:
    """Every logger that is not ours at WARNING or above, the known ones and any already made."""
    for name in LIBRARIES:
        _at_least_warning(logging.getLogger(name))
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not _ours(name):
            _at_least_warning(logger)


def level() -> int:
    """Our loggers' level, for a child process to use the same."""
    return logging.getLogger(OURS).getEffectiveLevel()


def _ours(name: str) -> bool:
    return name == OURS or name.startswith(OURS + ".")


def _at_least_warning(logger: logging.Logger) -> None:
    # A level set below WARNING is raised. NOTSET defers to the root (WARNING), but the libraries
    # we know get their own WARNING, which holds even if something lowers the root later.
    known_unset = logger.level == logging.NOTSET and logger.name in LIBRARIES
    if known_unset or logging.NOTSET < logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
