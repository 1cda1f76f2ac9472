"""The commands of SOP steps 2-3: the desk's verification and the Sekretaris' disposition.

The machine (`workflow.sop.machine.decide`) has already checked that the command is valid at the
case's step and that the sender holds the deciding role when `parse` and `process` run.
"""

from __future__ import annotations

from dumas.workflow.sop.commands.base import Command
from dumas.workflow.sop.commands.grammar import match_start, note_of, strip_words
from dumas.workflow.sop.definition import HANDLER, PELAPOR, Sop, Subdivision
from dumas.workflow.sop.effects import CaseState, Decision, Effect, Notify, RenderDocument, TokenFor
from dumas.workflow.sop.names import Role, StepName
from dumas.workflow.sop.transitions import Context, Problem, advance, case_deadline, when_date
from dumas.workflow.sop.waits import WAIT_SINCE

_SUB_PREFIX = (
    "ke",
    "kepada",
    "sub bagian",
    "subbagian",
    "subbag",
    "sub bag",
    "bagian",
    "kasubbag",
    "to",
)


# --- desk (step 2) --------------------------------------------------------------------------


class Lengkap(Command):
    name, aliases, example = "LENGKAP", ("COMPLETE",), "LENGKAP"
    summary = (
        "Menyatakan pengaduan lengkap; pengaduan diteruskan kepada Sekretaris untuk disposisi."
    )

    def process(self, ctx: Context, args: None) -> Decision:
        limit = case_deadline(ctx.now, ctx.sop, ctx.calendar)
        told = Notify(
            "diproses",
            PELAPOR,
            # For the reporter: the last day, without a clock time.
            {
                "number": ctx.state.number,
                "batas_akhir": limit,
                "batas_akhir_text": when_date(limit, ctx.calendar),
            },
        )
        return advance(
            ctx,
            self.name,
            changes={"complete_at": ctx.now, "missing": ()},
            fields={"missing": []},
            data={"batas_akhir": limit.isoformat()},
            effects=(told,),
            notes=(
                f"Batas akhir penyelesaian (Perpres 76/2013, {ctx.sop.case_limit}): "
                f"{ctx.when(limit)}.",
            ),
        )


class Lengkapi(Command):
    name, aliases, args = "LENGKAPI", ("INCOMPLETE", "MINTA KELENGKAPAN"), "<apa yang kurang>"
    summary = "Meminta pelapor melengkapi pengaduan; pengaduan menunggu balasan pelapor."
    example = "LENGKAPI Mohon lampirkan fotokopi KTP dan foto kejadian."

    def parse(self, ctx: Context) -> str:
        return self.need_text(ctx, "apa yang perlu dilengkapi")

    def process(self, ctx: Context, apa: str) -> Decision:
        context = {"number": ctx.state.number, "apa": apa, "batas_tanggal": _wait_until(ctx)}
        if ctx.state.pelapor_email:
            asks: tuple[Effect, ...] = (
                Notify(
                    "permintaan_kelengkapan",
                    PELAPOR,
                    context,
                    reply_token=TokenFor(StepName.MENUNGGU_PELAPOR, PELAPOR),
                ),
            )
            note = f"Permintaan kelengkapan dikirim kepada pelapor: {apa}"
        else:
            # A walk-in or a letter without email: the desk reaches the reporter by phone or
            # with the printed letter, within the same wait (workflow.sop.waits), and answers
            # LENGKAP or BUKAN PENGADUAN on the email it gets; nothing leaves the office by email.
            asks = (
                RenderDocument(LETTER, {"apa": apa, "batas_tanggal": context["batas_tanggal"]}),
                Notify(
                    "hubungi_pelapor",
                    Role.DESK,
                    context,
                    (LETTER,),
                    TokenFor(StepName.MENUNGGU_PELAPOR, Role.DESK),
                ),
            )
            note = (
                f"Pelapor tidak mempunyai alamat email: Desk Pelayanan diminta menghubungi pelapor "
                f"melalui telepon atau surat (surat permintaan kelengkapan dicetak): {apa}"
            )
        return advance(
            ctx,
            self.name,
            # The reporter's wait starts now (again, for a new request): see workflow.sop.waits.
            data={"lengkapi": apa, WAIT_SINCE: ctx.now.isoformat()},
            effects=asks,
            notes=(note,),
        )


LETTER = "surat_permintaan_kelengkapan"  # the printable request to a reporter without email


def _wait_until(ctx: Context) -> str:
    """The last day the reporter has to answer, as a date (citizens get no clock times)."""
    wait = ctx.sop.step(StepName.MENUNGGU_PELAPOR).duration
    return ctx.when(ctx.calendar.add(ctx.now, wait)).split(" pukul ", 1)[0] if wait else ""


class BukanPengaduan(Command):
    name, aliases, args = "BUKAN PENGADUAN", ("NOT A COMPLAINT", "NOT COMPLAINT"), "<alasan>"
    summary = "Mengarsipkan pesan yang bukan pengaduan; pelapor diberi tahu alasannya."
    example = "BUKAN PENGADUAN Pesan berisi penawaran barang, bukan pengaduan."

    def example_for(self, sop: Sop, state: CaseState) -> str:
        # A request for public information is not forwarded (PPID is the office's own unit):
        # the desk archives it here and the reporter is told where it is answered.
        if state.klasifikasi == "permohonan_informasi":
            return (
                "BUKAN PENGADUAN Permohonan informasi publik dilayani oleh PPID sesuai "
                "Undang-Undang Nomor 14 Tahun 2008; permohonan Saudara kami sampaikan kepada PPID."
            )
        return self.example

    def parse(self, ctx: Context) -> str:
        return self.need_text(ctx, "alasan")

    def process(self, ctx: Context, alasan: str) -> Decision:
        # No official letter: a message that is not a complaint gets the reason by plain email,
        # takes no number from the letters' sequence and is not in the agenda surat keluar. A
        # numbered letter under the Sekretaris' signatory block, decided by the desk alone and
        # sent to whoever wrote (an advertisement, a misdirected message), is not an official
        # act of the office; the message keeps its registration number as an item received.
        if ctx.state.pelapor_email:
            told: tuple[Effect, ...] = (
                Notify("bukan_pengaduan", PELAPOR, {"number": ctx.state.number, "alasan": alasan}),
            )
            notes: tuple[str, ...] = ()
        else:
            told = ()
            notes = (
                "Pengirim tidak mempunyai alamat email: bila perlu, sampaikan alasannya secara "
                "langsung atau melalui telepon (pesan yang bukan pengaduan tidak dijawab dengan "
                "surat resmi bernomor).",
            )
        return advance(
            ctx,
            self.name,
            fields={"outcome": alasan},
            data={"alasan": alasan},
            effects=told,
            notes=notes,
        )


class Spam(Command):
    name, aliases, example = "SPAM", ("JUNK",), "SPAM"
    summary = "Mengarsipkan pesan spam tanpa memberi tahu pengirimnya."

    def process(self, ctx: Context, args: None) -> Decision:
        return advance(ctx, self.name, fields={"outcome": "spam"}, data={"spam": True})


class Konflik(Command):
    name, args, example = "KONFLIK", "<peran>", "KONFLIK SEKRETARIS"
    aliases = ("CONFLICT", "KONFLIK KEPENTINGAN", "CONFLICT OF INTEREST")
    summary = (
        "Menandai benturan kepentingan: keputusan peran itu atas pengaduan ini dialihkan "
        "kepada peran di atasnya (mis. Ketua menggantikan Sekretaris)."
    )

    def parse(self, ctx: Context) -> str:
        text = self.need_text(ctx, "peran yang berbenturan kepentingan (SEKRETARIS, HUKUM, KETUA)")
        table = {
            Role.SEKRETARIS: ("sekretaris", "sekr", "secretary", "sekretaris kpu"),
            Role.KETUA: ("ketua", "chair", "chairman", "ketua kpu"),
            Role.HUKUM: ("hukum", "sub bagian hukum", "subbag hukum", "kasubbag hukum", "legal"),
            Role.DESK: ("desk", "desk pelayanan"),
            **{s.key: _sub_phrases(s) for s in ctx.sop.subdivisions if s.key != Role.HUKUM},
        }
        m = match_start(text, table)
        if m is None or m.name == Role.DESK:
            raise Problem(
                "invalid_argument",
                f"Peran {text!r} tidak dapat ditandai konflik. Pilihan: SEKRETARIS, "
                f"HUKUM, KETUA, atau nama sub bagian. Contoh: {self.example}",
            )
        return m.name

    def process(self, ctx: Context, role: str) -> Decision:
        chain = ctx.sop.escalation(role)
        if chain:
            note = (
                f"Keputusan {ctx.sop.role_title(role)} atas pengaduan ini dialihkan kepada "
                f"{ctx.sop.role_title(chain[0])}."
            )
        else:
            note = (
                f"Pemberitahuan keterlambatan tidak akan dikirim kepada {ctx.sop.role_title(role)}."
            )
        return advance(ctx, self.name, changes={"conflict_role": role}, notes=(note,))


# --- Sekretaris (step 3) --------------------------------------------------------------------


def _sub_phrases(sub: Subdivision) -> tuple[str, ...]:
    plain = sub.title.removeprefix("Sub Bagian").strip()
    first = plain.replace(",", " ").split()[0] if plain else sub.key
    return (sub.key, sub.key.replace("_", " "), sub.title, plain, first, *sub.aliases)


def match_subdivision(text: str, sop: Sop) -> tuple[Subdivision, str] | None:
    """The sub-division `text` starts with (after "ke", "sub bagian"...), and the rest."""
    m = match_start(
        strip_words(text, _SUB_PREFIX), {s.key: _sub_phrases(s) for s in sop.subdivisions}
    )
    return (_subdivision(sop, m.name), m.rest) if m else None


def _subdivision(sop: Sop, key: str) -> Subdivision:
    """A sub-division the SOP has (a key read from its own list, or Hukum, always there)."""
    sub = sop.subdivision(key)
    if sub is None:
        raise LookupError(f"the SOP has no sub-division {key}")
    return sub


def _handler(sop: Sop) -> Subdivision:
    return _subdivision(sop, HANDLER)


def _subdivision_list(sop: Sop) -> str:
    return ", ".join(s.key.upper() for s in sop.subdivisions)


class Disposisi(Command):
    name, aliases, args = "DISPOSISI", ("DISPOSITION", "ASSIGN"), "[sub bagian] [catatan]"
    summary = (
        "Mendisposisikan pengaduan kepada sub bagian untuk ditelaah (tanpa nama sub "
        "bagian: Sub Bagian Hukum); lembar disposisi diisi dengan catatan Sekretaris."
    )
    example = "DISPOSISI HUKUM Mohon ditelaah dan dilaporkan."

    def parse(self, ctx: Context) -> tuple[Subdivision, str]:
        if not ctx.args:
            return _handler(ctx.sop), note_of("", ctx.text)
        found = match_subdivision(ctx.args, ctx.sop)
        if found is None:
            raise Problem(
                "invalid_argument",
                f"Sub bagian {ctx.args.split()[0]!r} tidak dikenal. Pilihan: "
                f"{_subdivision_list(ctx.sop)}. Tulis catatan sesudah nama sub bagian, "
                f"contoh: {self.example}",
            )
        sub, note = found
        return sub, note_of(note, ctx.text)

    def process(self, ctx: Context, args: tuple[Subdivision, str]) -> Decision:
        sub, note = args
        sheet = RenderDocument(
            "lembar_disposisi",
            {
                "filled": True,
                "tanggal_disposisi": ctx.calendar.local_date(ctx.now).isoformat(),
                "subdivisions": [[s.key, s.title] for s in ctx.sop.subdivisions],
            },
        )
        said = f"Didisposisikan kepada {sub.title}" + (f" dengan catatan: {note}" if note else ".")
        return advance(
            ctx,
            self.name,
            changes={"disposisi_to": sub.key, "handler": sub.key},
            fields={"disposisi_note": note},
            data={"handler": sub.key},
            effects=(sheet,),
            note=note,
            notes=(said,),
        )


INTAKE_COMMANDS: tuple[Command, ...] = (
    Lengkap(),
    Lengkapi(),
    BukanPengaduan(),
    Spam(),
    Konflik(),
    Disposisi(),
)
