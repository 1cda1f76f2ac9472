"""Dumas on PostgreSQL: a real server (tests/rig/postgres.py) and the real mail rig.

Each test gets a fresh database on the session's throw-away cluster. The cluster's own time zone
is neither UTC nor the office's (see `SERVER_TIMEZONE`), so a time that skipped the conversion to
aware UTC would come back visibly wrong.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select
from sqlalchemy.exc import StatementError

from dumas.config.app import App
from dumas.config.cli.main import main
from dumas.config.settings import load_settings
from dumas.ingest.actions.registrar import Registrar
from dumas.workflow.store.cases import original_message
from dumas.workflow.store.db import current_revision, head_revision, upgrade
from dumas.workflow.store.models import (
    Attachment,
    Event,
    OutboxMessage,
    Pengaduan,
    RawMessage,
    RegistrationCounter,
)
from tests import mailfactory as mf
from tests.flows.conftest import MONDAY, REPORTER, Flow
from tests.replies import OUTLOOK_ID
from tests.rig import write_config
from tests.rig.net import free_ports


@pytest.fixture
def dumas_config(rig, office, tmp_path, postgres) -> Path:
    """The test's Dumas config, on a fresh PostgreSQL database (used by `dumas` and `app`)."""
    return write_config(
        rig, tmp_path, office.pengaduan, office.roles, database={"url": postgres.new_database()}
    )


@pytest.fixture
def flow(rig, office, dumas, dumas_config, monkeypatch):
    f = Flow(rig, office, dumas, dumas_config, monkeypatch)
    f.at(MONDAY)
    yield f
    f.close()


def cli(config: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dumas.config.cli.main", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --- schema --------------------------------------------------------------------------------


def test_migrations_build_the_schema_with_postgres_types(postgres_url):
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")  # the driver is implied
    upgrade(plain)
    upgrade(postgres_url)  # a second `dumas init` changes nothing
    engine = create_engine(postgres_url)
    try:
        assert current_revision(engine) == head_revision(postgres_url)
        columns = {c["name"]: c["type"] for c in inspect(engine).get_columns("pengaduan")}
        with engine.connect() as conn:
            udt = dict(
                conn.exec_driver_sql(
                    "SELECT column_name, udt_name FROM information_schema.columns "
                    "WHERE table_name = 'pengaduan'"
                ).all()
            )
    finally:
        engine.dispose()
    assert udt["received_at"] == udt["complete_at"] == "timestamptz"
    assert udt["data"] == udt["missing"] == "json"
    assert udt["pelapor_name"] == "varchar" and columns["pelapor_name"].length == 255


# --- intake, registration, the CLI -------------------------------------------------------------


def test_poll_registers_and_the_cli_reads_it_back(flow, rig, office, dumas, app):
    flow.complaint(attachments=[("foto-bukti.jpg", "image/jpeg", mf.tiny_jpeg())])
    flow.complaint(
        sender="Ani Sababalat <ani.sababalat@yahoo.co.id>",
        body=None,
        subject="Laporan intimidasi",
        html="<p>Saya melapor <b>intimidasi</b> pemilih di TPS 5 Desa Tuapejat.</p>",
    )
    rig.append(office.pengaduan, mf.out_of_office(to=office.pengaduan.address), when=flow.now)
    rig.append(office.pengaduan, mf.bounce(to=office.pengaduan.address), when=flow.now)
    report = flow.poll()
    assert report["outcomes"] == {"complaint": 2, "ignored": 2}
    assert report["registration"] == {"registered": 2, "failed": 0}

    listed = json.loads(dumas("list", "--json")[1])
    assert [(c["number"], c["reporter_email"]) for c in listed] == [
        ("001/PGD/XI/2026", REPORTER),
        ("002/PGD/XI/2026", "ani.sababalat@yahoo.co.id"),
    ]
    assert {c["received_at"] for c in listed} == {"2026-11-02T09:15:00+07:00"}
    shown = json.loads(dumas("show", "002/PGD/XI/2026", "--json")[1])
    assert "intimidasi" in shown["body"] and "<b>" not in shown["body"]
    first = json.loads(dumas("show", str(listed[0]["id"]), "--json")[1])
    assert [a["filename"] for a in first["attachments"]] == ["foto-bukti.jpg"]
    assert all(e["at"].endswith("+07:00") for e in first["timeline"])
    rec = json.loads(dumas("reconcile", "--json")[1])
    assert rec["missing"] == [] and rec["pending"] == []
    assert rec["counts"] == {"complaint": 2, "reply": 0, "ignored": 2, "quarantined": 0}

    with app.sessions() as s:
        case = s.execute(
            select(Pengaduan).where(Pengaduan.number == "001/PGD/XI/2026")
        ).scalar_one()
        assert case.received_at == MONDAY and case.received_at.tzinfo is UTC
        assert case.registered_at == MONDAY and case.registered_at.tzinfo is UTC
        assert case.data["klasifikasi_kata_kunci"] == ["politik uang"] and case.missing == []
        rules = sorted(
            r.rule
            for r in s.execute(
                select(RawMessage).where(RawMessage.disposition == "ignored")
            ).scalars()
        )
        assert rules == ["auto_reply", "bounce"]
        ack = s.execute(
            select(OutboxMessage).where(
                OutboxMessage.kind == "tanda_terima", OutboxMessage.pengaduan_id == case.id
            )
        ).scalar_one()
        assert ack.to_addrs == [REPORTER] and ack.status == "sent" and ack.sent_at == MONDAY
    assert [list(e.rcpt_tos) for e in rig.captured(REPORTER)] == [[REPORTER]]


def test_json_columns_and_times_round_trip(dumas, app):
    value = {
        "catatan": "Pelapor minta identitas dirahasiakan — ✓ “ya”",
        "angka": [1, 2.5, None, True],
        "bersarang": {"a": {"b": []}},
        "urutan": {"z": 1, "a": 2},
    }
    at = datetime(2026, 12, 31, 23, 59, 59, 123456, tzinfo=UTC)  # 1 January in WIB
    with app.sessions() as s, s.begin():
        case = Pengaduan(channel="langsung", received_at=at, data=value, missing=["bukti"])
        s.add(case)
        s.flush()
        s.add(Event(at=at, pengaduan_id=case.id, kind="uji", detail={"daftar": ["x", {"y": 0}]}))
        case_id = case.id
    with app.sessions() as s:
        again = s.get(Pengaduan, case_id)
        assert again.data == value and list(again.data["urutan"]) == ["z", "a"]
        assert again.missing == ["bukti"]
        assert again.received_at == at and again.received_at.tzinfo is UTC
        event = s.execute(select(Event).where(Event.pengaduan_id == case_id)).scalar_one()
        assert event.detail == {"daftar": ["x", {"y": 0}]} and event.at == at
        # Compared in the database, across the server's own zone.
        assert (
            s.execute(
                select(Pengaduan.id).where(Pengaduan.received_at > at.replace(microsecond=0))
            ).scalar_one()
            == case_id
        )
    with pytest.raises(StatementError, match="naive datetime"), app.sessions() as s, s.begin():
        s.add(Pengaduan(channel="langsung", received_at=datetime(2026, 1, 1)))
    [shown] = json.loads(dumas("list", "--json")[1])
    assert shown["received_at"] == "2027-01-01T06:59:59+07:00"


def test_long_values_are_clipped_to_their_columns_not_refused(
    flow, rig, office, dumas, app, caplog
):
    """PostgreSQL refuses a value longer than its VARCHAR; SQLite would keep it. A citizen's
    long display name or a hostile Content-Type must not send a complaint to quarantine."""
    long_name = "Warga " + "Sangat Panjang " * 30
    flow.complaint(sender=f'"{long_name}" <warga.panjang@gmail.com>', subject="Satu")
    flow.complaint(subject="Dua", attachments=[("bukti.bin", "application/x-" + "z" * 300, b"1")])
    report = flow.poll()
    assert report["outcomes"] == {"complaint": 2}
    assert report["registration"] == {"registered": 2, "failed": 0}
    rc, out = dumas(
        "register",
        "--json",
        "--name",
        "N" * 400,
        "--subject",
        "Langsung",
        "--text",
        "Isi laporan.",
        "--kecamatan",
        "Sikakap",
    )
    assert rc == 0 and json.loads(out)["number"] == "003/PGD/XI/2026"
    with app.sessions() as s:
        names = s.execute(select(Pengaduan.pelapor_name).order_by(Pengaduan.id)).scalars().all()
        [ctype] = s.execute(select(Attachment.content_type)).scalars().all()
    assert names[0] == long_name[:255] and names[2] == "N" * 255
    assert ctype == ("application/x-" + "z" * 300)[:255]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "pengaduan.pelapor_name: a value of" in logged and "Sangat Panjang" not in logged


# --- concurrency ---------------------------------------------------------------------------


def test_registering_at_once_from_several_processes_gives_distinct_consecutive_numbers(
    rig, office, dumas, dumas_config, app
):
    """Eight `dumas register` at the desk while `dumas poll` registers two emailed complaints."""
    for i in range(2):
        rig.append(
            office.pengaduan,
            mf.complaint(sender=f"warga{i}@gmail.com", subject=f"Pengaduan email {i}"),
        )
    procs = [
        cli(
            dumas_config,
            "register",
            "--json",
            "--name",
            f"Pelapor {i}",
            "--subject",
            f"Pengaduan langsung {i}",
            "--text",
            "Isi laporan.",
            "--kecamatan",
            "Sikakap",
        )
        for i in range(8)
    ]
    poller = cli(dumas_config, "poll", "--json")
    outputs = [p.communicate(timeout=120) for p in procs]
    poll_out, poll_err = poller.communicate(timeout=120)
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert poller.returncode == 0, poll_err
    assert json.loads(poll_out)["registration"] == {"registered": 2, "failed": 0}
    typed = [json.loads(out)["number"] for out, _ in outputs]
    with app.sessions() as s:
        numbers = s.execute(select(Pengaduan.number)).scalars().all()
        counter = s.get(RegistrationCounter, int(typed[0][-4:]))
    assert set(typed) <= set(numbers) and len(set(numbers)) == len(numbers) == 10
    assert sorted(int(n.split("/")[0]) for n in numbers) == list(range(1, 11))
    assert counter.last_seq == 10


def test_a_case_is_registered_once_when_two_registration_jobs_race(
    rig, office, dumas, app, expected_number
):
    """SQLite queues writers (BEGIN IMMEDIATE); PostgreSQL lets both read. The second job must
    wait for the first and then see the case registered, not number it again."""
    rig.append(office.pengaduan, mf.complaint())
    rc, out = dumas("poll", "--only", "intake", "--json")
    assert json.loads(out)["outcomes"] == {"complaint": 1}
    registrar, errors = Registrar(app.toolkit), []

    def second_job():
        try:
            registrar.register_pending(app.sessions, app.clock)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    with app.sessions() as first, first.begin():
        case = first.execute(select(Pengaduan).with_for_update()).scalar_one()
        registrar.complete(first, case, app.clock.now(), original_message(first, case))
        racer = threading.Thread(target=second_job)
        racer.start()
        _wait_until_someone_waits_for_a_lock(app)
    racer.join(timeout=30)
    assert not racer.is_alive() and errors == []
    with app.sessions() as s:
        assert s.execute(select(Pengaduan.number)).scalars().all() == [expected_number(1)]
        assert s.execute(select(RegistrationCounter.last_seq)).scalar_one() == 1
        acks = s.execute(select(OutboxMessage).where(OutboxMessage.kind == "tanda_terima")).all()
    assert len(acks) == 1


def _wait_until_someone_waits_for_a_lock(app: App, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with app.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ).scalar()
            conn.rollback()  # a fresh snapshot of pg_stat_activity next time
            if waiting:
                return
            time.sleep(0.01)
    raise TimeoutError("the second registration job never waited for the first")


def test_sigkill_during_intake_loses_and_duplicates_nothing(rig, office, dumas_config):
    """The crash-safety property of tests/integration/test_crash.py, on a small batch."""
    messages, kills = 36, 3
    raws = [
        mf.out_of_office(sender=f"pejabat{i}@instansi.example")
        if i % 6 == 5
        else mf.complaint(
            subject=f"Pengaduan nomor {i}",
            sender=f"warga{i}@gmail.com",
            attachments=[(f"bukti{i}.txt", "text/plain", f"bukti {i}".encode())],
        )
        for i in range(messages)
    ]
    rig.append_many(office.pengaduan, raws)
    cfg = write_config(
        rig,
        dumas_config.parent,
        office.pengaduan,
        office.roles,
        filename="crash.toml",
        imap={"batch_size": 3},
        database={"url": load_settings(dumas_config).database_url},
    )
    assert main(["--config", str(cfg), "init"]) == 0
    app = App(load_settings(cfg))
    try:
        rng = random.Random(20261128)
        # Kill points with a dozen messages still to go, so each kill lands in a running poll.
        for target in sorted(rng.sample(range(2, messages - 12), kills)):
            proc = cli(cfg, "poll", "--only", "intake")
            _wait_for_progress(app, target, proc)
            time.sleep(rng.uniform(0, 0.05))
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL, "the poll ended before the kill"
        final = subprocess.run(
            [
                sys.executable,
                "-m",
                "dumas.config.cli.main",
                "--config",
                str(cfg),
                "poll",
                "--only",
                "intake",
            ],
            capture_output=True,
            timeout=120,
        )
        assert final.returncode == 0, final.stderr
        rec = subprocess.run(
            [
                sys.executable,
                "-m",
                "dumas.config.cli.main",
                "--config",
                str(cfg),
                "reconcile",
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert json.loads(rec.stdout)["counts"] == {
            "complaint": 30,
            "reply": 0,
            "ignored": 6,
            "quarantined": 0,
        }
        with app.sessions() as s:
            assert len(s.execute(select(RawMessage.id)).all()) == messages
            subjects = s.execute(select(Pengaduan.subject)).scalars().all()
        assert len(subjects) == len(set(subjects)) == 30
    finally:
        app.close()


def _wait_for_progress(app: App, target: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with app.sessions() as s:
            if s.execute(select(func.count()).select_from(RawMessage)).scalar() >= target:
                return
        time.sleep(0.005)


# --- the workflow by email -----------------------------------------------------------------


def test_desk_reply_lengkap_moves_the_case(flow):
    flow.complaint(attachments=[("foto-bukti.jpg", "image/jpeg", mf.tiny_jpeg())])
    flow.poll()
    desk_note = flow.one("desk", "tugas")
    flow.later(minutes=10)
    flow.reply(desk_note, "LENGKAP", "desk", style=OUTLOOK_ID)
    report = flow.poll()
    assert report["outcomes"] == {"reply": 1}
    case = flow.case()
    assert (case.step, case.status) == ("disposisi", "diproses")
    assert case.complete_at == flow.now and case.complete_at.tzinfo is UTC
    token = flow.token_row(desk_note)
    assert token.used_at == flow.now and token.used_by_raw_id is not None
    [verify, disposisi] = flow.tasks(case.id)
    assert (verify.step, verify.closed_at) == ("verifikasi", flow.now)
    assert verify.closed_by == flow.address("desk")
    assert (disposisi.role, disposisi.closed_at) == ("sekretaris", None)
    assert "Dilaksanakan: LENGKAP" in flow.one("desk", "transkrip").text
    assert case.number in flow.one(REPORTER, "diproses").text
    assert flow.one("sekretaris", "tugas").token


# --- the server down -----------------------------------------------------------------------


def test_database_down_gives_a_clear_error(rig, office, tmp_path, capsys):
    [port] = free_ports(1)  # nobody listens there
    cfg = write_config(
        rig,
        tmp_path,
        office.pengaduan,
        office.roles,
        database={"url": f"postgresql://dumas@127.0.0.1:{port}/dumas"},
    )
    for command in (["init"], ["list"], ["poll"]):
        assert main(["--config", str(cfg), *command]) == 1
        err = capsys.readouterr().err
        assert "cannot open" in err and "database" in err and "Traceback" not in err


# --- the throw-away server itself ----------------------------------------------------------


def test_the_server_stops_with_all_its_processes_even_when_it_hangs(postgres):
    """A normal stop waits for every server process; one that hangs is killed, all of it."""
    import psycopg

    from tests.rig.postgres import Postgres, _descendants

    for hang in (False, True):
        server = Postgres(postgres.bindir).start()
        root, proc = server.root, server.process
        conn = psycopg.connect(server.url().replace("postgresql+psycopg", "postgresql"))
        processes = [proc.pid, *_descendants(proc.pid)]
        assert len(processes) >= 4  # the postmaster, its helpers and our connection's backend
        if hang:
            os.kill(proc.pid, signal.SIGSTOP)
        server.stop(timeout=0.5 if hang else 10)
        assert proc.returncode == (-signal.SIGKILL if hang else 0)
        assert not any(_alive(p) for p in processes) and not root.exists()
        conn.close()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_the_newest_installed_postgresql_is_used_and_none_is_said_clearly(tmp_path, monkeypatch):
    from tests.rig import postgres as rig_postgres

    for version in ("9.6", "15", "16", "17"):
        folder = tmp_path / "lib" / version / "bin"
        folder.mkdir(parents=True)
        for name in ("initdb", "postgres") if version != "17" else ("initdb",):
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)
    monkeypatch.setattr(rig_postgres, "DEBIAN_ROOT", tmp_path / "lib")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert rig_postgres.find_bindir({}) == tmp_path / "lib" / "16" / "bin"  # 17 is incomplete
    assert (
        rig_postgres.find_bindir({"DUMAS_PG_BINDIR": str(tmp_path / "lib" / "15" / "bin")})
        == tmp_path / "lib" / "15" / "bin"
    )
    monkeypatch.setattr(rig_postgres, "DEBIAN_ROOT", tmp_path / "none")
    with pytest.raises(rig_postgres.PostgresUnavailable, match="postgresql"):
        rig_postgres.find_bindir({})


def test_letter_numbers_are_taken_under_a_row_lock(postgres):
    """`nomor_surat` on a real server: a second approval waits for the first one's number (here
    it gives up at once, `lock_timeout`, instead of waiting), and many at once share none."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from dumas.workflow.store.db import make_engine, make_sessionmaker
    from dumas.workflow.store.letters import take_number

    url = postgres.new_database()
    upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        year = 2026
        for _ in ("the year's first letter (row created)", "a later one (row locked)"):
            holder = sessions()
            taken = take_number(holder, year)
            other = sessions()
            other.execute(text("SET LOCAL lock_timeout = '50ms'"))
            with pytest.raises(OperationalError, match="lock"):
                take_number(other, year)
            other.rollback()
            other.close()
            holder.commit()
            holder.close()
            with sessions() as after, after.begin():
                assert take_number(after, year) == taken + 1

        got: list[int] = []
        errors: list[BaseException] = []

        def approve(n: int) -> None:
            try:
                for _ in range(n):
                    with sessions() as s, s.begin():
                        got.append(take_number(s, 2027))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)

        threads = [threading.Thread(target=approve, args=(5,)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and sorted(got) == list(range(1, 31))
    finally:
        engine.dispose()
