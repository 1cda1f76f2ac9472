"""The README's staff guide and CLI table match what the code does."""

import re
from pathlib import Path

from dumas.config.cli.main import build_parser
from dumas.workflow.sop.commands.registry import COMMANDS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
GUIDE = README[README.index("## Panduan balasan") :]


def test_every_reply_command_has_an_example_in_the_staff_guide():
    for name, _command in COMMANDS.items():
        rows = [line for line in GUIDE.splitlines() if line.startswith(f"| `{name}")]
        assert rows, f"{name} is missing from the staff guide"
        assert any(f"`{name}" in row.split("|")[3] for row in rows), f"{name} has no example"


def test_english_aliases_listed_are_real():
    listed = re.search(r"Perintah bahasa Inggris juga diterima: (.*?)\.\n", GUIDE, re.S).group(1)
    aliases = {a for c in COMMANDS.values() for a in c.aliases}
    for alias in re.findall(r"`([A-Z ]+)`", listed):
        assert alias in aliases, alias


def test_every_cli_command_is_in_the_readme():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`dumas {name}" in README, name
