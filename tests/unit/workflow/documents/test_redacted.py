"""The context `dumas export --redacted` renders the riwayat from: no identity of the reporter."""

from __future__ import annotations

import subprocess

from dumas.workflow.documents.redacted import PELAPOR_HIDDEN, for_outsiders
from dumas.workflow.documents.render import render
from dumas.workflow.documents.sample import sample_case

IDENTITY = ("Maria", "Sababalat", "maria.sababalat@example.com", "0812-6634-1290", "Dusun Puro")


def test_no_identity_left_in_the_context():
    ctx = for_outsiders(sample_case().context(), keep=frozenset({"desk@kpu-mentawai.example"}))
    seen = repr(ctx)
    for value in IDENTITY:
        assert value.lower() not in seen.lower(), value
    actors = [e.actor for e in ctx.events]
    assert actors[0] == PELAPOR_HIDDEN and "desk@kpu-mentawai.example" in actors
    assert ctx.case.attachments == () and ctx.case.headers == ()
    assert "Desa Muara Siberut" in ctx.case.subject  # the place stays readable


def test_the_riwayat_rendered_from_it_names_no_one():
    pdf = render("riwayat", for_outsiders(sample_case().context()))
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert PELAPOR_HIDDEN in text
    for value in IDENTITY:
        assert value.lower() not in text.lower(), value
