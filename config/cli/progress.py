"""Progress bars for long CLI work (backup, `replay --all`, a long recap, export).

One helper so every long command looks and behaves the same: a tqdm bar on stderr when stderr is
a terminal, and nothing at all otherwise, so cron, systemd and `--json` pipes get clean output
and logs are not filled with carriage returns.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(iterable: Iterable[T], total: int | None = None, desc: str = "") -> Iterator[T]:
    """Yield from `iterable`, drawing a bar on a terminal's stderr (`total` when it has no len)."""
    bar = tqdm(
        iterable,
        total=total,
        desc=desc or None,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,  # the command prints its own summary; a finished bar would only repeat it
        dynamic_ncols=True,
    )
    try:
        yield from bar
    finally:
        bar.close()
