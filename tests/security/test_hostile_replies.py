"""Security review, finding 1: one reply must not stall intake. `ReplyHandler.handle` reads the
reply (`reply_text`, `command_lines`, `parse_command`) before any gate check, inside the batch's
write transaction, for anyone who knows a case tag: the work must be linear and bounded."""

from __future__ import annotations

import pytest

from dumas.ingest.mail.replytext import command_lines, reply_text
from tests.unit.workflow.extract.test_redaction import run_under_cpu_limit

# The reply path of `ReplyHandler.handle`, on a 256 KiB hostile body (text, or HTML).
_READ_REPLY = """
from dumas.ingest.mail.replytext import command_lines, reply_text
from dumas.workflow.sop.commands.registry import parse_command
MB = 1 << 18
body = {body}
text, html = (body, "") if {as_text} else ("x", body)
parse_command(command_lines(reply_text(text, html)))
print("done")
"""

HOSTILE = {
    # the reviewer's repro: 35 kB took 22.8 s, 70 kB 70.8 s
    "quote then blank": "'> a\\n\\n' * (MB // 5)",
    "a long run of quotes": "'> a\\n' * (MB // 4)",
    "quote and text alternating": "'> a\\nb\\n' * (MB // 6)",
    "attribution above every quote": "'On x wrote:\\n> a\\n' * (MB // 17)",
    "blank runs between lines": "('SETUJU\\n' + '\\n' * 60) * (MB // 67)",
    "one huge line": "'On ' + 'a ' * (MB // 2)",
    "one huge quoted line": "'> ' + 'Pada ' * (MB // 5)",
}
HTML = {
    "html quotes": "'<blockquote>a</blockquote><br>' * (MB // 30)",
    "html paragraphs": "'<p>a</p>\\n\\n' * (MB // 10)",
    "html nesting": "'<div>' * (MB // 5) + 'a'",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "as_text"),
    [(b, True) for b in HOSTILE.values()] + [(b, False) for b in HTML.values()],
    ids=list(HOSTILE) + list(HTML),
)
def test_a_hostile_reply_is_read_in_bounded_time(body, as_text):
    # The old code needed over a minute of CPU on a quarter of this; linear code a fraction
    # of a second. The kernel stops the child at the limit, so a regression fails, not hangs.
    done = run_under_cpu_limit(_READ_REPLY.format(body=body, as_text=as_text), cpu_seconds=10)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-500:]


def test_the_command_on_top_of_a_huge_reply_is_still_read():
    text = "SETUJU\nringkasan singkat\n\n" + "> a\n\n" * 100_000
    assert command_lines(reply_text(text))[:2] == ["SETUJU", "ringkasan singkat"]


def test_text_below_a_quote_never_joins_the_note_above_it():
    text = "TOLAK\ncatatan\n\n\n> kutipan\n\n\n\n> lagi\n\nbaris bawah\n"
    assert command_lines(reply_text(text)) == ["TOLAK", "catatan", "", "baris bawah"]
