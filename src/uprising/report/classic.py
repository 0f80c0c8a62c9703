"""The classic page: one run of Epstein's Model I or II, read back from its output directory.

Inputs (architecture.md, "Files a run writes"): ``summary.json``, ``timeseries.parquet`` and,
when grid snapshots were recorded, ``frames.npz`` (``steps``, ``cells[F, H, W]``). Missing
optional files drop their section instead of failing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import polars as pl

from .escape import plot_text
from .page import Page
from .sections import (
    GROUP_COLOURS,
    LINE_COLOURS,
    Figure,
    GridAnimation,
    Headline,
    ParameterTable,
    Prose,
    Row,
    Stat,
    fmt_duration,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_rate,
)

DEFAULT_OUTBURST_LEVEL = 50  # Epstein 2002 Run 2: an outburst is actives > 50 until < 50
MAX_POINTS = 4000  # time-series points per trace in the page
MAX_SPANS = 400  # shaded outburst spans per figure
GROUP_NAMES_MODEL_II = ("blue", "green")


@dataclass
class RunOutput:
    """What one run wrote, loaded: summary dict, counts frame, grid snapshots (or None)."""

    out_dir: Path
    summary: dict[str, Any]
    timeseries: pl.DataFrame | None
    frame_steps: np.ndarray | None
    frame_cells: np.ndarray | None

    @classmethod
    def load(cls, out_dir: str | Path) -> "RunOutput":
        out_dir = Path(out_dir)
        summary_path = out_dir / "summary.json"
        if not summary_path.is_file():
            raise FileNotFoundError(f"{summary_path}: no summary.json; is this a run's output directory?")
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        ts_path = out_dir / "timeseries.parquet"
        timeseries = pl.read_parquet(ts_path) if ts_path.is_file() else None
        steps = cells = None
        frames_path = out_dir / "frames.npz"
        if frames_path.is_file():
            with np.load(frames_path) as npz:
                if "cells" in npz.files:
                    cells = np.asarray(npz["cells"])
                    steps = (
                        np.asarray(npz["steps"]) if "steps" in npz.files else np.arange(len(cells))
                    )
        return cls(out_dir, summary, timeseries, steps, cells)

    # --- summary lookups tolerant to naming ---------------------------------------------
    def get(self, *keys: str, default: Any = None) -> Any:
        for key in keys:
            node: Any = self.summary
            for part in key.split("."):
                if isinstance(node, Mapping) and part in node:
                    node = node[part]
                else:
                    node = None
                    break
            if node is not None:
                return node
        return default

    @property
    def parameters(self) -> dict[str, Any]:
        params = self.summary.get("parameters")
        return params if isinstance(params, dict) else {}

    def param(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.parameters
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node


# --- series helpers (pure; reused by other pages) -------------------------------------------
def totals_by_step(ts: pl.DataFrame) -> pl.DataFrame:
    """Sum every count column over places: one row per step, sorted by step."""
    numeric = [
        c for c, t in ts.schema.items() if c not in ("step", "place") and t.is_numeric()
    ]
    if "place" in ts.columns and ts["place"].n_unique() > 1:
        return ts.group_by("step").agg([pl.col(c).sum() for c in numeric]).sort("step")
    return ts.select(["step", *numeric]).sort("step")


def outburst_spans(steps: np.ndarray, active: np.ndarray, level: float) -> list[tuple[int, int]]:
    """Runs of consecutive rows with ``active > level`` as (first step, last step)."""
    above = np.asarray(active) > level
    if not above.any():
        return []
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return [(int(steps[a]), int(steps[b])) for a, b in zip(starts, ends)]


def merge_spans(spans: list[tuple[int, int]], cap: int = MAX_SPANS) -> list[tuple[int, int]]:
    """Join spans separated by the smallest gaps until at most ``cap`` remain."""
    gap = 1
    while len(spans) > cap:
        merged = [spans[0]]
        for a, b in spans[1:]:
            if a - merged[-1][1] <= gap:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        spans, gap = merged, gap * 2
    return spans


def thin_rows(n: int, key: np.ndarray | None = None, max_points: int = MAX_POINTS) -> np.ndarray:
    """Row indices keeping at most ``max_points``: per bin the row where ``key`` peaks."""
    if n <= max_points:
        return np.arange(n)
    bins = np.linspace(0, n, max_points + 1).astype(np.int64)
    if key is None:
        return bins[:-1]
    key = np.asarray(key)
    idx = [a + int(np.argmax(key[a:b])) for a, b in zip(bins[:-1], bins[1:]) if b > a]
    idx = np.unique(np.concatenate([[0], idx, [n - 1]]))
    return idx


def line(x: np.ndarray, y: np.ndarray, name: str, colour: str, **extra: Any) -> dict[str, Any]:
    trace = {
        "type": "scatter",
        "mode": "lines",
        "name": name,
        "x": np.asarray(x).tolist(),
        "y": np.asarray(y).tolist(),
        "line": {"color": colour, "width": 2},
        "hovertemplate": "%{y:,}",
    }
    trace.update(extra)
    return trace


def span_shapes(spans: list[tuple[int, int]], colour: str = "#d55e00") -> list[dict[str, Any]]:
    return [
        {
            "type": "rect", "xref": "x", "yref": "paper", "x0": a - 0.5, "x1": b + 0.5,
            "y0": 0, "y1": 1, "fillcolor": colour, "opacity": 0.09, "line": {"width": 0},
            "layer": "below",
        }
        for a, b in spans
    ]


def counts_figure(
    totals: pl.DataFrame,
    level: float | None = DEFAULT_OUTBURST_LEVEL,
    title: str = "Quiet, active and jailed over time",
    follows: str | None = None,
    height: int = 420,
) -> Figure:
    """Active, jailed, quiet (and dead if any) per step; outbursts (active > level) shaded."""
    steps = totals["step"].to_numpy()
    active = totals["active"].to_numpy() if "active" in totals.columns else np.zeros(len(steps))
    rows = thin_rows(len(steps), active)
    x = steps[rows]
    traces = []
    for col in ("active", "jailed", "quiet"):
        if col in totals.columns:
            y = totals[col].to_numpy()[rows]
            traces.append(line(x, y, col, LINE_COLOURS[col], line={"color": LINE_COLOURS[col], "width": 2.2 if col == "active" else 1.8}))
    has_dead = "dead" in totals.columns and bool(totals["dead"].to_numpy().any())
    if has_dead:  # deaths accumulate past the living: their own axis on the right
        y = totals["dead"].to_numpy()[rows]
        traces.append(line(x, y, "dead (right axis)", LINE_COLOURS["dead"], yaxis="y2",
                           line={"color": LINE_COLOURS["dead"], "width": 1.6, "dash": "dot"}))
    shapes: list[dict[str, Any]] = []
    caption = None
    if level is not None and len(steps):
        spans = outburst_spans(steps, active, level)
        shapes = span_shapes(merge_spans(spans))
        shapes.append(
            {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": level, "y1": level,
             "line": {"color": LINE_COLOURS["active"], "width": 1, "dash": "dash"}, "opacity": 0.6}
        )
        caption = (
            f"Shaded: outbursts, spans where actives exceed {fmt_num(level)} "
            f"({len(spans)} in this run). Dashed line: that level."
        )
        if follows:
            caption += " Click the plot to show that step on the grid."
    layout = {
        "shapes": shapes,
        "xaxis": {"title": {"text": "step"}},
        "yaxis": {"title": {"text": "citizens"}, "rangemode": "tozero"},
    }
    if has_dead:
        layout["yaxis2"] = {
            "title": {"text": "dead"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
            "showgrid": False, "tickmode": "auto", "automargin": True, "tickcolor": "#cfcac0",
            "ticks": "outside", "tickformat": "~s",
        }
    return Figure(title, traces, layout, caption=caption, height=height, key="counts", follows=follows)


_GROUP_COL = re.compile(r"^(active|citizens|quiet|jailed|dead)_g(\d+)$")


def group_columns(columns: list[str]) -> dict[int, dict[str, str]]:
    """``{group: {"active": "active_g0", "citizens": "citizens_g0", …}}`` from column names."""
    groups: dict[int, dict[str, str]] = {}
    for c in columns:
        m = _GROUP_COL.match(c)
        if m:
            groups.setdefault(int(m.group(2)), {})[m.group(1)] = c
    return dict(sorted(groups.items()))


def group_figures(
    totals: pl.DataFrame, names: list[str] | None = None, follows: str | None = None
) -> list[Figure]:
    """Model II: actives per group, and each group's population, over time."""
    groups = group_columns(totals.columns)
    if not groups:
        return []
    steps = totals["step"].to_numpy()
    rows = thin_rows(len(steps), totals["active"].to_numpy() if "active" in totals.columns else None)
    x = steps[rows]

    def gname(g: int) -> str:
        return plot_text(names[g]) if names and g < len(names) else f"group {g}"

    figures = []
    for measure, title, ylabel in (
        ("active", "Actives by group", "active citizens"),
        ("citizens", "Population by group", "citizens alive"),
    ):
        traces = [
            line(x, totals[cols[measure]].to_numpy()[rows], gname(g), GROUP_COLOURS[g % len(GROUP_COLOURS)])
            for g, cols in groups.items()
            if measure in cols
        ]
        if traces:
            layout = {"xaxis": {"title": {"text": "step"}}, "yaxis": {"title": {"text": ylabel}, "rangemode": "tozero"}}
            figures.append(Figure(title, traces, layout, height=320, key=f"groups-{measure}", follows=follows))
    return figures


# --- the page -----------------------------------------------------------------------------
def headline(run: RunOutput, totals: pl.DataFrame | None) -> Headline:
    citizens = run.get("citizens", "population.citizens")
    cops = run.get("cops", "population.cops")
    steps = run.get("steps", "parameters.scenario.steps")
    mean_active = run.get("mean_active_fraction", "active_fraction.mean", "mean_active_share", "mean_active")
    peak_active = run.get("peak_active_fraction", "active_fraction.peak", "peak_active_share", "peak_active")
    peak_note = ""
    if totals is not None and "active" in totals.columns and len(totals):
        peak_note = f"{fmt_int(totals['active'].max())} at step {fmt_int(totals['step'][int(totals['active'].arg_max())])}"
    legitimacy = run.param("citizen.legitimacy", run.get("legitimacy"))
    stats = [
        Stat("citizens", fmt_int(citizens), key="citizens"),
        Stat("cops", fmt_int(cops), key="cops"),
        Stat("legitimacy", fmt_num(legitimacy), key="legitimacy"),
        Stat("mean active", fmt_pct(mean_active), key="mean_active", tone="active"),
        Stat("peak active", fmt_pct(peak_active), peak_note, key="peak_active", tone="active"),
        Stat("outbursts", fmt_int(run.get("outbursts", "outburst_count")), key="outbursts"),
    ]
    minor = [
        Stat("steps", fmt_int(steps), key="steps"),
        Stat("seed", str(run.get("seed", "parameters.scenario.seed", default="—")), key="seed"),
        Stat("schedule", str(run.get("schedule", "parameters.scenario.schedule", default="—")), key="schedule"),
        Stat("runtime", fmt_duration(run.get("wall_seconds", "wall_time", "runtime_seconds")), key="runtime"),
        Stat("agent-steps per second", fmt_rate(run.get("agent_steps_per_second", "agent_steps_per_sec", "speed")),
             key="speed"),
    ]
    return Headline(stats, minor)


def busiest_frame(cells: np.ndarray, active_code: int = 2) -> int:
    if cells is None or len(cells) == 0:
        return 0
    return int(np.argmax((cells == active_code).sum(axis=(1, 2))))


def classic_page(out_dir: str | Path) -> Page:
    """Build the classic page for one run's output directory."""
    run = RunOutput.load(out_dir)
    scenario = run.get("scenario", "parameters.scenario.name", default="run")
    if isinstance(scenario, Mapping):
        scenario = scenario.get("name", "run")
    description = run.param("scenario.description", run.get("description", default="")) or ""
    model = run.param("scenario.model", run.get("model", default=""))
    totals = totals_by_step(run.timeseries) if run.timeseries is not None and len(run.timeseries) else None

    meta = [
        {"epstein-1": "Epstein Model I", "epstein-2": "Epstein Model II"}.get(str(model), str(model or "")),
        f"seed {run.get('seed', default='—')}",
        f"{fmt_int(run.get('steps'))} steps",
        f"{run.get('schedule', default='')} schedule" if run.get("schedule") else "",
        f"grid {run.param('grid.width')}×{run.param('grid.height')}" if run.param("grid.width") else "",
        f"uprising {run.get('version')}" if run.get("version") else "",
    ]
    page = Page(
        title=str(scenario),
        subtitle=str(description),
        meta=meta,
        footer=f"Written by uprising from {run.out_dir.name}/summary.json, timeseries.parquet"
        + (" and frames.npz." if run.frame_cells is not None else "."),
    )
    page.add(headline(run, totals))

    level = run.get("outburst_level", "outburst_threshold", default=DEFAULT_OUTBURST_LEVEL)
    has_frames = run.frame_cells is not None and run.frame_cells.ndim == 3 and len(run.frame_cells)
    follows = "grid" if has_frames else None
    counts = counts_figure(totals, level, follows=follows) if totals is not None else None

    if has_frames:
        start = busiest_frame(run.frame_cells)
        leave = run.param("rules.jailed_leave_grid", True)
        jailed_note = (
            " Jailed citizens leave the grid; the legend counts them." if leave
            else " Jailed citizens keep their cell."
        )
        off_grid = {}
        if leave and totals is not None and "jailed" in totals.columns:
            by_step = dict(zip(totals["step"].to_list(), totals["jailed"].to_list()))
            off_grid = {3: [by_step.get(int(s), 0) for s in run.frame_steps]}
        anim = GridAnimation(
            run.frame_steps,
            run.frame_cells,
            title="The grid",
            start=start,
            caption="Opens on the frame with the most actives. Play, drag the slider, or use ← →."
            + jailed_note,
            name="grid",
            off_grid=off_grid,
        )
        page.add(Row([anim, counts], widths=("minmax(0, 5fr)", "minmax(0, 7fr)")) if counts else anim)
    elif counts is not None:
        page.add(counts)
    else:
        page.add(Prose(["This run wrote no time series."]))

    if totals is not None:
        names = run.get("group_names")
        if not isinstance(names, list):
            names = list(GROUP_NAMES_MODEL_II) if model == "epstein-2" else None
        groups = group_figures(totals, names, follows=follows)
        if groups:
            page.add(Row(groups) if len(groups) > 1 else groups[0])

    if run.parameters:
        page.add(ParameterTable(run.parameters, caption="The resolved scenario this run used."))
    return page
