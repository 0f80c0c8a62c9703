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


def page_for(out_dir: str | Path, output: str | None = None) -> Page:
    """The page for what ``out_dir`` holds: an experiment (``uprising.report.experiments``:
    validation, sweep, sensitivity, comparison, calibration), an episode's run
    (``uprising.report.episode``), or a classic run.
    ``output`` picks the output a sweep's page shows first."""
    out_dir = Path(out_dir)
    from .experiments import experiment_kind, experiment_page

    kind = experiment_kind(out_dir)
    if kind is not None:
        return experiment_page(out_dir, kind, output)
    from .episode import episode_page, is_episode_run

    if is_episode_run(out_dir):
        return episode_page(out_dir)
    return classic_page(out_dir)


def write_report(out_dir: str | Path, output: str | None = None) -> Path:
    """Write ``out_dir/report.html`` (atomically) for what ``out_dir`` holds; return its path."""
    out_dir = Path(out_dir)
    return page_for(out_dir, output).write(out_dir / REPORT_NAME)


__all__ = [
    "write_report",
    "page_for",
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
