"""The comparison page (``uprising compare``): the variant against the baseline, run in pairs with
common random numbers: differences with 95% intervals, both arms' trajectories, every pair."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl

from .escape import plot_text
from .experiment_parts import band_traces, output_menu, read_json
from .page import Page
from .sections import Figure, Headline, Prose, Row, Stat, Table, fmt_int, fmt_num

ARM_COLOURS = {"baseline": "#0072b2", "variant": "#d55e00"}


# --- comparisons -----------------------------------------------------------------------------
def comparison_page(out_dir: Path) -> Page:
    meta = read_json(out_dir / "compare.json") or {}
    table = pl.read_parquet(out_dir / "compare.parquet") if (out_dir / "compare.parquet").is_file() else None
    runs = pl.read_parquet(out_dir / "compare_runs.parquet") if (out_dir / "compare_runs.parquet").is_file() else None
    ts_path = out_dir / "compare_timeseries.parquet"
    ts = pl.read_parquet(ts_path) if ts_path.is_file() else None
    changes = meta.get("changes") or {}
    scenario = meta.get("scenario") or out_dir.name
    change_text = ", ".join(f"{k} = {v}" for k, v in changes.items()) or "the variant"
    pairs = int(table["n"].max()) if table is not None and table.height else (
        runs.filter(pl.col("arm") == "baseline").height if runs is not None else 0)
    page = Page(title=f"{scenario}: {change_text}" if changes else str(scenario),
                subtitle="A counterfactual: the baseline and the variant, run in pairs with common random numbers",
                kicker="uprising report · comparison",
                meta=[f"{pairs} pairs", f"root seed {meta.get('seed')}" if meta.get("seed") is not None else "",
                      *(f"both arms: {k} = {v}" for k, v in (meta.get("base_overrides") or {}).items())],
                footer=f"Written by uprising from {out_dir.name}/ (uprising compare): "
                       + ", ".join(p.name for p in (out_dir / "compare.parquet", out_dir / "compare_runs.parquet", ts_path)
                                   if p.is_file()) + ".")
    if table is not None and table.height:
        stats = []
        for r in table.head(6).iter_rows(named=True):
            sig = r["ci_low"] is not None and r["ci_high"] is not None and (r["ci_low"] > 0 or r["ci_high"] < 0)
            stats.append(Stat(f"{r['output']}: difference", _signed(r["difference"]),
                              f"95% CI {_signed(r['ci_low'])} to {_signed(r['ci_high'])}"
                              + ("" if sig else " (includes 0)"), key=f"diff-{r['output']}",
                              tone="active" if sig else ""))
        page.add(Headline(stats))
        page.add(forest_figure(table))
    if ts is not None and ts.height:
        figs = trajectory_figures(ts)
        if figs:
            page.add(Row(figs) if len(figs) > 1 else figs[0])
    else:
        page.add(Prose(["This comparison's directory has no compare_timeseries.parquet, so the arms' "
                        "trajectories are not drawn; the differences below come from compare.parquet."]))
    if runs is not None and table is not None and table.height:
        page.add(paired_figure(runs, table["output"].to_list()))
    if table is not None and table.height:
        rows = [(r["output"], fmt_num(r["baseline"], 4), fmt_num(r["variant"], 4), _signed(r["difference"]),
                 f"{_signed(r['ci_low'])} to {_signed(r['ci_high'])}", fmt_int(r["n"])) for r in table.iter_rows(named=True)]
        page.add(Table(["output", "baseline (mean)", "variant (mean)", "difference", "95% interval", "pairs"], rows,
                       title="Differences (variant − baseline)", numeric=[False, True, True, True, True, True],
                       caption="Mean paired difference and its 95% interval over the pairs: Student's t; exact "
                               "(Clopper-Pearson on the discordant pairs) for yes/no outcomes; within each quantity's range."))
    return page


def _signed(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(v):
        return "—"
    return ("+" if v > 0 else "") + fmt_num(v, 3).replace("-", "−")


def forest_figure(table: pl.DataFrame, caption: str | None = None) -> Figure:
    """Each output's difference relative to the baseline mean (or to the table's ``scale`` where it
    gives one), with its 95% interval."""
    names, rel, lo, hi, text = [], [], [], [], []
    for r in table.iter_rows(named=True):
        base = r["baseline"]
        scale = abs(base) if base not in (None, 0) and math.isfinite(base) else None
        if r.get("scale") not in (None, 0):
            scale = abs(r["scale"])
        if scale is None or r["difference"] is None or not math.isfinite(r["difference"]):
            continue
        names.append(plot_text(r["output"]))
        d = r["difference"] / scale
        rel.append(d)
        lo.append(d - (r["ci_low"] / scale if r["ci_low"] is not None and math.isfinite(r["ci_low"]) else d))
        hi.append((r["ci_high"] / scale if r["ci_high"] is not None and math.isfinite(r["ci_high"]) else d) - d)
        text.append(f"{_signed(r['difference'])} ({_signed(r['ci_low'])} to {_signed(r['ci_high'])})")
    trace = {"type": "scatter", "mode": "markers", "x": rel, "y": names, "text": text, "name": "difference",
             "error_x": {"type": "data", "symmetric": False, "array": hi, "arrayminus": lo, "color": "#2b2b2e",
                         "thickness": 1.4, "width": 5},
             "marker": {"size": 10, "color": ARM_COLOURS["variant"]},
             "hovertemplate": "%{y}: %{text}<extra></extra>"}
    layout = {"xaxis": {"title": {"text": "difference, share of the baseline mean"}, "tickformat": "+.0%",
                        "zeroline": True, "zerolinecolor": "#2b2b2e", "zerolinewidth": 1.5},
              "yaxis": {"autorange": "reversed", "automargin": True}, "hovermode": "closest", "showlegend": False}
    return Figure("Differences with 95% intervals", [trace], layout, height=max(240, 60 + 40 * len(names)),
                  key="forest", caption=caption or ("Variant − baseline over the pairs, as a share of the baseline "
                                                    "mean; a whisker that crosses the line at 0 is a difference the "
                                                    "runs cannot tell from none."))


def trajectory_figures(ts: pl.DataFrame) -> list[Figure]:
    """Each count over time, one panel per arm (small multiples on one y scale): the median over
    replicates and one band (10–90%), so two arms that cross each other stay readable."""
    counts = [c for c in ("active", "jailed", "dead") if c in ts.columns and ts[c].cast(pl.Float64).sum() > 0]
    arms = [a for a in ARM_COLOURS if ts.filter(pl.col("arm") == a).height]
    figures = []
    for count in counts:
        traces, notes = [], []
        rows, gap = len(arms), 0.14
        domains = [(1 - (row + 1) / rows + (gap / 2 if row < rows - 1 else 0), 1 - row / rows - (gap / 2 if row else 0))
                   for row in range(rows)]
        for row, arm in enumerate(arms):
            part = ts.filter(pl.col("arm") == arm)
            wide = part.pivot(values=count, index="replicate", on="step", aggregate_function="sum").sort("replicate")
            steps = [c for c in wide.columns if c != "replicate"]
            arr = wide.select(steps).to_numpy().astype(float)
            axis = "" if row == 0 else str(row + 1)
            for t in band_traces([int(s) for s in steps], arr, arm, ARM_COLOURS[arm]):
                traces.append({**t, "xaxis": f"x{axis}", "yaxis": f"y{axis}", "showlegend": False})
            notes.append({"text": f"<b>{arm}</b>: median and 10–90% of runs", "xref": "paper", "yref": "paper",
                          "x": 0, "y": domains[row][1], "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                          "font": {"size": 12, "color": ARM_COLOURS[arm]}})
        if not traces:
            continue
        layout: dict[str, Any] = {"annotations": notes, "showlegend": False, "margin": {"t": 28},
                                  "hovermode": "x unified"}
        for row in range(rows):
            axis = "" if row == 0 else str(row + 1)
            layout[f"yaxis{axis}"] = {"domain": list(domains[row]), "rangemode": "tozero",
                                      "title": {"text": count}, **({"matches": "y"} if row else {})}
            layout[f"xaxis{axis}"] = {"anchor": f"y{axis}", **({"matches": "x"} if row else {}),
                                      **({"title": {"text": "step"}} if row == rows - 1 else {"showticklabels": False})}
        figures.append(Figure(f"{count.capitalize()} over time, each arm", traces, layout, height=200 + 150 * rows,
                              key=f"traj-{count}",
                              caption="One panel per arm, on one scale: the median over replicates and the band "
                                      "holding 80% of them (10–90%)."))
    return figures


def paired_figure(runs: pl.DataFrame, outputs: list[str]) -> Figure:
    """Each output: every replicate's baseline and variant values joined by a line (a menu switches output)."""
    ok = runs.filter(pl.col("status") == "ok") if "status" in runs.columns else runs
    sets = []
    for output in outputs:
        if output not in ok.columns:
            continue
        b = ok.filter(pl.col("arm") == "baseline").select("replicate", b=pl.col(output).cast(pl.Float64))
        v = ok.filter(pl.col("arm") == "variant").select("replicate", v=pl.col(output).cast(pl.Float64))
        both = b.join(v, on="replicate").drop_nulls().sort("replicate")
        xs, ys = [], []
        for r in both.iter_rows(named=True):
            xs += ["baseline", "variant", None]
            ys += [r["b"], r["v"], None]
        sets.append((output, [
            {"type": "scatter", "mode": "lines", "x": xs, "y": ys, "line": {"color": "#bdb6a8", "width": 1},
             "name": "pairs", "hoverinfo": "skip"},
            {"type": "scatter", "mode": "markers", "x": ["baseline"] * both.height + ["variant"] * both.height,
             "y": both["b"].to_list() + both["v"].to_list(), "name": "runs",
             "marker": {"size": 8, "color": [ARM_COLOURS["baseline"]] * both.height + [ARM_COLOURS["variant"]] * both.height},
             "hovertemplate": "%{x}: %{y:.4g}<extra></extra>"},
        ]))
    layout = {"xaxis": {"type": "category"}, "yaxis": {"title": {"text": plot_text(sets[0][0]) if sets else ""}},
              "showlegend": False, "hovermode": "closest", "margin": {"t": 56}}
    if len(sets) > 1:
        layout["updatemenus"] = [output_menu(sets)]
    return Figure("Every pair", sets[0][1] if sets else [], layout, height=340, key="pairs",
                  caption="Each line joins one replicate's baseline and variant (same seed). The menu switches output.")


__all__ = ["comparison_page", "forest_figure", "trajectory_figures", "paired_figure", "ARM_COLOURS"]
