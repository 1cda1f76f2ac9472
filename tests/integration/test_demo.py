"""`make demo` works: it is the first thing a new user runs."""

from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from tests.demo.run import run

WIB = ZoneInfo("Asia/Jakarta")  # the demo office's zone


def test_demo_writes_pdfs_emails_and_the_recap(
    tmp_path, mail_rig, capsys, suite_now, expected_number
):
    out = tmp_path / "demo-output"
    run(out, suite_now)
    captured = capsys.readouterr()
    printed = captured.out
    assert "missing      0" in printed
    # Issue 11: the output fits on a screen, and no library speaks below WARNING.
    lines = (captured.out + captured.err).splitlines()
    assert len(lines) < 60, "\n".join(lines)
    assert not [line for line in lines if " INFO " in line and " dumas." not in line]
    folders = sorted(p.name for p in (out / "pdf").iterdir())
    assert folders == [expected_number(seq).replace("/", "-") for seq in range(1, 5)]
    for folder in (out / "pdf").iterdir():
        names = sorted(p.name for p in folder.iterdir())
        assert any(n.startswith("cetakan") for n in names)
        assert any(n.startswith("lembar-disposisi") for n in names)
        assert all((folder / n).read_bytes().startswith(b"%PDF") for n in names)
    subjects = [
        message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]
        for p in sorted((out / "email").glob("*.eml"))
    ]
    assert any("Tanda terima" in s for s in subjects)
    assert any("Dilaksanakan: LENGKAP" in s for s in subjects)
    month = f"{suite_now.astimezone(WIB):%Y-%m}"  # the demo's cases were all received then
    [xlsx] = out.glob("rekap-*.xlsx")
    assert xlsx.name == f"rekap-pengaduan-{month}.xlsx"
    rows = list(load_workbook(xlsx, read_only=True)["Rekapitulasi"].values)
    assert sum(1 for r in rows if any(isinstance(c, str) and "/PGD/" in c for c in r)) == 4
    assert (out / f"rekap-pengaduan-{month}.pdf").exists()
