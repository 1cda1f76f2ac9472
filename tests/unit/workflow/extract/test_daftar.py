"""The desk's DAFTAR form (workflow/extract/daftar.py): labels, channel, problems."""

from dumas.workflow.extract.daftar import is_daftar, read_form

FORM = """DAFTAR
Nama: Yohanes Sakerebau
NIK: 1309 0101 0180 0001
No. HP: 0813 7000 1111
Alamat: Dusun Puro, Desa Muntei
Lokasi kejadian: TPS 02 Desa Muntei, Kecamatan Siberut Selatan
Terlapor: Ketua KPPS TPS 02
Uraian: Pada hari pemungutan suara ketua KPPS
mengarahkan pemilih lanjut usia.
Waktu: pukul 10.00

Saksi ada dua orang.
"""


def test_reads_every_field_and_defaults_to_langsung():
    form = read_form(FORM)
    assert form.problems == ()
    assert form.channel == "langsung"
    assert form.get("nama") == "Yohanes Sakerebau"
    assert form.get("nik") == "1309010101800001"
    assert form.get("telepon") == "+6281370001111"
    assert form.get("alamat") == "Dusun Puro, Desa Muntei"
    assert form.get("lokasi").startswith("TPS 02 Desa Muntei")
    assert form.get("terlapor") == "Ketua KPPS TPS 02"
    # Unknown labels and later paragraphs stay in the story.
    assert form.get("uraian") == (
        "Pada hari pemungutan suara ketua KPPS\nmengarahkan pemilih lanjut usia.\n"
        "Waktu: pukul 10.00\n\nSaksi ada dua orang."
    )
    assert form.get("email") == ""


def test_labels_are_case_insensitive_and_the_channel_comes_from_the_first_line():
    form = read_form("daftar surat\nNAMA : Ani\ntelepon: 0812-3456-7890\nURAIAN: Surat terlampir.")
    assert (form.channel, form.get("nama"), form.get("uraian")) == (
        "surat",
        "Ani",
        "Surat terlampir.",
    )


def test_saluran_line_and_email():
    form = read_form("DAFTAR\nSaluran: surat\nEmail: Ani@Contoh.ID\nUraian: x")
    assert (form.channel, form.get("email"), form.problems) == ("surat", "ani@contoh.id", ())


def test_problems_missing_uraian_bad_nik_email_and_channel():
    form = read_form("DAFTAR\nSaluran: faks\nNama: Ani\nNIK: 1234\nEmail: bukan-email")
    text = " ".join(form.problems)
    assert "Saluran 'faks' tidak dikenal" in text
    assert "Uraian pengaduan tidak ditemukan" in text
    assert "NIK harus 16 angka" in text
    assert "tidak sah" in text


def test_only_a_bare_daftar_line_starts_a_form():
    assert is_daftar(["DAFTAR"]) and is_daftar(["Daftar Langsung"]) and is_daftar(["*DAFTAR*"])
    assert not is_daftar(["Daftar pelanggaran di TPS 3 sebagai berikut"])
    assert not is_daftar(["Daftar pelanggaran:"]) and not is_daftar(["DAFTAR FAKS"])
    assert not is_daftar([])
    assert read_form("Halo\nDAFTAR").problems
