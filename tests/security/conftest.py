"""The attacks of issue 9, on the rig: each test drives the SOP by email like tests/flows does,
with the same fixtures (imported, so pytest finds them here too)."""

from __future__ import annotations

from tests.flows.conftest import dumas_config, flow  # noqa: F401 - the shared fixtures
from tests.flows.conftest import pytest_configure as _flows_configure
from tests.integration.conftest import dumas  # noqa: F401 - the shared fixture

# DELEGASI needs a proven sender: the rig's default, `[replies] authentication = "dkim"` with
# the staff replies signed by the rig's pinned test key, is that proof.


def pytest_configure(config):
    _flows_configure(config)  # the dumas_settings marker, when only this folder runs
