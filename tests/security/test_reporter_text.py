"""Issue 9, attacks 2 and 5 (the text part): a hostile body stalls intake; redaction misses the
reporter's NIK, phone or name written in the shapes people use."""

from __future__ import annotations

import pytest

from dumas.workflow.extract.redaction import redact, redact_filename
from tests.unit.workflow.extract.test_redaction import run_under_cpu_limit

# Registration (`fill_from_text`) then what a refusal or a letter to an agency does with the body.
_REGISTER_THEN_REDACT = """
from zoneinfo import ZoneInfo
from dumas.workflow.extract.redaction import redact
from dumas.workflow.store.models import Pengaduan
from dumas.workflow.store.registration import NumberingRules, fill_from_text
MB = 1 << 18  # 256 KiB: linear is instant, the old quadratic scan needed many minutes
case = Pengaduan(subject="Laporan", body={body}, pelapor_name="", pelapor_email="x@example.com")
fill_from_text(case, NumberingRules("{{seq}}", "DUMAS", ZoneInfo("Asia/Jakarta"), ("Sikakap",)))
redact(case.body, case.pelapor_name or "", (case.pelapor_email, case.pelapor_address or ""))
print("done")
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "body",
    ["'a' * MB", "'\\n' * MB", "'a@' * (MB // 2)", "'yang dilaporkan' + '\\n' * MB + ' x'"],
    ids=["word run", "newlines", "a@a@a@", "blank run after a phrase"],
)
def test_hostile_text_does_not_stall_registration(body):
    done = run_under_cpu_limit(_REGISTER_THEN_REDACT.format(body=body), cpu_seconds=20)
    assert done.returncode == 0 and done.stdout.strip() == "done", done.stderr[-500:]


def test_redaction_misses_nothing_of_the_reporter():
    body = (
        "Saya Budi Santoso, NIK saya 3171 0123 4567 8901 (KTP: 3171.0123.4567.8901).\n"
        "HP (0812) 3456 7890, WA +62 812 3456 7890 atau +62-812-3456-7890, "
        "email budi.s@example.com.\nFoto KTP terlampir: KTP_Budi_Santoso.jpg dan budi-santoso.pdf.\n"
        "Nama Pelapor : Budi Santoso. HP 0812\u20133456\u20137890, 0062 812 3456 7890, "
        "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10; "
        "NIK 3171  0123  4567  8901 / 3171/0123/4567/8901; "
        "budi\uff20example.com, budi [at] example.com, budi'o@example.com, BUDI\u200bSANTOSO."
    )
    identity = ("budi.s@example.com", "+6281234567890", "3171012345678901")
    out = redact(body, "Budi Santoso", identity)
    for leak in ("Budi", "Santoso", "3171", "8901", "0812", "3456", "812", "budi"):
        assert leak.lower() not in out.lower(), (leak, out)
    for filename in (
        "KTP_Budi_Santoso.jpg",
        "budi-santoso.pdf",
        "BudiSantoso.png",
        "KTP Budi%20Santoso.jpg",
    ):
        hidden = redact_filename(filename, "Budi Santoso", identity)
        assert "budi" not in hidden.lower() and hidden.endswith(filename[-4:]), hidden
        assert "santoso" not in hidden.lower(), hidden
