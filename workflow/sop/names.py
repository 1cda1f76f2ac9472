"""The names of the SOP's steps and roles, as `StrEnum`s.

The members are `str`: they are stored in the database (`Pengaduan.step`, `Task.role`, ...),
written into JSON and templates, and compared with the plain strings read back, unchanged. So a
function that receives a step or a role from the database or the configuration keeps taking
`str`; code that names one writes the member, so grep and the type checker can find every use.
Sub-divisions other than Hukum are configured (`[sop] subdivisions`), so a role is not always a
`Role` member.
"""

from __future__ import annotations

from enum import StrEnum


class StepName(StrEnum):
    """The states of a case (`Step.name` in `workflow.sop.definition`)."""

    VERIFIKASI = "verifikasi"
    MENUNGGU_PELAPOR = "menunggu_pelapor"
    DISPOSISI = "disposisi"
    TELAAH = "telaah"
    PERSETUJUAN_PENERUSAN = "persetujuan_penerusan"
    PENGIRIMAN_PENERUSAN = "pengiriman_penerusan"
    PERSETUJUAN_TIDAK_DITINDAKLANJUTI = "persetujuan_tidak_ditindaklanjuti"
    KERTAS_KERJA = "kertas_kerja"
    TINDAK_LANJUT = "tindak_lanjut"
    PERSETUJUAN_INVESTIGASI = "persetujuan_investigasi"
    INVESTIGASI = "investigasi"
    PERSETUJUAN_LAPORAN = "persetujuan_laporan"
    PENGIRIMAN_SURAT_PELAPOR = "pengiriman_surat_pelapor"
    SELESAI = "selesai"
    DITERUSKAN = "diteruskan"
    TIDAK_DITINDAKLANJUTI = "tidak_ditindaklanjuti"
    BUKAN_PENGADUAN = "bukan_pengaduan"
    TIDAK_DILENGKAPI = "tidak_dilengkapi"


class Role(StrEnum):
    """The fixed roles. HUKUM also stands for "the handling sub-division" in the steps 4-6."""

    DESK = "desk"
    SEKRETARIS = "sekretaris"
    HUKUM = "hukum"
    KETUA = "ketua"
    PELAPOR = "pelapor"
