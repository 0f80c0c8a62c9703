"""The episode page's figures, every one on the run's dates: actives by place, deaths beside the
record's dated tolls, fuel and food in the followed places, roads blocked and the regime, every
place day by day, and the events of the model beside the record's.

Lines on the time axes mark the record's end (dotted: the resignation if the government fell,
otherwise the concession) and the model's resignation (dashed), from :class:`Episode`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from .episode_base import (
    MODEL_COLOUR,
    RECORD_COLOUR,
    Episode,
    EpisodeRun,
    Mark,
    date_lines,
    fmt_range,
    marks_caption,
    place_colours,
    record_deaths_by_day,
    time_layout,
    time_range,
    wide,
    xdate,
)
from .episode_crowds import active_meaning
from .escape import plot_text
from .maps import MAP_COLOURS
from .sections import GROUP_COLOURS, Figure, fmt_pct

MAX_LINES = 7  # places drawn separately in the actives figure; the rest are summed
ELITE_COLOUR = "#6a3d9a"


def _dates(ts: pl.DataFrame) -> list:
    return ts.filter(pl.col("place") == ts["place"].min()).sort("step")["date"].to_list()


def actives_figure(b: EpisodeRun, ep: Episode, marks: list[Mark]) -> Figure | None:
    ts = b.ts
    steps, names, active = wide(ts, "active")
    dates = xdate(_dates(ts))
    peaks = np.nan_to_num(np.nanmax(active, axis=0))
    order = [int(i) for i in np.argsort(-peaks) if peaks[i] > 0]
    # the followed places always get their own line
    order = [i for i in order if names[i] in ep.followed] + [i for i in order if names[i] not in ep.followed]
    shown, rest = order[:MAX_LINES], order[MAX_LINES:]
    colours = place_colours([names[i] for i in shown], ep.followed)
    traces = []
    for i in shown:
        traces.append({"type": "scatter", "mode": "lines", "name": plot_text(names[i]), "x": dates,
                       "y": np.nan_to_num(active[:, i]).round().tolist(),
                       "line": {"color": colours[names[i]], "width": 2.2 if names[i] in ep.followed else 1.5},
                       "hovertemplate": "%{y:,.0f}"})
    if rest:
        traces.append({"type": "scatter", "mode": "lines", "name": f"{len(rest)} other places",
                       "x": dates, "y": np.nan_to_num(active[:, rest]).sum(axis=1).round().tolist(),
                       "line": {"color": "#9a968e", "width": 1.2, "dash": "dot"}, "hovertemplate": "%{y:,.0f}"})
    if not traces:
        return None
    return Figure("Actives by place (people)", traces, time_layout("active people", marks, time_range(b),
                  yaxis={"title": {"text": "active people"}, "rangemode": "tozero", "tickformat": "~s"},
                  legend={"orientation": "v", "x": 1.01, "y": 1, "yanchor": "top", "xanchor": "left"},
                  margin={"r": 200}),
                  caption="The places the record follows, then those with the highest peaks, each on its own "
                          "line; the others summed. " + active_meaning(b.summary.get("people_per_agent")),
                  height=400, key="actives", follows="map")


def deaths_figure(b: EpisodeRun, ep: Episode, marks: list[Mark]) -> Figure | None:
    ts = b.ts
    steps, names, dead = wide(ts, "dead")
    dates_dt = _dates(ts)
    dates = xdate(dates_dt)
    total = np.nan_to_num(dead).sum(axis=1)
    traces = []
    record = ep.events
    if record is not None and record.height:
        days, lo, hi = record_deaths_by_day(record)
        if days:
            end = dates_dt[-1].date() if dates_dt else days[-1]
            xs = [days[0].strftime("%Y-%m-%d 00:00")]
            ylo, yhi = [0.0], [0.0]
            for d, a, c in zip(days, lo, hi):
                x = d.strftime("%Y-%m-%d 00:00")
                xs += [x, x]
                ylo += [ylo[-1], float(a)]
                yhi += [yhi[-1], float(c)]
            xs.append(end.strftime("%Y-%m-%d 23:59"))
            ylo.append(ylo[-1])
            yhi.append(yhi[-1])
            traces.append({"type": "scatter", "mode": "lines", "name": "record, low", "x": xs, "y": ylo,
                           "line": {"color": RECORD_COLOUR, "width": 1, "dash": "dot"}, "showlegend": False,
                           "hovertemplate": "record low %{y:,.0f}"})
            traces.append({"type": "scatter", "mode": "lines", "name": "record (low–high counts)", "x": xs,
                           "y": yhi, "fill": "tonexty", "fillcolor": "rgba(27,27,31,0.10)",
                           "line": {"color": RECORD_COLOUR, "width": 1, "dash": "dot"},
                           "hovertemplate": "record high %{y:,.0f}"})
    traces.append({"type": "scatter", "mode": "lines", "name": "model, all places", "x": dates,
                   "y": total.round(1).tolist(), "line": {"color": MODEL_COLOUR, "width": 2.4},
                   "hovertemplate": "%{y:,.0f}"})
    finals = np.nan_to_num(dead[-1]) if len(dead) else np.zeros(len(names))
    for k, i in enumerate([int(i) for i in np.argsort(-finals) if finals[i] > 0][:4]):
        traces.append({"type": "scatter", "mode": "lines", "name": f"model, {plot_text(names[i])}", "x": dates,
                       "y": np.nan_to_num(dead[:, i]).round(1).tolist(),
                       "line": {"color": GROUP_COLOURS[k % len(GROUP_COLOURS)], "width": 1.3},
                       "hovertemplate": "%{y:,.0f}"})
    layout = time_layout("killed (cumulative)", marks, time_range(b),
                         legend={"orientation": "v", "x": 0.01, "y": 0.97, "yanchor": "top", "xanchor": "left",
                                 "bgcolor": "rgba(255,255,255,0.85)"})
    caption = "Cumulative killed (people)."
    if record is not None and record.height:
        caption += " Shaded: the record's dated tolls, low to high count (record_events.csv)."
    if ep.deaths_range is not None:
        lo, hi = ep.deaths_range
        layout["shapes"].append({"type": "rect", "xref": "paper", "yref": "y", "x0": 0.985, "x1": 1, "y0": lo,
                                 "y1": hi, "fillcolor": RECORD_COLOUR, "opacity": 0.35, "line": {"width": 0}})
        caption += f" The bar at the right edge is the record's total, {fmt_range(lo, hi)}."
    return Figure("Deaths over time, model beside the record", traces, layout, caption=caption, height=400,
                  key="deaths", follows="map")


def stacked_widths(n: int, widest: float = 5.0, narrowest: float = 1.6) -> list[float]:
    """Line widths for ``n`` lines that may lie on top of each other: the first widest (drawn first,
    underneath), each next one narrower, so a line under another still shows at its sides."""
    if n <= 1:
        return [2.2] * n
    return [round(widest - (widest - narrowest) * i / (n - 1), 2) for i in range(n)]


def supply_figure(b: EpisodeRun, ep: Episode, marks: list[Mark]) -> Figure | None:
    ts = b.ts
    if "supply_fuel" not in ts.columns or not ep.followed:
        return None
    dash = {"supply_fuel": "solid", "supply_food": "dot"}
    colours = place_colours([], ep.followed)
    parts = [(place, ts.filter(pl.col("place_name") == place).sort("step")) for place in ep.followed]
    parts = [(place, part) for place, part in parts if part.height]
    widths = stacked_widths(len(parts))
    traces = []
    # fuel first, then food, each with the first place widest and underneath: places whose stocks
    # are the same (a shared supply) stay apart as a wide line edged by a narrow one
    for col, what in (("supply_fuel", "fuel"), ("supply_food", "food")):
        for (place, part), width in zip(parts, widths):
            if col in part.columns:
                traces.append({"type": "scatter", "mode": "lines", "name": plot_text(f"{place}, {what}"),
                               "x": xdate(part["date"].to_list()), "y": part[col].round(3).to_list(),
                               "line": {"color": colours[place], "width": width if what == "fuel" else max(1.4, width * 0.7),
                                        "dash": dash[col]},
                               "opacity": 1.0 if width == min(widths) else 0.6, "hovertemplate": "%{y:.0%}"})
    if not traces:
        return None
    shown = [place for place, _ in parts]
    short = (b.run.param("world.supply.short_below") if b.run.parameters else None)
    layout = time_layout("stock, share of normal", marks, time_range(b),
                         yaxis={"title": {"text": "stock (1 = normal)"}, "rangemode": "tozero", "tickformat": ".0%"})
    caption = "Fuel (solid) and food (dotted) stocks as a share of a normal stock."
    if len(shown) > 1:
        caption += (f" {shown[0]}'s lines are the widest and pale, drawn underneath; where places' stocks are the same "
                    "the narrower lines run inside the wider ones.")
    if isinstance(short, (int, float)):
        caption += f" A place counts as short of fuel when its shortage reaches {fmt_pct(short, 0)}."
    return Figure(f"Fuel and food in {' and '.join(shown)}", traces, layout, caption=caption, height=360,
                  key="supply", follows="map")


NICE_STEPS = (1, 2, 3, 4, 5, 6, 8)


def count_ticks(most: float) -> tuple[int, int]:
    """(intervals, step) for a whole-number axis from 0 that reaches ``most``: 4 or 5 equal steps of
    1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20... (never 2.5 roads), the lowest top that holds ``most``."""
    steps = sorted({m * 10**e for e in range(9) for m in NICE_STEPS} | {15 * 10**e for e in range(8)}
                   | {25 * 10**e for e in range(8)})
    best = None
    for k in (4, 5):
        step = next(s for s in steps if k * s >= most)
        if best is None or k * step < best[0] * best[1]:
            best = (k, step)
    return best


def roads_figure(b: EpisodeRun, marks: list[Mark]) -> Figure | None:
    """Roads blocked (left axis, whole numbers) and the elites' support (right axis, its range 0–1);
    both axes in the same number of equal steps, so their ticks line up."""
    traces = []
    most = 0.0
    if b.roads is not None and b.roads.height:
        per = b.roads.group_by("step").agg(pl.col("date").first(), pl.col("blocked").sum()).sort("step")
        most = float(per["blocked"].max() or 0)
        traces.append({"type": "scatter", "mode": "lines", "name": "roads blocked", "x": xdate(per["date"].to_list()),
                       "y": per["blocked"].to_list(), "line": {"color": MAP_COLOURS["blocked"], "width": 2},
                       "fill": "tozeroy", "fillcolor": "rgba(158,11,25,0.10)", "hovertemplate": "%{y:d} roads"})
    ts = b.ts
    clipped = False
    if "elite_support" in ts.columns:
        part = ts.filter(pl.col("place") == ts["place"].min()).sort("step")
        support = part["elite_support"].cast(pl.Float64).to_numpy()
        clipped = bool(np.any((support < 0) | (support > 1)))
        traces.append({"type": "scatter", "mode": "lines", "name": "elite support (right axis)", "yaxis": "y2",
                       "x": xdate(part["date"].to_list()), "y": np.clip(support, 0.0, 1.0).round(3).tolist(),
                       "line": {"color": ELITE_COLOUR, "width": 1.8}, "hovertemplate": "support %{y:.2f}"})
    if not traces:
        return None
    k, step = count_ticks(max(most, 1.0))
    layout = time_layout("roads blocked", marks, time_range(b))
    layout["yaxis"] = {"title": {"text": "roads blocked"}, "range": [0, k * step], "tick0": 0, "dtick": step,
                       "tickformat": "d"}
    ticks = [i / k for i in range(k + 1)]
    layout["yaxis2"] = {"title": {"text": "elite support (0 = none, 1 = full)", "font": {"color": ELITE_COLOUR}},
                        "overlaying": "y", "side": "right", "showgrid": False, "zeroline": False,
                        "range": [0, 1], "tickmode": "array", "tickvals": ticks,
                        "ticktext": [f"{t:g}" for t in ticks], "tickfont": {"color": ELITE_COLOUR},
                        "automargin": True}
    caption = ("Roads blocked at each step (left axis, whole roads), and the elites' support for the government "
               "(right axis, from 0, none, to 1, full; it resigns when support is gone, the capital stays "
               "paralysed, or the forces defect).")
    if clipped:
        caption += " Support is shown within its range 0–1: the run's value left it at times."
    return Figure("Blockades and the regime", traces, layout, caption=caption, height=360, key="roads", follows="map")


HEAT_MEASURES = (
    # (label, daily value, colour scale, colour bar title, tick format, hover text, fixed top or None)
    ("share active", "share", [[0, "#f7f4ee"], [0.15, "#f6c9a4"], [0.5, "#e5823f"], [1, "#8c2d04"]],
     "share<br>active", ".0%", "%{z:.1%} active", 1.0),
    ("killed so far", "dead", [[0, "#f7f4ee"], [0.05, "#d9d5cc"], [0.4, "#7a7a7a"], [1, "#1b1b1f"]],
     "killed", "~s", "%{z:,.0f} killed so far", None),
    ("fuel stock", "fuel", [[0, "#9e0b19"], [0.5, "#f0b7a4"], [1, "#f7f4ee"]],
     "fuel<br>stock", ".0%", "fuel stock %{z:.0%} of normal", 1.0),
    ("food stock", "food", [[0, "#6a3d9a"], [0.5, "#cbb7dd"], [1, "#f7f4ee"]],
     "food<br>stock", ".0%", "food stock %{z:.0%} of normal", 1.0),
)


def heatmap_figure(b: EpisodeRun, marks: list[Mark]) -> Figure | None:
    """Every place by day; a menu switches the measure: share active, killed, fuel, food."""
    ts = b.ts
    if "population" not in ts.columns:
        return None
    aggs = [pl.col("active").max(), pl.col("population").first(), pl.col("dead").max()]
    if "supply_fuel" in ts.columns:
        aggs.append(pl.col("supply_fuel").min().alias("fuel"))
    if "supply_food" in ts.columns:
        aggs.append(pl.col("supply_food").min().alias("food"))
    daily = (ts.with_columns(day=pl.col("date").dt.date())
             .group_by("day", "place", "place_name").agg(aggs)
             .filter(pl.col("population") > 0)
             .with_columns(share=pl.col("active") / pl.col("population")))
    if not daily.height:
        return None
    order = (daily.group_by("place", "place_name").agg(pl.col("share").max().alias("peak"))
             .sort(["peak", "place"], descending=[False, True]))
    names = order["place_name"].to_list()
    days = sorted(daily["day"].unique().to_list())
    ni = {n: i for i, n in enumerate(names)}
    di = {d: j for j, d in enumerate(days)}
    rows = [ni[n] for n in daily["place_name"].to_list()]
    cols = [di[d] for d in daily["day"].to_list()]
    x = [d.strftime("%Y-%m-%d 12:00") for d in days]
    y = [plot_text(n) for n in names]
    sets = []
    for label, column, scale, bar, fmt, hover, top in HEAT_MEASURES:
        if column not in daily.columns:
            continue
        z = np.full((len(names), len(days)), np.nan)
        z[rows, cols] = daily[column].cast(pl.Float64).to_numpy()
        peak = float(np.nanmax(z)) if np.isfinite(z).any() else 1.0
        zmax = min(top, max(0.05, peak)) if top is not None else max(1.0, peak)
        sets.append((label, {"z": np.round(z, 4).tolist(), "zmin": 0, "zmax": zmax, "colorscale": scale,
                             "colorbar": {"title": {"text": bar}, "tickformat": fmt, "thickness": 12},
                             "hovertemplate": "%{y}<br>%{x|%-d %b}: " + hover + "<extra></extra>"}))
    trace = {"type": "heatmap", "x": x, "y": y, "xgap": 1, "ygap": 1, **sets[0][1]}
    shapes, notes = date_lines(marks, height_note=False)
    layout = {"xaxis": {"type": "date", "tickformat": "%-d %b", "showgrid": False},
              "yaxis": {"automargin": True, "showgrid": False, "tickfont": {"size": 11}},
              "shapes": shapes, "annotations": notes, "hovermode": "closest",
              "margin": {"l": 150, "r": 16, "t": 48, "b": 44}}
    if len(sets) > 1:
        layout["updatemenus"] = [{
            "buttons": [{"label": label, "method": "restyle", "args": [{k: [v] for k, v in spec.items()}]}
                        for label, spec in sets],
            "direction": "down", "x": 1, "xanchor": "right", "y": 1.0, "yanchor": "bottom", "showactive": True,
            "bgcolor": "#fff", "bordercolor": "#cfcac0", "font": {"size": 12}}]
    return Figure("Every place, day by day", [trace], layout,
                  caption=("Each day's highest share of the place's people active (the menu shows instead the "
                           "killed so far, or the day's lowest fuel or food stock), places ordered by their peak "
                           "share active; arriving marchers can push a small place past 100%. "
                           + marks_caption(marks)).strip(),
                  height=max(380, 18 * len(names) + 110), key="heatmap", follows="map")


# --- events: model beside record -------------------------------------------------------------
CATEGORIES = ("decisions", "protests and strikes", "blockades", "marches", "clashes", "killings")
RECORD_KIND = {"political": "decisions", "protest": "protests and strikes", "strike": "protests and strikes",
               "blockade": "blockades", "march": "marches", "clash": "clashes", "massacre": "killings"}


def model_category(event_type: str, notes: str) -> str:
    notes = notes or ""
    if event_type == "Violence against civilians":
        return "killings"
    if event_type == "Riots" or event_type == "Battles":
        return "clashes"
    if event_type == "Strategic developments":
        return "decisions"
    if "road blockade" in notes:
        return "blockades"
    if " set out " in notes or " arrive" in notes or "march" in notes.lower():
        return "marches"
    return "protests and strikes"


def timeline_figure(b: EpisodeRun, ep: Episode, marks: list[Mark]) -> Figure | None:
    traces = []
    ys = {c: len(CATEGORIES) - 1 - i for i, c in enumerate(CATEGORIES)}
    record = ep.events
    if record is not None and record.height:
        xs, yv, texts, sizes = [], [], [], []
        for row in record.iter_rows(named=True):
            cat = RECORD_KIND.get(row["event_type"], "decisions")
            deaths = row.get("deaths_high") or row.get("deaths_low") or 0
            xs.append(row["date"].strftime("%Y-%m-%d 12:00"))
            yv.append(ys[cat] + 0.2)
            sizes.append(9 + 2.2 * np.sqrt(deaths))
            texts.append(plot_text(f"{row['place']}: {row['summary']}"[:220]))
        traces.append({"type": "scatter", "mode": "markers", "name": "record", "x": xs, "y": yv,
                       "text": texts, "marker": {"symbol": "diamond", "size": sizes, "color": RECORD_COLOUR,
                                                 "line": {"width": 0}, "opacity": 0.8},
                       "hovertemplate": "%{x|%-d %b}: %{text}<extra>record</extra>"})
    ev = b.events
    if ev is not None and ev.height:
        by_day: dict[tuple[dt.date, str], list] = {}
        for row in ev.iter_rows(named=True):
            cat = model_category(row["event_type"], row["notes"])
            by_day.setdefault((row["event_date"], cat), []).append(
                (row["location"], row["notes"] or "", int(row["fatalities"] or 0)))
        # one marker per kind and day (many places a day), sized by how many and the killed
        xs, yv, texts, sizes = [], [], [], []
        for (d, cat), items in sorted(by_day.items()):
            fat = sum(i[2] for i in items)
            xs.append(d.strftime("%Y-%m-%d 12:00"))
            yv.append(ys[cat] - 0.2)
            n = len(items)
            sizes.append(min(30, 7 + 2.2 * np.sqrt(fat) + (1.5 * np.sqrt(n - 1) if n > 1 else 0)))
            head = f"{n} events: " if n > 1 else ""
            lines = "; ".join(f"{loc}: {note}" for loc, note, _ in items[:4])
            more = f" (+{n - 4} more)" if n > 4 else ""
            texts.append(plot_text((head + lines)[:260] + more))
        traces.append({"type": "scatter", "mode": "markers", "name": "model", "x": xs, "y": yv, "text": texts,
                       "marker": {"symbol": "circle", "size": sizes, "color": MODEL_COLOUR, "opacity": 0.75,
                                  "line": {"width": 0}},
                       "hovertemplate": "%{x|%-d %b}: %{text}<extra>model</extra>"})
    if not traces:
        return None
    shapes, notes = date_lines(marks)
    xr = time_range(b)
    layout = {
        "xaxis": {"type": "date", "tickformat": "%-d %b", **({"range": xr} if xr else {})},
        "yaxis": {"tickvals": [ys[c] for c in CATEGORIES], "ticktext": list(CATEGORIES),
                  "range": [-0.6, len(CATEGORIES) - 0.4], "showgrid": True, "zeroline": False, "automargin": True},
        "shapes": shapes, "annotations": notes, "hovermode": "closest",
    }
    return Figure("Events: the model beside the record", traces, layout,
                  caption=("Diamonds: the record's dated events (record_events.csv; upper row of each lane); "
                           "circles: the model's event log (events.parquet, ACLED columns; lower row), one marker "
                           "per kind and day. Size grows with the killed. Hover for what happened."),
                  height=380, key="timeline", follows="map")


__all__ = ["actives_figure", "deaths_figure", "supply_figure", "roads_figure", "heatmap_figure", "timeline_figure"]
