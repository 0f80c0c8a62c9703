"""Building a run of the world of places, and what it reports: timeseries, roads, events, summary.

What the summary compares with the record (phases, the deaths area, the backfire windows, the
places followed) comes from the episode's ``record.toml`` (:mod:`uprising.world.history`).

Everything reported is in people (an agent stands for 1/scale people). Scaling rule per outcome
(docs/episodes.md, "People, not agents"):

- quiet, active, jailed: agents x 1/scale (a resolution of 1/scale people);
- deaths: drawn in people (binomial over the soldiers as people), exact at every scale;
- police, soldiers, marching: kept in people by the world; the grids hold round(people x scale);
- blockades: thresholds in people, compared with actives in people;
- supply, elite support, paralysis: place-level quantities, no agents involved.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from uprising.errors import UserError
from uprising.world import registry, signatures
from uprising.world.acled import events_frame
from uprising.world.country import CountryWorld
from uprising.world.history import has_record, load_record_file, slug


def build_world(scenario, seed: int, schedule: str):
    if schedule != "synchronous":
        raise UserError(None, "scenario.schedule", "the world of places runs the synchronous schedule; allowed: synchronous")
    from uprising.mechanisms import phases as mechanisms
    from uprising.mechanisms import repression

    if not scenario.world.clashes.lethal_force:  # counterfactual: no live fire anywhere
        scenario = scenario.model_copy(deep=True)
        scenario.repression.p_kill = 0.0
    w = CountryWorld(scenario, seed, schedule)
    w.history = load_record_file(w.cfg.folder) if has_record(w.cfg.folder) else None
    mechanisms.install(w)  # groups and their draws, legitimacy baselines, loyalty, soldiers' vision
    ms = w.mechanisms
    ms.people_per_agent[:] = w.ppa
    if not ms.on["repression"]:  # soldiers come with the world's deployments
        ms.on["repression"] = True
        repression.install(w)
    w.after_groups()
    registry.install(w)  # every world mechanism's state, in the registry's order
    plan = registry.build_plan(w)
    w.plan_text = str(plan)
    w.sync_soldiers(0)
    w.record_world(0)
    return w, plan


def _dates(w: CountryWorld, rows: int) -> list[dt.datetime]:
    return [w.time_of(s) for s in range(rows)]


def timeseries(w: CountryWorld) -> pl.DataFrame:
    """One row per step and place, in people, self-describing (date, place name, lat, lon): the
    agents' states, the world's columns and every mechanism's (``registry.columns``)."""
    cols = w.recorder.columns()
    rows = min(w.recorder.rows, w.rec_rows)
    P = w.P
    ppa = w.ppa
    r = w.rec
    data = {
        "step": np.repeat(np.arange(rows, dtype=np.int64), P),
        "date": np.repeat(np.array(_dates(w, rows), dtype="datetime64[us]"), P),
        "place": np.tile(np.arange(P, dtype=np.int64), rows),
        "place_name": np.tile(np.array(w.names), rows),
        "lat": np.tile(w.lat, rows),
        "lon": np.tile(w.lon, rows),
        "population": np.tile(w.population, rows),
        "quiet": (cols["quiet"][:rows] * ppa).reshape(-1),
        "active": (cols["active"][:rows] * ppa).reshape(-1),
        "jailed": (cols["jailed"][:rows] * ppa).reshape(-1),
        "dead": r["deaths"][:rows].reshape(-1),
        "cops": r["police"][:rows].reshape(-1),
    }
    for name in w.columns:
        if name not in ("deaths", "police"):
            data[name] = r[name][:rows].reshape(-1)
    data["active_agents"] = cols["active"][:rows].reshape(-1)
    return pl.DataFrame(data)


def roads_frame(w: CountryWorld) -> pl.DataFrame:
    """One row per step and road: from/to names and points, km, path or road, blocked."""
    rows = w.rec_rows
    E = w.E
    return pl.DataFrame(
        {
            "step": np.repeat(np.arange(rows, dtype=np.int64), E),
            "date": np.repeat(np.array(_dates(w, rows), dtype="datetime64[us]"), E),
            "road": np.tile(np.arange(E, dtype=np.int64), rows),
            "from": np.tile(np.array([w.names[a] for a in w.road_src]), rows),
            "to": np.tile(np.array([w.names[b] for b in w.road_dst]), rows),
            "from_lat": np.tile(w.lat[w.road_src], rows),
            "from_lon": np.tile(w.lon[w.road_src], rows),
            "to_lat": np.tile(w.lat[w.road_dst], rows),
            "to_lon": np.tile(w.lon[w.road_dst], rows),
            "km": np.tile(w.road_km, rows),
            "kind": np.tile(np.where(w.road_is_path, "path", "road"), rows),
            "blockable": np.tile(w.road_blockable, rows),
            "blocked": w.rec_blocked[:rows].reshape(-1),
        }
    )


def capital_active_mean(w: CountryWorld, places: list[str], first: dt.date, last: dt.date) -> float:
    """Mean actives (people) in ``places`` over the steps of days first..last."""
    cols = [w.index(n) for n in places if w.has(n)]
    a, b = w.step_of(first), w.step_of(last) + w.spd
    rows = w.recorder.rows
    a, b = min(max(a, 0), rows), min(max(b, 0), rows)
    if a >= b or not cols:
        return float("nan")
    active = w.recorder.columns()["active"][a:b][:, cols].sum(axis=1) * w.ppa
    return float(active.mean())


def summary(w: CountryWorld) -> dict:
    """The outcome keys (people), plus the record's phases, deaths area and backfire signature."""
    rows = w.rec_rows
    record = w.history
    active = w.recorder.columns()["active"][:rows] * w.ppa
    deaths = w.deaths_people
    total = float(deaths.sum())
    area_names = record.deaths.places if record is not None and record.deaths.places else [w.names[w.capital]]
    area = [w.index(n) for n in area_names if w.has(n)]
    cap = w.capital
    blocked_count = w.rec_blocked[:rows].sum(axis=1)
    peak_step = int(np.argmax(blocked_count)) if rows else 0
    out = {
        "start": w.cfg.start.isoformat(),
        "end": w.cfg.end.isoformat(),
        "hours_per_step": w.hps,
        "scale": w.scale,
        "people_per_agent": w.ppa,
        "places": w.names,
        "capital": w.names[cap],
        "resigned": w.resigned_step is not None,
        "resignation_date": w.date_of(w.resigned_step).isoformat() if w.resigned_step is not None else None,
        "resignation_step": w.resigned_step,
        "resignation_reason": w.resign_reason or None,
        "fall_route": w.fall_route or None,
        "defections": [{"player": pl.name, "role": pl.role, "date": w.date_of(int(d)).isoformat()}
                       for pl, d in zip(w.players, w.player_defected) if d >= 0],
        "tuned": list(w.scenario.scenario.tuned),
        "deaths_total": total,
        "deaths_by_place": {w.names[p]: float(deaths[p]) for p in np.flatnonzero(deaths > 0)},
        "deaths_area": [w.names[p] for p in area],
        "capital_death_share": float(deaths[area].sum() / total) if total > 0 else None,
        "capital_fuel_short_days": float((w.rec["fuel_shortage"][:rows, cap] >= w.cfg.supply.short_below).sum() / w.spd),
        "roads_blocked_peak": int(blocked_count.max()) if rows else 0,
        "roads_blocked_peak_date": w.time_of(peak_step).isoformat(),
        "elite_support_final": float(w.elite_support),
        "clashes": len(w.clashes),
        "decisions": [{"date": w.date_of(s).isoformat(), "kind": k, "actor": a} for s, k, a in w.decisions_taken],
        "marches": [
            {"name": m.name, "from": w.names[m.origin], "to": w.names[m.target], "people": m.people,
             "departed": w.date_of(m.departed).isoformat(), "state": m.state, "intercepted": m.intercepted}
            for m in w.marches
        ],
        "plan": str(getattr(w, "plan_text", "")),
    }
    followed = record.report.places if record is not None and record.report.places else [w.names[cap]]
    for name in followed:
        if w.has(name):
            out[f"peak_active_{slug(name)}"] = float(active[:, w.index(name)].max()) if rows else 0.0
    if record is None:
        return out
    steps = signatures.phase_steps(w, record)
    out["phase_dates"] = {k: (w.date_of(v).isoformat() if v is not None else None) for k, v in steps.items()}
    out["phase_date_errors"] = {
        ph.name: ((w.date_of(steps[ph.name]) - ph.date).days if steps[ph.name] is not None else None)
        for ph in record.phases
    }
    out["phases_in_order"] = signatures.in_order(steps, record.phase_names)
    if record.backfire is not None:
        bf = record.backfire
        before = capital_active_mean(w, bf.places, *bf.before)
        after = capital_active_mean(w, bf.places, *bf.after)
        out["backfire_before"] = before
        out["backfire_after"] = after
        out["backfire"] = bool(after > before) if np.isfinite(before) and np.isfinite(after) else None
    return out


def marches_frame(w: CountryWorld) -> pl.DataFrame:
    """One row per step and travelling contingent: the leg under way (from ``at`` to ``next``), the
    fraction of it covered, people, and the point that makes (lat/lon interpolated on the leg)."""
    rows = {(r[0], r[1]): r for r in getattr(w, "rec_march_pos", [])}  # last record of a step wins
    rows = [rows[k] for k in sorted(rows)]
    at = np.array([r[2] for r in rows], np.int64)
    nxt = np.array([r[3] for r in rows], np.int64)
    frac = np.array([r[4] for r in rows], float)
    march = np.array([r[1] for r in rows], np.int64)
    names = np.array([w.marches[k].name for k in march], dtype=object) if rows else np.array([], dtype=object)
    return pl.DataFrame(
        {
            "step": np.array([r[0] for r in rows], np.int64),
            "date": np.array([w.time_of(r[0]) for r in rows], dtype="datetime64[us]"),
            "march": march,
            "name": pl.Series(names.tolist(), dtype=pl.Utf8),
            "origin": pl.Series([w.names[w.marches[k].origin] for k in march], dtype=pl.Utf8),
            "target": pl.Series([w.names[w.marches[k].target] for k in march], dtype=pl.Utf8),
            "at": pl.Series([w.names[i] for i in at], dtype=pl.Utf8),
            "next": pl.Series([w.names[i] for i in nxt], dtype=pl.Utf8),
            "fraction": frac,
            "people": np.array([r[5] for r in rows], float),
            "lat": w.lat[at] + frac * (w.lat[nxt] - w.lat[at]) if rows else np.zeros(0),
            "lon": w.lon[at] + frac * (w.lon[nxt] - w.lon[at]) if rows else np.zeros(0),
        }
    )


def extra_tables(w: CountryWorld) -> dict[str, pl.DataFrame]:
    """Files a run of the world of places writes beside timeseries.parquet: roads.parquet, events.parquet and
    marches.parquet (where each contingent is, per step; the report's map draws it)."""
    return {"roads.parquet": roads_frame(w), "events.parquet": events_frame(w), "marches.parquet": marches_frame(w)}
