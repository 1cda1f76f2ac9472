"""Issue 9, items 9, 10 and 12: a document cannot be stalled, a picture cannot cost more than its
pixel budget, and what holds reporters' identities is readable by the service's user only."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

from PIL import Image

from dumas.config.cli import desk, reports
from dumas.workflow.documents import render as docrender
from dumas.workflow.documents import thumbnails
from dumas.workflow.documents.sample import sample_case
from dumas.workflow.store.db import make_engine


def test_a_data_uri_body_does_not_stall_rendering():
    # The attack: a body that starts with "data:" was spared the break opportunities, and 60 KB
    # without one took 35 s to lay out. Judged by structure, not time: no unbroken run survives.
    body = "data:text/plain;base64," + "é" * 60_000
    html = docrender.render_html("cetakan", sample_case(body=body).context())
    assert "é" * (docrender.BREAK_EVERY + 1) not in html


def test_a_huge_image_costs_no_more_than_its_pixel_budget():
    # The attack: a blank 49-megapixel PNG (a few KB) was decoded whole for its thumbnail.
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, "PNG")
    decoded: list[tuple[int, int]] = []
    load = Image.Image.load

    def counting_load(img):
        decoded.append(img.size)
        return load(img)

    Image.Image.load = counting_load  # type: ignore[method-assign]
    try:
        assert thumbnails.make_thumbnail(out.getvalue()) == b""
    finally:
        Image.Image.load = load  # type: ignore[method-assign]
    assert all(w * h <= thumbnails.PIXEL_BUDGET for w, h in decoded)


def test_database_and_output_files_are_private(tmp_path: Path):
    old = os.umask(0o022)  # a typical login shell's
    try:
        db = tmp_path / "dumas.sqlite3"  # its folder: tests/unit/workflow/store/
        make_engine(f"sqlite:///{db}").connect().close()
        written = [
            desk._write(tmp_path / "cetakan.pdf", b"%PDF"),
            reports._write(tmp_path / "out" / "rekap.xlsx", b"PK"),
        ]
    finally:
        os.umask(old)
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    unit = Path(__file__).resolve().parents[2] / "config" / "dumas.service"
    assert "UMask=0077" in unit.read_text().split()
