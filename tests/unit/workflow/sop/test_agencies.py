"""The forwarding agencies (TERUSKAN): the local bodies, addressed as a Tata Naskah Dinas letter,
and proposals that outlive a change of configuration."""

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.registry import parse_command
from dumas.workflow.sop.config import ConfigError, load_sop
from dumas.workflow.sop.definition import DEFAULT_SOP, Agency
from dumas.workflow.sop.effects import Actor, CaseState, Notify, RenderDocument
from dumas.workflow.sop.machine import decide

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
NOW = datetime(2026, 3, 6, 9, 0, tzinfo=WIB)  # Friday


def _state(step: str, usul: dict) -> CaseState:
    return CaseState(
        step=step,
        number="001/PGD/III/2026",
        subject="Permohonan salinan DPT",
        pelapor_email="warga@example.id",
        received_at=NOW,
        complete_at=NOW,
        data={"usul_penerusan": usul},
    )


def _reply(state, role, text, sop=DEFAULT_SOP):
    actor = Actor.of(f"{role}@kpu.example", role)
    return decide(state, parse_command(text.splitlines()), actor, NOW, sop, CAL, ())


def test_the_default_agencies_are_the_local_bodies_with_their_addressee_block():
    by_key = {a.key: a for a in DEFAULT_SOP.agencies}
    assert set(by_key) == {"bawaslu", "gakkumdu", "dkpp", "ombudsman", "apip", "kpk"}
    assert "ppid" not in by_key  # the office's own unit: it answers, it is not forwarded to
    bawaslu = by_key["bawaslu"]
    assert (bawaslu.addressee, bawaslu.tempat) == (
        "Ketua Bawaslu Kabupaten Kepulauan Mentawai",
        "Tuapejat",
    )
    assert by_key["ombudsman"].tempat == "Padang"
    assert {by_key[k].tempat for k in ("dkpp", "kpk", "apip")} == {"Jakarta"}
    assert all(a.kepada and a.tempat for a in DEFAULT_SOP.agencies)
    # An information request suggests no agency: the desk answers it (BUKAN PENGADUAN).
    assert DEFAULT_SOP.suggest("permohonan_informasi") == ()


def test_the_addressee_block_is_configurable():
    sop = load_sop(
        {"agencies": {"kpk": {"kepada": "Direktur Pelayanan Laporan", "tempat": "Jakarta Selatan"}}}
    )
    kpk = sop.agency("kpk")
    assert kpk is not None and (kpk.addressee, kpk.tempat) == (
        "Direktur Pelayanan Laporan",
        "Jakarta Selatan",
    )
    with pytest.raises(ConfigError):
        load_sop({"agencies": {"kpk": {"di": "Jakarta"}}})


def test_teruskan_proposal_carries_the_agency_and_the_letter_its_addressee():
    state = _state("telaah", {})
    d = _reply(state, "hukum", "TERUSKAN Bawaslu\nTelaah: dugaan pelanggaran kampanye.")
    usul = d.state.data["usul_penerusan"]
    assert usul["agency"]["kepada"] == "Ketua Bawaslu Kabupaten Kepulauan Mentawai"
    draft = next(e for e in d.effects if isinstance(e, RenderDocument))
    assert (draft.params["kepada"], draft.params["tempat"]) == (
        "Ketua Bawaslu Kabupaten Kepulauan Mentawai",
        "Tuapejat",
    )


def test_setuju_on_a_proposal_to_an_agency_no_longer_configured_uses_the_stored_one():
    proposed = _reply(_state("telaah", {}), "hukum", "TERUSKAN DKPP\nTelaah: kode etik KPPS.")
    # The office removes DKPP from its configuration before the Sekretaris answers.
    sop = replace(DEFAULT_SOP, agencies=tuple(a for a in DEFAULT_SOP.agencies if a.key != "dkpp"))
    d = _reply(proposed.state, "sekretaris", "SETUJU", sop=sop)
    assert d.accepted and d.state.step == "pengiriman_penerusan"  # no email: the desk posts it
    letter = next(e for e in d.effects if isinstance(e, RenderDocument))
    assert letter.params["kepada"].startswith("Ketua Dewan Kehormatan Penyelenggara Pemilu")
    assert letter.params["tempat"] == "Jakarta"
    # ... and the desk's TERKIRIM tells the reporter of the same agency.
    d = _reply(d.state, "desk", "TERKIRIM melalui pos", sop=sop)
    told = next(e for e in d.effects if isinstance(e, Notify) and e.template == "diteruskan")
    assert told.context["instansi"] == "Dewan Kehormatan Penyelenggara Pemilu (DKPP)"


def test_setuju_on_an_old_proposal_to_a_removed_agency_is_a_clear_refusal():
    # Stored before proposals carried their agency, to PPID (no longer an agency): no crash,
    # nothing changes, and the Sekretaris reads what to do in Indonesian.
    state = _state("persetujuan_penerusan", {"instansi": "ppid", "alasan": "informasi publik"})
    d = _reply(state, "sekretaris", "SETUJU")
    assert not d.accepted and d.state == state and d.effects == ()
    assert d.refusal is not None and d.refusal.reason == "invalid_argument"
    assert "PPID" in d.refusal.message and "TOLAK" in d.refusal.message
    # TOLAK still works: the sub-division chooses again.
    assert _reply(state, "sekretaris", "TOLAK Mohon dijawab oleh PPID.").state.step == "telaah"


def test_an_agency_snapshot_round_trips():
    agency = DEFAULT_SOP.agency("ombudsman")
    assert agency is not None
    again = Agency.from_snapshot("ombudsman", agency.snapshot())
    assert again == replace(agency, aliases=())
    assert Agency.from_snapshot("x", {}) is None


def test_the_surat_tugas_freezes_the_pegawai_entries_of_the_team_named_by_address():
    from types import SimpleNamespace

    from dumas.config.settings import Official
    from dumas.notify.apply import Applier

    staff = {"andi@kpu.example": Official("Andi S.", "", "Analis", "Penata (III/c)")}
    applier = SimpleNamespace(kit=SimpleNamespace(settings=SimpleNamespace(pegawai=staff)))
    found = Applier._team_details(applier, "Andi (ANDI@kpu.example); Rina (rina@kpu.example)")
    assert found == {
        "pegawai": {
            "andi@kpu.example": {
                "nama": "Andi S.",
                "nip": "",
                "jabatan": "Analis",
                "pangkat": "Penata (III/c)",
            }
        }
    }
    assert Applier._team_details(applier, "Rina") == {}
