"""One set of shared values for many episodes: a joint ABC-SMC in actors mode (``uprising fit``).

``uprising fit [EPISODE ...]`` fits the values named in ``world/fitted_parameters.toml`` (their
ranges are the prior: uniform, log-uniform where ``log = true``) on the named episodes together
(default: every shipped episode), each run with ``scenario.decisions = "actors"`` over the shared
table alone (``scenario.values = "shared"``), so no earlier fit enters.

A particle is one set of values. Each episode runs ``runs_per_episode`` times with it, and its
discrepancy from the record (``record.toml``'s ``[outcome]``) is the sum of four parts, the
direction counted twice (the fall is what the library's targets weigh most: the Brier score and
the direction right in 80 % of episodes):

- direction: the share of runs whose government fell when the record's did not, or the reverse;
- deaths: ``|log((m + 1) / (clip(m, low, high) + 1))| / log 3``, m the runs' median deaths,
  [low, high] the record's range (0 inside it, 1 a factor of 3 outside), at most 2;
- date: when the record fell, the median over runs that fell of |days from the record's fall| / 30,
  at most 2 (a fall two months off is as wrong as one that never comes: a long episode's date
  error cannot outweigh the other parts);
- route: when the record fell, the share of the runs that fell by another route.

The particle's distance is the mean over the episodes. The sampler is ``abc.smc`` (Beaumont et al.
2009, the ABC-SMC of ``uprising abc``); each run's seed comes from the root seed by the proposal's
number and the run's place in it, so the posterior is the same on any number of workers. The state
is saved to ``DIR/fit.checkpoint.json`` after every batch; the same command with the same ``DIR``
continues from it. The result: ``DIR/fit.json`` (every generation, the weighted particles and each
episode's outcomes under them) and ``DIR/<name>.toml``, the weighted posterior median of each value
in the layout of ``shared_values.toml`` with a ``[fit]`` table, which ``scenario.values`` can name.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from uprising.errors import UserError

FITTED = Path(__file__).resolve().parent.parent / "world" / "fitted_parameters.toml"
CHECKPOINT = "fit.checkpoint.json"
LOG3 = math.log(3.0)
DATE_SCALE_DAYS = 30.0
DATE_CAP = 2.0
DEATHS_CAP = 2.0
DIRECTION_WEIGHT = 2.0


def fitted_parameters(path: Path = FITTED) -> dict[str, tuple[float, float, bool]]:
    """The values fitted by machine: key -> (low, high, log scale)."""
    with Path(path).open("rb") as f:
        rows = tomllib.load(f).get("parameters", [])
    return {r["key"]: (float(r["low"]), float(r["high"]), bool(r.get("log", False))) for r in rows}


# --------------------------------------------------------------------------------------------
# Episodes


def resolve_episodes(names: Sequence[str] | None, overrides: Mapping[str, object] | None = None) -> list[tuple[str, str]]:
    """(name, source) of each episode named (default: every shipped one); a user's mistake is one line."""
    from uprising.scenarios import load_scenario
    from uprising.scenarios.loader import shipped_episodes

    out: list[tuple[str, str]] = []
    for source in names or shipped_episodes():
        sc = load_scenario(source, dict(overrides or {}) or None)
        if sc.world is None:
            raise UserError(str(source), "scenario.model", "fit needs episodes (model 'places' with a record.toml)")
        if not (Path(sc.world.folder) / "record.toml").is_file():
            raise UserError(str(source), "record.toml", "no record.toml beside the episode's places.csv")
        name = sc.scenario.name
        if any(n == name for n, _ in out):
            raise UserError(str(source), None, f"episode {name!r} is named twice")
        out.append((name, str(source)))
    return out


def base_scenario(source: str, overrides: Mapping[str, object] | None) -> dict[str, Any]:
    """An episode as plain data, in actors mode over the shared table (the user's --set last)."""
    from uprising.scenarios import load_scenario, scenario_to_dict

    over = {"scenario.decisions": "actors", "scenario.values": "shared", **dict(overrides or {})}
    return scenario_to_dict(load_scenario(source, over))


def record_outcome(source: str) -> dict[str, Any]:
    """The record's outcome of an episode: fell, date, route, deaths range (record.toml)."""
    from uprising.scenarios import load_scenario
    from uprising.world.history import load_record_file

    o = load_record_file(load_scenario(source).world.folder).outcome
    return {"fell": bool(o.resigned), "fall_date": o.resignation_date.isoformat() if o.resigned else None,
            "route": o.route or ("resignation" if o.resigned else "none"), "deaths": [float(o.deaths[0]), float(o.deaths[1])]}


# --------------------------------------------------------------------------------------------
# Runs (in workers)

KEEP = ("resigned", "resignation_date", "fall_route", "deaths_total")


def fit_chunk(payload: dict[str, Any], items: Sequence[tuple], threads: int | None = None) -> list[dict]:
    """Run ``items`` (``(key, episode, seed, params)``) of ``payload["bases"]``; a failed run is
    ``{"key", "error"}``. ``validation.run_one`` does the run."""
    from uprising.experiments.executors import _limit_threads
    from uprising.experiments.validation import run_one

    _limit_threads(threads)
    out = []
    for key, episode, seed, params in items:
        try:
            r = run_one((payload["bases"][episode], dict(params), int(seed)))
            out.append({"key": key, "seed": int(seed), "resigned": bool(r.get("resigned")),  # plain types: the
                        "resignation_date": str(r["resignation_date"])[:10] if r.get("resignation_date") else None,
                        "fall_route": str(r["fall_route"]) if r.get("fall_route") else None,  # checkpoint is JSON
                        "deaths_total": float(r.get("deaths_total") or 0.0)})
        except Exception as e:  # noqa: BLE001 - a failed run scores as infinitely far
            out.append({"key": key, "seed": int(seed), "error": f"{type(e).__name__}: {' '.join(str(e).split())}"})
    return out


def run_items(executor, bases: Mapping[str, dict], items: list[tuple]) -> dict[Any, dict]:
    """Run every item on ``executor`` in tasks of a few runs; results by key."""
    from uprising.experiments.executors import chunk_size, chunks

    size = chunk_size(len(items), executor.workers)
    got = {}
    for chunk in executor.map_unordered({"bases": dict(bases)}, chunks(items, size), fn=fit_chunk):
        for r in chunk:
            got[tuple(r["key"]) if isinstance(r["key"], list) else r["key"]] = r
    return got


# --------------------------------------------------------------------------------------------
# The discrepancy


def _day(text: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(text)[:10]) if text else None


def outcomes(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What an episode's runs did: fall share, median fall date, most common route, deaths."""
    deaths = np.array([float(r.get("deaths_total") or 0.0) for r in runs])
    dates = sorted(d.toordinal() for r in runs if r.get("resigned") and (d := _day(r.get("resignation_date"))))
    routes = Counter((r.get("fall_route") or "resignation") if r.get("resigned") else "none" for r in runs)
    return {"runs": len(runs), "p_fall": sum(bool(r.get("resigned")) for r in runs) / len(runs) if runs else None,
            "fall_date_median": dt.date.fromordinal(int(np.median(dates))).isoformat() if dates else None,
            "route": routes.most_common(1)[0][0] if routes else None,
            "deaths_median": float(np.median(deaths)) if len(deaths) else None,
            "deaths_p10": float(np.percentile(deaths, 10)) if len(deaths) else None,
            "deaths_p90": float(np.percentile(deaths, 90)) if len(deaths) else None}


def discrepancy(record: Mapping[str, Any], runs: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """An episode's distance from its record over its runs (module doc): parts and ``total``."""
    if not runs or any("error" in r for r in runs):
        return {"direction": math.inf, "deaths": math.inf, "date": math.inf, "route": math.inf, "total": math.inf}
    fell = [bool(r.get("resigned")) for r in runs]
    parts = {"direction": sum(f != record["fell"] for f in fell) / len(runs)}
    m = float(np.median([float(r.get("deaths_total") or 0.0) for r in runs]))
    lo, hi = record["deaths"]
    parts["deaths"] = min(abs(math.log((m + 1.0) / (min(max(m, lo), hi) + 1.0))) / LOG3, DEATHS_CAP)
    falls = [r for r, f in zip(runs, fell) if f]
    if record["fell"] and falls:
        when = _day(record["fall_date"])
        errors = [abs((_day(r.get("resignation_date")) - when).days) if r.get("resignation_date") else DATE_SCALE_DAYS
                  for r in falls]
        parts["date"] = min(float(np.median(errors)) / DATE_SCALE_DAYS, DATE_CAP)
        parts["route"] = sum((r.get("fall_route") or "resignation") != record["route"] for r in falls) / len(falls)
    else:
        parts["date"] = parts["route"] = 0.0
    parts["total"] = DIRECTION_WEIGHT * parts["direction"] + parts["deaths"] + parts["date"] + parts["route"]
    return parts


# --------------------------------------------------------------------------------------------
# The fit


def _settings(episodes, particles, generations, runs_per_episode, seed, batch, params, overrides) -> dict[str, Any]:
    return {"episodes": [n for n, _ in episodes], "particles": particles, "generations": generations,
            "runs_per_episode": runs_per_episode, "seed": seed, "batch": batch,
            "parameters": {k: list(v) for k, v in params.items()},
            "overrides": {k: str(v) for k, v in sorted(dict(overrides or {}).items())}}


def _load_checkpoint(path: Path, settings: dict) -> dict | None:
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        raise UserError(str(path), None, "the checkpoint cannot be read; remove it to start the fit afresh") from None
    if saved.get("settings") != settings:
        diff = sorted(k for k in settings if saved.get("settings", {}).get(k) != settings[k])
        raise UserError(str(path), ", ".join(diff) or None, "this directory holds a fit with other settings; "
                        "give another --out, or the same settings to continue it")
    return saved["state"]


def _write_json_atomic(path: Path, data: Any) -> None:
    from uprising import output

    output.write_text(path, json.dumps(data))  # no default=: a value JSON cannot hold must fail here, not come back changed


def check_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name or "") or name == "shared":
        raise UserError("--name", name or "''", "a fit's name is letters, digits, - and _ (and not 'shared')")
    return name


def fit(episodes: Sequence[str] | None = None, *, particles: int = 32, generations: int = 4, runs_per_episode: int = 2,
        seed: int = 1, out: str | Path = "results/fit", name: str = "default", overrides: Mapping[str, object] | None = None,
        workers: int | None = None, scheduler: str | None = None, executor=None, batch: int | None = None,
        command: str = "", progress=None, on_batch=None) -> dict[str, Any]:
    """The joint fit (module doc); returns what ``DIR/fit.json`` holds, and writes it with ``DIR/<name>.toml``.
    ``progress(generation, generations)`` after each generation; ``on_batch(text)`` after each batch."""
    from uprising.experiments.abc import _from_unit, _weighted_quantiles, run_seeds, smc

    check_name(name)
    if particles < 2:
        raise UserError("--particles", str(particles), "a population needs at least 2 particles")
    if generations < 1 or runs_per_episode < 1:
        raise UserError("--generations" if generations < 1 else "--runs-per-episode", None, "must be at least 1")
    params = fitted_parameters()
    eps = resolve_episodes(episodes, overrides)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    batch = batch or max(2 * particles, 8)
    settings = _settings(eps, particles, generations, runs_per_episode, seed, batch, params, overrides)
    ckpt = out / CHECKPOINT
    state = _load_checkpoint(ckpt, settings)
    if state is not None and on_batch:
        on_batch(f"continuing from {ckpt.name}: generation {min(state['t'] + 1, generations)} of {generations}, "
                 f"{state['ran']} proposals run" + (" (finished)" if state["done"] else ""))
    bases = {n: base_scenario(src, overrides) for n, src in eps}
    records = {n: record_outcome(src) for n, src in eps}
    keys = list(params)
    names = [n for n, _ in eps]
    R = runs_per_episode

    def simulate(values: np.ndarray, first: int) -> list[tuple[float, dict]]:
        seeds = run_seeds(seed, first, len(values), len(names) * R)
        items = [((i, e, r), n, seeds[i][e * R + r], {k: float(v) for k, v in zip(keys, row)})
                 for i, row in enumerate(values) for e, n in enumerate(names) for r in range(R)]
        got = run_items(ex, bases, items)
        result = []
        for i in range(len(values)):
            per = {}
            for e, n in enumerate(names):
                runs = [got[(i, e, r)] for r in range(R)]
                per[n] = {"distance": discrepancy(records[n], runs), **outcomes([r for r in runs if "error" not in r]),
                          "errors": [r["error"] for r in runs if "error" in r][:1],
                          "per_run": [{k: r.get(k) for k in ("seed", *KEEP)} for r in runs]}
            total = float(np.mean([p["distance"]["total"] for p in per.values()]))
            result.append((total, per))
        return result

    own = executor is None
    ex = executor or _executor(workers, scheduler)
    try:
        state = smc(simulate, params, particles=particles, generations=generations, seed=seed, batch=batch,
                    first_batch=batch, fill=True, state=state,
                    checkpoint=lambda st: _saved(st, ckpt, settings, particles, generations, len(names) * R, on_batch),
                    progress=progress)
    finally:
        if own:
            ex.close()

    gens = []
    for g in state["history"]:
        values, w, dist = _from_unit(params, np.array(g["z"])), np.array(g["w"]), np.array(g["dist"])
        gens.append({"generation": g["generation"], "tolerance": g["tolerance"], "proposals": g["proposals"],
                     "distance_median": float(np.median(dist)),
                     "distance_weighted_mean": float(np.sum(w * dist)) if np.isfinite(dist).all() else math.inf,
                     "parameters": {k: _weighted_quantiles(values[:, j], w) for j, k in enumerate(keys)},
                     "particles": [{"values": {k: float(values[i, j]) for j, k in enumerate(keys)}, "weight": float(w[i]),
                                    "distance": float(dist[i]), "episodes": g["infos"][i]} for i in range(len(w))]})
    post = gens[-1]
    point = {k: float(f"{q[1]:.6g}") for k, q in post["parameters"].items()}
    result = {"kind": "fit", "name": name, "command": command, "date": dt.date.today().isoformat(),
              "episodes": names, "records": records, "settings": settings, "generations": gens,
              "posterior": post, "point": point, "distance": post["distance_weighted_mean"],
              "runs": int(state["ran"]) * len(names) * R}  # the runs simulated, over all generations
    _write_json_atomic(out / "fit.json", result)
    write_point(result, out / f"{name}.toml")
    return result


def _saved(state: dict, path: Path, settings: dict, particles: int, generations: int, per: int, on_batch) -> None:
    """Write the checkpoint; say where the fit stands."""
    _write_json_atomic(path, {"settings": settings, "state": state})
    pend = state.get("pending")
    if on_batch and pend:
        kept = len(pend["dist"]) if state["t"] == 0 else len(pend["z"])
        what = "run" if state["t"] == 0 else "kept"
        on_batch(f"generation {state['t'] + 1} of {generations}: {kept} of {particles} particles {what}, "
                 f"{state['ran'] * per} runs so far")


def _executor(workers: int | None, scheduler: str | None):
    """The local Dask cluster by default, ``scheduler`` when given; ``workers == 1``: this process."""
    from uprising.experiments.executors import SerialExecutor, make_executor

    if scheduler:
        return make_executor(workers, scheduler)
    if workers == 1:
        return SerialExecutor()
    return make_executor(workers, "local")


# --------------------------------------------------------------------------------------------
# The point, as a table the package ships


def nest(values: Mapping[str, float]) -> dict[str, Any]:
    """``{"a.b.c": v}`` -> ``{"a": {"b": {"c": v}}}`` (the layout of shared_values.toml)."""
    out: dict[str, Any] = {}
    for key, v in values.items():
        node = out
        *path, last = key.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = v
    return out


def write_point(result: Mapping[str, Any], path: Path) -> Path:
    """The fitted keys at the posterior's weighted median, and a ``[fit]`` table saying how."""
    import tomli_w

    s = result["settings"]
    table = nest(result["point"])
    recs = result["records"]
    table["fit"] = {"command": result["command"] or "uprising fit", "date": dt.date.fromisoformat(result["date"]),
                    "episodes": list(result["episodes"]), "particles": s["particles"], "generations": s["generations"],
                    "runs_per_episode": s["runs_per_episode"], "seed": s["seed"],
                    "distance": round(float(result["distance"]), 6) if math.isfinite(result["distance"]) else -1.0,
                    "episodes_fell": [recs[n]["fell"] for n in result["episodes"]],
                    "episodes_deaths": [recs[n]["deaths"] for n in result["episodes"]],
                    "note": result.get("note") or "the weighted posterior median of each fitted value (uprising fit; "
                            "docs/calibration.md); distance is the final population's weighted mean (-1: a run failed)"}
    text = ("# Fitted values laid over world/shared_values.toml (scenario.values names this file).\n"
            + tomli_w.dumps(table))
    from uprising import output

    return output.write_text(path, text)


def read_point(path: Path) -> tuple[dict[str, float], dict[str, Any]]:
    """A fit's table back: (fitted key -> value, its [fit] table)."""
    try:
        with Path(path).open("rb") as f:
            table = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UserError(str(path), None, f"cannot read the fit: {e}") from None
    info = table.pop("fit", {})
    flat: dict[str, float] = {}

    def walk(node: Mapping[str, Any], prefix: str) -> None:
        for k, v in node.items():
            if isinstance(v, Mapping):
                walk(v, f"{prefix}{k}.")
            else:
                flat[f"{prefix}{k}"] = v

    walk(table, "")
    return flat, info


__all__ = ["fit", "fitted_parameters", "discrepancy", "outcomes", "resolve_episodes", "base_scenario", "record_outcome",
           "fit_chunk", "run_items", "write_point", "read_point", "nest", "check_name"]
