"""The export's zip: safe entry names, unique names, hashes that verify, byte-identical output."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from datetime import datetime

import pytest

from dumas.workflow.store.bundle import MANIFEST, SUMS, Bundle, safe_zip_name, unique_name

WHEN = datetime(2026, 11, 2, 9, 15, 30)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("foto.jpg", "foto.jpg"),
        ("../../etc/passwd", "passwd"),
        ("/etc/shadow", "shadow"),
        ("C:\\Users\\budi\\bukti.pdf", "bukti.pdf"),
        ("..", "berkas"),
        ("", "berkas"),
        (".bashrc", "bashrc"),
        ("a\x00b\nc.txt", "a_b_c.txt"),
        ('x<y>z:"q"|?*.png', "x_y_z__q____.png"),
        ("nama.  ", "nama"),
        ("CON.txt", "_CON.txt"),
        ("foto   bukti\u00a0 1.jpg", "foto bukti_ 1.jpg"),
    ],
)
def test_safe_zip_name(name, safe):
    assert safe_zip_name(name) == safe
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")


def test_long_names_keep_their_extension():
    name = safe_zip_name("a" * 400 + ".jpeg")
    assert len(name) <= 120 and name.endswith(".jpeg")


def test_unique_names_ignore_case():
    taken: set[str] = set()
    assert [unique_name(n, taken) for n in ("foto.jpg", "FOTO.jpg", "foto.jpg", "x")] == [
        "foto.jpg",
        "FOTO (2).jpg",
        "foto (3).jpg",
        "x",
    ]


def _export(path, files):
    bundle = Bundle(path, WHEN)
    for folder, name, data in files:
        bundle.add(folder, name, data)
    return bundle.finish({"case": "001/PGD/XI/2026"})


def test_manifest_and_sums_verify_and_the_zip_is_private(tmp_path):
    files = [("a", "../x.txt", b"one"), ("a", "x.txt", b"two"), ("", "t.json", b"{}")]
    out = _export(tmp_path / "case.zip", files)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*tmp"))
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        assert names == ["a/x.txt", "a/x (2).txt", "t.json", MANIFEST, SUMS]
        manifest = json.loads(z.read(MANIFEST))
        assert manifest["case"] == "001/PGD/XI/2026"
        for f in manifest["files"]:
            assert hashlib.sha256(z.read(f["path"])).hexdigest() == f["sha256"]
        sums = [line.split("  ", 1) for line in z.read(SUMS).decode().splitlines()]
        assert {p for _, p in sums} == set(names) - {SUMS}
        for digest, path in sums:
            assert hashlib.sha256(z.read(path)).hexdigest() == digest
        assert all(i.date_time == (2026, 11, 2, 9, 15, 30) for i in z.infolist())


def test_same_content_same_instant_same_bytes(tmp_path):
    files = [("att", "foto.jpg", b"\xff\xd8" * 100), ("", "timeline.json", b"[]")]
    first = _export(tmp_path / "one.zip", files).read_bytes()
    assert _export(tmp_path / "two.zip", files).read_bytes() == first


def test_abort_leaves_the_previous_export(tmp_path):
    out = tmp_path / "case.zip"
    out.write_bytes(b"previous")
    bundle = Bundle(out, WHEN)
    bundle.add("", "x", b"half")
    bundle.abort()
    assert out.read_bytes() == b"previous" and list(tmp_path.iterdir()) == [out]


def test_a_file_from_disk_goes_in_a_chunk_at_a_time_as_the_same_bytes(tmp_path, monkeypatch):
    from dumas.workflow.store import bundle as bundle_module

    monkeypatch.setattr(bundle_module, "CHUNK", 1000)  # many chunks, and a short last one
    data = bytes(range(256)) * 40 + b"tail"
    src = tmp_path / "lampiran.bin"
    src.write_bytes(data)
    whole = _export(tmp_path / "whole.zip", [("att", "lampiran.bin", data)]).read_bytes()
    streamed = Bundle(tmp_path / "streamed.zip", WHEN)
    path = streamed.add_file("att", "lampiran.bin", src)
    assert path == "att/lampiran.bin"
    assert streamed.files == [
        {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    ]
    streamed.finish({"case": "001/PGD/XI/2026"})
    assert (tmp_path / "streamed.zip").read_bytes() == whole


def test_a_large_file_is_not_held_in_memory(tmp_path):
    import tracemalloc

    src = tmp_path / "besar.bin"
    with src.open("wb") as out:
        for i in range(24):  # 24 MiB, about the largest email Dumas accepts
            out.write(bytes([i]) * (1 << 20))
    bundle = Bundle(tmp_path / "besar.zip", WHEN)
    tracemalloc.start()
    try:
        bundle.add_file("att", "besar.bin", src)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bundle.finish({})
    assert bundle.files[0]["size"] == 24 << 20
    assert peak < 4 << 20, f"peak {peak / (1 << 20):.1f} MiB for a 24 MiB file"


def test_a_missing_file_is_a_storage_error(tmp_path):
    from dumas.workflow.errors import StorageError

    bundle = Bundle(tmp_path / "x.zip", WHEN)
    with pytest.raises(StorageError, match="cannot read"):
        bundle.add_file("att", "x", tmp_path / "missing")
    bundle.abort()
