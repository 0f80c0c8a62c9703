"""Synthetic run outputs in the contract's format (architecture.md), for the report's tests.

Used where a real run is not needed (escaping, layout, Model II columns); the main browser test
uses a real ``Simulation`` run when the engine is available.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl


def fake_run(
    out_dir: Path,
    *,
    name: str = "synthetic",
    description: str = "A made-up run for testing the report.",
    model: str = "epstein-1",
    steps: int = 120,
    width: int = 40,
    height: int = 40,
    frame_every: int = 2,
    seed: int = 3,
) -> Path:
    """Write summary.json, timeseries.parquet and frames.npz with outburst-like counts."""
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    cells_n = width * height
    citizens, cops = int(0.7 * cells_n), int(0.04 * cells_n)
    t = np.arange(steps + 1)
    bursts = 260 * np.exp(-(((t % 40) - 20) ** 2) / 18.0)
    active = np.minimum(citizens // 2, (bursts + rng.integers(0, 12, t.size))).astype(np.int64)
    jailed = np.minimum(citizens // 3, np.convolve(active, np.ones(15) / 6, mode="full")[: t.size]).astype(np.int64)
    quiet = citizens - active - jailed
    data = {
        "step": t, "place": np.zeros(t.size, np.int64), "quiet": quiet, "active": active,
        "jailed": jailed, "dead": np.zeros(t.size, np.int64), "cops": np.full(t.size, cops),
    }
    if model == "epstein-2":
        share = active * 0.6
        data["active_g0"] = share.astype(np.int64)
        data["active_g1"] = (active - share.astype(np.int64)).astype(np.int64)
        data["citizens_g0"] = (citizens // 2 + 40 * np.sin(t / 15)).astype(np.int64)
        data["citizens_g1"] = (citizens // 2 - 30 * np.sin(t / 20)).astype(np.int64)
    pl.DataFrame(data).write_parquet(out_dir / "timeseries.parquet")

    fsteps = np.arange(0, steps + 1, frame_every)
    frames = np.zeros((fsteps.size, height, width), np.int8)
    for i, s in enumerate(fsteps):
        flat = np.zeros(cells_n, np.int8)
        pos = rng.permutation(cells_n)
        n_free = citizens - jailed[s]
        flat[pos[:n_free]] = 1
        flat[pos[: active[s]]] = 2
        flat[pos[n_free : n_free + cops]] = 4
        frames[i] = flat.reshape(height, width)
    np.savez_compressed(out_dir / "frames.npz", steps=fsteps, cells=frames)

    spans = np.diff(np.concatenate([[0], (active > 50).astype(int)])) == 1
    summary = {
        "scenario": name,
        "seed": seed,
        "steps": steps,
        "schedule": "sequential",
        "parameters": {
            "scenario": {"name": name, "description": description, "model": model, "steps": steps,
                         "seed": seed, "schedule": "sequential"},
            "grid": {"width": width, "height": height, "torus": True},
            "population": {"citizen_density": 0.7, "cop_density": 0.04, "placement": "exact"},
            "citizen": {"vision": 7.0, "legitimacy": 0.82, "threshold": 0.1, "k": 2.3, "jail_max": float("inf")},
            "cop": {"vision": 7.0},
            "rules": {"arrest_ratio": "floor", "jailed_leave_grid": True},
            "interventions": [{"step": 50, "until": None, "parameter": "legitimacy", "value": 0.7}],
        },
        "citizens": citizens,
        "cops": cops,
        "mean_active_fraction": float(active.mean() / citizens),
        "peak_active_fraction": float(active.max() / citizens),
        "outbursts": int(spans.sum()),
        "wall_seconds": 0.42,
        "agent_steps_per_second": 3.1e6,
        "version": "0.1.0",
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return out_dir


RECORD_HEADER = ("date,phase,precursor,model_place,place,event_type,actors,deaths_low,deaths_high,injuries_low,"
                 "injuries_high,deaths_reported,injuries_reported,summary,source")


def fake_episode_run(out_dir: Path, *, folder: Path | None = None, steps: int = 40, support_floor: float = -0.15,
                     record_rows: tuple[str, ...] = ()) -> Path:
    """A made-up run of a made-up episode of two towns a road apart, in the format ``uprising run
    EPISODE`` writes (summary.json, timeseries.parquet, roads.parquet), and the episode's folder
    with only ``record_events.csv`` (``record_rows``, in its columns). Both towns have the same
    fuel and food stocks (one supply); the elites' support falls to ``support_floor``."""
    import datetime as dt

    out_dir.mkdir(parents=True, exist_ok=True)
    folder = folder or out_dir.parent / "episode"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "record_events.csv").write_text("\n".join([RECORD_HEADER, *record_rows]) + "\n", encoding="utf-8")
    start = dt.datetime(2001, 3, 1)
    names, pops, coords = ["Uptown", "Downtown"], [400_000.0, 250_000.0], [(-68.1, -16.5), (-68.2, -16.6)]
    t = np.arange(steps + 1)
    wave = np.exp(-((t - steps * 0.6) ** 2) / (2 * (steps / 8) ** 2))
    supply = np.clip(1 - 0.9 * wave, 0, 1).round(3)
    rows = []
    for p, (name, pop, (lon, lat)) in enumerate(zip(names, pops, coords)):
        active = np.round(pop * (0.5 if p == 0 else 0.3) * wave / 1000) * 1000
        for i in t:
            rows.append({"step": int(i), "place": p, "place_name": name, "date": start + dt.timedelta(hours=6 * int(i)),
                         "lon": lon, "lat": lat, "population": pop, "active": float(active[i]), "quiet": pop - active[i],
                         "jailed": 0.0, "dead": float(round(3 * wave[: i + 1].sum() / max(wave.sum(), 1))),
                         "supply_fuel": float(supply[i]), "supply_food": float(supply[i]),
                         "fuel_shortage": float(1 - supply[i]), "food_shortage": float(1 - supply[i]),
                         "elite_support": float(1 - (1 - support_floor) * min(1.0, i / (steps * 0.8)))})
    pl.DataFrame(rows).write_parquet(out_dir / "timeseries.parquet")
    blocked = [int(round(3 * w)) for w in wave]  # 0 to 3 of 3 roads
    roads = [{"step": int(i), "date": start + dt.timedelta(hours=6 * int(i)), "road": r, "from": "Uptown",
              "to": "Downtown", "kind": "road", "blockable": True, "blocked": r < blocked[i]}
             for i in t for r in range(3)]
    pl.DataFrame(roads).write_parquet(out_dir / "roads.parquet")
    peak = int(np.argmax(wave))
    summary = {
        "scenario": "twin towns", "model": "places", "seed": 1, "steps": steps, "hours_per_step": 6,
        "start": start.date().isoformat(), "end": (start + dt.timedelta(hours=6 * steps)).date().isoformat(),
        "places": names, "capital": "Uptown", "people_per_agent": 1000, "scale": 0.001,
        "resigned": False, "deaths_total": 3, "roads_blocked_peak": max(blocked),
        "roads_blocked_peak_date": (start + dt.timedelta(hours=6 * peak)).date().isoformat(),
        "peak_active_uptown": 200_000, "peak_active_downtown": 75_000, "capital_fuel_short_days": 1.5,
        "wall_seconds": 0.5,
        "parameters": {"scenario": {"name": "twin towns", "model": "places", "steps": steps, "seed": 1},
                       "world": {"folder": str(folder), "scale": 0.001}},
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return out_dir


PHONE = (390, 844)  # an iPhone 12-15's viewport, CSS px

# What a page looks like in a phone's window: the page's own width, each plot's box and drawing area,
# the heatmap's drawn cells, and each table's box and content.
PHONE_GEOMETRY = """() => ({
    page: document.documentElement.scrollWidth,
    window: window.innerWidth,
    plots: Array.from(document.querySelectorAll('.js-plotly-plot')).map(el => ({
      key: el.getAttribute('data-key'), width: el.getBoundingClientRect().width,
      right: el.getBoundingClientRect().right, area: el._fullLayout._size.w,
      cells: Array.from(el.querySelectorAll('.heatmaplayer image')).map(i => i.getBoundingClientRect().width)})),
    tables: Array.from(document.querySelectorAll('.table-wrap')).map(w => ({
      right: w.getBoundingClientRect().right, box: w.clientWidth, content: w.scrollWidth,
      overflow: getComputedStyle(w).overflowX})),
  })"""


def phone_problems(geometry: dict, min_plot: float = 300, min_area: float = 200) -> list[str]:
    """What is wrong with a page on a phone (``PHONE_GEOMETRY``'s answer), or []: the page scrolls
    sideways; a plot narrower than ``min_plot`` px or with a drawing area under ``min_area`` px; a
    heatmap whose cells are not drawn; a table that does not fit or does not scroll in its box."""
    out = []
    if geometry["page"] > geometry["window"]:
        out.append(f"the page is {geometry['page']} px wide in a {geometry['window']} px window")
    for p in geometry["plots"]:
        if p["width"] <= min_plot or p["right"] > geometry["window"] or p["area"] < min_area:
            out.append(f"plot {p['key']}: {p['width']:.0f} px wide, drawing area {p['area']:.0f} px")
        if p["key"] == "heatmap" and not (p["cells"] and max(p["cells"]) >= min_area):
            out.append(f"heatmap cells {p['cells']}")
    for i, t in enumerate(geometry["tables"]):
        if t["right"] > geometry["window"] or (t["content"] > t["box"] and t["overflow"] not in ("auto", "scroll")):
            out.append(f"table {i}: box {t['box']} px, content {t['content']} px, overflow {t['overflow']}")
    return out
