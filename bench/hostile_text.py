"""Work per email on hostile text (issue 9): redaction and extraction must grow linearly.

Run: `python -m bench.hostile_text` (or `make bench`). For each hostile shape it times, in this
process, `redact`, `fill`-style extraction and the reply reading of `ReplyHandler.handle`
(`reply_text` + `command_lines`; it reads a 64 000-character head, so past that its ratio is
about 1) of a body of size N and of size 10N and prints the
ratio: about 10 is linear; the quadratic code this replaced printed about 100. As a baseline from
the same run it also prints the time of one `str.lower()` pass over the large body, so the figure
reads as "so many passes over the text". Medians of a few rounds; no pass/fail.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dumas.ingest.mail.replytext import command_lines, reply_text  # noqa: E402
from dumas.workflow.extract import (  # noqa: E402
    extract_lokasi,
    extract_pelapor,
    extract_terlapor,
    guess_klasifikasi,
)
from dumas.workflow.extract.redaction import redact  # noqa: E402

SHAPES: dict[str, Callable[[int], str]] = {
    "one long word": lambda n: "a" * n,
    "at-signs": lambda n: "a@" * (n // 2),
    "digit run": lambda n: "0812" * (n // 4),
    "blank lines": lambda n: "\n" * n,
    "label lines": lambda n: "Nama:\n" * (n // 6),
    "dotted words": lambda n: "a." * (n // 2),
    # Reply shapes (security review, finding 1): `reply_text` was quadratic on these.
    "quote/blank": lambda n: "> a\n\n" * (n // 5),
    "quote run": lambda n: "> a\n" * (n // 4),
    "quote/text": lambda n: "> a\nb\n" * (n // 6),
}


def timed(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def extract_all(text: str) -> None:
    extract_pelapor(text, "Warga", "warga@gmail.com")
    extract_lokasi(text, ("Sipora Utara", "Siberut Selatan"))
    extract_terlapor(text)
    guess_klasifikasi("Laporan", text)


def read_reply(text: str) -> None:
    """What `ReplyHandler.handle` does with every reply before any gate check."""
    command_lines(reply_text(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40_000, help="the small body, in characters")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    small, large = args.size, args.size * 10
    print(f"{'shape':<14} {'work':<8} {small:>8,} ch  {large:>9,} ch  ratio  large/lower()")
    for shape, make in SHAPES.items():
        a, b = make(small), make(large)
        floor = timed(b.lower, args.rounds)
        works: tuple[tuple[str, Callable[[str], object]], ...] = (
            ("redact", lambda t: redact(t, "Budi Santoso")),
            ("extract", extract_all),
            ("reply", read_reply),
        )
        for work, fn in works:
            ta = timed(lambda fn=fn, a=a: fn(a), args.rounds)
            tb = timed(lambda fn=fn, b=b: fn(b), args.rounds)
            print(
                f"{shape:<14} {work:<8} {ta:>9.4f} s  {tb:>9.4f} s  {tb / ta:>5.1f}  "
                f"{tb / floor:>8.0f}x"
            )


if __name__ == "__main__":
    main()
