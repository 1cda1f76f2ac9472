"""The real-world corpus (1,061 messages) through intake on the real Dovecot: nothing crashes, each
message is accounted for exactly once, and a second poll changes nothing."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dumas.config.app import App
from dumas.config.cli.main import main
from dumas.config.settings import load_settings
from dumas.workflow.store.models import MailboxLocation, Pengaduan, RawMessage

CORPUS = Path(
    os.environ.get("DUMAS_CORPUS")
    or Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
)


def corpus_files() -> list[Path]:
    if not (CORPUS / "MANIFEST.tsv").exists():
        pytest.skip(f"corpus not found at {CORPUS} (set $DUMAS_CORPUS)")
    rows = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [CORPUS / r.split("\t", 1)[0] for r in rows]


@pytest.mark.slow
def test_corpus_is_accounted_for_exactly_once(rig, office, dumas_config, capsys):
    files = corpus_files()
    assert len(files) == 1061
    uids = rig.append_many(office.pengaduan, [f.read_bytes() for f in files])
    assert len(uids) == len(files)
    assert main(["--config", str(dumas_config), "init"]) == 0
    capsys.readouterr()
    assert (
        main(
            [
                "--config",
                str(dumas_config),
                "poll",
                "--only",
                "intake",
                "--only",
                "registration",
                "--json",
            ]
        )
        == 0
    )
    first = json.loads(capsys.readouterr().out)
    assert first["new_messages"] == len(files)
    assert sum(first["outcomes"].values()) == len(files)
    assert first["registration"]["failed"] == 0
    assert first["registration"]["registered"] == first["outcomes"]["complaint"]

    assert (
        main(
            [
                "--config",
                str(dumas_config),
                "poll",
                "--only",
                "intake",
                "--only",
                "registration",
                "--json",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["new_messages"] == 0

    assert main(["--config", str(dumas_config), "reconcile", "--json"]) == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["missing"] == [] and rec["pending"] == []
    assert sum(rec["counts"].values()) == len(files)

    app = App(load_settings(dumas_config))
    with app.sessions() as s:
        locations = s.execute(select(func.count()).select_from(MailboxLocation)).scalar()
        dispositions = Counter(s.execute(select(RawMessage.disposition)).scalars())
        cases = s.execute(
            select(func.count()).select_from(Pengaduan).where(Pengaduan.number.is_not(None))
        ).scalar()
        unexplained = s.execute(
            select(func.count())
            .select_from(RawMessage)
            .where(RawMessage.disposition.in_(["ignored", "quarantined"]), RawMessage.reason == "")
        ).scalar()
    app.close()
    assert locations == len(files)
    assert cases == dispositions["complaint"]
    assert unexplained == 0  # every ignored or quarantined message says why
    # The corpus is mostly bounces and auto-replies: many must be recognised as such.
    assert dispositions["ignored"] >= 300
    print(f"corpus outcomes: {dict(dispositions)}")
