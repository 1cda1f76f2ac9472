"""Fixtures for tests that run Dumas against the rig: the CLI in-process, and the App to inspect."""

from __future__ import annotations

import pytest

from dumas.config.app import App, clock_from_env
from dumas.config.cli.main import main
from dumas.config.settings import load_settings


@pytest.fixture
def dumas(dumas_config, capsys):
    """Run `dumas ...` in-process against the test's config (after `init`); returns (rc, stdout)."""
    assert main(["--config", str(dumas_config), "init"]) == 0
    capsys.readouterr()

    def call(*args):
        rc = main(["--config", str(dumas_config), *args])
        return rc, capsys.readouterr().out

    return call


@pytest.fixture
def app(dumas_config):
    """The test's Dumas, at the instant its `dumas` runs are at ($DUMAS_NOW, tests/conftest.py)."""
    a = App(load_settings(dumas_config), clock=clock_from_env())
    yield a
    a.close()
