"""The episode page: one run of an episode (``uprising run EPISODE``), beside the episode's record.

Inputs, from the run's directory (``uprising.world.outputs``): ``summary.json`` (outcome keys),
``timeseries.parquet`` (per step and place, in people), ``roads.parquet`` (per step and road),
``events.parquet`` (the model's events in ACLED columns), ``marches.parquet`` (where each
contingent is, per step) and ``frames.npz`` (the first place's grid). The record comes from the
episode's folder, ``summary.json``'s ``parameters.world.folder``: ``record.toml`` (the outcome,
phases, the places to follow), ``record_events.csv`` and ``outline.geojson``
(:class:`~uprising.report.episode_base.Episode`). Missing optional files drop their part of the page.

What the page shows, top to bottom: headline numbers (resignation and when, deaths against the
record's range, peak actives in the followed places, days the capital was short of fuel, roads
blocked at the peak); the map, played by step (:mod:`.episode_map`); actives by place; deaths
over time beside the record's; fuel and food in the followed places; roads blocked and the
elite's support; every place's share out, day by day; the model's events on a timeline beside the
record's; phases model vs record; the events as tables; the first place's grid; the resolved
parameters (figures: :mod:`.episode_figures`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping

import numpy as np
import polars as pl

from .episode_base import Episode, EpisodeRun, fmt_range, is_episode_run, parse_date, short_date
from .episode_figures import (
    actives_figure,
    deaths_figure,
    heatmap_figure,
    roads_figure,
    supply_figure,
    timeline_figure,
)
from .episode_crowds import crowd_estimates, crowds_table, record_peak_note
from .episode_map import map_section
from .page import Page
from .sections import (
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

MAX_PEAKS = 3  # followed places with their own headline number


def _days(n: int) -> str:
    return f"{abs(n)} day{'s' if abs(n) != 1 else ''}"


def resignation_stat(s: dict, ep: Episode) -> Stat:
    """The run's resignation (or not) beside the record's outcome."""
    o = ep.record.outcome if ep.record is not None else None
    rdate = parse_date(s.get("resignation_date")) if s.get("resigned") else None
    if o is None:
        record = ""
    elif o.resigned and o.resignation_date:
        record = f"record: fell by {o.route} {short_date(o.resignation_date)}"
    else:
        record = "record: no resignation" + (f"; {o.concession} ({short_date(o.concession_date)})"
                                             if o.concession and o.concession_date else "")
    if rdate is not None:
        if o is not None and o.resigned and o.resignation_date:
            diff = (rdate - o.resignation_date).days
            when = "on the day of the record" if diff == 0 else (
                f"{_days(diff)} {'before' if diff < 0 else 'after'} the record's {short_date(o.resignation_date)}")
            when += f", which fell by {o.route}"
        else:
            when = record
        route = s.get("fall_route")
        reason = s.get("resignation_reason")
        note = "; ".join(x for x in (f"by {route}" if route else "", when, reason) if x)
        return Stat("government resigned", short_date(rdate), note, key="resigned", tone="active")
    note = f"in office on {short_date(parse_date(s.get('end')))}" + (f"; {record}" if record else "")
    return Stat("government resigned", "no", note, key="resigned")


def headline(b: EpisodeRun, ep: Episode) -> Headline:
    s = b.summary
    from uprising.world.history import slug

    deaths = s.get("deaths_total")
    verdict = ""
    if isinstance(deaths, (int, float)) and ep.deaths_range is not None:
        lo, hi = ep.deaths_range
        verdict = "within" if lo <= deaths <= hi else ("below" if deaths < lo else "above")
        verdict = f"{verdict} the record's {fmt_range(lo, hi)}"
    stats = [resignation_stat(s, ep), Stat("killed", fmt_int(deaths), verdict, key="deaths")]
    crowds = crowd_estimates(ep.events)
    for place in ep.followed[:MAX_PEAKS]:
        key = slug(place)
        note = "; ".join(n for n in (peak_note(b, place), record_peak_note(crowds, place)) if n)
        stats.append(Stat(f"peak active, {place} (people, all ages)", fmt_int(s.get(f"peak_active_{key}")), note,
                          key=f"peak_{key}", tone="active"))
    capital = s.get("capital") or "the capital"
    stats += [
        Stat(f"days {capital} short of fuel", fmt_num(s.get("capital_fuel_short_days"), 2), key="fuel_days"),
        Stat("roads blocked at peak", fmt_int(s.get("roads_blocked_peak")) + roads_total(b),
             short_date(parse_date(s.get("roads_blocked_peak_date"))), key="roads_blocked"),
    ]
    area = list(s.get("deaths_area") or (ep.record.deaths.places if ep.record is not None else []))
    ppa = s.get("people_per_agent")
    minor = [
        Stat(f"deaths in {_and(area)}" if area else "deaths in the deaths area", fmt_pct(s.get("capital_death_share"), 0),
             key="capital_share"),
        Stat("phases in the record's order", "yes" if s.get("phases_in_order") else "no", key="phases"),
        Stat("clashes", fmt_int(s.get("clashes")), key="clashes"),
        Stat("marches", fmt_int(len(s.get("marches") or [])), key="marches"),
        Stat("one agent per", f"{fmt_int(ppa)} people" if ppa else "—", key="scale"),
        Stat("shared values set by the episode", ", ".join(s.get("tuned") or []) or "none", key="tuned"),
        Stat("seed", str(s.get("seed", "—")), key="seed"),
        Stat("runtime", fmt_duration(s.get("wall_seconds")), key="runtime"),
    ]
    return Headline(stats, minor)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def peak_note(b: EpisodeRun, place: str) -> str:
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


def roads_total(b: EpisodeRun) -> str:
    if b.roads is None or "blockable" not in b.roads.columns:
        return ""
    n = b.roads.filter(pl.col("step") == b.roads["step"].min()).filter(pl.col("blockable")).height
    return f" of {n}" if n else ""


def phase_title(name: str) -> str:
    """A phase's name as a title: "general_strike" -> "General Strike"."""
    return " ".join(w[:1].upper() + w[1:] for w in name.replace("_", " ").split())


def phases_table(b: EpisodeRun, ep: Episode) -> Table | None:
    """The record's phases: the record's date and window beside the run's first sign of each."""
    model = b.summary.get("phase_dates")
    if not isinstance(model, Mapping):
        return None
    record = {p.name: p for p in ep.record.phases} if ep.record is not None else {}
    errors = b.summary.get("phase_date_errors") or {}
    rows = []
    for key in list(record) + [k for k in model if k not in record]:
        md = parse_date(model.get(key))
        ph = record.get(key)
        rd = ph.date if ph else None
        diff = errors.get(key) if isinstance(errors, Mapping) else None
        if diff is None and md and rd:
            diff = (md - rd).days
        on_time = "—" if ph is None or md is None else ("yes" if ph.window[0] <= md <= ph.window[1] else "no")
        window = f"{short_date(ph.window[0])} – {short_date(ph.window[1])}" if ph else "—"
        rows.append((phase_title(key), short_date(md) if md else "never", short_date(rd), window,
                     "—" if diff is None else f"{int(diff):+d}", on_time))
    caption = ("First sign of each phase in the run (its signature in record.toml) beside the record's date "
               "and the window in which the run's phase counts as on time. "
               + ("The run's phases came in the record's order." if b.summary.get("phases_in_order")
                  else "The run's phases did not all come in the record's order."))
    return Table(["phase", "model", "record", "window", "days apart", "on time"], rows, title="Phases",
                 caption=caption, numeric=[False, True, True, True, True, False], css_class="phases")


def events_tables(b: EpisodeRun, ep: Episode) -> list[Table]:
    out = []
    record = ep.events
    if record is not None and record.height:
        rows = [(short_date(r["date"]), r["place"], r["event_type"], r["deaths_reported"] or "", r["summary"])
                for r in record.sort("date").iter_rows(named=True)]
        out.append(Table(["date", "place", "kind", "killed", "what happened"], rows,
                         title=f"The record: {ep.title}" if ep.title else "The record",
                         caption="record_events.csv (each row names its source in the data).",
                         numeric=[False, False, False, True, False], css_class="scroll events"))
    ev = b.events
    if ev is not None and ev.height:
        keep = ev.filter(pl.col("event_type") != "Protests")
        rows = [(short_date(r["event_date"]), r["location"], r["event_type"],
                 fmt_int(r["fatalities"]) if r["fatalities"] else "", r["notes"] or "")
                for r in keep.iter_rows(named=True)]
        n_protest = ev.height - keep.height
        out.append(Table(["date", "place", "kind", "killed", "what happened"], rows, title="The model's events",
                         caption=f"events.parquet without its {fmt_int(n_protest)} protest rows (crowds, blockades, "
                                 "marches: they are on the timeline above).",
                         numeric=[False, False, False, True, False], css_class="scroll events"))
    return out


def grid_section(b: EpisodeRun) -> GridAnimation | None:
    run = b.run
    if run.frame_cells is None or run.frame_cells.ndim != 3 or not len(run.frame_cells):
        return None
    ppa = b.summary.get("people_per_agent")
    places = b.summary.get("places") or []
    first = str(places[0]) if places else "The first place"
    counts = (run.frame_cells == 2).sum(axis=(1, 2))
    return GridAnimation(
        run.frame_steps, run.frame_cells, title=f"{first}, agent by agent",
        start=int(np.argmax(counts)),
        caption=(f"{first}'s grid (place 0): one agent per {fmt_int(ppa)} people. Quiet, active, jailed "
                 "and security forces, by step; opens on the step with the most actives.") if ppa else None,
        name="grid",
    )


def episode_page(out_dir: str | Path) -> Page:
    """Build the episode page for one run's output directory."""
    b = EpisodeRun.load(out_dir)
    s = b.summary
    ep = Episode.of(s)
    name = s.get("scenario", "episode")
    description = b.run.param("scenario.description", "") or ""
    resigned = parse_date(s.get("resignation_date")) if s.get("resigned") else None
    marks = ep.marks(resigned)
    start, end = parse_date(s.get("start")), parse_date(s.get("end"))
    meta = [
        f"{short_date(start)} – {short_date(end)} {end.year}" if start and end else "",
        f"{len(s.get('places') or [])} places" if s.get("places") else "",
        f"seed {s.get('seed', '—')}",
        f"{fmt_int(s.get('steps'))} steps of {fmt_num(s.get('hours_per_step'))} h" if s.get("hours_per_step") else "",
        f"scale {fmt_num(s.get('scale'))}" if s.get("scale") else "",
        f"uprising {s.get('version')}" if s.get("version") else "",
    ]
    files = [f for f in ("summary.json", "timeseries.parquet", "roads.parquet", "events.parquet",
                         "marches.parquet", "frames.npz") if (Path(out_dir) / f).is_file()]
    record_files = [f for f in ("record.toml", "record_events.csv", "outline.geojson")
                    if ep.folder is not None and (ep.folder / f).is_file()]
    footer = f"Written by uprising from {Path(out_dir).name}/: {', '.join(files)}"
    footer += (f"; the record from {ep.folder.name}/: {', '.join(record_files)}." if record_files
               else "; no record was found for this run's episode.")
    page = Page(title=str(name), subtitle=str(description), meta=meta,
                kicker=f"uprising report · {ep.title or 'episode'}", footer=footer)
    page.add(headline(b, ep))
    tuned = list(s.get("tuned") or [])
    if tuned:
        page.add(Prose([f"This episode's scenario.toml overrides {len(tuned)} value"
                        f"{'s' if len(tuned) != 1 else ''} of the shared table, in the open: "
                        f"{', '.join(tuned)}. The other episodes run with the shared values "
                        "(docs/episode-data.md)."]))
    if b.ts is None or not b.ts.height:
        page.add(Prose(["This run wrote no time series."]))
        return page
    for section in (map_section(b, ep), actives_figure(b, ep, marks)):
        if section is not None:
            page.add(section)
    pair = [f for f in (deaths_figure(b, ep, marks), roads_figure(b, marks)) if f is not None]
    if pair:
        page.add(Row(pair) if len(pair) > 1 else pair[0])
    tl = timeline_figure(b, ep, marks)
    if tl is not None:
        page.add(tl)
    pair = [x for x in (supply_figure(b, ep, marks), phases_table(b, ep)) if x is not None]
    if pair:
        page.add(Row(pair) if len(pair) > 1 else pair[0])
    heat = heatmap_figure(b, marks)
    if heat is not None:
        page.add(heat)
    crowds = crowds_table(b.ts, crowd_estimates(ep.events), s.get("people_per_agent"))
    if crowds is not None:
        page.add(crowds)
    for table in events_tables(b, ep):
        page.add(table)
    grid = grid_section(b)
    if grid is not None:
        page.add(grid)
    if b.run.parameters:
        page.add(ParameterTable(b.run.parameters, caption="The resolved scenario this run used.", collapsed=True))
    return page


__all__ = ["episode_page", "EpisodeRun", "Episode", "is_episode_run", "map_section", "headline"]
