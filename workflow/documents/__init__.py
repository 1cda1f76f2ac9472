"""Printable documents: the views (plain data built from the models), per-document parameters,
Jinja2 templates rendered to PDF by WeasyPrint (loaded only when printing), the data-only URL
fetcher, thumbnails, the documents job, and a sample case. `render.render` (kind, view,
params -> PDF bytes) is not re-exported here: its name is its module's.
"""

from __future__ import annotations

from dumas.workflow.documents.job import DocumentRenderer
from dumas.workflow.documents.render import (
    DocumentKind,
    data_only_fetcher,
    document_filename,
    environment,
    html_to_pdf,
    render_html,
)
from dumas.workflow.documents.views import (
    AttachmentView,
    CaseView,
    DocumentContext,
    EventView,
    LokasiView,
    OfficeLike,
    OfficeView,
    PelaporView,
    ToLocal,
    data_uri,
    office_view,
    view_of,
)

__all__ = [
    "AttachmentView",
    "CaseView",
    "DocumentContext",
    "DocumentKind",
    "DocumentRenderer",
    "EventView",
    "LokasiView",
    "OfficeLike",
    "OfficeView",
    "PelaporView",
    "ToLocal",
    "data_only_fetcher",
    "data_uri",
    "document_filename",
    "environment",
    "html_to_pdf",
    "office_view",
    "render_html",
    "view_of",
]
