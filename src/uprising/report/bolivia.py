"""The Bolivia page: one run of a Bolivia scenario (``uprising run bolivia-2003``), beside the record.

Inputs, from the run's directory (``uprising.world.outputs``): ``summary.json`` (outcome keys),
``timeseries.parquet`` (per step and place, in people), ``roads.parquet`` (per step and road),
``events.parquet`` (the model's events in ACLED columns), ``marches.parquet`` (where each
contingent is, per step) and ``frames.npz`` (La Paz's grid). The record comes from the package
(``uprising.world.geography.load_record``/``load_facts``/``load_outline``). Missing optional
files drop their part of the page.

What the page shows, top to bottom: headline numbers (resignation and when, deaths against the
record's 58-81, peak actives in El Alto and La Paz, days La Paz was short of fuel, roads blocked
at the peak); the map, played by step; actives by place; deaths over time beside the record's;
fuel and food in the capital; roads blocked and the elite's support; every place's share out,
day by day; the model's events on a timeline beside the record's; phases model vs record; the
events as tables; La Paz's grid; the resolved parameters.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import polars as pl

from .classic import RunOutput
from .escape import plot_text
from .maps import MAP_COLOURS, MapAnimation, MapPlace, MapView
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
    Table,
    fmt_duration,
    fmt_int,
    fmt_num,
    fmt_pct,
)

RECORD_RESIGNATION = dt.date(2003, 10, 17)
RECORD_DEATHS = (58, 81)
CAPITAL = ("La Paz", "El Alto")
# Where the Gas War happened: the zoom view of the map (lon_min, lat_min, lon_max, lat_max).
THEATRE = (-69.35, -18.45, -66.45, -15.55)
COUNTRY = (-69.8, -23.0, -57.3, -9.5)
# La Paz, El Alto and Senkata are a few km apart: the zoom view spreads them so they can be read.
# "Rest of La Paz department" is an aggregate with a nominal point beside El Alto: moved south-west.
SPREAD = {"El Alto": (-68.36, -16.42), "La Paz": (-68.02, -16.47), "Senkata": (-68.24, -16.68),
          "Rest of La Paz department": (-68.78, -16.95)}
ZOOM_SIDES = {"El Alto": "left", "Warisata": "above", "Achacachi": "left", "Senkata": "right",
              "Viacha": "left", "Rest of La Paz department": "below", "Huarina": "right"}
ZOOM_LABELS = None  # all places in the zoom view
COUNTRY_LABELS = ("La Paz", "Oruro", "Cochabamba", "Santa Cruz", "Sucre", "Potosí", "Chapare",
                  "Tarija department", "Beni department", "Pando department")
PHASE_NAMES = {
    "build_up": "Build-up",
    "altiplano_blockade": "Altiplano blockades",
    "warisata": "Warisata",
    "general_strike": "General strike",
    "el_alto_senkata": "El Alto blockade, Senkata",
    "october_12_13": "12–13 October",
    "resignation": "Resignation",
}
RECORD_COLOUR = "#1b1b1f"
MODEL_COLOUR = LINE_COLOURS["active"]
OTHER_COLOURS = ("#009e73", "#e69f00", "#cc79a7", "#56b4e9", "#1b1b1f", "#8c6d31", "#6a3d9a")
MAX_LINES = 7  # places drawn separately in the actives figure; the rest are summed


@dataclass
class BoliviaRun:
    """A Bolivia run's files, loaded."""

    run: RunOutput
    roads: pl.DataFrame | None
    events: pl.DataFrame | None
    marches: pl.DataFrame | None

    @classmethod
    def load(cls, out_dir: str | Path) -> "BoliviaRun":
        out_dir = Path(out_dir)
        run = RunOutput.load(out_dir)

        def read(name: str) -> pl.DataFrame | None:
            path = out_dir / name
            return pl.read_parquet(path) if path.is_file() else None

        return cls(run, read("roads.parquet"), read("events.parquet"), read("marches.parquet"))

    @property
    def summary(self) -> dict[str, Any]:
        return self.run.summary

    @property
    def ts(self) -> pl.DataFrame:
        return self.run.timeseries


def is_bolivia_run(out_dir: Path) -> bool:
    """A Bolivia run: summary.json says model "bolivia", or the world's roads.parquet is there."""
    try:
        summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    model = summary.get("model") or (summary.get("parameters") or {}).get("scenario", {}).get("model")
    return model == "bolivia" or (out_dir / "roads.parquet").is_file()


# --- helpers ---------------------------------------------------------------------------------
def xdate(values: Any) -> list[str]:
    """Datetimes as the text plotly reads as dates ("2003-10-12 06:00")."""
    out = []
    for v in values:
        if isinstance(v, dt.datetime):
            out.append(v.strftime("%Y-%m-%d %H:%M"))
        elif isinstance(v, dt.date):
            out.append(v.strftime("%Y-%m-%d"))
        else:
            out.append(str(v))
    return out


def day_label(d: dt.datetime) -> str:
    return f"{d.day} {d.strftime('%b %Y')} · {d.strftime('%H:%M')}"


def short_date(d: dt.date | None) -> str:
    return f"{d.day} {d.strftime('%b')}" if d else "—"


def parse_date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def wide(ts: pl.DataFrame, column: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(steps [F], place names [P], values [F, P]) of one column of the long timeseries."""
    steps = np.unique(ts["step"].to_numpy())
    order = ts.select("place", "place_name").unique().sort("place")
    names = order["place_name"].to_list()
    pidx = {p: i for i, p in enumerate(order["place"].to_list())}
    sidx = np.searchsorted(steps, ts["step"].to_numpy())
    out = np.full((len(steps), len(names)), np.nan)
    out[sidx, [pidx[p] for p in ts["place"].to_list()]] = ts[column].cast(pl.Float64).to_numpy()
    return steps, names, out


def date_lines(resigned: dt.date | None, height_note: bool = True) -> tuple[list[dict], list[dict]]:
    """Vertical lines: the record's resignation (17 Oct) and the model's, with small labels."""
    shapes, notes = [], []

    def vline(d: dt.date, colour: str, dash: str, label: str, y: float, side: str) -> None:
        x = d.strftime("%Y-%m-%d 12:00")
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
                       "line": {"color": colour, "width": 1.2, "dash": dash}, "layer": "below"})
        if height_note:
            notes.append({"x": x, "y": y, "xref": "x", "yref": "paper", "text": label, "showarrow": False,
                          "xanchor": side, "xshift": 3 if side == "left" else -3, "yanchor": "top",
                          "font": {"size": 11, "color": colour}, "bgcolor": "rgba(255,255,255,0.8)"})

    # two rows, text on the left of each line (room there: the right edge is near), so they never
    # overlap each other or run off the plot
    vline(RECORD_RESIGNATION, RECORD_COLOUR, "dot", "17 Oct: resigned (record)", 1.0, "right")
    if resigned is not None:
        vline(resigned, MODEL_COLOUR, "dash", f"{short_date(resigned)}: resigned (model)", 0.92, "right")
    return shapes, notes


def time_range(b: "BoliviaRun") -> list[str] | None:
    """The run's first and last date: set on time axes so the date labels cannot widen them."""
    ts = b.ts
    if ts is None or not ts.height or "date" not in ts.columns:
        return None
    return xdate([ts["date"].min(), ts["date"].max()])


def time_layout(ytitle: str, resigned: dt.date | None, xrange: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    shapes, notes = date_lines(resigned)
    layout = {
        "xaxis": {"type": "date", "tickformat": "%-d %b", "hoverformat": "%-d %b %H:%M",
                  **({"range": xrange} if xrange else {})},
        "yaxis": {"title": {"text": ytitle}, "rangemode": "tozero"},
        "shapes": shapes,
        "annotations": notes,
    }
    layout.update(extra)
    return layout


# --- headline --------------------------------------------------------------------------------
def headline(b: BoliviaRun) -> Headline:
    s = b.summary
    resigned = bool(s.get("resigned"))
    rdate = parse_date(s.get("resignation_date"))
    if resigned and rdate:
        diff = (rdate - RECORD_RESIGNATION).days
        when = "on the day of the record" if diff == 0 else (
            f"{abs(diff)} day{'s' if abs(diff) != 1 else ''} {'before' if diff < 0 else 'after'} the record's 17 Oct")
        reason = s.get("resignation_reason")
        resign = Stat("president resigned", short_date(rdate), when + (f"; {reason}" if reason else ""),
                      key="resigned", tone="active")
    else:
        resign = Stat("president resigned", "no", f"in office on {short_date(parse_date(s.get('end')))}; "
                      "record: 17 Oct", key="resigned")
    deaths = s.get("deaths_total")
    lo, hi = RECORD_DEATHS
    verdict = ""
    if isinstance(deaths, (int, float)):
        verdict = "within" if lo <= deaths <= hi else ("below" if deaths < lo else "above")
        verdict = f"{verdict} the record's {lo}–{hi}"
    stats = [
        resign,
        Stat("killed", fmt_int(deaths), verdict, key="deaths"),
        Stat("peak active, El Alto", fmt_int(s.get("peak_active_el_alto")), peak_note(b, "El Alto"),
             key="peak_el_alto", tone="active"),
        Stat("peak active, La Paz", fmt_int(s.get("peak_active_la_paz")), peak_note(b, "La Paz"),
             key="peak_la_paz", tone="active"),
        Stat("days La Paz short of fuel", fmt_num(s.get("la_paz_fuel_short_days"), 2),
             "record: 15 of 58 stations dry by 12 Oct", key="fuel_days"),
        Stat("roads blocked at peak", fmt_int(s.get("roads_blocked_peak")) + roads_total(b),
             short_date(parse_date(s.get("roads_blocked_peak_date"))), key="roads_blocked"),
    ]
    ppa = s.get("people_per_agent")
    minor = [
        Stat("deaths in El Alto and La Paz", fmt_pct(s.get("capital_death_share"), 0), key="capital_share"),
        Stat("phases in the record's order", "yes" if s.get("phases_in_order") else "no", key="phases"),
        Stat("clashes", fmt_int(s.get("clashes")), key="clashes"),
        Stat("marches", fmt_int(len(s.get("marches") or [])), key="marches"),
        Stat("one agent per", f"{fmt_int(ppa)} people" if ppa else "—", key="scale"),
        Stat("seed", str(s.get("seed", "—")), key="seed"),
        Stat("runtime", fmt_duration(s.get("wall_seconds")), key="runtime"),
    ]
    return Headline(stats, minor)


def peak_note(b: BoliviaRun, place: str) -> str:
    ts = b.ts
    if ts is None or "place_name" not in ts.columns:
        return ""
    part = ts.filter(pl.col("place_name") == place)
    if not part.height:
        return ""
    row = part.row(int(part["active"].arg_max()), named=True)
    pop = row.get("population")
    share = f"{fmt_pct(row['active'] / pop, 0)} of its people, " if pop else ""
    when = row["date"]
    return f"{share}{short_date(when)}" if isinstance(when, (dt.date, dt.datetime)) else share.rstrip(", ")


def roads_total(b: BoliviaRun) -> str:
    if b.roads is None or "blockable" not in b.roads.columns:
        return ""
    n = b.roads.filter(pl.col("step") == b.roads["step"].min()).filter(pl.col("blockable")).height
    return f" of {n}" if n else ""


# --- the map ---------------------------------------------------------------------------------
def map_section(b: BoliviaRun, outline: list) -> MapAnimation | None:
    ts = b.ts
    if ts is None or not {"place_name", "lat", "lon", "active", "dead"} <= set(ts.columns):
        return None
    steps, names, active = wide(ts, "active")
    _, _, dead = wide(ts, "dead")
    fuel = wide(ts, "fuel_shortage")[2] if "fuel_shortage" in ts.columns else None
    food = wide(ts, "food_shortage")[2] if "food_shortage" in ts.columns else None
    first = ts.filter(pl.col("step") == steps[0]).sort("place")
    places = [MapPlace(n, float(lon), float(lat), float(pop or 0)) for n, lon, lat, pop in
              zip(first["place_name"], first["lon"], first["lat"], first["population"])]
    index = {p.name: i for i, p in enumerate(places)}
    dates = ts.filter(pl.col("place") == first["place"][0]).sort("step")["date"].to_list()

    links: list[tuple[int, int, str]] = []
    blocked: list[list[int]] = [[] for _ in steps]
    if b.roads is not None and b.roads.height:
        r0 = b.roads.filter(pl.col("step") == b.roads["step"].min()).sort("road")
        road_ids = r0["road"].to_list()
        for a, c, kind in zip(r0["from"], r0["to"], r0["kind"]):
            links.append((index.get(a, -1), index.get(c, -1), "path" if kind == "path" else "road"))
        pos = {rid: k for k, rid in enumerate(road_ids)}
        step_pos = {int(s): i for i, s in enumerate(steps)}
        hit = b.roads.filter(pl.col("blocked")).select("step", "road")
        for s, rid in hit.iter_rows():
            if int(s) in step_pos:
                blocked[step_pos[int(s)]].append(pos[rid])
        keep = [k for k, (a, c, _) in enumerate(links) if a >= 0 and c >= 0]
        remap = {k: i for i, k in enumerate(keep)}
        links = [links[k] for k in keep]
        blocked = [[remap[e] for e in fr if e in remap] for fr in blocked]

    movers: list[list[tuple[str, float, float, float]]] = [[] for _ in steps]
    if b.marches is not None and b.marches.height:
        step_pos = {int(s): i for i, s in enumerate(steps)}
        for row in b.marches.iter_rows(named=True):
            i = step_pos.get(int(row["step"]))
            if i is None:
                continue
            lon, lat = row["lon"], row["lat"]
            # in the zoom the capital's places are spread: march toward the spread position
            at, nxt = row.get("at"), row.get("next")
            if at in SPREAD or nxt in SPREAD:
                a = SPREAD.get(at, (places[index[at]].lon, places[index[at]].lat)) if at in index else (lon, lat)
                c = SPREAD.get(nxt, (places[index[nxt]].lon, places[index[nxt]].lat)) if nxt in index else (lon, lat)
                f = float(row["fraction"])
                lon, lat = a[0] + f * (c[0] - a[0]), a[1] + f * (c[1] - a[1])
            movers[i].append((str(row["name"]), float(row["people"]), float(lon), float(lat)))

    total_active = np.nansum(active, axis=1)
    total_dead = np.nansum(dead, axis=1)
    rstep = b.summary.get("resignation_step")
    notes, flags = [], []
    for i, s in enumerate(steps):
        n_block = len(blocked[i])
        marching = sum(m[1] for m in movers[i])
        parts = [f"{fmt_int(total_active[i])} active", f"{fmt_int(total_dead[i])} killed so far",
                 f"{n_block} road{'s' if n_block != 1 else ''} blocked"]
        if marching:
            parts.append(f"{fmt_int(marching)} marching")
        if fuel is not None and "La Paz" in index and np.isfinite(fuel[i, index["La Paz"]]):
            parts.append(f"La Paz fuel shortage {fmt_pct(fuel[i, index['La Paz']], 0)}")
        notes.append(" · ".join(parts))
        flags.append("the president has resigned" if rstep is not None and s >= rstep else "")

    # open on the busiest moment in the capital (the picture a still of the page should show)
    cap = [index[n] for n in CAPITAL if n in index]
    start = int(np.nanargmax(np.nansum(active[:, cap], axis=1))) if cap else int(np.nanargmax(total_active))

    zoom = MapView("La Paz and the altiplano", THEATRE, (372, 0, 628, 620), moved=SPREAD, radius=44,
                   label_side=ZOOM_SIDES, clock=True)
    country = MapView("Bolivia", COUNTRY, (0, 0, 360, 620), labels=[n for n in COUNTRY_LABELS if n in index],
                      radius=18, show_box_of=1, badges=False)
    tips = {}
    if fuel is not None:
        tips["fuel shortage"] = fuel
    if food is not None:
        tips["food shortage"] = food
    return MapAnimation(
        views=[country, zoom],
        places=places,
        links=links,
        steps=steps,
        labels=[day_label(d) for d in dates],
        x=xdate(dates),
        active=np.nan_to_num(active),
        deaths=np.nan_to_num(dead),
        blocked=blocked,
        movers=movers,
        outline=outline,
        notes=notes,
        flags=flags,
        title="The country, step by step",
        caption=("Each place is a ring whose area is its people and a disk whose area is its actives, on one "
                 "scale: a full disk is a place all out. Roads turn dark red while blocked; dashed lines are "
                 "mountain paths; blue dots are marches under way; black badges count the killed. The zoom "
                 "spreads La Paz, El Alto and Senkata (a few km apart) so they can be read. Opens on the "
                 "busiest moment in the capital; play, drag, use ← →, or click any plot below to go to that day."),
        start=start,
        name="map",
        width=1000,
        height=620,
        tips=tips,
    )


# --- figures ---------------------------------------------------------------------------------
def actives_figure(b: BoliviaRun, resigned: dt.date | None) -> Figure | None:
    ts = b.ts
    steps, names, active = wide(ts, "active")
    dates = xdate(ts.filter(pl.col("place") == ts["place"].min()).sort("step")["date"].to_list())
    peaks = np.nan_to_num(np.nanmax(active, axis=0))
    order = [int(i) for i in np.argsort(-peaks) if peaks[i] > 0]
    shown, rest = order[:MAX_LINES], order[MAX_LINES:]
    traces = []
    for k, i in enumerate(shown):
        colour = MODEL_COLOUR if names[i] == "El Alto" else ("#0072b2" if names[i] == "La Paz" else
                                                              OTHER_COLOURS[k % len(OTHER_COLOURS)])
        traces.append({"type": "scatter", "mode": "lines", "name": plot_text(names[i]), "x": dates,
                       "y": np.nan_to_num(active[:, i]).round().tolist(),
                       "line": {"color": colour, "width": 2.2 if names[i] in CAPITAL else 1.5},
                       "hovertemplate": "%{y:,.0f}"})
    if rest:
        traces.append({"type": "scatter", "mode": "lines", "name": f"{len(rest)} other places",
                       "x": dates, "y": np.nan_to_num(active[:, rest]).sum(axis=1).round().tolist(),
                       "line": {"color": "#9a968e", "width": 1.2, "dash": "dot"}, "hovertemplate": "%{y:,.0f}"})
    if not traces:
        return None
    return Figure("Actives by place (people)", traces, time_layout("active people", resigned, time_range(b),
                  yaxis={"title": {"text": "active people"}, "rangemode": "tozero", "tickformat": "~s"},
                  legend={"orientation": "v", "x": 1.01, "y": 1, "yanchor": "top", "xanchor": "left"},
                  margin={"r": 200}),
                  caption="The places with the highest peaks, each on its own line; the others summed.",
                  height=400, key="actives", follows="map")


def record_deaths_by_day(record: pl.DataFrame) -> tuple[list[dt.date], np.ndarray, np.ndarray]:
    rec = (record.filter(pl.col("deaths_low").is_not_null() | pl.col("deaths_high").is_not_null())
           .group_by("date").agg(pl.col("deaths_low").fill_null(0).sum(), pl.col("deaths_high").fill_null(0).sum())
           .sort("date"))
    return rec["date"].to_list(), np.cumsum(rec["deaths_low"].to_numpy()), np.cumsum(rec["deaths_high"].to_numpy())


def deaths_figure(b: BoliviaRun, record: pl.DataFrame | None, resigned: dt.date | None) -> Figure | None:
    ts = b.ts
    steps, names, dead = wide(ts, "dead")
    dates_dt = ts.filter(pl.col("place") == ts["place"].min()).sort("step")["date"].to_list()
    dates = xdate(dates_dt)
    total = np.nan_to_num(dead).sum(axis=1)
    traces = []
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
    lo, hi = RECORD_DEATHS
    layout = time_layout("killed (cumulative)", resigned, time_range(b),
                         legend={"orientation": "v", "x": 0.01, "y": 0.97, "yanchor": "top", "xanchor": "left",
                                 "bgcolor": "rgba(255,255,255,0.85)"})
    layout["shapes"].append({"type": "rect", "xref": "paper", "yref": "y", "x0": 0.985, "x1": 1, "y0": lo, "y1": hi,
                             "fillcolor": RECORD_COLOUR, "opacity": 0.35, "line": {"width": 0}})
    return Figure("Deaths over time, model beside the record", traces, layout,
                  caption=(f"Cumulative killed (people). Shaded: the record's dated tolls, low to high count "
                           f"(record_events.csv); the bar at the right edge is the record's total, {lo}–{hi}."),
                  height=400, key="deaths", follows="map")


def supply_figure(b: BoliviaRun, resigned: dt.date | None) -> Figure | None:
    ts = b.ts
    if "supply_fuel" not in ts.columns:
        return None
    traces = []
    dash = {"supply_fuel": "solid", "supply_food": "dot"}
    colours = {"La Paz": "#0072b2", "El Alto": MODEL_COLOUR}
    for place in CAPITAL:
        part = ts.filter(pl.col("place_name") == place).sort("step")
        if not part.height:
            continue
        for col, what in (("supply_fuel", "fuel"), ("supply_food", "food")):
            if col in part.columns:
                traces.append({"type": "scatter", "mode": "lines", "name": plot_text(f"{place}, {what}"),
                               "x": xdate(part["date"].to_list()), "y": part[col].round(3).to_list(),
                               "line": {"color": colours[place], "width": 2 if what == "fuel" else 1.5,
                                        "dash": dash[col]}, "hovertemplate": "%{y:.0%}"})
    if not traces:
        return None
    short = (b.run.param("world.supply.short_below") if b.run.parameters else None)
    layout = time_layout("stock, share of normal", resigned, time_range(b),
                         yaxis={"title": {"text": "stock (1 = normal)"}, "rangemode": "tozero", "tickformat": ".0%"})
    caption = "Fuel and food stocks in the capital as a share of a normal stock."
    if isinstance(short, (int, float)):
        caption += f" A place counts as short of fuel when its shortage reaches {fmt_pct(short, 0)}."
    return Figure("Fuel and food in La Paz and El Alto", traces, layout, caption=caption, height=360,
                  key="supply", follows="map")


def roads_figure(b: BoliviaRun, resigned: dt.date | None) -> Figure | None:
    traces = []
    if b.roads is not None and b.roads.height:
        per = b.roads.group_by("step").agg(pl.col("date").first(), pl.col("blocked").sum()).sort("step")
        traces.append({"type": "scatter", "mode": "lines", "name": "roads blocked", "x": xdate(per["date"].to_list()),
                       "y": per["blocked"].to_list(), "line": {"color": MAP_COLOURS["blocked"], "width": 2},
                       "fill": "tozeroy", "fillcolor": "rgba(158,11,25,0.10)", "hovertemplate": "%{y}"})
    ts = b.ts
    if "elite_support" in ts.columns:
        part = ts.filter(pl.col("place") == ts["place"].min()).sort("step")
        traces.append({"type": "scatter", "mode": "lines", "name": "elite support (right axis)", "yaxis": "y2",
                       "x": xdate(part["date"].to_list()), "y": part["elite_support"].round(3).to_list(),
                       "line": {"color": "#6a3d9a", "width": 1.8}, "hovertemplate": "%{y:.2f}"})
    if not traces:
        return None
    layout = time_layout("roads blocked", resigned, time_range(b))
    layout["yaxis2"] = {"title": {"text": "elite support"}, "overlaying": "y", "side": "right", "showgrid": False,
                        "zeroline": True, "zerolinecolor": "#6a3d9a", "automargin": True, "tickformat": ".1f"}
    return Figure("Blockades and the regime", traces, layout,
                  caption="Roads blocked at each step, and the elite's support for the government (it resigns "
                          "when support is gone, the capital stays paralysed, or the forces defect).",
                  height=360, key="roads", follows="map")


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


def heatmap_figure(b: BoliviaRun, resigned: dt.date | None) -> Figure | None:
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
    shapes, notes = date_lines(resigned, height_note=False)
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
                           "share active; arriving marchers can push a small place past 100%. Dotted: resigned "
                           "17 Oct (record); dashed: the model's resignation."),
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


def timeline_figure(b: BoliviaRun, record: pl.DataFrame | None, resigned: dt.date | None) -> Figure | None:
    traces = []
    ys = {c: len(CATEGORIES) - 1 - i for i, c in enumerate(CATEGORIES)}
    if record is not None and record.height:
        xs, yv, texts, sizes = [], [], [], []
        for row in record.iter_rows(named=True):
            cat = RECORD_KIND.get(row["event_type"], "decisions")
            deaths = row.get("deaths_high") or row.get("deaths_low") or 0
            xs.append(row["date"].strftime("%Y-%m-%d 12:00"))
            yv.append(ys[cat] + 0.2)
            sizes.append(9 + 2.2 * np.sqrt(deaths))
            texts.append(plot_text(f"{row['place']}: {row['summary']}"[:220]))
        traces.append({"type": "scatter", "mode": "markers", "name": "record (2003)", "x": xs, "y": yv,
                       "text": texts, "marker": {"symbol": "diamond", "size": sizes, "color": RECORD_COLOUR,
                                                 "line": {"width": 0}, "opacity": 0.8},
                       "hovertemplate": "%{x|%-d %b}: %{text}<extra>record</extra>"})
    ev = b.events
    if ev is not None and ev.height:
        rows = []
        for row in ev.iter_rows(named=True):
            cat = model_category(row["event_type"], row["notes"])
            rows.append((row["event_date"], cat, row["location"], row["notes"] or "", int(row["fatalities"] or 0)))
        # protests: one marker per day (many places a day), sized by how many
        by_day: dict[tuple[dt.date, str], list] = {}
        for d, cat, loc, note, fat in rows:
            by_day.setdefault((d, cat), []).append((loc, note, fat))
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
    shapes, notes = date_lines(resigned)
    xr = time_range(b)
    layout = {
        "xaxis": {"type": "date", "tickformat": "%-d %b", **({"range": xr} if xr else {})},
        "yaxis": {"tickvals": [ys[c] for c in CATEGORIES], "ticktext": list(CATEGORIES), "range": [-0.6, len(CATEGORIES) - 0.4],
                  "showgrid": True, "zeroline": False, "automargin": True},
        "shapes": shapes, "annotations": notes, "hovermode": "closest",
    }
    return Figure("Events: the model beside the record", traces, layout,
                  caption=("Diamonds: the record's dated events of 2003 (upper row of each lane); circles: the "
                           "model's event log (events.parquet, ACLED columns; lower row), one marker per kind "
                           "and day. Size grows with the killed. Hover for what happened."),
                  height=380, key="timeline", follows="map")


def phases_table(b: BoliviaRun, record: pl.DataFrame | None) -> Table | None:
    model = b.summary.get("phase_dates")
    if not isinstance(model, Mapping):
        return None
    rec_first: dict[str, dt.date] = {}
    if record is not None and record.height:
        for phase, d in record.group_by("phase").agg(pl.col("date").min()).iter_rows():
            rec_first[phase] = d
    rec_first["resignation"] = RECORD_RESIGNATION
    rows = []
    for key, d in model.items():
        md = parse_date(d)
        rd = rec_first.get(key)
        diff = (md - rd).days if md and rd else None
        rows.append((PHASE_NAMES.get(key, key), short_date(md) if md else "never", short_date(rd),
                     "—" if diff is None else f"{diff:+d}"))
    caption = ("First sign of each phase in the run (uprising.world.outputs.phase_steps) beside the "
               "record's first dated event of that phase; the resignation is the record's 17 Oct. "
               + ("The run's phases came in the record's order." if b.summary.get("phases_in_order")
                  else "The run's phases did not all come in the record's order."))
    return Table(["phase", "model", "record", "days apart"], rows, title="Phases", caption=caption,
                 numeric=[False, True, True, True], css_class="phases")


def events_tables(b: BoliviaRun, record: pl.DataFrame | None) -> list[Table]:
    out = []
    if record is not None and record.height:
        rows = [(short_date(r["date"]), r["place"], r["event_type"], r["deaths_reported"] or "", r["summary"])
                for r in record.sort("date").iter_rows(named=True)]
        out.append(Table(["date", "place", "kind", "killed", "what happened"], rows, title="The record, 2003",
                         caption="record_events.csv (each row names its source in the data).",
                         numeric=[False, False, False, True, False], css_class="scroll events"))
    ev = b.events
    if ev is not None and ev.height:
        keep = ev.filter(pl.col("event_type") != "Protests")
        rows = [(short_date(r["event_date"]), r["location"], r["event_type"], fmt_int(r["fatalities"]) if r["fatalities"] else "",
                 r["notes"] or "") for r in keep.iter_rows(named=True)]
        n_protest = ev.height - keep.height
        out.append(Table(["date", "place", "kind", "killed", "what happened"], rows, title="The model's events",
                         caption=f"events.parquet without its {fmt_int(n_protest)} protest rows (crowds, blockades, "
                                 "marches: they are on the timeline above).",
                         numeric=[False, False, False, True, False], css_class="scroll events"))
    return out


def grid_section(b: BoliviaRun) -> GridAnimation | None:
    run = b.run
    if run.frame_cells is None or run.frame_cells.ndim != 3 or not len(run.frame_cells):
        return None
    ppa = b.summary.get("people_per_agent")
    counts = (run.frame_cells == 2).sum(axis=(1, 2))
    return GridAnimation(
        run.frame_steps, run.frame_cells, title="La Paz, agent by agent",
        start=int(np.argmax(counts)),
        caption=(f"La Paz's grid (place 0): one agent per {fmt_int(ppa)} people. Quiet, active, jailed "
                 "and security forces, by step; opens on the step with the most actives.") if ppa else None,
        name="grid",
    )


# --- the page --------------------------------------------------------------------------------
def bolivia_page(out_dir: str | Path) -> Page:
    """Build the Bolivia page for one run's output directory."""
    b = BoliviaRun.load(out_dir)
    s = b.summary
    try:
        from uprising.world.geography import load_outline, load_record

        record: pl.DataFrame | None = load_record()
        outline = load_outline()
    except Exception:  # noqa: BLE001 - the page still shows the run without the package data
        record, outline = None, []
    name = s.get("scenario", "bolivia")
    description = b.run.param("scenario.description", "") or ""
    resigned = parse_date(s.get("resignation_date")) if s.get("resigned") else None
    meta = [
        f"{short_date(parse_date(s.get('start')))} – {short_date(parse_date(s.get('end')))} 2003"
        if s.get("start") else "",
        f"{len(s.get('places') or [])} places" if s.get("places") else "",
        f"seed {s.get('seed', '—')}",
        f"{fmt_int(s.get('steps'))} steps of {fmt_num(s.get('hours_per_step'))} h" if s.get("hours_per_step") else "",
        f"scale {fmt_num(s.get('scale'))}" if s.get("scale") else "",
        f"uprising {s.get('version')}" if s.get("version") else "",
    ]
    files = [f for f in ("summary.json", "timeseries.parquet", "roads.parquet", "events.parquet",
                         "marches.parquet", "frames.npz") if (Path(out_dir) / f).is_file()]
    page = Page(title=str(name), subtitle=str(description), meta=meta, kicker="uprising report · Bolivia",
                footer=f"Written by uprising from {Path(out_dir).name}/: {', '.join(files)}; the record from "
                       "uprising/data/bolivia (record_events.csv, outline.geojson: Natural Earth 1:110m, public domain).")
    page.add(headline(b))
    if b.ts is None or not b.ts.height:
        page.add(Prose(["This run wrote no time series."]))
        return page
    m = map_section(b, outline)
    if m is not None:
        page.add(m)
    acts = actives_figure(b, resigned)
    if acts is not None:
        page.add(acts)
    pair = [f for f in (deaths_figure(b, record, resigned), roads_figure(b, resigned)) if f is not None]
    if pair:
        page.add(Row(pair) if len(pair) > 1 else pair[0])
    tl = timeline_figure(b, record, resigned)
    if tl is not None:
        page.add(tl)
    pair = [x for x in (supply_figure(b, resigned), phases_table(b, record)) if x is not None]
    if pair:
        page.add(Row(pair) if len(pair) > 1 else pair[0])
    heat = heatmap_figure(b, resigned)
    if heat is not None:
        page.add(heat)
    for table in events_tables(b, record):
        page.add(table)
    grid = grid_section(b)
    if grid is not None:
        page.add(grid)
    if b.run.parameters:
        page.add(ParameterTable(b.run.parameters, caption="The resolved scenario this run used.", collapsed=True))
    return page


__all__ = ["bolivia_page", "BoliviaRun", "is_bolivia_run", "map_section"]
