"""Every email Dumas sends, rendered from real decisions of the workflow core.

The SOP's paths are driven through the pure core (`on_registered`, `decide`, `on_pelapor_reply`,
`due_alerts`/`alert_notices`, the registrar's acknowledgement and the reply handler's refusals);
every `Notify` and `Transcript` they produce is composed the way `notify.apply.Applier.send` does
it, with the `case` variable built by `notify.context.case_context` from an unsaved `Pengaduan`,
for each of the three audiences. The checks are what a phone reader needs: the number, a one-line
subject with one case tag, the reply marker first and the commands listed when a decision is
asked, short lines, and nothing of the reporter's identity in what leaves the office.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dumas.config.settings import Office, Replies, Roles
from dumas.ingest.actions.daftar import DAFTAR_REASONS
from dumas.ingest.actions.registrar import Registrar
from dumas.ingest.actions.replies import GATE_REASONS
from dumas.notify.apply import Applier, Toolkit
from dumas.notify.compose import Composer
from dumas.notify.context import EXTERNAL, PELAPOR, STAFF, audience_of, case_context
from dumas.workflow.sop.calendar import WorkCalendar
from dumas.workflow.sop.commands.grammar import REPLY_MARKER
from dumas.workflow.sop.commands.registry import commands_for, help_text, parse_command
from dumas.workflow.sop.config import load_sop
from dumas.workflow.sop.effects import Actor, CaseState, Decision, Notify, TokenFor, Transcript
from dumas.workflow.sop.machine import alert_notices, decide, due_alerts, on_registered
from dumas.workflow.sop.numbering import case_tag
from dumas.workflow.sop.waits import case_alert_effects, case_alerts
from dumas.workflow.store.models import Attachment, OutboxMessage, Pengaduan
from tests.unit.templates.test_templates_lint import EMAIL as EMAIL_DIR
from tests.unit.templates.test_templates_lint import template_names_in_code

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar()
SOP = load_sop({"agencies": {"dkpp": {"email": "sekretariat@dkpp.example.go.id"}}}, ["teknis"])
OFFICE = Office(
    name="Komisi Pemilihan Umum Kabupaten Kepulauan Mentawai",
    timezone="Asia/Jakarta",
    short_name="KPU Kab. Kepulauan Mentawai",
    address="Jalan Raya Tuapejat Km. 4, Desa Tuapejat, Kecamatan Sipora Utara",
    city="Tuapejat",
    phone="(0759) 000 1234",
    email="pengaduan@kpu-mentawai.example",
    website="https://kpu-mentawai.example",
    sekretaris_name="Yohanes Saleleubaja, S.H.",
    sekretaris_nip="19800101 200604 1 001",
    ketua_name="Teresia Samaloisa, S.Sos.",
)
TAG = "PGD"
COMPOSER = Composer(OFFICE, TAG)
NUMBER = "007/PGD/XI/2026"
T0 = datetime(2026, 11, 16, 9, 14, tzinfo=WIB)  # Monday
DOMAIN = "kpu-mentawai.example"
STAFF_ROLES = ("desk", "sekretaris", "hukum", "ketua", "teknis")
LONGEST_LINE = 100

# A reporter nobody else is called like, so a leak cannot hide behind a common word.
NAME = "Zefanya Sabeleake"
EMAIL = "zefanya.sabeleake@example.net"
PHONE = "0813-7766-5544"
ADDRESS = "Dusun Kalebuk Hilir, Desa Saibi Samukop"
NIK = "1309015507880003"
SUBJECT = "Ketua KPPS TPS 004 meminta uang kepada pemilih lansia"
BODY = f"""Yth. Bapak/Ibu petugas pengaduan,

Pada hari pemungutan suara, Rabu 11 November 2026, Ketua KPPS TPS 004 Desa Saibi Samukop, \
Kecamatan Siberut Tengah, meminta uang Rp20.000 kepada pemilih lansia yang dibantu memilih.

Kronologi:
1. Sekitar pukul 10.30 WIB ibu saya datang ke TPS bersama saya.
2. Ketua KPPS mengatakan pendampingan "ada biayanya".

Nama : {NAME}
No. HP/WA : {PHONE}
Alamat : {ADDRESS}
NIK : {NIK}

Hormat saya,
{NAME}
{EMAIL}"""


def staff_address(role: str) -> str:
    return f"{role}@{DOMAIN}"


STAFF_ADDRESSES = frozenset(staff_address(r) for r in STAFF_ROLES)


class FakeSession:
    """Just enough of a Session for `Applier`: rows are kept, every query finds nothing (no open
    task, no delegate, no stored document, no original message to thread under)."""

    def __init__(self):
        self.added: list = []

    def add(self, row) -> None:
        self.added.append(row)

    def flush(self) -> None:
        pass

    def execute(self, query):
        return SimpleNamespace(scalars=lambda: iter(()), scalar=lambda: None, all=list)


ROLES = Roles(
    desk=(staff_address("desk"),),
    sekretaris=(staff_address("sekretaris"),),
    hukum=(staff_address("hukum"),),
    ketua=(staff_address("ketua"),),
    subdivisions={"teknis": (staff_address("teknis"),)},
)
KIT = Toolkit(
    settings=SimpleNamespace(
        roles=ROLES,
        office=OFFICE,
        smtp=SimpleNamespace(from_address="pengaduan@" + DOMAIN),
        replies=Replies(address="pengaduan@" + DOMAIN, plus_addressing=True, token_days=14),
        limits=SimpleNamespace(acks_per_sender_per_hour=5),
    ),
    composer=COMPOSER,
    sop=SOP,
    calendar=CAL,
)


# --- driving the core -------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One email the applier would compose: template, recipient, context, token, and the case
    state at that moment (the applier applies UpdateCase before the Notify that follows it)."""

    path: str
    template: str
    to: str
    context: dict
    token: TokenFor | None
    state: CaseState
    effect: Notify | Transcript | None = None  # None: sent by the reply handler itself

    @property
    def audience(self) -> str:
        """Who `notify.context.audience_of` would say reads it."""
        if self.to == "pelapor" or self.to == EMAIL:
            return PELAPOR
        if "@" not in self.to or self.to in STAFF_ADDRESSES:
            return STAFF
        return EXTERNAL

    @property
    def id(self) -> str:
        return f"{self.path}:{self.template}->{self.to.split('@')[0]}"


@dataclass
class Scenario:
    """One case driven along a path of the SOP, collecting every email on the way."""

    path: str
    state: CaseState
    now: datetime = T0
    sent: list[Sent] = field(default_factory=list)

    def take(self, decision: Decision) -> Decision:
        for effect in decision.effects:
            if isinstance(effect, Notify):
                self.sent.append(
                    Sent(
                        self.path,
                        effect.template,
                        effect.to,
                        dict(effect.context),
                        effect.reply_token,
                        decision.state,
                        effect,
                    )
                )
            elif isinstance(effect, Transcript):
                self.sent.append(
                    Sent(
                        self.path,
                        "transkrip",
                        effect.to,
                        {"lines": list(effect.lines)},
                        effect.reply_token,
                        decision.state,
                        effect,
                    )
                )
        self.state = decision.state
        return decision

    def later(self, **delta) -> datetime:
        self.now += timedelta(**delta or {"hours": 2})
        return self.now

    def register(self) -> Scenario:
        self.take(on_registered(self.state, self.now, SOP, CAL))
        self.sent.extend(acknowledgement(self))
        return self

    def reply(self, role: str, text: str, attachments=(), delegated=()) -> Decision:
        actor = Actor.of(staff_address(role), role, delegated=delegated)
        command = parse_command(text.splitlines())
        decision = decide(self.state, command, actor, self.later(), SOP, CAL, attachments)
        if decision.refusal is not None:
            # As ReplyHandler._refuse: a refusal of the core carries its own explanation.
            self.sent.append(
                Sent(
                    self.path,
                    "penolakan",
                    actor.address,
                    {
                        "alasan": decision.refusal.message,
                        "reason": decision.refusal.reason,
                        "perintah": command.name if command else "(tidak ada perintah)",
                        "help": "",
                    },
                    None,
                    self.state,
                )
            )
            return decision
        return self.take(decision)

    def pelapor(self, text: str = "", attachments=()) -> Decision:
        actor = Actor.of(EMAIL, "pelapor")
        command = parse_command(text.splitlines())
        return self.take(decide(self.state, command, actor, self.later(), SOP, CAL, attachments))

    def gate_refusal(self, reason: str, role: str = "", command: str = "LENGKAP") -> None:
        """As ReplyHandler._refuse for a reply the gate stopped (token, sender, DMARC)."""
        address = staff_address(role) if role else "orang.lain@example.org"
        self.sent.append(
            Sent(
                self.path,
                "penolakan",
                address,
                {
                    "alasan": GATE_REASONS[reason],
                    "reason": reason,
                    "perintah": command,
                    "help": help_text(self.state.step, role, SOP, self.state) if role else "",
                },
                None,
                self.state,
            )
        )

    def alerts(self, at: datetime) -> None:
        """Every reminder and escalation of the open task from its opening to `at`."""
        opened = self.now
        role = SOP.acting_role(self.state.step, self.state.handler, self.state.conflict_role)
        step = SOP.step(self.state.step)
        due = CAL.add(opened, step.duration)
        task = SimpleNamespace(
            id=1,
            pengaduan_id=7,
            step=step.name,
            role=role,
            opened_at=opened,
            due_at=due,
            closed_at=None,
            remind_at=CAL.subtract(due, step.remind_before),
        )
        sent: list[tuple[int, str]] = []
        for moment in (task.remind_at, due, at):
            for alert in due_alerts(
                [task], moment, SOP, CAL, conflicts={7: self.state.conflict_role}, sent=sent
            ):
                sent.append((alert.task.id, alert.kind))
                for notice in alert_notices(alert, self.state, SOP, CAL):
                    self.sent.append(
                        Sent(
                            self.path,
                            notice.template,
                            notice.to,
                            dict(notice.context),
                            notice.reply_token,
                            self.state,
                            notice,
                        )
                    )

    def case_alerts(self, *moments: datetime) -> None:
        """The case-level alerts (workflow.sop.waits) due at each moment, each once."""
        sent: set[tuple[int, str, str]] = set()
        for moment in moments:
            for alert in case_alerts([(7, self.state)], moment, SOP, CAL, sent):
                sent.add((alert.case_id, alert.kind, alert.key))
                self.take(case_alert_effects(alert, self.state, moment, SOP, CAL))


def acknowledgement(s: Scenario) -> list[Sent]:
    """The registrar's own tanda terima Notify for this case, if it sends one."""
    registrar = Registrar.__new__(Registrar)  # its __init__ only prepares numbering
    registrar.kit = KIT
    return [
        Sent(s.path, e.template, e.to, dict(e.context), e.reply_token, s.state, e)
        for e in registrar.acknowledgement(FakeSession(), pengaduan(s.state), s.now)
        if isinstance(e, Notify)
    ]


def new_case(path: str, **changes) -> Scenario:
    state = CaseState(
        number=NUMBER,
        subject=SUBJECT,
        klasifikasi="pelanggaran pemilu",
        pelapor_email=EMAIL,
        received_at=T0.astimezone(UTC),
    )
    return Scenario(path, replace(state, **changes)).register()


def to_telaah(s: Scenario) -> Scenario:
    s.reply("desk", "LENGKAP")
    s.reply("sekretaris", "DISPOSISI HUKUM Mohon ditelaah dan dilaporkan dalam 7 hari kerja.")
    return s


def scenarios() -> list[Scenario]:
    out = []
    # The happy path, with a TOLAK at step 7 and an investigation.
    s = to_telaah(new_case("lengkap"))
    s.reply(
        "hukum",
        "BERKADAR PENGAWASAN\nTerlapor diduga meminta uang; perlu klarifikasi.",
        attachments=("laporan-hasil-telaah.pdf",),
    )
    s.reply("hukum", "KERTAS KERJA", attachments=("kertas-kerja.xlsx",))
    s.reply(
        "hukum",
        "INVESTIGASI Andi Sakerebau (andi.sakerebau@gmail.example); Rina Samaloisa "
        "(rina@kpu-mentawai.example)",
    )
    s.reply("sekretaris", "SETUJU Mohon dilaksanakan segera.")
    s.reply(
        "hukum",
        "LAPORAN Dugaan terbukti; Ketua KPPS diberi teguran tertulis.",
        attachments=("laporan-pemeriksaan.pdf",),
    )
    s.reply("sekretaris", "TOLAK Mohon lampirkan keterangan saksi.")
    s.reply("hukum", "LAPORAN Keterangan saksi terlampir.", attachments=("saksi.pdf",))
    s.reply(
        "sekretaris",
        "SETUJU Ketua KPPS TPS 004 telah diberi teguran tertulis dan uang "
        "dikembalikan kepada pemilih.",
    )
    s.pelapor("Terima kasih, apakah ada salinan teguran?")  # after closing: to the desk
    s.pelapor("STATUS")
    s.reply("hukum", "STATUS")
    s.reply("hukum", "KERTAS KERJA", attachments=("kertas-kerja.xlsx",))  # case_closed
    out.append(s)

    s = new_case("lengkapi", missing=("identitas", "lokasi", "bukti"), confidential=True)
    s.reply("desk", "LENGKAPI Mohon sebutkan nomor TPS dan lampirkan foto kejadian.")
    s.pelapor("STATUS")
    s.pelapor("BANTUAN")
    s.reply("desk", "STATUS")
    s.pelapor("TPS 004 Desa Saibi Samukop, foto terlampir.", attachments=("foto.jpg",))
    s.reply("desk", "LENGKAP")
    out.append(s)

    # The reporter never answers LENGKAPI: reminded after 5 working days, closed after 10.
    s = new_case("tidak_dilengkapi", missing=("bukti",))
    s.reply("desk", "LENGKAPI Mohon lampirkan foto kejadian.")
    s.case_alerts(s.now + timedelta(days=8), s.now + timedelta(days=15))
    s.pelapor("Maaf terlambat, foto terlampir.", attachments=("foto.jpg",))  # to the desk
    out.append(s)

    # The 60-day limit: reminded on day 45, escalated to the Ketua on day 55 and day 60.
    s = to_telaah(new_case("batas_60_hari"))
    s.case_alerts(*(s.now + timedelta(days=d) for d in (46, 56, 61)))
    s.reply("hukum", "STATUS")
    out.append(s)

    s = new_case("bukan_pengaduan")
    s.reply("desk", "BUKAN PENGADUAN Pesan berisi penawaran jasa percetakan, bukan pengaduan.")
    out.append(s)

    s = new_case("konflik")
    s.reply("desk", "KONFLIK SEKRETARIS")
    s.reply("desk", "LENGKAP")
    s.reply("sekretaris", "DISPOSISI HUKUM")  # not_your_role: the Ketua decides now
    s.alerts(s.now + timedelta(days=20))  # the Ketua's task runs late: nobody above the Ketua
    s.reply("ketua", "DISPOSISI HUKUM Harap diprioritaskan.")
    s.reply("hukum", "TERUSKAN DKPP\nDugaan pelanggaran kode etik anggota PPS.")
    s.reply("ketua", "SETUJU")  # the Ketua approves for the conflicted Sekretaris
    out.append(s)

    s = to_telaah(new_case("teruskan_manual", consent_to_share=True))
    s.reply("hukum", "TERUSKAN BAWASLU", attachments=("telaah.pdf",))
    s.reply("sekretaris", "SETUJU")  # no address: the desk posts it, then TERKIRIM
    s.reply("desk", "TERKIRIM melalui Pos Indonesia")
    out.append(s)

    s = to_telaah(new_case("teruskan_setuju", consent_to_share=True))
    s.reply("hukum", "TERUSKAN DKPP", attachments=("telaah.pdf",))
    s.reply("sekretaris", "SETUJU")
    out.append(s)

    s = to_telaah(new_case("tidak_ditindaklanjuti"))
    s.reply(
        "hukum",
        "TIDAK DAPAT DITINDAKLANJUTI Lokasi dan terlapor tidak dapat dipastikan "
        "meskipun pelapor sudah dihubungi.",
    )
    s.reply("sekretaris", "TOLAK Mohon sebutkan upaya menghubungi pelapor.")
    s.reply(
        "hukum",
        "TIDAK DAPAT DITINDAKLANJUTI Lokasi dan terlapor tidak dapat dipastikan "
        "meskipun pelapor sudah dihubungi dua kali melalui telepon.",
    )
    s.reply("sekretaris", "SETUJU")  # only now the reporter gets the numbered letter
    out.append(s)

    s = to_telaah(new_case("sub_bagian"))
    s.pelapor("Saya tambahkan video kejadian.", attachments=("video.mp4",))
    s.reply("hukum", "SUB BAGIAN TEKNIS\nMenyangkut tata cara pendampingan pemilih di TPS.")
    s.reply(
        "teknis",
        "LAPORAN Bimbingan teknis ulang untuk KPPS Siberut Tengah.",
        attachments=("laporan.pdf",),
    )
    s.reply("sekretaris", "SETUJU")
    out.append(s)

    s = new_case("umum")
    s.reply("desk", "BANTUAN")
    s.reply("sekretaris", "BANTUAN")
    s.reply("sekretaris", "STATUS")
    s.reply("sekretaris", "DELEGASI wakil.sekretaris@kpu-mentawai.example sampai 30-11-2026")
    s.reply(
        "sekretaris",
        "DELEGASI wakil@kpu-mentawai.example sampai 30-11-2026",
        delegated=("sekretaris",),
    )
    s.reply("sekretaris", "DELEGASI BATAL")
    s.reply("ketua", "DELEGASI wakil.ketua@kpu-mentawai.example sampai 30-11-2026")
    s.reply("desk", "Mohon maaf, saya belum sempat membaca.")
    s.reply("desk", "DISPOSISI HUKUM")  # wrong step
    s.reply("desk", "LENGKAPI")  # missing argument
    s.reply("desk", "KONFLIK DESK")  # invalid argument
    for reason in GATE_REASONS:
        s.gate_refusal(reason, "" if reason == "pengirim_tidak_dikenal" else "desk")
    for reason, problems in (
        ("daftar_bukan_desk", []),
        ("dkim_tidak_ada", []),
        ("daftar_tidak_lengkap", ["Uraian pengaduan tidak ditemukan."]),
    ):  # as DeskRegistration._refuse (ingest/actions/daftar.py): about no case
        alasan = DAFTAR_REASONS.get(reason) or GATE_REASONS[reason]
        context = {"alasan": alasan, "reason": reason, "masalah": problems}
        s.sent.append(Sent(s.path, "daftar_ditolak", staff_address("desk"), context, None, s.state))
    s.alerts(s.now + timedelta(days=10))
    s.reply("desk", "LENGKAP")
    s.reply("sekretaris", "DISPOSISI")
    s.reply("hukum", "BERKADAR PENGAWASAN")  # missing report
    s.alerts(s.now + timedelta(days=30))
    out.append(s)

    s = new_case("tanpa_email", pelapor_email="")
    s.reply("desk", "LENGKAPI KTP")  # the desk reaches them: hubungi_pelapor, a printed letter
    out.append(s)

    # Consent (issue 10 item 5): given, forwarded with the identity, taken back too late.
    s = to_telaah(new_case("persetujuan_identitas", confidential=True))
    s.pelapor("IDENTITAS BOLEH DIBUKA")
    s.reply("hukum", "IDENTITAS BOLEH DIBUKA")  # not_your_role
    s.reply("hukum", "TERUSKAN DKPP", attachments=("telaah.pdf",))
    s.reply("sekretaris", "SETUJU")  # the letter leaves once approved (issue 10 item 2)
    s.pelapor("IDENTITAS DIRAHASIAKAN")
    out.append(s)
    return out


# --- composing as the applier does --------------------------------------------------------------


def pengaduan(state: CaseState) -> Pengaduan:
    """The case as the database would hold it at `state` (unsaved; never flushed), lacking
    what `state.missing` says is missing."""
    lacks = set(state.missing)
    p = Pengaduan(
        id=7,
        number=NUMBER,
        year=2026,
        seq=7,
        channel="email",
        received_at=T0,
        registered_at=T0,
        subject=SUBJECT,
        body=BODY,
        terlapor="Ketua KPPS TPS 004 Desa Saibi Samukop",
        klasifikasi=state.klasifikasi,
        sifat="biasa",
        pelapor_name=NAME,
        pelapor_email=state.pelapor_email,
        pelapor_phone="" if "identitas" in lacks else PHONE,
        pelapor_address="" if "identitas" in lacks else ADDRESS,
        pelapor_nik="" if "identitas" in lacks else NIK,
        confidential=state.confidential,
        consent_to_share=state.consent_to_share,
        kecamatan="" if "lokasi" in lacks else "Siberut Tengah",
        desa="" if "lokasi" in lacks else "Saibi Samukop",
        tps="" if "lokasi" in lacks else "004",
        lokasi_text="",
        missing=list(state.missing),
        step=state.step,
        status=SOP.step(state.step).status,
        conflict_role=state.conflict_role,
        disposisi_to=state.disposisi_to,
        tim=state.tim,
        forwarded_to=state.forwarded_to,
        complete_at=state.complete_at,
        closed_at=state.closed_at,
        data=dict(state.data),
    )
    evidence = (
        []
        if "bukti" in lacks
        else [
            Attachment(
                filename="foto-tps-004.jpg",
                content_type="image/jpeg",
                size=1_283_004,
                sha256="0" * 64,
                storage_key="a",
                step="pengaduan",
                added_at=T0,
            ),
            Attachment(
                filename="rekaman-percakapan-dengan-ketua-kpps.m4a",
                content_type="audio/mp4",
                size=5_410_112,
                sha256="1" * 64,
                storage_key="b",
                step="pengaduan",
                added_at=T0,
            ),
        ]
    )
    p.attachments = evidence + [
        Attachment(
            filename="laporan-hasil-telaah.pdf",
            content_type="application/pdf",
            size=88_000,
            sha256="2" * 64,
            storage_key="c",
            step="telaah",
            added_at=T0,
        )
    ]
    return p


def variables(sent: Sent, audience: str, token: str = "") -> dict:
    """What `Applier.send` passes to `Composer.compose` (with the case's own number)."""
    context = {k: v for k, v in sent.context.items() if k != "number"}
    if sent.token is not None and "help" not in context:  # the applier adds the valid commands
        context["help"] = help_text(
            sent.token.step, sent.token.role, SOP, CaseState.from_case(pengaduan(sent.state))
        )
    if sent.template in ("status", "status_pelapor"):
        context["riwayat"] = []  # the fake session has no history rows
    return dict(
        number=NUMBER,
        token=token,
        case=case_context(pengaduan(sent.state), audience, WIB, SOP),
        audience=audience,
        reply_marker=REPLY_MARKER if sent.token else "",
        asks_reply=sent.token is not None,
        **context,
    )


def compose(sent: Sent, audience: str | None = None, token: str = ""):
    return COMPOSER.compose(sent.template, **variables(sent, audience or sent.audience, token))


def values_in(obj: Any) -> list[str]:
    """Every text value a template was given (to tell its lines from ours)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [v for item in obj.values() for v in values_in(item)]
    if isinstance(obj, (list, tuple)):
        return [v for item in obj for v in values_in(item)]
    if is_dataclass(obj):
        return [v for f in fields(obj) for v in values_in(getattr(obj, f.name))]
    return []


def own_part(line: str, given: list[str]) -> str:
    """The line without the values that were substituted into it."""
    pieces = sorted(
        {p.strip() for v in given for p in v.splitlines() if len(p.strip()) > 3},
        key=len,
        reverse=True,
    )
    for piece in pieces:
        line = line.replace(piece, "")
    return line


def words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]{3,}", text.lower()))


def visible(html: str) -> str:
    html = re.sub(r"(?is)<(style|head)\b.*?</\1>", " ", html)
    text = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", '"'),
        ("&#34;", '"'),
        ("&#39;", "'"),
        ("&nbsp;", " "),
        ("&amp;", "&"),
    ):
        text = text.replace(entity, char)
    return text


def identity_leaks(text: str) -> list[str]:
    digits = re.sub(r"\D", "", text)
    leaks = [v for v in (EMAIL, ADDRESS, *NAME.split()) if v.lower() in text.lower()]
    leaks += [v for v in (PHONE, NIK) if re.sub(r"\D", "", v) in digits]
    return leaks


SCENARIOS = scenarios()
SENT = [sent for s in SCENARIOS for sent in s.sent]


# --- the tests ---------------------------------------------------------------------------------


def test_every_template_in_the_code_is_rendered_by_some_path():
    assert set(template_names_in_code()) == {s.template for s in SENT}


AUDIENCES = (STAFF, PELAPOR, EXTERNAL)
# Emails about no case (a refused DAFTAR registered nothing): no number to say.
CASELESS = ("daftar_ditolak",)


@pytest.mark.parametrize("sent", SENT, ids=[s.id for s in SENT])
def test_renders_for_every_audience(sent):
    """StrictUndefined never trips; a one-line subject with one case tag; the number; lines."""
    tag = case_tag(NUMBER, TAG)
    for audience in AUDIENCES:
        out = compose(sent, audience)
        assert "\n" not in out.subject and out.subject.startswith(tag + " ")
        assert out.subject.count(TAG) == 1 and len(out.subject) > len(tag) + 5
        if sent.template not in CASELESS:
            assert NUMBER in out.text, "the text must say the case number"
        given = values_in(variables(sent, audience)) + values_in(vars(OFFICE))
        for line in out.text.splitlines():
            assert len(own_part(line, given)) <= LONGEST_LINE, line
        assert "{{" not in out.text and "{%" not in out.text
        assert "None" not in out.text, "a missing value printed as None"
        assert "\n\n\n\n" not in out.text, "runs of blank lines"


@pytest.mark.parametrize("sent", SENT, ids=[s.id for s in SENT])
def test_decisions_asked_put_the_marker_first_and_list_the_commands(sent):
    out = compose(sent)
    lines = out.text.splitlines()
    if sent.token is None:
        assert REPLY_MARKER not in out.text
        return
    assert lines[0] == REPLY_MARKER and REPLY_MARKER not in "\n".join(lines[1:])
    if sent.token.role == "pelapor":
        assert "STATUS" in out.text  # how to ask; the rest is free text
        return
    named = [c.name for c in commands_for(sent.token.step, sent.token.role, SOP, sent.state)]
    if "help" in sent.context:
        missing = [name for name in named if name not in out.text]
        assert not missing, f"commands not listed: {missing}"
    else:  # transkrip, terlambat, status: only the lines the context carries
        assert "BANTUAN" in out.text


@pytest.mark.parametrize("sent", SENT, ids=[s.id for s in SENT])
def test_nothing_of_the_reporter_leaves_the_office(sent):
    if sent.state.consent_to_share:
        return  # the reporter agreed; see test_consent_lets_the_identity_go_with_the_letter
    out = compose(sent, EXTERNAL)
    for part in (out.subject, out.text, visible(out.html)):
        assert not identity_leaks(part), identity_leaks(part)


WITH_HTML = [s for s in SENT if (EMAIL_DIR / f"{s.template}.html").is_file()]


@pytest.mark.parametrize("sent", WITH_HTML, ids=[s.id for s in WITH_HTML])
def test_html_says_what_the_text_says(sent):
    for audience in AUDIENCES:
        out = compose(sent, audience)
        assert words(visible(out.html)) == words(out.text)
        if sent.token is not None:
            assert visible(out.html).split()[: len(REPLY_MARKER.split())] == REPLY_MARKER.split()


def test_token_rides_in_the_subject_tag_without_plus_addressing():
    sent = next(s for s in SENT if s.template == "tugas")
    out = compose(sent, token="AbC123")
    assert out.subject.startswith("[PGD 007/XI/2026 #AbC123] ")


# --- what particular emails must say -----------------------------------------------------------


def first(template: str, path: str | None = None, **context) -> Sent:
    return next(
        s
        for s in SENT
        if s.template == template
        and (path is None or s.path == path)
        and all(s.context.get(k) == v for k, v in context.items())
    )


def test_desk_new_complaint_email_has_the_fields_the_check_and_the_commands():
    sent = first("tugas", "lengkap", step="verifikasi")
    out = compose(sent)
    for expected in (
        NAME,
        PHONE,
        ADDRESS,
        NIK,
        EMAIL,
        "TPS 004, Desa Saibi Samukop",
        "Ketua KPPS TPS 004 Desa Saibi Samukop",
        "pelanggaran pemilu",
        "foto-tps-004.jpg (1,2 MB)",
        "(5,2 MB)",
        sent.context["due_text"],
        "Identitas pelapor, lokasi kejadian, dan bukti sudah ditemukan",
        "Cetakan pengaduan (PDF)",
        "Lembar disposisi (PDF)",
        "LENGKAPI <apa yang kurang>",
        "Contoh: BUKAN PENGADUAN",
        "Pengaduan baru",
        "ada biayanya",
    ):
        assert expected in out.text, expected
    assert "laporan-hasil-telaah.pdf" not in out.text  # staff documents are not evidence
    assert out.subject == f"[PGD 007/XI/2026] Pengaduan baru, mohon verifikasi: {SUBJECT}"
    assert NAME in out.html and sent.context["due_text"] in out.html
    assert "LENGKAPI &lt;apa yang kurang&gt;" in out.html
    incomplete = compose(first("tugas", "lengkapi", step="verifikasi")).text
    for label in (
        "identitas pelapor (nama lengkap",
        "lokasi kejadian (kecamatan",
        "bukti pendukung (foto",
    ):
        assert label in incomplete.split("HASIL PEMERIKSAAN KELENGKAPAN")[1], label
    assert "Tidak ada berkas bukti." in incomplete


def test_acknowledgement_says_what_was_received_what_is_missing_and_how_to_go_on():
    out = compose(first("tanda_terima", "lengkap"))
    for expected in (
        "Terima kasih atas pengaduan Anda",
        NUMBER,
        SUBJECT,
        "rekaman-percakapan-dengan-ketua-kpps.m4a (5,2 MB)",
        "STATUS",
        "PDF",
        "60 hari kalender",
        "30 menit kerja",
        "Verifikasi kelengkapan pengaduan",
        "dirahasiakan",
        f"Yth. Bapak/Ibu {NAME},",
    ):
        assert expected in out.text, expected
    assert "perlu dilengkapi" not in out.text.lower()
    sent = first("tanda_terima", "lengkapi")
    incomplete = compose(sent).text
    assert len(sent.context["kurang"]) == 3
    for sentence in sent.context["kurang"]:
        assert sentence in incomplete
    assert "YANG MASIH PERLU DILENGKAPI" in incomplete and "Lampiran: tidak ada." in incomplete


def test_refusal_says_nothing_changed_why_and_what_to_do():
    for sent in (
        first("penolakan", reason="wrong_step"),
        first("penolakan", reason="token_terpakai"),
    ):
        out = compose(sent)
        assert "tidak mengubah apa pun" in out.text
        assert sent.context["alasan"].splitlines()[0] in out.text
        assert sent.context["perintah"] in out.text
    with_help = compose(first("penolakan", reason="token_kedaluwarsa"))
    assert "LENGKAPI <apa yang kurang>" in with_help.text
    wrong_step = compose(first("penolakan", reason="wrong_step")).text
    assert wrong_step.count("Perintah yang dapat Anda gunakan sekarang") == 1


def test_forwarding_letter_to_the_agency_is_formal_and_anonymous():
    out = compose(first("penerusan_instansi"))
    # Addressed as the letter is: "Yth. <kepada>" / "di" / "<tempat>" (issue 10 item 8).
    assert "Yth. Ketua Dewan Kehormatan Penyelenggara Pemilu Republik Indonesia\ndi\nJakarta" in (
        out.text
    )
    assert "Dewan Kehormatan Penyelenggara Pemilu (DKPP)" in out.text
    assert "Dengan hormat" in out.text and "terlampir" in out.text
    assert "dirahasiakan" in out.text.lower()
    # Without an address the desk posts the letter; the reporter is told once it went.
    told = compose(first("diteruskan", "teruskan_manual"))
    assert "Bawaslu Kabupaten Kepulauan Mentawai" in told.text


def test_consent_lets_the_identity_go_with_the_letter():
    out = compose(first("penerusan_instansi", "teruskan_setuju"))
    assert NAME in out.text and EMAIL in out.text and PHONE in out.text
    assert "Identitas pelapor dirahasiakan" not in out.text
    masked = compose(first("penerusan_instansi", "konflik"))
    assert "Pelapor: Dirahasiakan" in masked.text


def test_a_subject_naming_the_reporter_is_redacted_for_outsiders():
    p = pengaduan(CaseState(step="diteruskan", pelapor_email=EMAIL))
    p.subject = f"Pengaduan {NAME} tentang KPPS TPS 004"
    assert NAME.split()[0] not in case_context(p, EXTERNAL, WIB, SOP)["subject"]


def test_confidentiality_wins_over_consent_for_outsiders():
    p = pengaduan(
        CaseState(step="diteruskan", pelapor_email=EMAIL, confidential=True, consent_to_share=True)
    )
    assert case_context(p, EXTERNAL, WIB, SOP)["pelapor"].hidden


def test_confidential_reporter_is_flagged_to_staff():
    out = compose(first("tugas", "lengkapi", step="verifikasi"))
    assert "meminta identitasnya dirahasiakan" in out.text


def test_transcript_lines_and_the_waiting_case():
    done = compose(first("transkrip", "lengkap"))
    assert "Dilaksanakan: LENGKAP" in done.text and REPLY_MARKER not in done.text
    waiting = next(s for s in SENT if s.template == "transkrip" and s.token is not None)
    assert compose(waiting).text.startswith(REPLY_MARKER + "\n")


# --- the same emails through the real applier ---------------------------------------------------


def through_applier(sent: Sent):
    session = FakeSession()
    applier = Applier(session, KIT, pengaduan(sent.state), T0)
    if sent.effect is not None:
        applier.apply([sent.effect])
    else:  # as ReplyHandler._refuse
        applier.send(sent.template, (sent.to,), dict(sent.context), answer_source=True)
    return [row for row in session.added if isinstance(row, OutboxMessage)]


@pytest.mark.parametrize("sent", SENT, ids=[s.id for s in SENT])
def test_the_applier_composes_the_same_email(sent):
    """The test's own composition (`variables`) is what the applier really does."""
    [row] = through_applier(sent)
    audience = audience_of(row.to_addrs[0], pengaduan(sent.state), KIT.staff_addresses)
    assert audience == sent.audience
    expected = compose(sent, audience)
    assert (row.subject, row.body_text, row.body_html) == (
        expected.subject,
        expected.text,
        expected.html,
    )


def test_hostile_complaint_text_stays_text_in_the_html():
    sent = first("tugas", "lengkap", step="verifikasi")
    given = variables(sent, STAFF)
    hostile = '<script>alert(1)</script><img src="http://tracker.example/p.gif">'
    given["case"] = {**given["case"], "body": hostile, "subject": "<b>Halo</b>"}
    given["subject"] = "Halo\r\nBcc: korban@example.org"
    out = COMPOSER.compose(sent.template, **given)
    assert "<script" not in out.html and "<img" not in out.html and "<b>" not in out.html
    assert "&lt;script&gt;" in out.html and hostile in out.text  # the text part is plain text
    assert "\n" not in out.subject and "\r" not in out.subject
