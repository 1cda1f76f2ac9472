"""Redaction: every shape of the reporter's identity, what must stay, and bounded work.

Trade-offs (also in the module docstring): any 16 digits, together or in groups, read as a NIK
("Rp 1.500.000.000.000.000" is redacted); a run of ten or more digits starting "08" or "62 8"
with small gaps reads as a phone. Dates, times, TPS numbers, amounts and postal codes stay.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from dumas.workflow.extract.redaction import EMAIL, REDACTED, redact, redact_filename
from dumas.workflow.extract.textform import HEAD_CHARS, TAIL_CHARS, read_lines, readable_part

NAME = "Budi Santoso"


@pytest.mark.parametrize(
    "written",
    [
        "3171012345678901",
        "3171 0123 4567 8901",
        "3171.0123.4567.8901",
        "3171-0123-4567-8901",
        "3171  0123  4567  8901",
        "3171/0123/4567/8901",
        "\uff13\uff11\uff17\uff11\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11",
        "3171\u00a00123\u00a04567\u00a08901",
    ],
)
def test_a_nik_is_redacted_however_it_is_grouped(written):
    assert redact(f"NIK saya {written}, terima kasih") == f"NIK saya {REDACTED}, terima kasih"


@pytest.mark.parametrize(
    "written",
    [
        "+62 812 3456 7890",
        "+62-812-3456-7890",
        "+62.812.3456.7890",
        "+6281234567890",
        "62812345678901",
        "+62 (0)812 3456 7890",
        "(0812) 3456 7890",
        "(0812)34567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "0812.3456.7890",
        "081234567890",
        "0812 - 3456 - 7890",
        "0812\u20133456\u20137890",
        "0812\u00a03456\u00a07890",
        "0062 812 3456 7890",
        "006281234567890",
        "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",
    ],
)
def test_a_phone_is_redacted_in_every_common_shape(written):
    assert redact(f"HP {written} (WA)") == f"HP {REDACTED} (WA)"


@pytest.mark.parametrize(
    "written",
    [
        "budi@example.com",
        "budi.santoso+kpu@mail.example.co.id",
        "b_s-1@sub-domain.example",
        "budi\uff20gmail.com",
        "budi [at] gmail.com",
        "budi (at) gmail.com",
        "budi [at] gmail [dot] com",
        "budi'o@gmail.com",
        "budi%kpu@gmail.com",
    ],
)
def test_an_email_address_is_redacted(written):
    assert redact(f"kirim ke <{written}>.") == f"kirim ke <{REDACTED}>."


@pytest.mark.parametrize(
    "text",
    [
        "Kejadian tanggal 12-12-2026 pukul 08.30 WIB",
        "pada 08-12-2026 08.30",
        "di TPS 008 dan TPS 12",
        "uang Rp 1.500.000 per orang",
        "kode pos 25391, RT 002/RW 005",
        "Nomor 12/PL.01-SD/1309/2026",
        "tahun 2024, suara 1.234",
    ],
)
def test_dates_amounts_and_numbers_of_the_case_stay(text):
    assert redact(text, NAME) == text


@pytest.mark.parametrize(
    "written",
    ["Budi Santoso", "budi_santoso", "BUDI-SANTOSO", "Budi.Santoso", "budisantoso", "Budi"],
)
def test_the_name_is_redacted_with_any_separator(written):
    assert redact(f"ttd {written}.", NAME) == f"ttd {REDACTED}."


def test_a_landline_with_its_area_code_in_brackets_is_redacted_anywhere():
    # The judgement call: "(021) 5551234" is a phone wherever it is; "021-5551234" unlabelled
    # stays (it reads like the case's numbers), labelled it goes with the label's value.
    assert redact("kantor (021) 5551234 atau") == f"kantor {REDACTED} atau"
    assert redact("Telp: 021-5551234") == f"Telp: {REDACTED}"


@pytest.mark.parametrize(
    ("stored", "written"),
    [
        ("Ma'ruf Amin", "Ma\u2019ruf"),
        ("Ma'ruf Amin", "Maruf"),
        ("Andr\u00e9 Wijaya", "Andre\u0301"),
        ("Andr\u00e9 Wijaya", "Andre"),
        ("Andr\u00e9 Wijaya", "ANDR\u00c9"),
        ("Andre\u0301 Wijaya", "Andr\u00e9"),
    ],
)
def test_the_name_is_redacted_however_its_letters_are_written(stored, written):
    assert redact(f"ttd {written}, salam", stored) == f"ttd {REDACTED}, salam"


@pytest.mark.parametrize(
    "label", ["Nama Pelapor :", "Identitas pelapor:", "Nama saya:", "NAMA LENGKAP\uff1a"]
)
def test_identity_labels_hide_their_value(label):
    out = redact(f"{label} Siti Aminah\nKronologi: uang dibagikan")
    assert "Siti" not in out and out.endswith(f" {REDACTED}\nKronologi: uang dibagikan"), out


def test_what_is_not_redacted_stays_as_written():
    text = "Caf\u00e9 \u201cMa\u2019ruf\u201d \uff11\uff12 di TPS\u00a0003, Budi\u2013Santoso."
    assert redact(text, "Joko") == text
    assert (
        redact(text, NAME)
        == f"Caf\u00e9 \u201cMa\u2019ruf\u201d \uff11\uff12 di TPS\u00a0003, {REDACTED}."
    )


def test_a_name_inside_a_word_stays():
    assert redact("Budiman dan Santosohadi", NAME) == "Budiman dan Santosohadi"


@pytest.mark.parametrize(
    ("filename", "redacted"),
    [
        ("KTP_Budi_Santoso.jpg", f"KTP_{REDACTED}.jpg"),
        ("budi-santoso.pdf", f"{REDACTED}.pdf"),
        ("BUDI.SANTOSO.PNG", f"{REDACTED}.PNG"),
        ("budisantoso.jpeg", f"{REDACTED}.jpeg"),
        ("foto_budi_tps3.jpg", f"foto_{REDACTED}_tps3.jpg"),
        ("KTP_3171012345678901.jpg", f"KTP_{REDACTED}.jpg"),
        ("HP_0812-3456-7890.png", f"HP_{REDACTED}.png"),
        ("foto.budi", f"foto.{REDACTED}"),
        ("bukti TPS 003.jpg", "bukti TPS 003.jpg"),
        ("video_kejadian_12-12-2026.mp4", "video_kejadian_12-12-2026.mp4"),
        ("KTP Budi%20Santoso.jpg", f"KTP {REDACTED}.jpg"),
        ("KTP%5FBudi%5FSantoso.jpg", f"KTP_{REDACTED}.jpg"),
        ("bukti%20TPS%20003.jpg", "bukti%20TPS%20003.jpg"),
    ],
)
def test_a_file_name_is_redacted_and_keeps_its_extension(filename, redacted):
    assert redact_filename(filename, NAME) == redacted


def test_known_values_are_redacted_even_when_very_long():
    address = "Jl. Merdeka " + " ".join(f"Blok {i}" for i in range(40))  # over 100 characters
    text = f"Saya tinggal di {address.upper()} sejak lama."
    assert redact(text, NAME, (address,)) == f"Saya tinggal di {REDACTED} sejak lama."


def test_the_email_pattern_starts_only_where_an_address_starts():
    # A scan restarted inside a long word is what made the old pattern quadratic.
    assert EMAIL.pattern.startswith("(?<!")
    assert [m.group() for m in EMAIL.finditer("x a@b@c.d budi.s@x.co.id")] == [
        "b@c.d",
        "budi.s@x.co.id",
    ]


def test_extraction_reads_the_head_and_the_tail_of_a_long_text():
    story = "Kronologi kejadian yang panjang sekali.\n" * 10_000
    text = f"Nama: Budi Santoso\n{story}Hormat saya,\nSiti Aminah\n"
    part = readable_part(text)
    assert len(part) <= HEAD_CHARS + TAIL_CHARS + 2
    assert part.startswith("Nama: Budi Santoso\n") and part.endswith("Siti Aminah\n")
    assert read_lines(text)[0].value == "Budi Santoso"
    assert readable_part("pendek") == "pendek"


# 256 KiB of each shape that made a pattern read the same characters again and again: a linear
# scan needs a fraction of a second, the quadratic patterns this replaced many minutes.
MB = 1 << 18
HOSTILE = {
    "word run": "'a' * MB",
    "a@a@a@": "'a@' * (MB // 2)",
    "digit run": "'1' * MB",
    "phone-like run": "'0812 ' * (MB // 5)",
    "newlines": "'\\n' * MB",
    "blank lines": "' \\n' * (MB // 2)",
    "line without spaces": "'-_.+' * (MB // 4)",
    "negated requests": "'tidak mohon dirahasiakan ' * (MB // 25)",
    "blanks after keywords": "'bagi' + ' ' * MB + 'tps' + '\\n' * MB",
    "label then a long value": "'Nama: ' + 'a' * MB + '\\nEmail: ' + 'a' * MB",
    "keyword inside a long word": "'bagi' * (MB // 4) + 'honor' * (MB // 5)",
    "accents and full-width digits": "'e\\u0301\\uff11 \\u2019' * (MB // 5)",
    "spelled-out at": "'a [at] ' * (MB // 7) + 'a(at)a(dot)' * (MB // 11)",
    "spaced digits": "'1  ' * (MB // 3) + '1/' * (MB // 2)",
}
_RUN = """
import sys
from dumas.workflow.extract import (extract_lokasi, extract_pelapor, extract_terlapor,
    guess_klasifikasi, wants_confidentiality)
from dumas.workflow.extract.completeness import evidence_links
from dumas.workflow.extract.redaction import redact, redact_filename
MB = 1 << 18
text = {expr}
pelapor = extract_pelapor(text, "", "budi@example.com")
extract_lokasi(text, ["Siberut Selatan", "Sikakap"])
extract_terlapor(text)
guess_klasifikasi(text[:2000], text)
wants_confidentiality(text)
evidence_links(text)
redact(text, "Budi Santoso", (pelapor.address, pelapor.phone, "budi@example.com"))
redact_filename(text + ".jpg", "Budi Santoso")
print("done")
"""


def run_under_cpu_limit(code: str, cpu_seconds: int = 20) -> subprocess.CompletedProcess[str]:
    """Run `code` in a fresh interpreter that the kernel stops after `cpu_seconds` of CPU
    (SIGXCPU): a linear scan of 256 KiB needs well under a second, a quadratic one hours.
    No wall-clock assertion, so a busy machine cannot make it flaky."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))

    return subprocess.run(
        [sys.executable, "-c", code], preexec_fn=limit, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("shape", HOSTILE)
def test_extraction_and_redaction_finish_on_hostile_text(shape):
    done = run_under_cpu_limit(_RUN.format(expr=HOSTILE[shape]))
    assert done.returncode == 0 and done.stdout.strip() == "done", (
        f"{shape}: stopped by the CPU limit or failed: rc={done.returncode} {done.stderr[-500:]}"
    )


@pytest.mark.parametrize(
    "written",
    [
        "Hubungi saya di kpuwatch77 at gmail dot com",
        "IG @kpuwatch77, DM saja",
        "akun saya KPUWatch77 di TikTok",
    ],
)
def test_the_mailbox_name_of_the_reporters_email_is_redacted_alone(written):
    """Review of issue 9: the handle of the reporter's address is theirs wherever it appears."""
    hidden = redact(written, "Budi Santoso", ("kpuwatch77@gmail.com",))
    assert "kpuwatch77" not in hidden.lower() and "[dirahasiakan]" in hidden
    assert redact_filename("kpuwatch77.jpg", "", ("kpuwatch77@gmail.com",)) == "[dirahasiakan].jpg"
    # A short mailbox name is an ordinary word: "adi@…" leaves "Kadis adi" alone.
    assert redact("rapat kadis adi hari ini", "", ("adi@x.example",)) == "rapat kadis adi hari ini"
