"""Experiment pages: validation ensembles, sweeps, sensitivity analyses, comparisons, calibrations.

``write_report(DIR)`` picks the page by what DIR holds (:func:`experiment_kind`), or by a
``kind`` key in its metadata (validation.json, compare.json, store.json, calibration.json):

===============  =================================================  ==============================
kind             DIR holds (written by)                              the page
===============  =================================================  ==============================
validation       validation.json (``uprising validate``)            model beside record: bands over
                                                                     runs of actives in El Alto and
                                                                     La Paz and of deaths, the
                                                                     resignation date histogram vs
                                                                     17 Oct, deaths per run
comparison       compare.parquet, compare_runs.parquet              differences with 95% intervals,
                 (``uprising compare``), compare_timeseries.parquet  both arms' trajectories with
                 when written                                        bands, per-run values
sensitivity      sensitivity.parquet + a results store               Sobol / Morris / delta indices as
                 (``uprising sensitivity``)                          bars with 95% intervals, and the
                                                                     sweep's page below
sweep            store.json, runs/, catalog.duckdb (``uprising       the chosen output against each
                 sweep``)                                            varied parameter (a menu switches
                                                                     output), a grid heatmap, means
calibration      calibration.json or trials.parquet (Optuna)        trial history and best so far
===============  =================================================  ==============================

Names a user wrote (scenario, sweep, parameter and output names) reach the page as text
(``escape.text`` in sections, ``escape.plot_text`` in plot labels).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import polars as pl

from .bolivia import MODEL_COLOUR, RECORD_COLOUR, RECORD_DEATHS, RECORD_RESIGNATION, record_deaths_by_day
from .escape import plot_text
from .page import Page
from .sections import (
    GROUP_COLOURS,
    Figure,
    Headline,
    Prose,
    Row,
    Stat,
    Table,
    fmt_int,
    fmt_num,
    fmt_pct,
)

KINDS = ("validation", "comparison", "sensitivity", "calibration", "sweep")
ARM_COLOURS = {"baseline": "#0072b2", "variant": "#d55e00"}
ID_COLUMNS = {"run_id", "point", "replicate", "seed", "status", "error", "arm"}
MACHINE_COLUMNS = {"wall_seconds", "agent_steps_per_second"}
PREFERRED_OUTPUTS = ("resigned", "deaths_total", "resignation_day", "outbursts", "mean_active_fraction",
                     "peak_active_fraction", "mean_active", "mean_jailed")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def experiment_kind(out_dir: str | Path) -> str | None:
    """Which experiment ``out_dir`` holds (one of :data:`KINDS`), or None for a single run."""
    out_dir = Path(out_dir)
    for meta in ("validation.json", "compare.json", "calibration.json", "store.json"):
        data = _read_json(out_dir / meta)
        if data and data.get("kind") in KINDS:
            return str(data["kind"])
    if (out_dir / "validation.json").is_file():
        return "validation"
    if (out_dir / "compare.parquet").is_file() or (out_dir / "compare_runs.parquet").is_file():
        return "comparison"
    if (out_dir / "sensitivity.parquet").is_file():
        return "sensitivity"
    if (out_dir / "calibration.json").is_file() or (out_dir / "trials.parquet").is_file():
        return "calibration"
    if (out_dir / "store.json").is_file():
        return "sweep"
    return None


def experiment_page(out_dir: str | Path, kind: str | None = None, output: str | None = None) -> Page:
    out_dir = Path(out_dir)
    kind = kind or experiment_kind(out_dir)
    if kind == "validation":
        return validation_page(out_dir)
    if kind == "comparison":
        return comparison_page(out_dir)
    if kind == "sensitivity":
        return sensitivity_page(out_dir, output)
    if kind == "calibration":
        return calibration_page(out_dir)
    if kind == "sweep":
        return sweep_page(out_dir, output)
    raise ValueError(f"{out_dir}: not an experiment's directory")


# --- shared pieces ---------------------------------------------------------------------------
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
    fill = _rgba(colour, 0.18)
    return [
        {"type": "scatter", "mode": "lines", "x": x, "y": np.round(low, 2).tolist(), "line": {"width": 0},
         "showlegend": False, "hoverinfo": "skip", "name": f"{name} {lo:g}%"},
        {"type": "scatter", "mode": "lines", "x": x, "y": np.round(high, 2).tolist(), "line": {"width": 0},
         "fill": "tonexty", "fillcolor": fill, "name": f"{name}, {lo:g}–{hi:g}% of runs", "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines", "x": x, "y": np.round(med, 2).tolist(), "name": f"{name}, median",
         "line": {"color": colour, "width": 2.2, "dash": dash}, "hovertemplate": "%{y:,.0f}"},
    ]


def _rgba(hex_colour: str, alpha: float) -> str:
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


# --- validation ------------------------------------------------------------------------------
def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def validation_page(out_dir: Path) -> Page:
    v = _read_json(out_dir / "validation.json") or {}
    runs = [r for r in (v.get("per_run") or []) if isinstance(r, dict)]
    scenario = str(v.get("scenario", "bolivia"))
    n = int(v.get("runs") or len(runs))
    page = Page(title=f"{scenario}: validation", subtitle=f"{n} runs beside the record of September–October 2003",
                kicker="uprising report · validation",
                meta=[f"root seed {v.get('root_seed', '—')}", f"scale {fmt_num(v.get('scale'))}" if v.get("scale") else "",
                      *(f"{k} = {val}" for k, val in (v.get("overrides") or {}).items())],
                footer=f"Written by uprising from {out_dir.name}/validation.json (uprising validate).")
    record = v.get("record") or {}
    med = _date(v.get("resignation_date_median"))
    stats = [
        Stat("runs where the president resigned", fmt_pct(v.get("resigned_share"), 0), "record: resigned", key="resigned_share",
             tone="active"),
        Stat("resigned 14–20 Oct", fmt_pct(v.get("resigned_in_window_share"), 0), "target ≥ 60%", key="in_window"),
        Stat("median resignation", f"{med.day} {med.strftime('%b')}" if med else "—",
             f"range {v.get('resignation_date_min') or '—'} to {v.get('resignation_date_max') or '—'}; record 17 Oct",
             key="median_date"),
        Stat("killed, median", fmt_num(v.get("deaths_median"), 3),
             f"10–90%: {fmt_num(v.get('deaths_p10'), 3)}–{fmt_num(v.get('deaths_p90'), 3)}; record 58–81", key="deaths"),
        Stat("deaths in El Alto and La Paz", fmt_pct(v.get("capital_death_share"), 0),
             f"record {fmt_pct(record.get('capital_death_share'), 0)}" if record.get("capital_death_share") else "",
             key="capital_share"),
        Stat("phases in the record's order", fmt_pct(v.get("phases_in_order_share"), 0), key="phases"),
        Stat("backfire after 12–13 Oct", fmt_pct(v.get("backfire_share"), 0), key="backfire"),
    ]
    page.add(Headline(stats))
    page.add(validation_table(v))
    series = [r.get("series") for r in runs if isinstance(r.get("series"), dict)]
    figures = validation_bands(series, _date(v.get("resignation_date_median")))
    if figures:
        page.add(Row(figures[:2]))
        if len(figures) > 2:
            page.add(Row(figures[2:]))
    else:
        page.add(Prose(["This validation.json has no per-run series (an older uprising wrote it): "
                        "run `uprising validate` again for the bands over time."]))
    hist = [f for f in (resignation_histogram(runs), deaths_histogram(runs)) if f is not None]
    if hist:
        page.add(Row(hist) if len(hist) > 1 else hist[0])
    if runs:
        rows = []
        for r in runs:
            rows.append((r.get("seed", "—"), r.get("resignation_date") or "no", fmt_num(r.get("deaths_total"), 3),
                         fmt_pct(r.get("capital_death_share"), 0), "yes" if r.get("phases_in_order") else "no",
                         {True: "yes", False: "no"}.get(r.get("backfire"), "—"),
                         fmt_num(r.get("la_paz_fuel_short_days"), 2), fmt_int(r.get("peak_active_el_alto")),
                         fmt_int(r.get("peak_active_la_paz"))))
        page.add(Table(["seed", "resigned", "killed", "in capital", "phases in order", "backfire",
                        "La Paz short of fuel (days)", "peak active El Alto", "peak active La Paz"], rows,
                       title="Every run", numeric=[False, False, True, True, False, False, True, True, True],
                       css_class="scroll"))
    return page


def validation_table(v: dict[str, Any]) -> Table:
    rec = v.get("record") or {}
    tg = v.get("targets") or {}

    def met(value: Any, test) -> str:
        try:
            return "yes" if test(float(value)) else "no"
        except (TypeError, ValueError):
            return "—"

    rows = [
        ("resigned (share of runs)", fmt_pct(v.get("resigned_share"), 0), "resigned 17 Oct", "", ""),
        ("resigned 14–20 Oct (share of runs)", fmt_pct(v.get("resigned_in_window_share"), 0), "17 Oct",
         tg.get("resigned_in_window_share", "≥ 0.6"), met(v.get("resigned_in_window_share"), lambda x: x >= 0.6)),
        ("resignation date, median [min, max]", f"{v.get('resignation_date_median') or '—'} "
         f"[{v.get('resignation_date_min') or '—'}, {v.get('resignation_date_max') or '—'}]",
         rec.get("resignation_date", "2003-10-17"), "", ""),
        ("killed, median [10%, 90%]", f"{fmt_num(v.get('deaths_median'), 3)} [{fmt_num(v.get('deaths_p10'), 3)}, "
         f"{fmt_num(v.get('deaths_p90'), 3)}]", rec.get("deaths", "58-81"), tg.get("deaths_median", "40-120"),
         met(v.get("deaths_median"), lambda x: 40 <= x <= 120)),
        ("share of deaths in El Alto and La Paz", fmt_pct(v.get("capital_death_share"), 0),
         fmt_pct(rec.get("capital_death_share"), 0), tg.get("capital_death_share", "≥ 0.5"),
         met(v.get("capital_death_share"), lambda x: x >= 0.5)),
        ("phases in the record's order (share)", fmt_pct(v.get("phases_in_order_share"), 0), "in order",
         tg.get("phases_in_order_share", "high"), ""),
        ("backfire after 12–13 Oct (share)", fmt_pct(v.get("backfire_share"), 0), "yes", "high", ""),
        ("days La Paz short of fuel, median", fmt_num(v.get("la_paz_fuel_short_days_median"), 3), "", "", ""),
    ]
    return Table(["measure", "model", "record", "target", "met"], rows, title="Model beside the record",
                 caption="Targets from the validation plan (uprising.world.validation).",
                 numeric=[False, True, True, True, False])


def validation_bands(series: list[dict[str, Any]], median_resignation: dt.date | None) -> list[Figure]:
    if not series:
        return []
    s0 = series[0]
    start = _date(s0.get("start")) or dt.date(2003, 9, 1)
    hps = float(s0.get("hours_per_step") or 6)
    length = min(len(s.get("step") or []) for s in series)
    if length < 2:
        return []
    x = [(dt.datetime.combine(start, dt.time()) + dt.timedelta(hours=hps * i)).strftime("%Y-%m-%d %H:%M")
         for i in range(length)]
    from .bolivia import date_lines

    shapes, notes = date_lines(median_resignation)
    for n in notes:
        if "model" in n["text"]:
            n["text"] = n["text"].replace("(model)", "(model median)")

    def layout(ytitle: str, **extra: Any) -> dict[str, Any]:
        out = {"xaxis": {"type": "date", "tickformat": "%-d %b", "range": [x[0], x[-1]]}, "yaxis": {"title": {"text": ytitle},
               "rangemode": "tozero", "tickformat": "~s"}, "shapes": list(shapes), "annotations": list(notes),
               "legend": {"orientation": "v", "x": 0.01, "y": 0.97, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)"}}
        out.update(extra)
        return out

    figures = []
    for key, place, colour in (("active_el_alto", "El Alto", MODEL_COLOUR), ("active_la_paz", "La Paz", "#0072b2")):
        arr = [s.get(key)[:length] for s in series if s.get(key)]
        if arr:
            figures.append(Figure(f"Actives in {place}, over runs", band_traces(x, np.array(arr), place, colour),
                                  layout("active people"), key=f"band-{key}", height=360,
                                  caption=f"Median over {len(arr)} runs and the band holding 80% of them (10–90%)."))
    arr = [s.get("deaths")[:length] for s in series if s.get("deaths")]
    if arr:
        traces = band_traces(x, np.array(arr), "model", MODEL_COLOUR)
        try:
            from uprising.world.geography import load_record

            days, lo, hi = record_deaths_by_day(load_record())
        except Exception:  # noqa: BLE001 - without the package data, no record line
            days = []
        if days:
            xs = [d.strftime("%Y-%m-%d 00:00") for d in days] + [x[-1]]
            traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": list(map(float, lo)) + [float(lo[-1])],
                           "line": {"color": RECORD_COLOUR, "width": 1.2, "dash": "dot", "shape": "hv"},
                           "name": "record, low count"})
            traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": list(map(float, hi)) + [float(hi[-1])],
                           "line": {"color": RECORD_COLOUR, "width": 1.2, "shape": "hv"}, "name": "record, high count"})
        figures.append(Figure("Deaths over time, over runs and in the record", traces, layout("killed (cumulative)"),
                              key="band-deaths", height=360,
                              caption="Cumulative killed: the model's median and 10–90% band; the record's dated "
                                      "tolls, low and high counts (record_events.csv)."))
    return figures


def resignation_histogram(runs: list[dict[str, Any]]) -> Figure | None:
    if not runs:
        return None
    dates = [_date(r.get("resignation_date")) for r in runs if r.get("resigned")]
    dates = [d for d in dates if d]
    never = len(runs) - len(dates)
    counts: dict[dt.date, int] = {}
    for d in dates:
        counts[d] = counts.get(d, 0) + 1
    lo = min([*counts, RECORD_RESIGNATION - dt.timedelta(days=7)])
    hi = max([*counts, RECORD_RESIGNATION + dt.timedelta(days=4)])
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    traces = [{"type": "bar", "x": [d.strftime("%Y-%m-%d") for d in days], "y": [counts.get(d, 0) for d in days],
               "marker": {"color": MODEL_COLOUR}, "name": "runs resigning that day",
               "hovertemplate": "%{x|%-d %b}: %{y} runs<extra></extra>"}]
    shapes = [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": "2003-10-13 12:00", "x1": "2003-10-20 12:00", "y0": 0,
         "y1": 1, "fillcolor": RECORD_COLOUR, "opacity": 0.06, "line": {"width": 0}, "layer": "below"},
        {"type": "line", "xref": "x", "yref": "paper", "x0": "2003-10-17", "x1": "2003-10-17", "y0": 0, "y1": 1,
         "line": {"color": RECORD_COLOUR, "width": 1.5, "dash": "dot"}},
    ]
    notes = [{"x": "2003-10-17", "y": 1, "xref": "x", "yref": "paper", "text": "17 Oct (record)", "showarrow": False,
              "xanchor": "left", "yanchor": "top", "xshift": 4, "font": {"size": 11}}]
    caption = "Shaded: the target window, 14–20 Oct."
    if never:
        caption += f" {never} of {len(runs)} runs ended with the president still in office."
    return Figure("When the president resigned", traces, {"xaxis": {"type": "date", "tickformat": "%-d %b"},
                  "yaxis": {"title": {"text": "runs"}, "dtick": 1 if len(runs) <= 12 else None}, "shapes": shapes,
                  "annotations": notes, "bargap": 0.15, "hovermode": "closest"}, caption=caption, key="resignation-hist",
                  height=340)


def deaths_histogram(runs: list[dict[str, Any]]) -> Figure | None:
    deaths = [float(r["deaths_total"]) for r in runs if isinstance(r.get("deaths_total"), (int, float))]
    if not deaths:
        return None
    lo, hi = RECORD_DEATHS
    traces = [{"type": "histogram", "x": deaths, "marker": {"color": MODEL_COLOUR}, "name": "runs",
               "nbinsx": max(5, min(30, len(deaths))), "hovertemplate": "%{x}: %{y} runs<extra></extra>"}]
    shapes = [{"type": "rect", "xref": "x", "yref": "paper", "x0": lo, "x1": hi, "y0": 0, "y1": 1,
               "fillcolor": RECORD_COLOUR, "opacity": 0.08, "line": {"width": 0}, "layer": "below"}]
    return Figure("Killed per run", traces, {"xaxis": {"title": {"text": "killed (people)"}, "rangemode": "tozero"},
                  "yaxis": {"title": {"text": "runs"}}, "shapes": shapes, "bargap": 0.08, "hovermode": "closest"},
                  caption=f"Shaded: the record's {lo}–{hi}.", key="deaths-hist", height=340)


# --- sweeps ----------------------------------------------------------------------------------
def _store(out_dir: Path):
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
    store = _store(out_dir)
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
        meta = _store(out_dir).meta
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


# --- comparisons -----------------------------------------------------------------------------
def comparison_page(out_dir: Path) -> Page:
    meta = _read_json(out_dir / "compare.json") or {}
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
                       caption="Mean paired difference and its Student-t 95% interval over the pairs."))
    return page


def _signed(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return "—"
    if not math.isfinite(v):
        return "—"
    return ("+" if v > 0 else "") + fmt_num(v, 3).replace("-", "−")


def forest_figure(table: pl.DataFrame) -> Figure:
    """Each output's difference relative to the baseline mean, with its 95% interval."""
    names, rel, lo, hi, text = [], [], [], [], []
    for r in table.iter_rows(named=True):
        base = r["baseline"]
        scale = abs(base) if base not in (None, 0) and math.isfinite(base) else None
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
                  key="forest", caption="Variant − baseline over the pairs, as a share of the baseline mean; a whisker "
                                        "that crosses the line at 0 is a difference the runs cannot tell from none.")


def trajectory_figures(ts: pl.DataFrame) -> list[Figure]:
    counts = [c for c in ("active", "jailed", "dead") if c in ts.columns and ts[c].cast(pl.Float64).sum() > 0]
    figures = []
    for count in counts:
        traces = []
        for arm, colour in ARM_COLOURS.items():
            part = ts.filter(pl.col("arm") == arm)
            if not part.height:
                continue
            wide = part.pivot(values=count, index="replicate", on="step", aggregate_function="sum").sort("replicate")
            steps = [c for c in wide.columns if c != "replicate"]
            arr = wide.select(steps).to_numpy().astype(float)
            traces += band_traces([int(s) for s in steps], arr, arm, colour, lo=5, hi=95)
        if traces:
            figures.append(Figure(f"{count.capitalize()} over time, both arms", traces,
                                  {"xaxis": {"title": {"text": "step"}}, "yaxis": {"title": {"text": count},
                                   "rangemode": "tozero"}}, height=340, key=f"traj-{count}",
                                  caption="Median over replicates and the band holding 90% of them (5–95%)."))
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


# --- calibration -----------------------------------------------------------------------------
def calibration_trials(out_dir: Path, meta: dict[str, Any]) -> pl.DataFrame | None:
    """Finished trials (number, value, params_*) from trials.parquet, or from the Optuna study
    that ``uprising calibrate`` keeps (``calibration.db`` or the storage named in calibration.json)."""
    if (out_dir / "trials.parquet").is_file():
        return pl.read_parquet(out_dir / "trials.parquet")
    storage = meta.get("storage")
    if not storage and (out_dir / "calibration.db").is_file():
        storage = f"sqlite:///{(out_dir / 'calibration.db').resolve()}"
    if not storage:
        return None
    try:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(study_name=meta.get("study"), storage=storage)
        rows = [{"number": t.number, "value": t.value, **{f"params_{k}": v for k, v in t.params.items()}}
                for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE" and t.value is not None]
    except Exception:  # noqa: BLE001 - a study that cannot be opened: the page says so
        return None
    return pl.DataFrame(rows) if rows else None


def calibration_page(out_dir: Path) -> Page:
    meta = _read_json(out_dir / "calibration.json") or {}
    trials = calibration_trials(out_dir, meta)
    name = meta.get("scenario") or meta.get("name") or out_dir.name
    page = Page(title=f"{name}: calibration", subtitle="The search's trials, the best so far, and what it found",
                kicker="uprising report · calibration",
                meta=[f"study {meta.get('study')}" if meta.get("study") else "",
                      f"fitted to the record up to {meta.get('until')}" if meta.get("until") else ""],
                footer=f"Written by uprising from {out_dir.name}/ (calibration.json and the Optuna study).")
    stats = [Stat("trials", fmt_int(meta.get("trials") if meta.get("trials") is not None else
                                     (trials.height if trials is not None else None)), key="trials"),
             Stat("best score", fmt_num(meta.get("best_score"), 4), "lower is closer to the record", key="best")]
    shipped = meta.get("shipped_score")
    if isinstance(shipped, dict) and shipped.get("total") is not None:
        stats.append(Stat("shipped parameters' score", fmt_num(shipped.get("total"), 4), key="shipped"))
    for k, v in (meta.get("best_parts") or {}).items():
        stats.append(Stat(f"best, {k}", fmt_num(v, 3), key=f"part-{k}"))
    page.add(Headline(stats))
    if trials is not None and trials.height and "value" in trials.columns:
        trials = trials.sort("number") if "number" in trials.columns else trials
        number = trials["number"].to_list() if "number" in trials.columns else list(range(trials.height))
        values = trials["value"].cast(pl.Float64).to_list()
        best, best_so_far = None, []
        for v in values:
            if v is not None and math.isfinite(v):
                best = v if best is None else min(best, v)
            best_so_far.append(best)
        page.add(Figure("Trial history", [
            {"type": "scatter", "mode": "markers", "x": number, "y": values, "name": "trial",
             "marker": {"color": "#9a968e", "size": 6}, "hovertemplate": "trial %{x}: %{y:.4g}<extra></extra>"},
            {"type": "scatter", "mode": "lines", "x": number, "y": best_so_far, "name": "best so far",
             "line": {"color": MODEL_COLOUR, "width": 2.2, "shape": "hv"}}],
            {"xaxis": {"title": {"text": "trial"}, "dtick": 1 if len(number) <= 20 else None},
             "yaxis": {"title": {"text": "score (lower is better)"}},
             "hovermode": "closest"}, key="trials", height=360))
        params = [c for c in trials.columns if c.startswith("params_")]
        if params:
            figs = []
            for k, c in enumerate(params):
                figs.append(Figure(c[len("params_"):], [
                    {"type": "scatter", "mode": "markers", "x": trials[c].to_list(), "y": values, "name": "trials",
                     "marker": {"color": GROUP_COLOURS[k % len(GROUP_COLOURS)], "size": 6, "opacity": 0.7},
                     "hovertemplate": "%{x:.4g}: %{y:.4g}<extra></extra>"}],
                    {"xaxis": {"title": {"text": plot_text(c[len("params_"):])}},
                     "yaxis": {"title": {"text": "score"}}, "hovermode": "closest", "showlegend": False},
                    key=f"trial-{c}", height=300))
            for i in range(0, len(figs), 3):
                page.add(Row(figs[i : i + 3]))
    else:
        page.add(Prose(["No trials could be read (the study's storage is not reachable from here)."]))
    best_params = meta.get("best_params") or {}
    shipped = meta.get("shipped_params") or {}
    ranges = meta.get("parameters") or {}
    if best_params:
        rows = [(k, fmt_num(v, 4), fmt_num(shipped.get(k), 4), " to ".join(fmt_num(x, 3) for x in (ranges.get(k) or [])[:2]))
                for k, v in best_params.items()]
        page.add(Table(["parameter", "best", "shipped", "searched"], rows, title="What the search found",
                       numeric=[False, True, True, True]))
    return page


__all__ = ["experiment_kind", "experiment_page", "validation_page", "sweep_page", "sensitivity_page",
           "comparison_page", "calibration_page", "KINDS"]
