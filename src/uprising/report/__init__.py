"""Self-contained HTML reports: one file per run, offline, plots and a grid animation.

    from uprising.report import write_report
    write_report(Path("results/epstein-1"))      # -> results/epstein-1/report.html

Pages are built from reusable sections (``uprising.report.sections``): ``Headline``/``Stat``,
``Figure`` (plotly traces + layout), ``GridAnimation``, ``Table``, ``ParameterTable``,
``Prose``, ``Row``. A ``Page`` renders them into one HTML file with plotly.js inlined once.
"""

from __future__ import annotations

from pathlib import Path

from .classic import RunOutput, classic_page, counts_figure, group_figures, totals_by_step
from .page import Page, RenderContext, write_atomic
from .sections import (
    Figure,
    GridAnimation,
    Headline,
    ParameterTable,
    Prose,
    Row,
    Stat,
    Table,
)

REPORT_NAME = "report.html"


def write_report(out_dir: str | Path) -> Path:
    """Write ``out_dir/report.html`` (atomically) for the run in ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    page = classic_page(out_dir)
    return page.write(out_dir / REPORT_NAME)


__all__ = [
    "write_report",
    "classic_page",
    "RunOutput",
    "totals_by_step",
    "counts_figure",
    "group_figures",
    "Page",
    "RenderContext",
    "write_atomic",
    "Figure",
    "GridAnimation",
    "Headline",
    "ParameterTable",
    "Prose",
    "Row",
    "Stat",
    "Table",
]
