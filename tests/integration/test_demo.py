"""`make demo` works: it is the first thing a new user runs."""

from email import message_from_bytes, policy

from openpyxl import load_workbook

from tests.demo.run import run


def test_demo_writes_pdfs_emails_and_the_recap(tmp_path, mail_rig, capsys):
    out = tmp_path / "demo-output"
    run(out)
    printed = capsys.readouterr().out
    assert "missing      0" in printed
    folders = sorted(p.name for p in (out / "pdf").iterdir())
    assert folders == ["001-PGD-XI-2026", "002-PGD-XI-2026", "003-PGD-XI-2026", "004-PGD-XI-2026"]
    for folder in (out / "pdf").iterdir():
        names = sorted(p.name for p in folder.iterdir())
        assert any(n.startswith("cetakan") for n in names)
        assert any(n.startswith("lembar-disposisi") for n in names)
        assert all((folder / n).read_bytes().startswith(b"%PDF") for n in names)
    subjects = [message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]
                for p in sorted((out / "email").glob("*.eml"))]
    assert any("Tanda terima" in s for s in subjects)
    assert any("Dilaksanakan: LENGKAP" in s for s in subjects)
    [xlsx] = out.glob("rekap-*.xlsx")
    rows = list(load_workbook(xlsx, read_only=True)["Rekapitulasi"].values)
    assert sum(1 for r in rows if any(isinstance(c, str) and "/PGD/" in c for c in r)) == 4
    assert list(out.glob("rekap-*.pdf"))
