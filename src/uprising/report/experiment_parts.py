"""What the experiment pages share: reading metadata, bands over runs, picking and switching outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import polars as pl

from .escape import plot_text

ID_COLUMNS = {"run_id", "point", "replicate", "seed", "status", "error", "arm"}
MACHINE_COLUMNS = {"wall_seconds", "compile_seconds", "agent_steps_per_second"}
PREFERRED_OUTPUTS = ("resigned", "deaths_total", "resignation_day", "outbursts", "mean_active_fraction",
                     "peak_active_fraction", "mean_active", "mean_jailed")


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def band_traces(x: Sequence[Any], runs: np.ndarray, name: str, colour: str, lo: float = 10, hi: float = 90,
                dash: str = "solid") -> list[dict[str, Any]]:
    """Median line and a lo-hi percentile band over runs (``runs[R, T]``)."""
    runs = np.asarray(runs, dtype=float)
    if runs.ndim != 2 or not runs.size:
        return []
    with np.errstate(all="ignore"):
        med = np.nanmedian(runs, axis=0)
        low = np.nanpercentile(runs, lo, axis=0)
        high = np.nanpercentile(runs, hi, axis=0)
    x = list(x)
    fill = rgba(colour, 0.18)
    return [
        {"type": "scatter", "mode": "lines", "x": x, "y": np.round(low, 2).tolist(), "line": {"width": 0},
         "showlegend": False, "hoverinfo": "skip", "name": f"{name} {lo:g}%"},
        {"type": "scatter", "mode": "lines", "x": x, "y": np.round(high, 2).tolist(), "line": {"width": 0},
         "fill": "tonexty", "fillcolor": fill, "name": f"{name}, {lo:g}–{hi:g}% of runs", "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": x, "y": np.round(med, 2).tolist(), "name": f"{name}, median",
         "line": {"color": colour, "width": 2.2, "dash": dash}, "hovertemplate": "%{y:,.0f}"},
    ]


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def numeric_outputs(frame: pl.DataFrame, exclude: set[str] = frozenset()) -> list[str]:
    """Columns that are model outputs: numeric or boolean, not ids, parameters or timings."""
    out = []
    for c, t in frame.schema.items():
        if c in ID_COLUMNS or c in MACHINE_COLUMNS or c in exclude or "__" in c:
            continue
        if t.is_numeric() or t == pl.Boolean:
            col = frame[c]
            if col.null_count() < frame.height and col.cast(pl.Float64).drop_nulls().n_unique() > 1:
                out.append(c)
    return out


def pick_output(outputs: Sequence[str], wanted: str | None) -> str | None:
    if wanted and wanted in outputs:
        return wanted
    for name in PREFERRED_OUTPUTS:
        if name in outputs:
            return name
    return outputs[0] if outputs else None


def open_results(out_dir: Path):
    from uprising.experiments.store import open_store

    return open_store(out_dir)


def output_menu(figure_traces: list[tuple[str, list[dict[str, Any]]]], ytitle_of=lambda o: o) -> dict[str, Any]:
    """A plotly dropdown switching whole trace sets: ``figure_traces`` = [(output, traces)], all of one shape."""
    buttons = []
    for output, traces in figure_traces:
        keys = sorted({k for t in traces for k in ("x", "y", "z", "error_y", "text") if k in t})
        args = {k: [t.get(k) for t in traces] for k in keys}
        buttons.append({"label": plot_text(output), "method": "update",
                        "args": [args, {"yaxis.title.text": plot_text(ytitle_of(output))}]})
    return {"buttons": buttons, "direction": "down", "x": 1, "xanchor": "right", "y": 1.16, "yanchor": "top",
            "showactive": True, "bgcolor": "#fff", "bordercolor": "#cfcac0", "font": {"size": 12}}
