"""The printable documents: Jinja2 HTML from `templates/pdf/`, rendered to PDF by WeasyPrint.

    ctx = view_of(pengaduan, attachments, settings.office, settings.office.tz, store.read, raw=raw)
    pdf = render("lembar_disposisi", ctx, document.params)
    name = document_filename("lembar_disposisi", ctx.case.number)
    # -> "lembar-disposisi-001-PGD-XI-2026.pdf"

Rendering fetches nothing: HTML comes from a string with no base URL, the stylesheet is inlined,
images are `data:` URIs, fonts come from fontconfig (DejaVu), and the URL fetcher refuses every
other URL. Templates autoescape everything; complaint text is only ever inserted as text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError
from markupsafe import Markup

from dumas.workflow import formatting as docformat
from dumas.workflow.documents import params as docparams
from dumas.workflow.documents.views import DataUri, DocumentContext
from dumas.workflow.errors import DocumentError

if TYPE_CHECKING:
    from dumas.workflow.documents.fetcher import DataOnlyFetcher

log = logging.getLogger(__name__)

# WeasyPrint's line breaking is quadratic in the length of an unbreakable run: a print-out with one
# 100 KB line (a pasted base64 blob, a giant URL) took 93 s to render, 1.2 s with a break
# opportunity every few dozen characters. So every value printed gets a zero-width space (invisible, and not
# extracted by pdftotext) inside long runs of non-space characters.
BREAK_EVERY = 30
_LONG_RUN = re.compile(rf"\S{{{BREAK_EVERY}}}(?=\S)")
ZWSP = "\u200b"


@dataclass(frozen=True)
class DocumentKind:
    kind: str  # the `Document.kind` value
    title: str  # as printed, Indonesian
    slug: str  # file name prefix
    template: str  # under templates/pdf/
    extra: Callable[[DocumentContext, Mapping[str, Any]], Any] | None = None  # params -> view


# The letters that leave the office: numbered and signed when approved (the params then carry
# "nomor", "tanggal" and "pengesahan"), and rendered as PDF/A-3b so the sent copy is the archive
# copy (one file, one SHA-256 for `dumas verify`).
LETTER_KINDS = ("surat_penerusan", "surat_tugas", "surat_hasil", "surat_pemberitahuan")
PDF_VARIANT = "pdf/a-3b"

DOCUMENT_KINDS: dict[str, DocumentKind] = {
    k.kind: k
    for k in (
        DocumentKind("cetakan", "Cetakan Pengaduan", "cetakan-pengaduan", "cetakan.html"),
        DocumentKind(
            "tanda_terima",
            "Tanda Terima Pengaduan",
            "tanda-terima",
            "tanda_terima.html",
            docparams.tanda_terima,
        ),
        DocumentKind(
            "lembar_disposisi",
            "Lembar Disposisi",
            "lembar-disposisi",
            "lembar_disposisi.html",
            docparams.disposisi,
        ),
        DocumentKind(
            "surat_tugas", "Surat Tugas", "surat-tugas", "surat_tugas.html", docparams.surat_tugas
        ),
        DocumentKind(
            "surat_penerusan",
            "Surat Penerusan Pengaduan",
            "surat-penerusan",
            "surat_penerusan.html",
            docparams.penerusan,
        ),
        DocumentKind(
            "surat_hasil",
            "Surat Pemberitahuan Hasil Penanganan",
            "surat-hasil",
            "surat_hasil.html",
            docparams.surat_hasil,
        ),
        DocumentKind(
            "surat_pemberitahuan",
            "Surat Pemberitahuan Penutupan Pengaduan",
            "surat-pemberitahuan",
            "surat_pemberitahuan.html",
            docparams.pemberitahuan,
        ),
        DocumentKind(
            "surat_permintaan_kelengkapan",
            "Surat Permintaan Kelengkapan Pengaduan",
            "surat-permintaan-kelengkapan",
            "surat_permintaan_kelengkapan.html",
            docparams.permintaan_kelengkapan,
        ),
        DocumentKind("riwayat", "Riwayat Penanganan Pengaduan", "riwayat", "riwayat.html"),
    )
}


def render(
    kind: str,
    context: DocumentContext,
    params: Mapping[str, Any] | None = None,
    *,
    fetcher: DataOnlyFetcher | None = None,
) -> bytes:
    """The PDF bytes of one document; raises `DocumentError` when it cannot be produced.

    `params` is the `Document.params` of the row (see `docparams` for each kind's keys). Pass a
    `fetcher` to inspect afterwards what the render tried to load (tests, audits).
    """
    html = render_html(kind, context, params)
    if fetcher is None:
        fetcher = data_only_fetcher()
    pdf = html_to_pdf(html, fetcher, PDF_VARIANT if kind in LETTER_KINDS else None)
    if fetcher.refused:
        # Our templates load nothing but data: URIs, so a refusal means a template bug or content
        # that escaped its escaping: worth a warning, not a lost document.
        log.warning(
            "document %s of %s: refused %d URL(s)",
            kind,
            context.case.display_number,
            len(fetcher.refused),
        )
    return pdf


def render_html(
    kind: str, context: DocumentContext, params: Mapping[str, Any] | None = None
) -> str:
    """The HTML that `render` gives WeasyPrint (for previews, tests and the bench)."""
    spec = _kind(kind)
    extra = spec.extra(context, params or {}) if spec.extra else None
    try:
        return (
            environment()
            .get_template(spec.template)
            .render(
                ctx=context,
                case=context.case,
                office=context.office,
                doc=extra,
                kind=spec,
                sah=docparams.pengesahan(params or {}),
            )
        )
    except TemplateError as exc:
        raise DocumentError(f"template {spec.template} failed: {exc}") from exc


def data_only_fetcher() -> DataOnlyFetcher:
    """A fresh URL fetcher for `html_to_pdf` that refuses everything but `data:` URIs."""
    # Start-up time: the fetcher module loads WeasyPrint and Pango (0.3 s and more on every CLI
    # run), so it is imported only when a PDF is made.
    from dumas.workflow.documents.fetcher import DataOnlyFetcher

    return DataOnlyFetcher()


def html_to_pdf(html: str, fetcher: DataOnlyFetcher, variant: str | None = None) -> bytes:
    """WeasyPrint with no base URL (relative URLs resolve to nothing, never to the filesystem).
    `variant` ("pdf/a-3b") asks WeasyPrint for an archival PDF."""
    try:
        from weasyprint import HTML  # start-up time: imported when a PDF is made (0.3 s)

        return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(pdf_variant=variant)
    except Exception as exc:  # noqa: BLE001 - WeasyPrint has no exception hierarchy of its own
        raise DocumentError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc


def document_filename(
    kind: str, number: str | None, version: int = 1, case_id: int | None = None
) -> str:
    """`lembar-disposisi-001-PGD-XI-2026.pdf` (`-v2` for a regenerated version)."""
    spec = _kind(kind)
    ident = re.sub(r"[^A-Za-z0-9]+", "-", number or "").strip("-")
    if not ident:
        ident = f"kasus-{case_id}" if case_id is not None else "tanpa-nomor"
    suffix = f"-v{version}" if version > 1 else ""
    return f"{spec.slug}-{ident}{suffix}.pdf"


def _kind(kind: str) -> DocumentKind:
    try:
        return DOCUMENT_KINDS[kind]
    except KeyError:
        raise DocumentError(
            f"unknown document kind {kind!r} (known: {', '.join(DOCUMENT_KINDS)})"
        ) from None


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dumas.templates", "pdf"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_breakable,
    )
    env.filters.update(
        tanggal=docformat.tanggal,
        hari_tanggal=docformat.hari_tanggal,
        jam=docformat.jam,
        waktu=docformat.waktu,
        ukuran=docformat.ukuran,
        terbilang=docformat.terbilang,
    )
    return env


def _breakable(value: Any) -> Any:
    """Applied to every `{{ value }}` before escaping; our own `data:` URIs (image sources) stay
    whole. They are recognised by type: a test on the text ("starts with data:") also spared a
    complaint body that starts so, and its 60 KB without a break took 35 s instead of 1.6 s."""
    if isinstance(value, str) and not isinstance(value, Markup | DataUri):
        return _LONG_RUN.sub(lambda m: m[0] + ZWSP, value)
    return value
