"""The monthly recap and the semester report (SOP steps 8-9): periods, rows and summary figures,
working-day counts, the Excel workbook and the PDF print-out, and synthetic sample cases.
"""

from __future__ import annotations

from dumas.workflow.reports.periods import Delivery, Period, period_of
from dumas.workflow.reports.recap import (
    Column,
    Recap,
    RecapRow,
    RecapSetup,
    channel_label,
    columns,
    klasifikasi_label,
    status_label,
    status_order,
    telaah_label,
)
from dumas.workflow.reports.xlsx import read_figures, titles, write_workbook

__all__ = [
    "Column",
    "Delivery",
    "Period",
    "Recap",
    "RecapRow",
    "RecapSetup",
    "channel_label",
    "columns",
    "klasifikasi_label",
    "period_of",
    "read_figures",
    "status_label",
    "status_order",
    "telaah_label",
    "titles",
    "write_workbook",
]
