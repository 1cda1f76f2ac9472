"""Preloaded by the render workers' fork server: one render of every document kind, once.

Each document renders in a fresh process forked from that server (worker.py). A fresh process
that has only imported WeasyPrint still compiles our templates, parses WeasyPrint's own
stylesheet and loads the fonts on its first render: measured here, a worker took twice as long
per document (0.4 s) as a warm process (0.2 s). Rendering once in the server, before it forks,
gives every worker those caches for free. Importing this module anywhere else costs about a
second and changes nothing.
"""

from __future__ import annotations

import logging

from dumas.workflow.documents.render import DOCUMENT_KINDS, render
from dumas.workflow.documents.sample import SAMPLE_PARAMS, sample_case

log = logging.getLogger(__name__)


def warm_up() -> None:
    # Nothing may escape: the fork server imports this module, and an exception here would stop
    # it, and every render with it. A cold cache is only slower.
    try:
        context = sample_case().context()
    except Exception as exc:  # noqa: BLE001
        log.debug("warm-up skipped: %s", type(exc).__name__)
        return
    for kind in DOCUMENT_KINDS:
        try:
            render(kind, context, SAMPLE_PARAMS.get(kind, {}))
        except Exception as exc:  # noqa: BLE001
            log.debug("warm-up render of %s failed: %s", kind, type(exc).__name__)


warm_up()
