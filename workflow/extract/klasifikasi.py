"""A first guess at what kind of complaint this is, from Indonesian keywords.

The classes follow the forwarding table of the telaah step: `etik` (ethics of KPU/Bawaslu members
and ad-hoc bodies → DKPP), `pelanggaran_pemilu` (election violations → Bawaslu), `pidana_pemilu`
(election crimes → Sentra Gakkumdu), `korupsi` (→ APIP/KPK), `maladministrasi` (→ Ombudsman),
`permohonan_informasi` (answered by the office's own PPID, not forwarded), `lainnya`.

It is only a suggestion shown to staff, so it is transparent: the result carries every keyword
that matched and the score per class. Each distinct keyword counts 1 (2 when it is in the subject);
the highest score wins, ties go to the more serious class (the order of `KLASIFIKASI`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dumas.workflow.extract.textform import readable_part

KLASIFIKASI = (
    "pidana_pemilu",
    "korupsi",
    "etik",
    "pelanggaran_pemilu",
    "maladministrasi",
    "permohonan_informasi",
    "lainnya",
)

_UANG = r"(?:uang|duit|amplop|sembako|sembak0)"
# Possessive: "bagi" then a long run of blanks must not be split two ways (quadratic).
_S = r"[\s-]*+"
# A word's ending after a stem that must be followed by more ("bagikan uang"; also written out
# below for "dicoblos…" and "honor…"): bounded, since the stem may recur all along a long word
# ("bagibagi…") and `\w*` would read the rest of it from each occurrence (quadratic).
_SUFFIX = r"\w{0,20}"
KEYWORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "pidana_pemilu": (
        ("politik uang", r"politik\s+uang|politik\s+duit"),
        ("money politics", r"money\s*politic|vote[\s-]*buying"),
        ("serangan fajar", r"serangan\s+fajar"),
        (
            "bagi-bagi uang",
            rf"bagi{_S}(?:2|bagi)?\s*+{_UANG}|(?:mem|di)?bagi{_SUFFIX}\s+{_UANG}"
            rf"|(?:memberi|diberi|dikasih|kasih|ngasih)\s+{_UANG}",
        ),
        ("jual beli suara", r"jual\s*beli\s+suara|beli\s+suara|membeli\s+suara"),
        ("intimidasi", r"intimidasi|mengintimidasi|diintimidasi|intimidat\w*"),
        ("ancaman", r"\b(?:di)?ancam\b|\bancaman\b|\bmengancam\b"),
        (
            "paksaan memilih",
            r"dipaksa\s+(?:memilih|mencoblos)|memaksa\s+(?:memilih|mencoblos|warga)",
        ),
        (
            "mencoblos lebih dari sekali",
            r"(?:mencoblos|coblos|memilih)\s+(?:lebih\s+dari\s+"
            r"(?:sekali|satu\s+kali)|dua\s+kali|2\s*x|berkali)",
        ),
        (
            "manipulasi suara",
            r"penggelembungan|menggelembungkan|manipulasi\s+(?:suara|hasil)"
            r"|mengubah\s+(?:hasil|perolehan)|pencurian\s+suara|suara\s+hilang"
            r"|(?:mencoblos|dicoblos\w{0,20})\s+(?:\w+\s+)?sisa\s+surat\s+suara"
            r"|surat\s+suara\s+(?:sisa\s+)?(?:sudah\s+)?(?:di|ter)coblos",
        ),
        ("pemalsuan", r"pemalsuan|dipalsukan|(?:dokumen|ijazah|tanda\s+tangan)\s+palsu"),
        ("pidana pemilu", r"pidana\s+pemilu|tindak\s+pidana"),
    ),
    "korupsi": (
        ("korupsi", r"korupsi|\bkorup\b"),
        ("suap", r"\bsuap\b|disuap|menyuap|penyuapan|\bsogok\w*|disogok|\bbrib\w*"),
        ("gratifikasi", r"gratifikasi"),
        ("pungli", r"pungli|pungutan\s+liar|(?:di|me)?mintai?\s+(?:uang|bayaran|setoran|imbalan)"),
        ("KKN", r"\bkkn\b|kolusi|nepotisme"),
        (
            "penyalahgunaan anggaran",
            r"mark\s*+-?\s*+up|penggelapan|menggelapkan|penyalahgunaan\s+"
            r"(?:anggaran|dana|wewenang)|anggaran\s+fiktif|kegiatan\s+fiktif",
        ),
        (
            "potongan honor",
            r"(?:pemotongan|potongan|dipotong|memotong)\s+(?:\w+\s+)?"
            r"(?:honor\w*|gaji|uang\s+\w+)|honor\w{0,20}\s+(?:\w+\s+){0,5}?dipotong",
        ),
    ),
    "etik": (
        ("kode etik", r"kode\s+etik|pelanggaran\s+etik|\betika?\b|\bdkpp\b"),
        ("tidak profesional", r"tidak\s+profesional|tdk\s+profesional|unprofessional"),
        ("tidak netral", r"tidak\s+netral|tdk\s+netral|berpihak|memihak|keberpihakan"),
        ("konflik kepentingan", r"konflik\s+kepentingan|conflict\s+of\s+interest"),
        ("perilaku penyelenggara", r"asusila|perselingkuhan|berselingkuh|mabuk"),
        ("anggota partai", r"(?:anggota|pengurus|kader)\s+(?:partai|parpol)"),
    ),
    "pelanggaran_pemilu": (
        ("pelanggaran pemilu", r"pelanggaran\s+(?:pemilu|pilkada|kampanye|administrasi)"),
        ("netralitas", r"netralitas|\basn\b|\bpns\b|kepala\s+desa|\bkades\b|perangkat\s+desa"),
        (
            "kampanye",
            r"kampanye\s+(?:di\s+luar\s+jadwal|hitam|di\s+(?:sekolah|masjid|tempat\s+ibadah"
            r"|kantor))|black\s+campaign|masa\s+tenang|curi\s+start",
        ),
        ("alat peraga kampanye", r"alat\s+peraga|\bapk\b|baliho|spanduk"),
        (
            "daftar pemilih",
            r"\bdpt\b|daftar\s+pemilih|tidak\s+terdaftar|pemilih\s+ganda|coklit"
            r"|pemilih\s+(?:fiktif|siluman)|orang\s+meninggal",
        ),
        ("SARA / hoaks", r"\bsara\b|hoaks|hoax|ujaran\s+kebencian"),
    ),
    "maladministrasi": (
        ("maladministrasi", r"maladministrasi|mal-administrasi"),
        (
            "pelayanan buruk",
            r"pelayanan\s+(?:buruk|jelek|lambat)|tidak\s+dilayani|dipersulit"
            r"|berbelit|tidak\s+ditanggapi|tidak\s+direspon|diabaikan",
        ),
        (
            "penundaan berlarut",
            r"penundaan\s+berlarut|berlarut-?larut|terlambat|tidak\s+tepat\s+waktu",
        ),
        (
            "tidak sesuai prosedur",
            r"tidak\s+sesuai\s+(?:prosedur|aturan|ketentuan|sop)"
            r"|penyimpangan\s+prosedur|diskriminasi|tidak\s+kompeten",
        ),
    ),
    "permohonan_informasi": (
        (
            "permohonan informasi",
            r"permohonan\s+informasi|keterbukaan\s+informasi|\bppid\b"
            r"|informasi\s+publik",
        ),
        (
            "minta data",
            r"(?:minta|meminta|memohon|mohon|permintaan)\s+(?:\w+\s+){0,2}?"
            r"(?:data|salinan|dokumen|informasi|copy|kopi|fotokopi)\b",
        ),
        ("salinan", r"\bsalinan\b|fotokopi|foto\s+copy"),
    ),
}
_COMPILED = {
    k: tuple((label, re.compile(rx, re.IGNORECASE)) for label, rx in v) for k, v in KEYWORDS.items()
}


@dataclass(frozen=True)
class KlasifikasiGuess:
    klasifikasi: str  # one of KLASIFIKASI
    keywords: tuple[str, ...]  # labels of the keywords that matched, in table order
    scores: tuple[tuple[str, int], ...]  # (class, score) for every class that scored, best first

    def __str__(self) -> str:
        return self.klasifikasi


def guess_klasifikasi(subject: str, text: str) -> KlasifikasiGuess:
    """Suggest a class for a complaint from its subject and text (see the module docstring)."""
    subject, text = readable_part(subject or ""), readable_part(text or "")
    scores: dict[str, int] = {}
    matched: list[str] = []
    for klass, words in _COMPILED.items():
        for label, rx in words:
            in_subject, in_text = rx.search(subject), rx.search(text)
            if in_subject or in_text:
                scores[klass] = scores.get(klass, 0) + (2 if in_subject else 1)
                matched.append(label)
    if not scores:
        return KlasifikasiGuess("lainnya", (), ())
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], KLASIFIKASI.index(kv[0])))
    return KlasifikasiGuess(ranked[0][0], tuple(matched), tuple(ranked))
