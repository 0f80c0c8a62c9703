"""Sweep and sensitivity pages: every run's outputs against the parameters it varied, and which
parameters move which outputs (Sobol, Morris, delta indices with their intervals)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .escape import plot_text
from .experiment_parts import numeric_outputs, open_results, output_menu, pick_output
from .page import Page
from .sections import GROUP_COLOURS, Figure, Headline, Prose, Row, Stat, Table, fmt_int, fmt_num


# --- sweeps ----------------------------------------------------------------------------------
def param_figures(runs: pl.DataFrame, varied: list[str], outputs: list[str], chosen: str) -> list[Figure]:
    """For each varied parameter: every run's value of the output (dots) and the mean per parameter
    value with the 10–90% range of runs (line and bars); a menu switches the output."""
    figures = []
    ok = runs.filter(pl.col("status") == "ok") if "status" in runs.columns else runs
    order = [chosen] + [o for o in outputs if o != chosen]
    for k, key in enumerate(varied):
        col = key.replace(".", "__")
        if col not in ok.columns:
            continue
        sets = []
        for output in order:
            frame = ok.select(x=pl.col(col).cast(pl.Float64), y=pl.col(output).cast(pl.Float64)).drop_nulls()
            grouped = frame.group_by("x").agg(mean=pl.col("y").mean(), lo=pl.col("y").quantile(0.1),
                                              hi=pl.col("y").quantile(0.9), n=pl.len()).sort("x")
            colour = GROUP_COLOURS[k % len(GROUP_COLOURS)]
            xv = frame["x"].to_numpy()
            span = float(xv.max() - xv.min()) if len(xv) else 0.0
            jitter = (np.random.default_rng(k).random(len(xv)) - 0.5) * 0.03 * span  # fixed: same page every time
            dots = {"type": "scatter", "mode": "markers", "name": "runs", "x": (xv + jitter).tolist(),
                    "y": frame["y"].to_list(), "marker": {"color": colour, "size": 6, "opacity": 0.35},
                    "hovertemplate": "%{x}: %{y:.4g}<extra>run</extra>"}
            mean = {"type": "scatter", "mode": "lines+markers", "name": "mean (bars: 10–90% of runs)",
                    "x": grouped["x"].to_list(), "y": grouped["mean"].to_list(),
                    "error_y": {"type": "data", "symmetric": False,
                                "array": (grouped["hi"] - grouped["mean"]).to_list(),
                                "arrayminus": (grouped["mean"] - grouped["lo"]).to_list(),
                                "color": "#2b2b2e", "thickness": 1.2, "width": 4},
                    "line": {"color": "#2b2b2e", "width": 2}, "marker": {"size": 7, "color": "#2b2b2e"},
                    "hovertemplate": "%{x}: mean %{y:.4g}<extra></extra>"}
            sets.append((output, [dots, mean]))
        traces = sets[0][1]
        layout = {"xaxis": {"title": {"text": plot_text(key)}}, "yaxis": {"title": {"text": plot_text(chosen)}},
                  "hovermode": "closest", "margin": {"t": 56}, "showlegend": False}
        if len(sets) > 1:
            layout["updatemenus"] = [output_menu(sets)]
        figures.append(Figure(f"Output against {key}", traces, layout, height=360, key=f"param-{col}",
                              caption="Dots: runs; line: the mean at each value, bars the 10–90% range of runs. "
                                      "The menu switches the output."))
    return figures


def grid_heatmap(runs: pl.DataFrame, varied: list[str], outputs: list[str], chosen: str) -> Figure | None:
    """Two varied parameters on a grid: the mean of the output in each cell (menu switches output)."""
    if len(varied) < 2:
        return None
    a, b = varied[0].replace(".", "__"), varied[1].replace(".", "__")
    ok = runs.filter(pl.col("status") == "ok") if "status" in runs.columns else runs
    if a not in ok.columns or b not in ok.columns:
        return None
    xs = sorted(ok[a].drop_nulls().unique().to_list())
    ys = sorted(ok[b].drop_nulls().unique().to_list())
    cells = ok.select(a, b).unique().height
    if len(xs) * len(ys) > 400 or len(xs) < 2 or len(ys) < 2 or cells != len(xs) * len(ys):
        return None  # sampled designs (not a full grid) are shown per parameter only
    sets = []
    for output in [chosen] + [o for o in outputs if o != chosen]:
        means = ok.group_by(a, b).agg(pl.col(output).cast(pl.Float64).mean().alias("m"))
        z = np.full((len(ys), len(xs)), np.nan)
        for xa, yb, m in means.iter_rows():
            if xa in xs and yb in ys and m is not None:
                z[ys.index(yb), xs.index(xa)] = m
        sets.append((output, [{"type": "heatmap", "x": [fmt_num(x, 4) for x in xs], "y": [fmt_num(y, 4) for y in ys],
                               "z": np.round(z, 6).tolist(), "text": np.vectorize(lambda v: fmt_num(v, 3))(z).tolist(),
                               "texttemplate": "%{text}", "colorscale": "Oranges", "colorbar": {"thickness": 12},
                               "hovertemplate": "%{x}, %{y}: %{z:.4g}<extra></extra>"}]))
    layout = {"xaxis": {"title": {"text": plot_text(varied[0])}, "type": "category"},
              "yaxis": {"title": {"text": plot_text(varied[1])}, "type": "category"}, "hovermode": "closest",
              "margin": {"t": 56}}
    if len(sets) > 1:
        menu = output_menu(sets, ytitle_of=lambda o: varied[1])
        layout["updatemenus"] = [menu]
    return Figure(f"Mean over the grid: {varied[0]} × {varied[1]}", sets[0][1], layout, height=380, key="grid-heatmap",
                  caption="The mean of the output over each point's runs. The menu switches the output.")


def sweep_sections(out_dir: Path, output: str | None) -> tuple[list[Any], dict[str, Any], pl.DataFrame]:
    store = open_results(out_dir)
    meta = store.meta
    runs = store.runs()
    varied = list(meta.get("varied") or [])
    outputs = numeric_outputs(runs)
    chosen = pick_output(outputs, output)
    status = store.status()
    stats = [
        Stat("runs finished", f"{fmt_int(status.get('finished'))} of {fmt_int(status.get('planned'))}", key="finished"),
        Stat("failed", fmt_int(status.get("failed")), key="failed"),
        Stat("points", fmt_int(meta.get("points")), key="points"),
        Stat("seeds per point", fmt_int(meta.get("seeds")), key="seeds"),
        Stat("parameters varied", fmt_int(len(varied)), ", ".join(varied), key="varied"),
    ]
    sections: list[Any] = [Headline(stats)]
    if chosen is None or not runs.height:
        sections.append(Prose(["No finished run with outputs yet: run the sweep (it resumes) and write the report again."]))
        return sections, meta, runs
    figures = param_figures(runs, varied, outputs, chosen)
    heat = grid_heatmap(runs, varied, outputs, chosen)
    if heat is not None:
        figures = [heat, *figures]
    for i in range(0, len(figures), 2):
        pair = figures[i : i + 2]
        sections.append(Row(pair) if len(pair) > 1 else pair[0])
    cols = [v.replace(".", "__") for v in varied if v.replace(".", "__") in runs.columns]
    ok = runs.filter(pl.col("status") == "ok") if "status" in runs.columns else runs
    if cols:
        shown = [chosen] + [o for o in outputs if o != chosen][:5]
        means = (ok.group_by(cols).agg([pl.len().alias("runs")] + [pl.col(o).cast(pl.Float64).mean().alias(o) for o in shown])
                 .sort(cols))
        rows = [[fmt_num(v, 4) for v in row] for row in means.iter_rows()]
        sections.append(Table([*varied, "runs", *shown], rows, title="Means by point",
                              numeric=[True] * (len(cols) + 1 + len(shown)), css_class="scroll"))
    failed = runs.filter(pl.col("status") != "ok") if "status" in runs.columns else runs.head(0)
    if failed.height:
        rows = [(r["run_id"], r.get("error") or "") for r in failed.head(50).iter_rows(named=True)]
        sections.append(Table(["run", "error"], rows, title=f"Failed runs ({failed.height})", css_class="scroll"))
    return sections, meta, runs


def sweep_page(out_dir: Path, output: str | None = None) -> Page:
    sections, meta, runs = sweep_sections(out_dir, output)
    name = meta.get("name") or out_dir.name
    page = Page(title=str(name), subtitle="A sweep: every run's outputs against the parameters it varied",
                kicker="uprising report · sweep",
                meta=[f"uprising {meta.get('uprising')}" if meta.get("uprising") else "",
                      f"created {str(meta.get('created', ''))[:16].replace('T', ' ')}" if meta.get("created") else ""],
                footer=f"Written by uprising from the results store {out_dir.name}/ (store.json, runs/, catalog.duckdb).")
    page.add(*sections)
    return page


# --- sensitivity -----------------------------------------------------------------------------
INDEX_COLOURS = {"S1": "#0072b2", "ST": "#e69f00", "mu_star": "#0072b2", "delta": "#009e73", "sigma": "#cc79a7"}
INDEX_NAMES = {"S1": "first order S1", "ST": "total ST", "mu_star": "μ* (mean |effect|)", "delta": "δ (Borgonovo)",
               "sigma": "σ"}


def sensitivity_figures(table: pl.DataFrame) -> list[Figure]:
    figures = []
    for output in table["output"].unique(maintain_order=True).to_list():
        part = table.filter(pl.col("output") == output)
        indices = [i for i in part["index"].unique(maintain_order=True).to_list() if i not in ("mu", "S2", "sigma")]
        params = part.filter(pl.col("index").is_in(indices))["parameter"].unique(maintain_order=True).to_list()
        traces = []
        for idx in indices:
            sub = {r["parameter"]: r for r in part.filter(pl.col("index") == idx).iter_rows(named=True)}
            vals = [sub[p]["value"] if p in sub else None for p in params]
            conf = [sub[p]["conf"] if p in sub and sub[p]["conf"] is not None else 0 for p in params]
            traces.append({"type": "bar", "orientation": "h", "name": plot_text(INDEX_NAMES.get(idx, idx)),
                           "y": [plot_text(p) for p in params], "x": vals,
                           "error_x": {"type": "data", "array": conf, "color": "#2b2b2e", "thickness": 1.2, "width": 4},
                           "marker": {"color": INDEX_COLOURS.get(idx, "#56b4e9")},
                           "hovertemplate": "%{y}: %{x:.3g}<extra>" + plot_text(idx) + "</extra>"})
        if not traces:
            continue
        # the axis follows the indices, not their intervals: a tiny sample's interval can be 1000
        # times the index and would flatten every bar; whiskers past the axis are cut, and said so
        vals = [x for t in traces for x in t["x"] if x is not None and math.isfinite(x)]
        ends = [(x - c, x + c) for t in traces for x, c in zip(t["x"], t["error_x"]["array"])
                if x is not None and math.isfinite(x) and c is not None and math.isfinite(c)]
        if set(indices) <= {"S1", "ST", "delta"}:
            lo, hi = min([-0.05, *[v - 0.05 for v in vals]]), max([1.05, *[v + 0.05 for v in vals]])
        else:
            top = max([abs(v) for v in vals] or [1.0])
            lo, hi = min([0.0, *vals]) - 0.05 * top, 1.6 * top
        cut = any(a < lo or b > hi for a, b in ends)
        layout = {"barmode": "group", "yaxis": {"autorange": "reversed", "automargin": True},
                  "xaxis": {"title": {"text": "index"}, "zeroline": True, "range": [lo, hi]}, "hovermode": "closest"}
        caption = "Bars: the index; whiskers: its 95% bootstrap interval."
        if cut:
            caption += (" Some intervals run past the axis and are cut: too few points for a tight estimate "
                        "(raise the sample's n); the table below gives them in full.")
        figures.append(Figure(f"What moves {output}", traces, layout, height=max(260, 60 + 46 * len(params) * max(1, len(indices)) // 2),
                              key=f"sens-{output}", caption=caption))
        if "mu_star" in indices and "sigma" in part["index"].to_list():
            ms = {r["parameter"]: r["value"] for r in part.filter(pl.col("index") == "mu_star").iter_rows(named=True)}
            sg = {r["parameter"]: r["value"] for r in part.filter(pl.col("index") == "sigma").iter_rows(named=True)}
            ps = [p for p in params if p in ms and p in sg]
            figures.append(Figure(f"Morris: μ* against σ for {output}", [
                {"type": "scatter", "mode": "markers+text", "x": [ms[p] for p in ps], "y": [sg[p] for p in ps],
                 "text": [plot_text(p) for p in ps], "textposition": "top center", "name": "parameters",
                 "marker": {"size": 10, "color": "#0072b2"}, "hovertemplate": "%{text}: μ* %{x:.3g}, σ %{y:.3g}<extra></extra>"}],
                {"xaxis": {"title": {"text": "μ* (importance)"}, "range": [0, 1.3 * max([ms[p] for p in ps] or [1])]},
                 "yaxis": {"title": {"text": "σ (interaction, non-linearity)"}, "rangemode": "tozero"}, "hovermode": "closest"},
                height=320, key=f"morris-{output}",
                caption="Far right: important; high: its effect depends on the other parameters or is not linear."))
    return figures


def sensitivity_page(out_dir: Path, output: str | None = None) -> Page:
    table = pl.read_parquet(out_dir / "sensitivity.parquet")
    meta: dict[str, Any] = {}
    try:
        meta = open_results(out_dir).meta
    except Exception:  # noqa: BLE001 - a sensitivity table without its store still gets its bars
        meta = {}
    name = meta.get("name") or out_dir.name
    methods = {"S1": "Sobol", "ST": "Sobol", "mu_star": "Morris", "delta": "delta (LHS)"}
    method = next((methods[i] for i in table["index"].to_list() if i in methods), "sensitivity")
    page = Page(title=str(name), subtitle=f"{method} sensitivity: which parameters move which outputs",
                kicker="uprising report · sensitivity",
                meta=[f"{fmt_int(meta.get('runs'))} runs" if meta.get("runs") else "",
                      f"{fmt_int(meta.get('points'))} points × {fmt_int(meta.get('seeds'))} seeds" if meta.get("points") else ""],
                footer=f"Written by uprising from {out_dir.name}/sensitivity.parquet and its results store.")
    figures = sensitivity_figures(table)
    for i in range(0, len(figures), 2):
        pair = figures[i : i + 2]
        page.add(Row(pair) if len(pair) > 1 else pair[0])
    rows = [(r["output"], r["parameter"], r["index"], fmt_num(r["value"], 4),
             "—" if r["conf"] is None else f"± {fmt_num(r['conf'], 3)}") for r in table.iter_rows(named=True)]
    page.add(Table(["output", "parameter", "index", "value", "95% interval"], rows, title="Every index",
                   numeric=[False, False, False, True, True], css_class="scroll"))
    if meta:
        sections, _, _ = sweep_sections(out_dir, output)
        page.add(Prose(["Every run of the sample behind these indices: each output against each sampled "
                        "parameter (the menus switch output)."], title="The runs behind the indices"))
        page.add(*sections[1:])
    return page


__all__ = ["sweep_page", "sweep_sections", "sensitivity_page", "param_figures", "grid_heatmap", "sensitivity_figures"]
