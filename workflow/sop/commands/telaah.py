"""The commands of SOP steps 4-7: the outcome of the telaah, the Kertas Kerja, the follow-up
(investigation or report) and the Sekretaris' approvals.

The machine (`workflow.sop.machine.decide`) has already checked that the command is valid at the
case's step and that the sender holds the deciding role when `parse` and `process` run.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from dumas.workflow.sop.commands.base import Command, paragraph_lines
from dumas.workflow.sop.commands.grammar import (
    EMAIL,
    first_paragraph,
    match_start,
    note_of,
    strip_words,
)
from dumas.workflow.sop.commands.verifikasi import match_subdivision
from dumas.workflow.sop.definition import (
    PELAPOR,
    SETUJU_MANUAL,
    TOLAK_INVESTIGASI,
    TOLAK_KERTAS_KERJA,
    Agency,
    Sop,
    Subdivision,
)
from dumas.workflow.sop.effects import (
    CaseState,
    Decision,
    Effect,
    Notify,
    OpenTask,
    RenderDocument,
)
from dumas.workflow.sop.names import Role, StepName
from dumas.workflow.sop.transitions import (
    CLOSING_LETTER,
    Context,
    Problem,
    advance,
    closing_letter,
    inform,
    letter_delivered,
    task_notice,
)

_TO = ("ke", "kepada", "to")


def _oversight(ctx: Context) -> str:
    """Who oversees the case: the Sekretaris, or the Ketua when the Sekretaris is conflicted."""
    return ctx.sop.acting_role(
        StepName.PERSETUJUAN_LAPORAN, ctx.state.handler, ctx.state.conflict_role
    )


def approval(ctx: Context) -> dict[str, str]:
    """Who approved a letter by this reply: the applier numbers the letter with it and prints
    "Disetujui melalui surel oleh ..." and the signatory (the Ketua signs when the Ketua acted
    for a conflicted Sekretaris)."""
    return {
        "oleh": ctx.actor.address,
        "peran": ctx.sop.role_title(ctx.role),
        "role": ctx.role,
        "penandatangan": Role.KETUA if ctx.role == Role.KETUA else Role.SEKRETARIS,
    }


# --- the handling sub-division: telaah (step 4) ---------------------------------------------


def _telaah(ctx: Context, result: str, report: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if ctx.state.step == StepName.KERTAS_KERJA:
        # A proposal after the survey: the telaah (its date, result, report) stays as it was.
        return {}, ({"kertas_kerja": report} if report else {})
    fields: dict[str, Any] = {"telaah_at": ctx.now, "telaah_result": result}
    return fields, ({"laporan_telaah": report} if report else {})


class BerkadarPengawasan(Command):
    name, aliases = "BERKADAR PENGAWASAN", ("SUPERVISORY", "PENGAWASAN")
    summary = (
        "Hasil telaah: pengaduan berkadar pengawasan; dilanjutkan dengan survei pendahuluan "
        "dan Kertas Kerja."
    )
    example = "BERKADAR PENGAWASAN (lampirkan Laporan Hasil Telaah)"

    def parse(self, ctx: Context) -> str:
        return self.need_report(ctx, ctx.args)

    def process(self, ctx: Context, report: str) -> Decision:
        fields, data = _telaah(ctx, "berkadar_pengawasan", report)
        return advance(ctx, self.name, fields=fields, data=data, note=first_paragraph(report))


class Teruskan(Command):
    name, aliases, args = "TERUSKAN", ("FORWARD",), "<instansi>"
    summary = (
        "Hasil telaah: bukan kewenangan KPU; surat penerusan dikirim kepada instansi itu "
        "(identitas pelapor dirahasiakan kecuali pelapor setuju) dan pelapor diberi tahu."
    )
    example = "TERUSKAN BAWASLU"

    def example_for(self, sop: Sop, state: CaseState) -> str:
        suggested = sop.suggest(state.klasifikasi)
        return f"TERUSKAN {suggested[0].short.upper()}" if suggested else self.example

    def parse(self, ctx: Context) -> tuple[Agency, str, str]:
        text = strip_words(ctx.args, _TO)
        if not text:
            raise Problem(
                "missing_argument",
                f"Perintah TERUSKAN perlu disertai nama instansi. {self._choices(ctx)}",
            )
        agencies = {a.key: a for a in ctx.sop.agencies}
        m = match_start(text, {k: _agency_phrases(a) for k, a in agencies.items()})
        if m is None:
            raise Problem(
                "invalid_argument", f"Instansi {text!r} tidak dikenal. {self._choices(ctx)}"
            )
        return agencies[m.name], m.rest, self.need_report(ctx, m.rest)

    def _choices(self, ctx: Context) -> str:
        names = ", ".join(a.short.upper() for a in ctx.sop.agencies)
        out = f"Pilihan: {names}."
        if suggested := ctx.sop.suggest(ctx.state.klasifikasi):
            out += (
                f" Saran untuk klasifikasi {ctx.state.klasifikasi!r}: TERUSKAN "
                f"{' atau '.join(a.short.upper() for a in suggested)}."
            )
        return out

    def process(self, ctx: Context, args: tuple[Agency, str, str]) -> Decision:
        # Hukum proposes; nothing leaves the office before the Sekretaris approves (SETUJU at
        # persetujuan_penerusan numbers and sends the letter). The draft goes to her with the
        # Laporan Hasil Telaah, so she approves the letter she saw.
        agency, reason, report = args
        fields, data = _telaah(ctx, "diteruskan", report)
        alasan = reason or "Materi pengaduan bukan merupakan kewenangan KPU."
        draft = RenderDocument("surat_penerusan", _letter_params(ctx, agency, alasan))
        how = (
            f"dikirim melalui surel ke {agency.email}"
            if agency.email
            else "dicetak dan dikirim oleh Desk Pelayanan melalui pos atau diantar langsung "
            "(instansi ini belum mempunyai alamat surel)"
        )
        proposal = (
            f"Usulan: pengaduan diteruskan kepada {agency.name}. Pertimbangan: {alasan}\n"
            f"Bila disetujui, surat penerusan diberi nomor dan {how}; pelapor diberi tahu "
            f"setelah surat terkirim, dengan pesan berikut:\n{_told_forwarded(ctx, agency)}"
        )
        return _propose(
            ctx,
            self.name,
            fields=fields,
            # The agency as configured now goes with the proposal: the SETUJU that numbers the
            # letter must not depend on the agency still being in the configuration then.
            data={
                **data,
                "usul_penerusan": {
                    "instansi": agency.key,
                    "alasan": alasan,
                    "agency": agency.snapshot(),
                    "dari": ctx.state.step,  # where a TOLAK returns it
                },
            },
            draft=draft,
            ask=proposal,
            what=f"penerusan kepada {agency.name}",
        )


def _propose(
    ctx: Context,
    command: str,
    *,
    fields: dict[str, Any],
    data: dict[str, Any],
    draft: RenderDocument,
    ask: str,
    what: str,
) -> Decision:
    """A proposal of the handling sub-division (TERUSKAN, TIDAK DAPAT DITINDAKLANJUTI): nothing
    leaves the office before the approver's SETUJU. The unnumbered `draft` goes to the approver
    with the Laporan Hasil Telaah (the approval step's inputs), and `ask` says exactly what will
    be sent, so the approver approves the letter and the words they saw."""
    return advance(
        ctx,
        command,
        fields=fields,
        data=data,
        effects=(draft,),
        note=ask,
        notes=(
            f"Usulan {what} disampaikan kepada {ctx.sop.role_title(_oversight(ctx))} untuk "
            "disetujui.",
        ),
    )


def _letter_params(ctx: Context, agency: Agency, alasan: str) -> dict[str, Any]:
    # The reporter's identity leaves the office only with their consent, never when they
    # asked for confidentiality; the renderer redacts when told to.
    hidden = ctx.state.confidential or not ctx.state.consent_to_share
    return {
        "instansi": agency.name,
        "kepada": agency.addressee,
        "tempat": agency.tempat,
        "alamat": agency.address,
        "redact_identity": hidden,
        "alasan": alasan,
    }


def _told_forwarded(ctx: Context, agency: Agency) -> str:
    """What the reporter reads (the `diteruskan` email's own lines), shown to the approver."""
    return (
        f"Pengaduan Saudara Nomor {ctx.state.number or '-'} bukan merupakan kewenangan KPU dan "
        f"telah diteruskan kepada {agency.name} untuk ditindaklanjuti sesuai kewenangannya."
        + (f" {agency.note}" if agency.note else "")
    )


def _proposed_agency(ctx: Context) -> tuple[Agency, str]:
    usul = ctx.state.data.get("usul_penerusan") or {}
    key = str(usul.get("instansi") or "")
    # The configured agency when it still is; else the one stored with the proposal (an agency
    # taken out of the configuration since). A proposal stored before proposals carried their
    # agency, to an agency no longer configured, is refused: nothing to address the letter to.
    agency = ctx.sop.agency(key) or Agency.from_snapshot(key, usul.get("agency") or {})
    if agency is None:
        raise Problem(
            "invalid_argument",
            f"Instansi tujuan usulan penerusan ({key.upper() or '-'}) tidak lagi terdaftar "
            "dalam konfigurasi, sehingga surat penerusan tidak dapat dibuat. Tidak ada yang "
            "diubah. Mohon balas TOLAK dengan catatan agar sub bagian yang menangani memilih "
            "instansi lain.",
        )
    return agency, str(usul.get("alasan") or "")


def _letter_sent(ctx: Context, agency: Agency) -> tuple[Effect, ...]:
    """Once the letter has gone: the tembusan (the Ketua, the reporter's own copy without
    internal notes) and the reporter told. Never before: "telah kami teruskan" must be true."""
    about = {"number": ctx.state.number, "instansi": agency.name, "catatan": agency.note}
    copy = RenderDocument("surat_penerusan", {"salinan_pelapor": True})
    return (
        inform(
            Role.KETUA,
            f"Tembusan: surat penerusan pengaduan kepada {agency.name} telah dikirim.",
            ctx,
            ("surat_penerusan",),
        ),
        copy,
        Notify("diteruskan", PELAPOR, about, ("surat_penerusan",)),
    )


def _approve_forwarding(ctx: Context, note: str) -> Decision:
    agency, alasan = _proposed_agency(ctx)
    letter = RenderDocument(
        "surat_penerusan", {**_letter_params(ctx, agency, alasan), "persetujuan": approval(ctx)}
    )
    about = {
        "number": ctx.state.number,
        "instansi": agency.name,
        "catatan": agency.note,
        # The email to the agency is addressed as the letter is.
        "kepada": agency.addressee,
        "tempat": agency.tempat,
    }
    changes = {"forwarded_to": agency.name}
    data = {
        "forwarded_key": agency.key,
        "forwarded_agency": agency.snapshot(),
        **({"catatan_penerusan": note} if note else {}),
    }
    if agency.email:
        return advance(
            ctx,
            "SETUJU",
            effects=(
                letter,
                Notify("penerusan_instansi", agency.email, about, ("surat_penerusan",)),
                *_letter_sent(ctx, agency),
            ),
            notes=(
                f"Surat penerusan diberi nomor dan dikirim ke {agency.email}; tembusan kepada "
                "Ketua dan pelapor.",
            ),
            changes=changes,
            data=data,
        )
    return advance(
        ctx,
        SETUJU_MANUAL,
        effects=(letter,),
        note=f"Surat penerusan kepada {agency.name}"
        + (f", di {agency.address}" if agency.address else "")
        + " telah disetujui dan diberi nomor.",
        notes=(
            f"{agency.name} belum mempunyai alamat surel: surat penerusan bernomor dikirim "
            "kepada Desk Pelayanan untuk dikirimkan; pelapor diberi tahu setelah Desk membalas "
            "TERKIRIM.",
        ),
        changes=changes,
        data=data,
    )


class Terkirim(Command):
    name, args = "TERKIRIM", "[keterangan pengiriman]"
    aliases = ("SENT", "DIKIRIM", "SUDAH DIKIRIM")
    summary = (
        "Surat penerusan telah dikirim melalui pos atau diantar langsung (lampirkan pindaian "
        "tanda terima bila ada); pelapor dan Ketua diberi tahu."
    )
    example = "TERKIRIM melalui Pos Indonesia, resi 1234567890"

    def describe(self, step: str) -> str:
        if step == StepName.PENGIRIMAN_SURAT_PELAPOR:
            return (
                "Surat kepada pelapor telah dikirim melalui pos atau diserahkan langsung "
                "(lampirkan pindaian tanda terima bila ada); pengiriman dicatat pada riwayat."
            )
        return self.summary

    def parse(self, ctx: Context) -> str:
        return note_of(ctx.args, ctx.text)

    def process(self, ctx: Context, note: str) -> Decision:
        if ctx.state.step != StepName.PENGIRIMAN_PENERUSAN:
            # The same desk task on a closed case: the letter to a reporter without email.
            return letter_delivered(ctx, note)
        agency, _ = _proposed_agency(ctx)
        return advance(
            ctx,
            self.name,
            data={"pengiriman_penerusan": note} if note else {},
            effects=_letter_sent(ctx, agency),
            note=note,
            notes=(
                f"Pengiriman surat penerusan kepada {agency.name} dicatat"
                + (f": {note}" if note else ".")
                + " Pelapor dan Ketua telah diberi tahu.",
            ),
        )


def _agency_phrases(agency: Agency) -> tuple[str, ...]:
    plain = agency.name.split("(")[0].strip()
    inner = (
        agency.name[agency.name.find("(") + 1 : agency.name.find(")")] if "(" in agency.name else ""
    )
    return tuple(
        p for p in (agency.key, agency.short, agency.name, plain, inner, *agency.aliases) if p
    )


class SubBagian(Command):
    name, args = "SUB BAGIAN", "<nama sub bagian>"
    aliases = ("SUBBAG", "SUBDIVISION", "REFER")
    summary = "Hasil telaah: pengaduan ditangani oleh sub bagian lain, yang menindaklanjutinya."
    example = "SUB BAGIAN TEKNIS"

    def example_for(self, sop: Sop, state: CaseState) -> str:
        other = [s for s in sop.subdivisions if s.key != state.handler]
        return f"SUB BAGIAN {other[0].key.upper()}" if other else self.example

    def parse(self, ctx: Context) -> tuple[Subdivision, str]:
        found = match_subdivision(ctx.args, ctx.sop) if ctx.args else None
        if found is None or found[0].key == ctx.state.handler:
            others = [s.key.upper() for s in ctx.sop.subdivisions if s.key != ctx.state.handler]
            what = (
                "perlu disertai nama sub bagian"
                if not ctx.args
                else f"tidak dapat memakai {ctx.args!r}"
            )
            raise Problem(
                "missing_argument" if not ctx.args else "invalid_argument",
                f"Perintah SUB BAGIAN {what}. Pilihan: {', '.join(others) or '-'} "
                f"(sub bagian lain perlu alamat email di konfigurasi).",
            )
        return found[0], self.need_report(ctx, found[1])

    def process(self, ctx: Context, args: tuple[Subdivision, str]) -> Decision:
        sub, report = args
        fields, data = _telaah(ctx, "sub_bagian", report)
        return advance(
            ctx,
            self.name,
            changes={"handler": sub.key},
            fields=fields,
            data={**data, "handler": sub.key},
            note=first_paragraph(report),
            notes=(f"Pengaduan diserahkan kepada {sub.title} untuk ditindaklanjuti.",),
        )


class TidakDapatDitindaklanjuti(Command):
    name, args = "TIDAK DAPAT DITINDAKLANJUTI", "<alasan>"
    aliases = ("TIDAK DITINDAKLANJUTI", "NOT ACTIONABLE", "DISMISS")
    summary = (
        "Hasil telaah: usulan menutup pengaduan karena tidak dapat ditindaklanjuti, dengan "
        "alasan untuk pelapor; bila Sekretaris menyetujui, pelapor menerima surat "
        "pemberitahuan bernomor."
    )
    example = "TIDAK DAPAT DITINDAKLANJUTI Identitas terlapor dan lokasi kejadian tidak jelas."

    def parse(self, ctx: Context) -> str:
        return self.need_text(ctx, "alasan")

    def process(self, ctx: Context, alasan: str) -> Decision:
        # A proposal, as TERUSKAN is: the case closes and the letter leaves only on the
        # approver's SETUJU (persetujuan_tidak_ditindaklanjuti), never on Hukum's word alone.
        fields, data = _telaah(ctx, "tidak_ditindaklanjuti", ctx.text.strip())
        how = (
            "dikirim kepada pelapor melalui surel"
            if ctx.state.pelapor_email
            else "diserahkan kepada Desk Pelayanan untuk dicetak dan disampaikan kepada pelapor "
            "(pelapor tidak mempunyai alamat surel)"
        )
        ask = (
            "Usulan: pengaduan dinyatakan tidak dapat ditindaklanjuti dan ditutup.\n"
            f"Bila disetujui, surat pemberitahuan terlampir diberi nomor dan {how}; pelapor "
            f"menerima pemberitahuan berikut:\n{_told_closed(ctx, alasan)}\n"
            "(Catatan yang ditulis setelah SETUJU hanya dicatat dalam riwayat dan tidak "
            "disampaikan kepada pelapor; untuk mengubah alasan, balas TOLAK dengan catatan.)"
        )
        return _propose(
            ctx,
            self.name,
            fields=fields,
            data={
                **data,
                "usul_tidak_ditindaklanjuti": {"alasan": alasan, "dari": ctx.state.step},
            },
            draft=RenderDocument(CLOSING_LETTER, _closure_params(alasan)),
            ask=ask,
            what="penutupan pengaduan (tidak dapat ditindaklanjuti)",
        )


def _closure_params(alasan: str) -> dict[str, Any]:
    return {"jenis": "tidak_ditindaklanjuti", "alasan": alasan}


def _told_closed(ctx: Context, alasan: str) -> str:
    """What the reporter reads (the `tidak_ditindaklanjuti` email's own lines), shown to the
    approver."""
    return (
        f"Pengaduan Saudara Nomor {ctx.state.number or '-'} tidak dapat ditindaklanjuti, "
        f"dengan alasan:\n{alasan}"
    )


def _proposed_reason(ctx: Context) -> str:
    alasan = str((ctx.state.data.get("usul_tidak_ditindaklanjuti") or {}).get("alasan") or "")
    if not alasan:  # the proposal's data is gone: nothing the approver saw can be sent
        raise Problem(
            "invalid_argument",
            "Alasan usulan tidak ditemukan. Mohon TOLAK agar sub bagian yang menangani "
            "mengusulkannya kembali.",
        )
    return alasan


def _approve_closure(ctx: Context, note: str) -> Decision:
    """SETUJU on a TIDAK DAPAT DITINDAKLANJUTI: the letter the approver saw is numbered and
    signed ("Disetujui melalui surel oleh ..."), the reporter gets it with the proposed reason
    (never the approver's note) and the case closes."""
    alasan = _proposed_reason(ctx)
    told = Notify("tidak_ditindaklanjuti", PELAPOR, {"number": ctx.state.number, "alasan": alasan})
    letter = closing_letter(
        ctx.state,
        told,
        _closure_params(alasan),
        approval(ctx),
        f"Pengaduan tidak dapat ditindaklanjuti: {alasan}. Pelapor tidak mempunyai alamat "
        "email: mohon cetak surat pemberitahuan terlampir dan sampaikan kepada pelapor "
        "melalui pos atau secara langsung.",
    )
    return advance(
        ctx,
        "SETUJU",
        fields={"outcome": alasan},
        data={"alasan": alasan, **({"catatan_tidak_ditindaklanjuti": note} if note else {})},
        effects=(
            *letter,
            *_tell_handler(
                ctx,
                f"Penutupan pengaduan (tidak dapat ditindaklanjuti) disetujui "
                f"{ctx.sop.role_title(ctx.role)}; pelapor telah diberi tahu alasannya.",
            ),
        ),
        note=note,
        notes=(f"Pelapor diberi tahu bahwa pengaduan tidak dapat ditindaklanjuti: {alasan}",),
    )


# --- steps 5-7 ------------------------------------------------------------------------------


class KertasKerja(Command):
    name, aliases = "KERTAS KERJA", ("WORKING PAPER",)
    summary = "Menyampaikan Kertas Kerja hasil survei pendahuluan (lampirkan berkasnya)."
    example = "KERTAS KERJA (lampirkan Kertas Kerja)"

    def parse(self, ctx: Context) -> str:
        if not ctx.attachments:
            raise Problem(
                "missing_attachment",
                "Kertas Kerja belum terlampir. Mohon balas lagi dengan perintah KERTAS "
                "KERJA dan lampirkan berkas Kertas Kerja pada balasan yang sama.",
            )
        return note_of(ctx.args, ctx.text)

    def process(self, ctx: Context, note: str) -> Decision:
        return advance(ctx, self.name, data={"kertas_kerja": note} if note else {}, note=note)


class Investigasi(Command):
    name, args = "INVESTIGASI", "<tim pemeriksa>"
    aliases = ("INVESTIGATE", "INVESTIGATION", "AUDIT INVESTIGASI", "PENELITIAN")
    summary = (
        "Mengajukan penelitian/audit investigasi kepada Sekretaris; bila disetujui, Surat "
        "Tugas diterbitkan untuk tim."
    )
    example = "INVESTIGASI Andi Saputra (andi@kpu.example); Rina Marlina"

    def parse(self, ctx: Context) -> str:
        team = ctx.args or paragraph_lines(ctx.text)
        if not team:
            raise Problem(
                "missing_argument",
                "Perintah INVESTIGASI perlu disertai nama anggota "
                f"tim pemeriksa. Contoh: {self.example}",
            )
        return team

    def process(self, ctx: Context, team: str) -> Decision:
        return advance(
            ctx,
            self.name,
            changes={"tim": team},
            task_extra={"tim": team},
            notes=(f"Tim yang diusulkan: {team}",),
        )


# What the reporter is told when the report is approved and nobody wrote anything for them: the
# internal summary of a LAPORAN is the office's, never sent on by default.
STANDARD_OUTCOME = (
    "Pengaduan Saudara telah selesai ditangani sesuai dengan ketentuan peraturan "
    "perundang-undangan dan prosedur pengelolaan pengaduan masyarakat di lingkungan KPU."
)
_FOR_REPORTER = re.compile(r"^\s*(?:untuk|kepada|bagi)\s+pelapor\s*:\s*", re.IGNORECASE)


def split_for_reporter(rest: str, text: str) -> tuple[str, str]:
    """(internal summary, text for the reporter) of a LAPORAN: a line "Untuk pelapor: …" (and
    the lines under it, to the first blank line) is for the reporter, in the command's
    paragraph or as the paragraph right after it; the rest of the paragraph is internal."""
    lines = [rest, *text.split("\n")] if rest.strip() else text.split("\n")
    internal: list[str] = []
    reporter: list[str] | None = None
    paragraphs = 0
    for line in lines:
        if not line.strip():
            if reporter is not None or paragraphs:
                break
            paragraphs = 1
            continue
        if paragraphs and reporter is None and not _FOR_REPORTER.match(line):
            break  # a second paragraph counts only when it is the reporter's
        if reporter is None and _FOR_REPORTER.match(line):
            reporter = [_FOR_REPORTER.sub("", line).strip()]
        elif reporter is not None:
            reporter.append(line.strip())
        else:
            internal.append(line.strip())
    return " ".join(internal), " ".join(r for r in reporter or () if r)


class Laporan(Command):
    name, args = "LAPORAN", "[ringkasan hasil]"
    aliases = ("REPORT", "LAPORAN HASIL", "LAPORAN TINDAK LANJUT")
    summary = (
        "Menyampaikan laporan hasil tindak lanjut kepada Sekretaris untuk disetujui "
        '(lampirkan laporan atau tuliskan isinya; baris "Untuk pelapor: …" berisi '
        "pemberitahuan bagi pelapor)."
    )
    example = "LAPORAN Dugaan tidak terbukti; rincian pada laporan terlampir."

    def parse(self, ctx: Context) -> tuple[str, str]:
        self.need_report(ctx, ctx.args)
        return split_for_reporter(ctx.args, ctx.text)

    def process(self, ctx: Context, parts: tuple[str, str]) -> Decision:
        summary, for_reporter = parts
        told = for_reporter or STANDARD_OUTCOME
        # The approver sees exactly the text the reporter will receive (unless SETUJU brings
        # its own), so approving the report is approving what is said to the citizen.
        ask = (
            (f"{summary}\n\n" if summary else "")
            + "Bila disetujui dengan SETUJU tanpa catatan, pelapor menerima pemberitahuan "
            f"hasil dengan ringkasan berikut:\n{told}\n"
            "(Catatan yang ditulis setelah SETUJU menggantikan ringkasan ini.)"
        )
        return advance(
            ctx,
            self.name,
            # Where the report came from: a TOLAK sends it back there (investigasi or not).
            data={
                "laporan_ringkasan": summary,
                "untuk_pelapor": for_reporter,
                "laporan_dari": ctx.state.step,
            },
            note=ask,
            notes=(
                "Ringkasan untuk pelapor: "
                + (for_reporter or f"(kalimat baku) {STANDARD_OUTCOME}"),
            ),
        )


class Setuju(Command):
    name, args = "SETUJU", "[catatan atau ringkasan hasil]"
    aliases = ("APPROVE", "APPROVED", "DISETUJUI", "SETUJUI")
    summary = "Menyetujui."
    example = "SETUJU"

    def describe(self, step: str) -> str:
        if step == StepName.PERSETUJUAN_INVESTIGASI:
            return (
                "Menyetujui penelitian/audit investigasi; Surat Tugas diterbitkan dan dikirim "
                "kepada tim."
            )
        if step == StepName.PERSETUJUAN_PENERUSAN:
            return (
                "Menyetujui surat penerusan; surat diberi nomor dan dikirim kepada instansi "
                "(atau kepada Desk Pelayanan untuk dikirim), lalu pelapor diberi tahu."
            )
        if step == StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI:
            return (
                "Menyetujui penutupan pengaduan yang tidak dapat ditindaklanjuti; surat "
                "pemberitahuan diberi nomor dan disampaikan kepada pelapor."
            )
        return (
            "Menyetujui laporan; pelapor diberi tahu hasilnya (ringkasan Anda, bila ditulis) "
            "dan pengaduan ditutup."
        )

    def parse(self, ctx: Context) -> str:
        if ctx.state.step == StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI:
            _proposed_reason(ctx)  # refused here: `process` may not raise a Problem
        return note_of(ctx.args, ctx.text)

    def process(self, ctx: Context, note: str) -> Decision:
        if ctx.state.step == StepName.PERSETUJUAN_INVESTIGASI:
            return _approve_investigation(ctx, note)
        if ctx.state.step == StepName.PERSETUJUAN_PENERUSAN:
            return _approve_forwarding(ctx, note)
        if ctx.state.step == StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI:
            return _approve_closure(ctx, note)
        return _approve_report(ctx, note)


def _approve_investigation(ctx: Context, note: str) -> Decision:
    investigasi = ctx.sop.step(StepName.INVESTIGASI).duration
    days = investigasi.amount if investigasi and investigasi.unit == "working_days" else 7
    letter = RenderDocument(
        "surat_tugas",
        {
            "tanggal": ctx.calendar.local_date(ctx.now).isoformat(),
            "hari_kerja": days,
            "catatan": note,
            "persetujuan": approval(ctx),
        },
    )
    team = team_addresses(ctx.state.tim)
    sent = tuple(
        Notify(
            "surat_tugas", a, {"number": ctx.state.number, "tim": ctx.state.tim}, ("surat_tugas",)
        )
        for a in team
    )
    to_whom = ", ".join(team) if team else "sub bagian yang menangani"
    decision = advance(
        ctx,
        "SETUJU",
        data={"catatan_investigasi": note} if note else {},
        effects=(letter, *sent),
        note=note,
        notes=(f"Surat Tugas diterbitkan dan dikirim kepada {to_whom}.",),
    )
    return with_team_tasks(decision, ctx, team, note)


def team_addresses(tim: str) -> tuple[str, ...]:
    """The investigation team's addresses, as written in the approved INVESTIGASI proposal."""
    return tuple(dict.fromkeys(a.lower() for a in EMAIL.findall(tim)))


def with_team_tasks(decision: Decision, ctx: Context, team: tuple[str, ...], note: str) -> Decision:
    """Each team member with an address also gets the investigasi task, with its own reply
    token (bound to them and to this task by the applier), so any of them may file LAPORAN.
    Sent after the task opens, so the tokens die with it. The gate admits such a token for
    this step of this case only (ingest/actions/replies.py `_team_member`)."""
    opened = next((e for e in decision.of_type(OpenTask) if e.step == StepName.INVESTIGASI), None)
    if opened is None or not team:
        return decision
    notices = tuple(
        task_notice(
            decision.state,
            StepName.INVESTIGASI,
            opened.role,
            opened.due_at,
            a,
            ctx.sop,
            ctx.calendar,
            note,
            {"tim": decision.state.tim, "anggota_tim": True},
            help_text=ctx.help_text,
        )
        for a in team
    )
    return replace(decision, effects=(*decision.effects, *notices))


def _approve_report(ctx: Context, note: str) -> Decision:
    # Only text meant for the reporter reaches them: the SETUJU note, the LAPORAN's "Untuk
    # pelapor:" line, else the standard sentence; never Hukum's internal summary.
    outcome = note or ctx.state.data.get("untuk_pelapor", "") or STANDARD_OUTCOME
    letter = RenderDocument("surat_hasil", {"ringkasan": outcome, "persetujuan": approval(ctx)})
    told = Notify(
        "hasil", PELAPOR, {"number": ctx.state.number, "ringkasan": outcome}, ("surat_hasil",)
    )
    effects: tuple[Effect, ...] = (
        letter,
        told,
        *_tell_handler(
            ctx,
            f"Laporan hasil penanganan disetujui "
            f"{ctx.sop.role_title(ctx.role)}; pelapor telah diberi tahu.",
        ),
    )
    return advance(
        ctx,
        "SETUJU",
        fields={"outcome": outcome},
        effects=effects,
        # What the reporter was told, quoted back to whoever approved it.
        notes=(f"Pelapor diberi tahu hasil penanganan dengan ringkasan: {outcome}",),
    )


def _tell_handler(ctx: Context, message: str) -> tuple[Effect, ...]:
    """The handling sub-division told of the approver's decision on its proposal (unless it is
    the approver itself, as when a conflicted Hukum's telaah went to the Sekretaris)."""
    handler = ctx.sop.acting_role(
        StepName.TINDAK_LANJUT, ctx.state.handler, ctx.state.conflict_role
    )
    return (inform(handler, message, ctx),) if handler != ctx.role else ()


class Tolak(Command):
    name, args = "TOLAK", "<catatan>"
    aliases = ("REJECT", "REJECTED", "DITOLAK")
    summary = "Menolak dan mengembalikan kepada sub bagian yang menangani, dengan catatan."
    example = "TOLAK Mohon lengkapi keterangan saksi."

    def parse(self, ctx: Context) -> str:
        return self.need_text(ctx, "catatan untuk sub bagian yang menangani")

    def process(self, ctx: Context, note: str) -> Decision:
        keys: dict[str, str] = {
            StepName.PERSETUJUAN_INVESTIGASI: "catatan_investigasi",
            StepName.PERSETUJUAN_PENERUSAN: "catatan_penerusan",
            StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI: "catatan_tidak_ditindaklanjuti",
        }
        key = keys.get(ctx.state.step, "catatan_laporan")
        outcome = self.name
        proposals: dict[str, str] = {
            StepName.PERSETUJUAN_PENERUSAN: "usul_penerusan",
            StepName.PERSETUJUAN_TIDAK_DITINDAKLANJUTI: "usul_tidak_ditindaklanjuti",
        }
        proposal = proposals.get(ctx.state.step, "")
        usul = ctx.state.data.get(proposal) if proposal else None
        if isinstance(usul, dict) and usul.get("dari") == StepName.KERTAS_KERJA:
            outcome = TOLAK_KERTAS_KERJA  # the proposal came after the survey, not the telaah
        notes: tuple[str, ...] = (f"Dikembalikan dengan catatan: {note}",)
        if (
            ctx.state.step == StepName.PERSETUJUAN_LAPORAN
            and ctx.state.data.get("laporan_dari") == StepName.INVESTIGASI
        ):
            # The report of an investigation goes back to the investigation, not to tindak
            # lanjut (which would ask for a second INVESTIGASI proposal); the team hears the
            # note too, since it may file the report itself.
            outcome = TOLAK_INVESTIGASI
            team = team_addresses(ctx.state.tim)
            if team:
                notes = (*notes, f"Catatan disampaikan kepada tim pemeriksa: {', '.join(team)}.")
            decision = advance(ctx, outcome, data={key: note}, note=note, notes=notes)
            return with_team_tasks(decision, ctx, team, note)
        return advance(ctx, outcome, data={key: note}, note=note, notes=notes)


REVIEW_COMMANDS: tuple[Command, ...] = (
    BerkadarPengawasan(),
    Teruskan(),
    SubBagian(),
    TidakDapatDitindaklanjuti(),
    KertasKerja(),
    Investigasi(),
    Laporan(),
    Setuju(),
    Tolak(),
    Terkirim(),
)
