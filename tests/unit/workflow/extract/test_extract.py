"""Reading complaints as citizens really write them: forms, letters, WhatsApp style, ALL CAPS."""

from __future__ import annotations

import pytest

from dumas.config.settings import KECAMATAN_MENTAWAI
from dumas.workflow.extract import (
    Lokasi,
    Pelapor,
    extract_lokasi,
    extract_pelapor,
    extract_terlapor,
    guess_klasifikasi,
    normalize_phone,
    wants_confidentiality,
)
from dumas.workflow.extract.gazetteer import DESA_MENTAWAI, Gazetteer
from dumas.workflow.extract.nik import nik_is_plausible

KEC = KECAMATAN_MENTAWAI

# --- sample complaints ----------------------------------------------------------------------------

FORMAL_LETTER = """Kepada Yth.
Ketua KPU Kabupaten Kepulauan Mentawai
di Tuapejat

Dengan hormat,
Saya yang bertanda tangan di bawah ini:
Nama          : BUDI SANTOSO
NIK           : 1309 0812 0890 0002
Alamat        : Jl. Raya Tuapejat KM 4
RT/RW         : 001/002
Desa          : Tuapejat
Kecamatan     : Sipora Utara
No. HP/WA     : 0812-6612-3456

Dengan ini melaporkan bahwa pada hari Rabu, 14 Februari 2024 di TPS 03 Desa Muntei,
Kec. Siberut Sel. ada oknum anggota KPPS yang membagikan uang kepada pemilih sebelum
pencoblosan. Foto terlampir.

Mohon identitas saya dirahasiakan.

Hormat saya,

Budi Santoso
"""

ALL_CAPS = """SAYA MAU LAPOR ADA SERANGAN FAJAR DI TPS 7 DESA SAUREINU KECAMATAN SIPORA SELATAN
MALAM SEBELUM PENCOBLOSAN. NAMA SAYA ANDI LOLOK, HP 0853 6512 7788.
TOLONG RAHASIAKAN IDENTITAS SAYA KARENA SAYA TAKUT"""

WHATSAPP_STYLE = """pak, td mlm ada bagi2 duit di tps 5 desa muntei. sy liat sndiri
wa sy 0812 6612 3456
jgn sebut nama sy ya pak"""

FORWARDED = """---------- Forwarded message ---------
From: Yohanes Sakerebau <yohanes.s@gmail.com>
Date: Sen, 12 Feb 2024 pukul 19.20
Subject: laporan
To: <kpu.mentawai@example.go.id>

Nama Lengkap : Maria Sabulat
No. Telp : (0759) 320 145
Alamat : Dusun Puro, Desa Muara Siberut

Lokasi kejadian: Kantor PPS Desa Maileppet
Ketua PPS meminta uang Rp 50.000 kepada setiap calon anggota KPPS yang mendaftar (pungli).
"""

QUOTED_REPLY = """> Nama pelapor: Siti Aminah
> HP/WA: +62 813-7412-0099
> Alamat: Desa Sioban
>
> Di TPS nomor 2 Desa Bosua ada pemilih yang mencoblos dua kali."""

FORM_WITH_TERLAPOR = """I. IDENTITAS PELAPOR
Nama : Siti Rahmawati
Alamat : Desa Betumonga, Kec. Sipora Utara
No HP : 0821 1234 5678

II. IDENTITAS TERLAPOR
Nama : Markus Saleleubaja
Jabatan : Ketua PPS Desa Bosua
No HP : 0813 9999 0000

III. URAIAN KEJADIAN
Terlapor tidak netral dan ikut berkampanye untuk salah satu caleg di Desa Bosua,
ini pelanggaran kode etik penyelenggara.
"""

SIGNATURE_ONLY = """Selamat siang,

Saya ingin menyampaikan bahwa honor petugas KPPS di tempat kami dipotong Rp 100.000 per orang
oleh oknum sekretariat PPK tanpa penjelasan. Mohon ditindaklanjuti.

Salam,
Yohanes Sakerebau
0813-7412-0099
"""

MALADMINISTRASI = """Yth. Admin KPU,
sudah tiga kali saya datang ke kantor KPU di Tuapejat untuk mengurus surat keterangan tapi
selalu dipersulit dan tidak dilayani dengan baik. Pelayanan sangat lambat.
Terima kasih atas perhatiannya,
Dewi Sartika
"""

PERMOHONAN_INFORMASI = """Dengan hormat,
Nama saya Hendrik Samaloisa, warga Desa Sido Makmur. Saya ingin meminta salinan DPT
Desa Sido Makmur untuk keperluan penelitian.
Wassalamu'alaikum Wr. Wb.

H. Hendrik Samaloisa, S.Pd
"""

RAHASIA_UMUM = """Sudah menjadi rahasia umum bahwa di Kecamatan Sikakap ada politik uang setiap pemilu.
Asas pemilu langsung, umum, bebas, rahasia harus dijaga. Daftar pemilih juga sengaja
dirahasiakan oleh PPS. Nama: Paulus Tasirileleu, HP: 081377889900"""

NOT_SECRET = """Identitas saya tidak perlu dirahasiakan, saya siap menjadi saksi.
Saya bukan pelapor anonim.
Nama: Agustinus Sabebegen
Telp: 0852-6300-1122"""

ANONYMOUS_NAME = """Nama: Hamba Allah
Saya melihat kepala desa Katurei ikut kampanye di masa tenang."""

NIK_GUARD = """Nama: Lidia Sababalat
NIK: 1309081208900002
Di TPS 04 ada masalah DPT, pemilih ganda."""

YEAR_NOT_TPS = """Pada Pemilu 2024 di TPS kami banyak pemilih tidak terdaftar.
Rekap tahun 2019 juga sama.
Tempat kejadian: Desa Matobe"""

ENGLISH_SIGNATURE = """Dear KPU, I would like to report intimidation of voters near the polling
station TPS 11 in Muara Sikabaluan, Siberut Utara.
Regards,
Daniel Smith
"""

DUSUN_ONLY = """lapor pak, di dusun Puro ada yg membagikan sembako atas nama caleg.
nama saya rahmat. no wa 6281266001122"""

OUTLOOK_FORWARD = """Mohon ditindaklanjuti.

From: Petrus Salamanang <petrus@yahoo.com>
Sent: Monday, February 12, 2024 8:00 PM
To: kpu@example.go.id
Subject: Laporan

Nama Lengkap : Petrus Salamanang
Nomor WhatsApp : 0822-8765-4321
Saya melihat ketua KPPS TPS 009 Desa Sinaka mencoblos sisa surat suara."""

FORM_THEN_STORY = """IDENTITAS PELAPOR
Nama :
Yosef Satoko
HP: 081299998888
Alamat: Desa Sioban, Kec. Sipora Selatan

Pada tanggal 14 Februari di TPS 3 Desa Muntei ada pembagian uang oleh tim sukses caleg."""

ADDRESS_IN_A_SENTENCE = """Saya beralamat di Jl. Sudirman No. 3 Tuapejat. Di TPS 2 Desa Goisooinan surat suara
sudah tercoblos sebelum pemungutan. Hubungi saya di 0852 1111 3333."""


# --- pelapor -------------------------------------------------------------------------------------


def test_formal_letter_identity():
    p = extract_pelapor(FORMAL_LETTER, "Budi", "budi.santoso@gmail.com")
    assert p == Pelapor(
        name="Budi Santoso",
        email="budi.santoso@gmail.com",
        phone="+6281266123456",
        address="Jl. Raya Tuapejat KM 4, RT/RW 001/002, Desa Tuapejat, Kecamatan Sipora Utara",
        nik="1309081208900002",
        confidential=True,
    )


def test_all_caps_name_is_recased_and_secret_requested():
    p = extract_pelapor(ALL_CAPS, "", "andi.lolok@yahoo.co.id")
    assert p.name == "Andi Lolok"
    assert p.phone == "+6285365127788"
    assert p.confidential


def test_whatsapp_style_uses_display_name_and_phrases():
    p = extract_pelapor(WHATSAPP_STYLE, "Rina Sagulu", "rina.sagulu@gmail.com")
    assert p.name == "Rina Sagulu"
    assert p.phone == "+6281266123456"
    assert p.confidential  # "jgn sebut nama sy"


def test_forwarded_complaint_reads_the_form_not_the_forward_header():
    p = extract_pelapor(FORWARDED, "Kantor Desa", "desa@example.id")
    assert p.name == "Maria Sabulat"
    assert p.phone == "+62759320145"  # landline, Mentawai area code
    assert p.address == "Dusun Puro, Desa Muara Siberut"


def test_quoted_lines_are_read_like_plain_ones():
    p = extract_pelapor(QUOTED_REPLY, "", "siti@example.com")
    assert (p.name, p.phone, p.address) == ("Siti Aminah", "+6281374120099", "Desa Sioban")


def test_terlapor_section_is_not_the_reporter():
    p = extract_pelapor(FORM_WITH_TERLAPOR, "", "siti.r@gmail.com")
    assert p.name == "Siti Rahmawati"
    assert p.phone == "+6282112345678"
    assert p.address == "Desa Betumonga, Kec. Sipora Utara"


def test_signature_block_gives_name_and_phone():
    p = extract_pelapor(SIGNATURE_ONLY, "", "ys@example.org")
    assert p.name == "Yohanes Sakerebau"
    assert p.phone == "+6281374120099"
    assert not p.confidential


def test_closing_with_thanks_then_name():
    assert extract_pelapor(MALADMINISTRASI, "", "d@example.id").name == "Dewi Sartika"


def test_nama_saya_phrase_wins_over_signature_and_keeps_degree_in_signature():
    p = extract_pelapor(PERMOHONAN_INFORMASI, "HENDRIK", "hendrik@example.id")
    assert p.name == "Hendrik Samaloisa"
    no_phrase = PERMOHONAN_INFORMASI.replace("Nama saya Hendrik Samaloisa, warga", "Saya warga")
    assert extract_pelapor(no_phrase, "", "").name == "H. Hendrik Samaloisa, S.Pd"


def test_outlook_forward_block_and_whatsapp_label():
    p = extract_pelapor(OUTLOOK_FORWARD, "Sekretariat", "sekretariat@example.id")
    assert (p.name, p.phone) == ("Petrus Salamanang", "+6282287654321")


def test_name_written_below_its_label_and_section_ends_at_the_story():
    p = extract_pelapor(FORM_THEN_STORY, "", "")
    assert (p.name, p.phone, p.address) == (
        "Yosef Satoko",
        "+6281299998888",
        "Desa Sioban, Kec. Sipora Selatan",
    )


def test_address_in_a_sentence_and_hubungi_saya():
    p = extract_pelapor(ADDRESS_IN_A_SENTENCE, "", "")
    assert p.address == "Jl. Sudirman No. 3 Tuapejat"
    assert p.phone == "+6285211113333"


def test_english_regards():
    assert extract_pelapor(ENGLISH_SIGNATURE, "", "ds@example.com").name == "Daniel Smith"


def test_lowercase_name_and_62_prefix():
    p = extract_pelapor(DUSUN_ONLY, "", "rahmat@example.id")
    assert p.name == "Rahmat"
    assert p.phone == "+6281266001122"


def test_anonymous_name_means_no_name_and_confidential():
    p = extract_pelapor(ANONYMOUS_NAME, "Yosef Saumanuk", "yosef@example.id")
    assert p.name == ""
    assert p.confidential


@pytest.mark.parametrize(
    "from_name,from_email,expected",
    [
        ("Rina Sagulu", "rina@example.id", "Rina Sagulu"),
        ('"BUDI SANTOSO"', "budi@example.id", "Budi Santoso"),
        ("budi@example.id", "budi@example.id", ""),
        ("budisantoso", "budisantoso@example.id", ""),
        ("No Reply", "no-reply@bank.example", ""),
        ("Layanan", "noreply@example.id", ""),
        ("", "x@example.id", ""),
    ],
)
def test_display_name_fallback(from_name, from_email, expected):
    assert extract_pelapor("Ada politik uang.", from_name, from_email).name == expected


def test_email_comes_from_the_sender_else_from_a_label():
    text = "Nama: Ani\nEmail: ani.s@contoh.id\nHP: 081234567890"
    assert extract_pelapor(text, "", "").email == "ani.s@contoh.id"
    assert extract_pelapor(text, "", "kurir@example.id").email == "kurir@example.id"


def test_nik_guard_phone_is_not_read_from_a_nik():
    p = extract_pelapor(NIK_GUARD, "", "lidia@example.id")
    assert p.nik == "1309081208900002"
    assert p.phone == ""
    # A NIK labelled as a phone number is not a phone number either.
    assert extract_pelapor("Nama: Lidia\nNo HP: 1309081208900002", "", "").phone == ""


def test_implausible_nik_is_dropped():
    assert extract_pelapor("Nama: Ani\nNIK: 1309081208900", "", "").nik == ""  # 13 digits
    assert extract_pelapor("Nama: Ani\nNIK: 9909081208900002", "", "").nik == ""  # province 99
    assert extract_pelapor("Nama: Ani\nNo. KTP 1309085208900002", "", "").nik == "1309085208900002"


@pytest.mark.parametrize(
    "nik,ok",
    [
        ("1309081208900002", True),
        ("1309085208900002", True),  # woman: day 12 + 40
        ("1309083002900002", False),  # 30 February
        ("1309082902000002", True),  # 29 February (century unknown)
        ("1309081213900002", False),  # month 13
        ("1309081208900000", False),  # serial 0
        ("1300081208900002", False),  # district 00
        ("2009081208900002", False),  # province 20 does not exist
        ("130908120890000", False),  # 15 digits
        ("13090812089000a2", False),
    ],
)
def test_nik_shape(nik, ok):
    assert nik_is_plausible(nik) is ok


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0812-6612-3456", "+6281266123456"),
        ("0812 6612 3456", "+6281266123456"),
        ("0812.6612.3456", "+6281266123456"),
        ("62 812 6612 3456", "+6281266123456"),
        ("+62 812-6612-3456", "+6281266123456"),
        ("+62 (0)812 6612 3456", "+6281266123456"),
        ("+620812 6612 3456", "+6281266123456"),
        ("0812661234", "+62812661234"),  # old 10-digit mobile
        ("081266123", ""),  # 9 digits: too short
        ("(0759) 320145", "+62759320145"),
        ("0751-7051234", "+627517051234"),
        ("+65 9123 4567", "+6591234567"),  # a Singapore number stays as written
        ("0812", ""),
        ("1309081208900002", ""),
        ("08126612345678901", ""),
        ("", ""),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


def test_two_numbers_side_by_side_take_the_first():
    p = extract_pelapor("Nama: Ani\nHP/WA: 0812 6612 3456 0853 1111 2222", "", "")
    assert p.phone == "+6281266123456"


def test_multiline_address_stops_at_the_next_label_and_blank_line():
    text = (
        "Nama: Yulius\nAlamat:\nJl. Mawar No. 5\nDusun Baru, Desa Sioban\nKec. Sipora Selatan\n"
        "No HP: 081212341234\n\nDi TPS 2 ada kecurangan."
    )
    p = extract_pelapor(text, "", "")
    assert p.address == "Jl. Mawar No. 5, Dusun Baru, Desa Sioban, Kec. Sipora Selatan"
    assert p.phone == "+6281212341234"


def test_story_right_under_the_address_is_not_part_of_it():
    text = (
        "Nama: Budi, 45 th\nAlamat: Desa Sioban\nPada tanggal 14 Februari 2024 saya melihat di "
        "TPS 3 Desa Muntei ada pembagian uang oleh tim sukses."
    )
    p = extract_pelapor(text, "", "")
    assert (p.name, p.address) == ("Budi", "Desa Sioban")
    lok = extract_lokasi(text, KEC)
    assert (lok.tps, lok.desa, lok.kecamatan) == ("003", "Muntei", "Siberut Selatan")


# --- confidentiality -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mohon identitas saya dirahasiakan.",
        "tolong rahasiakan identitas saya pak",
        "Saya minta nama saya dirahasiakan karena takut.",
        "Identitas pelapor agar dirahasiakan",
        "Nama: (dirahasiakan)",
        "RAHASIA\nKepada Yth. Ketua KPU",
        "Sifat: Rahasia",
        "Saya ingin melapor secara anonim.",
        "saya mau tetap anonim",
        "Anonim",
        "I would like to remain anonymous.",
        "jgn sebut nama sy ya",
        "Tolong jangan cantumkan nama saya di surat apapun.",
        "Mohon jaga kerahasiaan identitas saya.",
        "Saya tidak mau nama saya diketahui oleh PPS.",
        "[Rahasia] Laporan politik uang",
        "RAHASIA: laporan pungli di PPK\nIsi laporan ...",
        "Mohon dirahasiakan ya pak.",
        "Nama saya mohon dirahasiakan.",
        "tidak usah sebut nama saya di surat balasan",
    ],
)
def test_confidentiality_requests(text):
    assert wants_confidentiality(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sudah menjadi rahasia umum bahwa ada politik uang.",
        "Ini menyangkut rahasia negara? Tentu tidak.",
        "Tolong rahasia negara dijaga oleh petugas PPK.",  # a request, but not about the reporter
        "Asas pemilu langsung, umum, bebas, rahasia harus dijaga.",
        "Daftar pemilih sengaja dirahasiakan oleh PPS.",
        "Identitas saya tidak perlu dirahasiakan, saya siap bersaksi.",
        "Saya bukan pelapor anonim.",
        "Nama saya boleh disebutkan.",
        "Bilik suara tidak menjamin kerahasiaan pilihan warga.",
        "Ada akun anonim di Facebook yang menyebarkan hoaks tentang KPU.",
        "Surat anonim itu beredar di grup WA desa.",
        "Hasil pleno dirahasiakan, ini tidak transparan.",
    ],
)
def test_rahasia_in_other_senses_is_not_a_request(text):
    assert not wants_confidentiality(text)


def test_whole_complaints_confidentiality():
    assert not extract_pelapor(RAHASIA_UMUM, "", "").confidential
    assert not extract_pelapor(NOT_SECRET, "", "").confidential
    assert extract_pelapor(FORMAL_LETTER, "", "").confidential


# --- lokasi --------------------------------------------------------------------------------------


def test_formal_letter_location_ignores_the_reporters_address():
    assert extract_lokasi(FORMAL_LETTER, KEC) == Lokasi(
        tps="003", desa="Muntei", kecamatan="Siberut Selatan", text=""
    )


def test_all_caps_location():
    assert extract_lokasi(ALL_CAPS, KEC) == Lokasi("007", "Saureinu", "Sipora Selatan", "")


def test_lowercase_location_kecamatan_inferred_from_desa():
    assert extract_lokasi(WHATSAPP_STYLE, KEC) == Lokasi("005", "Muntei", "Siberut Selatan", "")


def test_labelled_location_line_is_kept_as_text():
    lok = extract_lokasi(FORWARDED, KEC)
    assert lok.text == "Kantor PPS Desa Maileppet"
    assert lok.desa == "Maileppet"  # not Muara Siberut, the reporter's address
    assert lok.kecamatan == "Siberut Selatan"
    assert lok.tps == ""


def test_tps_nomor_and_quoted_lines():
    lok = extract_lokasi(QUOTED_REPLY, KEC)
    assert (lok.tps, lok.desa, lok.kecamatan) == ("002", "Bosua", "Sipora Selatan")


def test_terlapor_block_location_counts_but_pelapor_block_does_not():
    lok = extract_lokasi(FORM_WITH_TERLAPOR, KEC)
    assert lok.desa == "Bosua"
    assert lok.kecamatan == "Sipora Selatan"  # from Bosua; "Sipora Utara" is the reporter's


@pytest.mark.parametrize(
    "written",
    ["TPS 03", "TPS 3", "TPS No. 03", "TPS nomor 3", "tps03", "TPS-003", "TPS No: 3", "di tps 3,"],
)
def test_tps_forms(written):
    assert extract_lokasi(f"Kejadian di {written} kemarin.", KEC).tps == "003"


def test_tps_label_line():
    assert extract_lokasi("Nomor TPS : 05\nDesa: Bosua", KEC) == Lokasi(
        "005", "Bosua", "Sipora Selatan", ""
    )


def test_years_are_not_tps_numbers():
    lok = extract_lokasi(YEAR_NOT_TPS, KEC)
    assert lok.tps == ""
    assert extract_lokasi("TPS 2024 bermasalah", KEC).tps == ""
    assert extract_lokasi("di TPS 12 pada pemilu 2024 dan TPS 14", KEC).tps == "012, 014"


def test_ambiguous_desa_gives_no_kecamatan():
    lok = extract_lokasi(YEAR_NOT_TPS, KEC)
    assert lok.desa == "Matobe"
    assert lok.kecamatan == ""  # Matobe is in Sipora Selatan and in Sikakap
    assert lok.text == "Desa Matobe"


@pytest.mark.parametrize(
    "written,expected",
    [
        ("Kec. Siberut Sel.", "Siberut Selatan"),
        ("KECAMATAN SIBERUT SELATAN", "Siberut Selatan"),
        ("kec siberut barat daya", "Siberut Barat Daya"),
        ("Kecamatan Siberut Barat", "Siberut Barat"),
        ("Kec. Siberut Brt Daya", "Siberut Barat Daya"),
        ("Kec. Sipora Utr", "Sipora Utara"),
        ("Kecamatan Sibirut Seltan", "Siberut Selatan"),  # typos: fuzzy after "Kec."
        ("Kec. Pagai Selatan", "Pagai Selatan"),
        ("Sikakap", "Sikakap"),
    ],
)
def test_kecamatan_variants(written, expected):
    assert extract_lokasi(f"Kejadiannya di {written}, dekat pasar.", KEC).kecamatan == expected


def test_english_text_with_bare_place_names():
    lok = extract_lokasi(ENGLISH_SIGNATURE, KEC)
    assert (lok.tps, lok.desa, lok.kecamatan) == ("011", "Muara Sikabaluan", "Siberut Utara")


def test_dusun_goes_to_text():
    lok = extract_lokasi(DUSUN_ONLY, KEC)
    assert lok == Lokasi(tps="", desa="", kecamatan="", text="Dusun Puro")


def test_generic_desa_words_are_not_names():
    text = "Perangkat desa ikut kampanye. Kepala desa kami juga. Dana desa dipakai."
    assert extract_lokasi(text, KEC).desa == ""


def test_unknown_desa_kept_as_written_and_configured_gazetteer():
    lok = extract_lokasi(
        "Kejadian di Desa Sumber Rejo, Kecamatan Ngadirejo.", ["Ngadirejo", "Kota"]
    )
    assert (lok.desa, lok.kecamatan) == ("Sumber Rejo", "Ngadirejo")
    # The Mentawai desa list does not leak into another regency's gazetteer.
    assert extract_lokasi("di desa muntei", ["Ngadirejo"]).kecamatan == ""


def test_desa_list_can_be_replaced_or_switched_off():
    assert extract_lokasi("di desa muntei", KEC, desa={}).kecamatan == ""
    custom = {"Sikakap": ("Muntei",)}
    assert extract_lokasi("di desa muntei", KEC, desa=custom).kecamatan == "Sikakap"


def test_gazetteer_data_is_consistent():
    assert set(DESA_MENTAWAI) == set(KEC)
    assert sum(len(v) for v in DESA_MENTAWAI.values()) == 43
    gaz = Gazetteer.build(KEC)
    assert gaz.kecamatan_of_desa("sido makmur") == "Sipora Utara"
    assert gaz.kecamatan_of_desa("Betumonga") == ""
    assert gaz.canonical_desa("Sidomakmur kec sipora") == "Sido Makmur"
    assert gaz.canonical_desa("Marapat") == ""


def test_location_text_labels():
    text = "Tempat kejadian: Pasar Sikakap, dekat dermaga\nWaktu: 10 Februari 2024"
    lok = extract_lokasi(text, KEC)
    assert lok.text == "Pasar Sikakap, dekat dermaga"
    assert lok.kecamatan == "Sikakap"


def test_story_after_a_pelapor_form_is_read_for_the_location():
    lok = extract_lokasi(FORM_THEN_STORY, KEC)
    assert (lok.tps, lok.desa, lok.kecamatan) == ("003", "Muntei", "Siberut Selatan")


def test_address_phrase_is_cut_out_of_its_line():
    lok = extract_lokasi(ADDRESS_IN_A_SENTENCE, KEC)
    assert (lok.tps, lok.desa, lok.kecamatan) == ("002", "Goisooinan", "Sipora Utara")
    # Without the incident part the reporter's own Tuapejat is not taken for the place.
    assert extract_lokasi("Saya beralamat di Jl. Sudirman No. 3 Tuapejat.", KEC).is_empty


def test_no_location_at_all():
    assert extract_lokasi(SIGNATURE_ONLY, KEC).is_empty


# --- terlapor ------------------------------------------------------------------------------------


def test_terlapor_from_a_section():
    assert extract_terlapor(FORM_WITH_TERLAPOR) == "Markus Saleleubaja, Ketua PPS Desa Bosua"


def test_terlapor_label_with_jabatan_below():
    text = "Terlapor: Andi Sirait\nJabatan: Ketua KPPS TPS 03\n\nKronologi: ..."
    assert extract_terlapor(text) == "Andi Sirait, Ketua KPPS TPS 03"
    assert extract_terlapor("Nama terlapor : Yosep (anggota PPK)") == "Yosep (anggota PPK)"
    text = "Terlapor:\nKETUA KPPS TPS 3 DESA BOSUA\n\nKronologi: pada hari ..."
    assert extract_terlapor(text) == "KETUA KPPS TPS 3 DESA BOSUA"


@pytest.mark.parametrize(
    "text,expected",
    [
        (FORMAL_LETTER, "anggota KPPS"),
        (SIGNATURE_ONLY, "sekretariat PPK"),
        (
            "Yang dilaporkan adalah Ketua PPS Desa Bosua, karena meminta uang.",
            "Ketua PPS Desa Bosua",
        ),
        (
            "Saya melaporkan Sdr. Yakobus Sabaggalet yang tidak hadir saat rekap.",
            "Sdr. Yakobus Sabaggalet",
        ),
        ("ADA OKNUM KPPS TPS 5 MEMBAGIKAN UANG", "KPPS TPS 5"),
        ("oknum tersebut tidak dikenal", ""),
        (MALADMINISTRASI, ""),
    ],
)
def test_terlapor_phrases(text, expected):
    assert extract_terlapor(text) == expected


# --- klasifikasi ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject,text,expected,keyword",
    [
        ("Laporan", FORMAL_LETTER, "pidana_pemilu", "bagi-bagi uang"),
        ("", ALL_CAPS, "pidana_pemilu", "serangan fajar"),
        ("", WHATSAPP_STYLE, "pidana_pemilu", "bagi-bagi uang"),
        ("laporan", FORWARDED, "korupsi", "pungli"),
        ("", QUOTED_REPLY, "pidana_pemilu", "mencoblos lebih dari sekali"),
        ("Pengaduan", FORM_WITH_TERLAPOR, "etik", "tidak netral"),
        ("Honor KPPS", SIGNATURE_ONLY, "korupsi", "potongan honor"),
        ("Keluhan pelayanan", MALADMINISTRASI, "maladministrasi", "pelayanan buruk"),
        ("Permohonan data", PERMOHONAN_INFORMASI, "permohonan_informasi", "salinan"),
        ("", NIK_GUARD, "pelanggaran_pemilu", "daftar pemilih"),
        ("", ENGLISH_SIGNATURE, "pidana_pemilu", "intimidasi"),
        ("Money politics di Sikakap", "Mohon ditindaklanjuti.", "pidana_pemilu", "money politics"),
        ("Dugaan gratifikasi", "Anggota PPK menerima hadiah dari caleg.", "korupsi", "gratifikasi"),
        ("Netralitas ASN", "Seorang guru PNS ikut kampanye.", "pelanggaran_pemilu", "netralitas"),
        ("", OUTLOOK_FORWARD, "pidana_pemilu", "manipulasi suara"),
        ("", ADDRESS_IN_A_SENTENCE, "pidana_pemilu", "manipulasi suara"),
        ("", "OKNUM PPK MEMINTA UANG KE CALON KPPS", "korupsi", "pungli"),
    ],
)
def test_klasifikasi(subject, text, expected, keyword):
    guess = guess_klasifikasi(subject, text)
    assert guess.klasifikasi == expected
    assert keyword in guess.keywords
    assert str(guess) == expected
    assert guess.scores[0][0] == expected


def test_klasifikasi_without_keywords_is_lainnya_and_says_why():
    guess = guess_klasifikasi("Halo", "Selamat pagi, apakah kantor buka hari Sabtu?")
    assert (guess.klasifikasi, guess.keywords, guess.scores) == ("lainnya", (), ())


def test_subject_weighs_more_than_body():
    body = "Pelayanan lambat. Ada juga dugaan pungli."
    assert guess_klasifikasi("", body).klasifikasi == "korupsi"  # 1:1, the graver class wins
    assert guess_klasifikasi("Pelayanan buruk", body).klasifikasi == "maladministrasi"


# --- robustness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hostile",
    [
        "\n" * 50_000,
        " " * 50_000,
        "nama saya" + " " * 50_000 + "x",
        "> " * 25_000,
        "rahasia\n" * 6_000,
        "Hormat saya,\n" * 4_000,
        "HP " + "0-" * 25_000,
        "Desa " * 10_000,
    ],
)
def test_hostile_texts_take_linear_time(hostile):
    # A quadratic regex would take minutes on these; linear code takes well under a second.
    import time

    started = time.perf_counter()
    extract_pelapor(hostile, "x", "x@example.id")
    extract_lokasi(hostile, KEC)
    extract_terlapor(hostile)
    guess_klasifikasi("", hostile)
    assert time.perf_counter() - started < 10
