"""Every email the code can send has its template files, and every template file is used.

The template names are read from the source with a regex (`Notify("…")`, `send("…")`), so a new
notification without its `.subject`/`.txt` fails here before it fails in production.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader

ROOT = Path(__file__).resolve().parents[3]
EMAIL = ROOT / "templates" / "email"
SOURCE_DIRS = ("workflow", "notify", "ingest", "config")
# Notify("tugas", ...), Notify(\n "tugas", ...), applier.send("penolakan", ...), and a name chosen
# before the call: `template = "status_pelapor"` ... Notify(template, ...).
_NAME = re.compile(
    r"""\b(?:Notify|send)\(\s*["']([a-z_]+)["']"""
    r"""|\btemplate\s*=\s*["']([a-z_]+)["']"""
)
_LONGEST_LINE = 100


def template_names_in_code() -> dict[str, list[str]]:
    """Template name -> the source files that use it."""
    found: dict[str, list[str]] = {}
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in _NAME.finditer(path.read_text(encoding="utf-8")):
                name = match[1] or match[2]
                found.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return found


def quoted_names_in_code() -> set[str]:
    """Every "quoted_word" in the code: a template chosen through a table (the recap's
    `TEMPLATES = {RECAP: "rekap", ...}`) is still named somewhere."""
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            found.update(re.findall(r"""["']([a-z_]+)["']""", path.read_text(encoding="utf-8")))
    return found


def template_kinds_on_disk() -> set[str]:
    """The kinds with files in templates/email (partials start with "_")."""
    return {
        p.name.split(".")[0]
        for p in EMAIL.iterdir()
        if p.suffix in (".subject", ".txt", ".html") and not p.name.startswith("_")
    }


def test_the_scan_finds_the_known_senders():
    names = template_names_in_code()
    # One from each kind of call site: the core, the applier, the intake and reply layers.
    for name in ("tugas", "transkrip", "tanda_terima", "penolakan", "eskalasi", "status_pelapor"):
        assert name in names, name


@pytest.mark.parametrize("name", sorted(template_names_in_code()))
def test_every_template_used_in_the_code_has_its_files(name):
    for suffix in (".subject", ".txt"):
        assert (EMAIL / f"{name}{suffix}").is_file(), (
            f"{name}{suffix} missing (used in {', '.join(template_names_in_code()[name])})"
        )


def test_no_template_file_is_orphaned():
    unused = template_kinds_on_disk() - quoted_names_in_code()
    assert not unused, f"templates no code names: {sorted(unused)}"


def test_every_kind_has_subject_and_text():
    for kind in template_kinds_on_disk():
        assert (EMAIL / f"{kind}.subject").is_file() and (EMAIL / f"{kind}.txt").is_file(), kind


def test_every_template_parses_and_the_readme_lists_it():
    env = Environment(loader=FileSystemLoader(str(EMAIL)))
    for path in sorted(EMAIL.iterdir()):
        if path.suffix in (".subject", ".txt", ".html"):
            env.parse(path.read_text(encoding="utf-8"), name=path.name)
    readme = (EMAIL / "README.md").read_text(encoding="utf-8")
    for kind in template_kinds_on_disk():
        assert f"`{kind}`" in readme, f"{kind} is not described in templates/email/README.md"


def test_written_text_lines_are_short():
    """Phone readability: lines we write ourselves stay under ~100 characters (values that
    expand inside a line are checked on the rendered emails, in test_email_templates)."""
    for path in sorted(EMAIL.glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "{{" not in line and "{%" not in line:
                assert len(line) <= _LONGEST_LINE, f"{path.name}:{number} is {len(line)} long"


def test_subjects_never_write_the_case_tag():
    for path in sorted(EMAIL.glob("*.subject")):
        text = path.read_text(encoding="utf-8")
        assert "[PGD" not in text and "case_tag" not in text, path.name
