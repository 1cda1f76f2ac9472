"""Logging setup: our loggers speak at INFO, no library below WARNING (issue 11, item 5)."""

import importlib
import logging

import pytest

from dumas.workflow import logs

# The libraries that logged at INFO in `make demo` or `dumas doctor`, imported before the setup
# as they are in a real run (some make their loggers, or set their levels, at import).
NOISY = (
    "fontTools.subset",
    "weasyprint",
    "alembic.runtime.migration",
    "apscheduler.schedulers.blocking",
    "imapclient",
    "sqlalchemy.engine",
    "PIL.Image",
    "aiosmtpd.smtp",
)


@pytest.fixture
def restored_logging():
    """The test changes process-wide logging: put every level and root handler back after."""
    manager = logging.root.manager
    levels = {
        name: logger.level
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root_level, handlers = logging.root.level, list(logging.root.handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.root.setLevel(root_level)
    logging.root.handlers[:] = handlers


def _third_party_below_warning() -> list[str]:
    return sorted(
        name
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
        and not name.startswith(("dumas", "tests"))
        and logger.getEffectiveLevel() < logging.WARNING
    )


def test_no_library_logger_is_left_below_warning(restored_logging):
    for module in NOISY:
        importlib.import_module(module)
    # A library that sets its own level at import, as fontTools and WeasyPrint could.
    logging.getLogger("fontTools.subset").setLevel(logging.INFO)
    logging.getLogger("weasyprint.progress").setLevel(logging.INFO)

    logs.configure()

    assert _third_party_below_warning() == []
    for name in logs.LIBRARIES:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name
    assert logging.getLogger("dumas.config.cycle").getEffectiveLevel() == logging.INFO


def test_verbose_is_debug_for_our_loggers_only(restored_logging):
    logs.configure(verbose=True)

    assert logging.getLogger("dumas.notify.sender").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("fontTools.subset").isEnabledFor(logging.INFO)
    assert not logging.getLogger("alembic.runtime.migration").isEnabledFor(logging.INFO)
    assert logs.level() == logging.DEBUG


def test_configuring_twice_installs_one_handler(restored_logging):
    logs.configure()
    logs.configure()

    ours = [h for h in logging.root.handlers if h.get_name() == "dumas"]
    assert len(ours) == 1


def test_a_library_warning_is_still_heard(restored_logging, capsys):
    logs.configure()

    logging.getLogger("weasyprint").warning("font not found")
    logging.getLogger("weasyprint.progress").info("Step 5 - Creating layout")

    err = capsys.readouterr().err
    assert "WARNING weasyprint: font not found" in err
    assert "Step 5" not in err
