"""Every message of the shared real-world corpus goes through parse_message without surprises.

The corpus (1,061 messages from other projects' test fixtures: broken MIME, odd charsets, bounces,
TNEF, nested messages...) lives outside the repository: `$DUMAS_CORPUS`, or `../shared/corpus`
next to it. The test is skipped when it is absent.
"""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
from datetime import UTC
from pathlib import Path

import pytest

from dumas.ingest.mail.parser import parse_message
from dumas.workflow.errors import MessageError

_DEFAULT_CORPUS = Path(__file__).resolve().parents[4].parent / "shared" / "corpus"
CORPUS = Path(os.environ.get("DUMAS_CORPUS") or _DEFAULT_CORPUS)
_NOT_MESSAGES = {"MANIFEST.tsv", "README.md"}
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def is_safe_filename(name: str) -> bool:
    """Independent check of what an attachment filename must be: storable and harmless."""
    return (
        isinstance(name, str)
        and name.strip() == name != ""
        and "/" not in name
        and "\\" not in name
        and not name.startswith(".")
        and name not in (".", "..")
        and not any(unicodedata.category(ch) in _UNSAFE_CATEGORIES for ch in name)
        and unicodedata.normalize("NFC", name) == name
        and len(name.encode("utf-8")) <= 255
    )


def _clean(text: str) -> bool:
    return "\x00" not in text and not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name not in _NOT_MESSAGES)


def _check(parsed) -> None:
    assert isinstance(parsed.text, str) and isinstance(parsed.html, str)
    assert isinstance(parsed.subject, str)
    for text in (parsed.text, parsed.html, parsed.subject, *parsed.defects):
        assert _clean(text)
    assert parsed.date is None or parsed.date.utcoffset() == UTC.utcoffset(None)
    assert "<" not in parsed.message_id and ">" not in parsed.message_id
    assert all(name == name.lower() for name in parsed.headers)
    assert parsed.content_type == parsed.content_type.lower() and "/" in parsed.content_type
    for defect in parsed.defects:
        assert "internal parser error" not in defect
    names = [a.filename for a in parsed.attachments]
    assert len({n.lower() for n in names}) == len(names)
    for attachment in parsed.attachments:
        assert is_safe_filename(attachment.filename), attachment.filename
        assert attachment.sha256 == hashlib.sha256(attachment.payload).hexdigest()
        assert attachment.content_type == attachment.content_type.lower()


def test_every_corpus_message_parses_or_is_refused_with_a_reason(caplog):
    files = corpus_files()
    if not files:
        pytest.skip(f"corpus not found at {CORPUS}")
    caplog.set_level(logging.CRITICAL)
    refused: dict[str, str] = {}
    for path in files:
        try:
            parsed = parse_message(path.read_bytes())
        except MessageError as error:
            assert error.reason and not error.reason.startswith("internal parser error"), path
            refused[str(path.relative_to(CORPUS))] = error.reason
            continue
        try:
            _check(parsed)
        except AssertionError as error:
            raise AssertionError(f"{path.relative_to(CORPUS)}: {error}") from error
    # A message is refused only when it is not mail at all; the corpus has a handful of those.
    assert len(refused) <= len(files) // 100, refused


def test_safe_filename_check_rejects_what_it_must():
    for bad in (
        "",
        " x",
        "../x",
        "a/b",
        "a\\b",
        ".hidden",
        "..",
        "a\x00b",
        "a\nb",
        "exe\u202egpj.txt",
        "e\u0301.txt",
        "x" * 256,
    ):
        assert not is_safe_filename(bad), repr(bad)
    assert is_safe_filename("Laporan TPS 03 (2).pdf")
    assert is_safe_filename("é.txt")
