"""workflow.store.db: what keeps SQLite and PostgreSQL storing the same thing (no server needed here;
tests/integration/test_postgres.py runs the same on a real PostgreSQL)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from dumas.workflow.errors import ConfigError, DumasError
from dumas.workflow.store.db import check_schema, make_engine, make_sessionmaker, upgrade
from dumas.workflow.store.models import Attachment, Pengaduan

NOW = datetime(2026, 11, 2, 2, 15, tzinfo=UTC)


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'dumas.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_texts_longer_than_their_column_are_clipped_and_the_log_names_only_the_column(
    sessions, caplog
):
    caplog.set_level(logging.WARNING)
    with sessions() as s, s.begin():
        case = Pengaduan(
            channel="email", received_at=NOW, pelapor_name="Nama Panjang " * 40, body="isi " * 5000
        )
        s.add(case)
        s.flush()
        s.add(
            Attachment(
                pengaduan_id=case.id,
                filename="a.bin",
                content_type="x/" + "y" * 400,
                size=1,
                sha256="0" * 64,
                storage_key="k",
                added_at=NOW,
            )
        )
    with sessions() as s:
        stored = s.execute(select(Pengaduan)).scalar_one()
        [ctype] = s.execute(select(Attachment.content_type)).scalars().all()
    assert stored.pelapor_name == ("Nama Panjang " * 40)[:255]
    assert stored.body == "isi " * 5000  # TEXT columns have no limit
    assert ctype == ("x/" + "y" * 400)[:255]
    logged = [r.getMessage() for r in caplog.records]
    assert "pengaduan.pelapor_name: a value of 520 characters was clipped to 255" in logged
    assert "attachment.content_type: a value of 402 characters was clipped to 255" in logged
    assert not any("Nama Panjang" in line for line in logged)


def test_a_changed_value_is_clipped_too(sessions):
    with sessions() as s, s.begin():
        s.add(Pengaduan(channel="email", received_at=NOW))
    with sessions() as s, s.begin():
        case = s.execute(select(Pengaduan)).scalar_one()
        case.kecamatan = "K" * 500
        case.tps = "7"
    with sessions() as s:
        case = s.execute(select(Pengaduan)).scalar_one()
        assert (case.kecamatan, case.tps) == ("K" * 128, "7")


@pytest.mark.parametrize(
    "url, says", [("mysql://dumas@localhost/dumas", "MySQLdb"), ("nosuchdb://x/y", "not usable")]
)
def test_an_unusable_url_is_a_configuration_error(url, says):
    with pytest.raises(ConfigError, match=says):
        make_engine(url)


def test_an_unreadable_database_is_our_error_not_a_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'dumas.sqlite3'}"  # the folder does not exist
    engine = make_engine(url)
    try:
        with pytest.raises(DumasError, match="cannot open the database: unable to open"):
            check_schema(engine, url)
    finally:
        engine.dispose()
