"""Backups on the rig: `dumas backup DIR`, then `dumas restore` into a fresh place, and the
restored Dumas shows and reconciles the same cases; a backup killed mid-way (SIGKILL at a known
point, not after a guessed delay) leaves the previous backup whole and restorable."""

from __future__ import annotations

import json
import os
import select
import signal
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from dumas.config.backup import PAUSE_ENV, run_backup
from dumas.config.backupfiles import MANIFEST
from dumas.config.backupset import complete_backups, verify
from dumas.config.cli.main import main
from dumas.config.settings import load_settings
from dumas.workflow.store.db import alembic_config, current_revision, head_revision, make_engine
from tests import mailfactory as mf
from tests.rig import write_config


@pytest.fixture
def run(capsys):
    """`dumas --config CONFIG ...` in-process, for configs other than the test's own."""

    def call(config: Path, *args: str) -> tuple[int, str]:
        rc = main(["--config", str(config), *args])
        captured = capsys.readouterr()
        return rc, captured.out + captured.err

    return call


def register(rig, office, dumas, first: int, count: int) -> None:
    for i in range(first, first + count):
        rig.append(
            office.pengaduan,
            mf.complaint(
                subject=f"Pengaduan nomor {i}",
                sender=f"warga{i}@gmail.com",
                attachments=[(f"bukti{i}.txt", "text/plain", f"bukti nomor {i}".encode())],
            ),
        )
    rc, out = dumas("poll", "--json")
    assert rc == 0, out


def snapshot(call) -> dict:
    """What an IT person would compare: the list, every case with its timeline, reconcile."""
    rc, out = call("list", "--json")
    assert rc == 0, out
    cases = json.loads(out)
    shown = {}
    for case in cases:
        rc, out = call("show", str(case["id"]), "--json")
        assert rc == 0, out
        shown[case["id"]] = json.loads(out)
    rc, out = call("reconcile", "--json")
    assert rc == 0, out
    return {"list": cases, "show": shown, "reconcile": json.loads(out)}


def fresh_place(rig, office, folder: Path) -> Path:
    """A second installation on the same mailbox, with an empty database and file store."""
    return write_config(rig, folder, office.pengaduan, office.roles)


def stamp(at) -> str:
    return at.strftime("%Y%m%dT%H%M%SZ")


def assert_private(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), f"{path}: {oct(mode)}"


def test_backup_restores_into_a_fresh_place_that_agrees(
    rig, office, dumas, dumas_config, app, run, tmp_path
):
    register(rig, office, dumas, 1, 3)
    original = snapshot(dumas)
    assert len(original["list"]) == 3
    target = tmp_path / "backups"

    rc, out = dumas("backup", str(target), "--json")
    assert rc == 0, out
    done = json.loads(out)
    name = stamp(app.clock.now())  # named by the injected clock, not the wall clock
    assert Path(done["folder"]) == target / name
    assert (target / "latest").read_text().strip() == name
    assert done["database"] == "sqlite" and done["copied_files"] == done["store_files"] > 3
    assert_private(target)  # reporters' identities: the service user's only
    config_copy = (target / name / "dumas.toml").read_text()
    assert rig.password not in config_copy and 'password = ""' in config_copy

    # A second backup copies no file again: the store's files are shared under DIR/files.
    rc, out = dumas("backup", str(target), "--json")
    again = json.loads(out)
    assert again["copied_files"] == 0 and Path(again["folder"]).name == f"{name}-2"

    restored = fresh_place(rig, office, tmp_path / "restored")
    rc, out = run(restored, "restore", str(target))
    assert rc == 0, out
    assert snapshot(lambda *a: run(restored, *a)) == original
    assert sorted(p.relative_to(tmp_path / "restored" / "files") for p in _stored(restored)) == (
        sorted(p.relative_to(app.settings.storage_root) for p in _stored(dumas_config))
    )

    rc, out = run(restored, "restore", str(target))  # a database with data is not overwritten
    assert rc == 1 and "already holds a database" in out
    rc, out = run(restored, "restore", str(target), "--force")
    assert rc == 0, out

    into = tmp_path / "into"
    rc, out = run(dumas_config, "restore", str(target / name), "--into", str(into))
    assert rc == 0, out
    assert {p.name for p in into.iterdir()} == {"dumas.sqlite3", "files", "dumas.toml"}
    assert_private(into)


def test_a_damaged_backup_is_refused_before_anything_is_written(rig, office, dumas, run, tmp_path):
    register(rig, office, dumas, 1, 1)
    target = tmp_path / "backups"
    assert dumas("backup", str(target))[0] == 0
    victim = next(p for p in (target / "files").rglob("*") if p.is_file())
    victim.write_bytes(b"changed")
    restored = fresh_place(rig, office, tmp_path / "restored")
    rc, out = run(restored, "restore", str(target))
    assert rc == 1 and "damaged" in out
    assert not (tmp_path / "restored" / "files").exists()
    assert not (tmp_path / "restored" / "dumas.sqlite3").exists()


def test_a_backup_killed_midway_leaves_the_previous_one_whole(
    rig, office, dumas, dumas_config, app, run, tmp_path, monkeypatch
):
    register(rig, office, dumas, 1, 2)
    before = snapshot(dumas)
    target = tmp_path / "backups"
    assert dumas("backup", str(target))[0] == 0
    first = (target / "latest").read_text().strip()
    register(rig, office, dumas, 3, 2)  # new files for the next backup to copy

    later = app.clock.now() + timedelta(days=1)
    fifo = tmp_path / "checkpoint"
    os.mkfifo(fifo)
    env = {**os.environ, PAUSE_ENV: f"{fifo}:1", "DUMAS_NOW": later.isoformat()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dumas.config.cli.main", "--config", str(dumas_config)]
        + ["backup", str(target)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    # Read and write: opening the FIFO never blocks and never sees end-of-file before the child
    # writes; the limit only catches a child that died before its checkpoint.
    fd = os.open(fifo, os.O_RDWR)
    try:
        ready, _, _ = select.select([fd], [], [], 120)
        assert ready, f"no checkpoint; the backup ended with {proc.poll()}"
        assert os.read(fd, 100) == b"copied 1\n"
    finally:
        os.close(fd)
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    proc.stdout.close(), proc.stderr.close()

    assert (target / "latest").read_text().strip() == first
    assert not (target / stamp(later)).exists()
    assert [p.name for p in target.glob(".partial-*")]  # what the kill left, never renamed

    restored = fresh_place(rig, office, tmp_path / "restored")
    rc, out = run(restored, "restore", str(target))
    assert rc == 0, out
    after_restore = snapshot(lambda *a: run(restored, *a))
    assert after_restore["list"] == before["list"] and after_restore["show"] == before["show"]

    # The next backup clears the leftovers and completes.
    monkeypatch.setenv("DUMAS_NOW", later.isoformat())
    rc, out = dumas("backup", str(target))
    assert rc == 0, out
    assert (target / "latest").read_text().strip() == stamp(later)
    assert not list(target.glob(".partial-*"))


def _stored(config: Path) -> list[Path]:
    root = config.parent / "files"
    return [p for p in root.rglob("*") if p.is_file() and len(p.name) == 64]


def test_postgres_backup_restores_into_a_fresh_database(rig, office, run, tmp_path, postgres):
    config = write_config(
        rig,
        tmp_path / "pg",
        office.pengaduan,
        office.roles,
        database={"url": postgres.new_database()},
    )
    assert run(config, "init")[0] == 0
    register(rig, office, lambda *a: run(config, *a), 1, 2)
    original = snapshot(lambda *a: run(config, *a))
    target = tmp_path / "backups"
    rc, out = run(config, "backup", str(target), "--json")
    assert rc == 0, out
    assert json.loads(out)["database"] == "postgresql"
    assert_private(target)

    restored = write_config(
        rig,
        tmp_path / "restored",
        office.pengaduan,
        office.roles,
        database={"url": postgres.new_database()},
    )
    rc, out = run(restored, "restore", str(target))
    assert rc == 0, out
    assert snapshot(lambda *a: run(restored, *a)) == original
    rc, out = run(restored, "restore", str(target))
    assert rc == 1 and "already holds tables" in out


def start_paused_backup(config: Path, target: Path, at, tmp_path: Path, *args: str):
    """`dumas backup` in a child process, stopped after copying one store file (at a known point,
    not after a guessed delay); returns the process, to SIGKILL or to leave waiting."""
    fifo = tmp_path / f"checkpoint-{stamp(at)}"
    os.mkfifo(fifo)
    env = {**os.environ, PAUSE_ENV: f"{fifo}:1", "DUMAS_NOW": at.isoformat()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dumas.config.cli.main", "--config", str(config)]
        + ["backup", str(target), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    fd = os.open(fifo, os.O_RDWR)  # see the test above: never blocks, never a false EOF
    try:
        ready, _, _ = select.select([fd], [], [], 120)
        assert ready, f"no checkpoint; the backup ended with {proc.poll()}"
        assert os.read(fd, 100) == b"copied 1\n"
    finally:
        os.close(fd)
    return proc


def kill(proc) -> None:
    proc.kill()
    assert proc.wait(timeout=60) == -signal.SIGKILL
    proc.stdout.close(), proc.stderr.close()


def test_only_the_newest_backups_are_kept_and_a_killed_one_is_not_counted(
    rig, office, dumas, dumas_config, app, run, tmp_path, monkeypatch
):
    target = tmp_path / "backups"
    day = app.clock.now()
    names = []
    for i in range(3):  # three nights, each with a new complaint and its files
        register(rig, office, dumas, i + 1, 1)
        monkeypatch.setenv("DUMAS_NOW", (day + timedelta(days=i)).isoformat())
        rc, out = dumas("backup", str(target), "--keep", "2", "--json")
        assert rc == 0, out
        names.append(stamp(day + timedelta(days=i)))
        assert json.loads(out)["pruned"] == ([names[0]] if i == 2 else [])
    assert complete_backups(target) == names[1:]
    assert not (target / names[0]).exists()

    # A file in files/ that no kept backup names (as a killed backup's copy can be) is removed
    # by the next pruning; the files the kept backups name stay.
    orphan = "doc/ab/" + "ab" * 32
    (target / "files" / orphan).parent.mkdir(parents=True, exist_ok=True)
    (target / "files" / orphan).write_bytes(b"no backup names this")

    # Night 4: killed mid-way. While it waits, a second backup into DIR is refused and removes
    # nothing: not the partial folder being written, not a backup.
    register(rig, office, dumas, 4, 1)
    night4 = day + timedelta(days=3)
    proc = start_paused_backup(dumas_config, target, night4, tmp_path)
    try:
        partial = [p.name for p in target.glob(".partial-*")]
        assert len(partial) == 1
        monkeypatch.setenv("DUMAS_NOW", (night4 + timedelta(hours=1)).isoformat())
        rc, out = run(dumas_config, "backup", str(target), "--keep", "1")
        assert rc == 1 and "another backup" in out
        assert [p.name for p in target.glob(".partial-*")] == partial
        assert complete_backups(target) == names[1:]
        # Nor does a restore from DIR start meanwhile (a backup may prune what it reads).
        restored = fresh_place(rig, office, tmp_path / "restored")
        rc, out = run(restored, "restore", str(target))
        assert rc == 1 and "another backup or restore is using" in out
        assert not (tmp_path / "restored" / "dumas.sqlite3").exists()
    finally:
        kill(proc)
    assert complete_backups(target) == names[1:]  # the killed one is no backup

    # Night 5 keeps 2: itself and night 2, the newest whole ones; the killed one was not one of
    # the 2, so night 2 is not pruned in its place.
    night5 = day + timedelta(days=4)
    monkeypatch.setenv("DUMAS_NOW", night5.isoformat())
    rc, out = dumas("backup", str(target), "--keep", "2", "--json")
    assert rc == 0, out
    done = json.loads(out)
    assert done["pruned"] == [names[1]] and done["pruned_store_files"] == 1
    assert complete_backups(target) == [names[2], stamp(night5)]
    assert not list(target.glob(".partial-*")) and not (target / "files" / orphan).exists()
    assert (target / "latest").read_text().strip() == stamp(night5)
    for name in complete_backups(target):  # every kept backup is whole
        verify(target / name)


def test_keep_defaults_to_the_config_and_must_be_positive(rig, office, run, tmp_path):
    config = write_config(rig, tmp_path / "one", office.pengaduan, office.roles)
    config.write_text(config.read_text() + "\n[backup]\nkeep = 1\n")
    assert run(config, "init")[0] == 0
    target = tmp_path / "backups"
    assert run(config, "backup", str(target))[0] == 0
    rc, out = run(config, "backup", str(target))
    assert rc == 0 and "removed 1 older backup(s), keeping the newest 1" in out
    assert len(complete_backups(target)) == 1
    with pytest.raises(SystemExit):
        run(config, "backup", str(target), "--keep", "0")


def test_a_backup_from_a_newer_schema_is_refused_naming_both_revisions(
    rig, office, dumas, run, tmp_path
):
    register(rig, office, dumas, 1, 1)
    target = tmp_path / "backups"
    assert dumas("backup", str(target))[0] == 0
    folder = target / (target / "latest").read_text().strip()
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["database"]["revision"] = "0099"  # what a newer Dumas would have written
    (folder / MANIFEST).write_text(json.dumps(manifest))

    restored = fresh_place(rig, office, tmp_path / "restored")
    rc, out = run(restored, "restore", str(target))
    head = head_revision(load_settings(restored).database_url)
    assert rc == 1 and f"at migration 0099, newer than this code's {head}" in out, out
    assert not (tmp_path / "restored" / "files").exists()
    assert not (tmp_path / "restored" / "dumas.sqlite3").exists()


def test_a_backup_from_an_older_schema_is_upgraded_after_restoring(
    rig, office, dumas, dumas_config, app, run, tmp_path
):
    from alembic import command

    register(rig, office, dumas, 1, 2)
    original = snapshot(dumas)
    settings = load_settings(dumas_config)
    head = head_revision(settings.database_url)
    # The installation as the previous release left it: one migration behind (0005 only fills in
    # data, its downgrade changes nothing), backed up by that release.
    command.downgrade(alembic_config(settings.database_url), "-1")
    engine = make_engine(settings.database_url)
    try:
        older = current_revision(engine)
    finally:
        engine.dispose()
    assert older is not None and older != head
    target = tmp_path / "backups"
    run_backup(settings, target, app.clock.now(), revision=older)

    restored = fresh_place(rig, office, tmp_path / "restored")
    rc, out = run(restored, "restore", str(target))
    assert rc == 0, out
    assert f"was at migration {older}: upgraded to {head}" in out
    engine = make_engine(load_settings(restored).database_url)
    try:
        assert current_revision(engine) == head
    finally:
        engine.dispose()
    assert snapshot(lambda *a: run(restored, *a)) == original
