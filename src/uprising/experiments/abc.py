"""A posterior over the calibrated parameters by approximate Bayesian computation (ABC-SMC).

``uprising abc EPISODE --particles 20 --generations 3 [--until DATE]`` fits the same parameters as
``uprising calibrate`` (``calibrate.DEFAULT_PARAMETERS``, or ``--param``) to the same record, with
the same discrepancy (``calibrate.score_run``: deaths, phase dates and the resignation, up to
``--until``), and returns weighted particles: credible intervals on the parameters and on the
outcomes of their runs, instead of one point.

The sampler is the population Monte Carlo ABC of Beaumont, Cornuet, Marin & Robert (2009,
"Adaptive approximate Bayesian computation", Biometrika 96(4), https://doi.org/10.1093/biomet/asp052),
the ABC-SMC of Toni et al. (2009, https://doi.org/10.1098/rsif.2008.0172):

1. generation 0: N particles from the prior (uniform on each range; log-uniform where the range
   is on a log scale), one run each; the tolerance e_1 is the median discrepancy;
2. generation t: a particle is drawn from generation t-1 by its weight and moved by a Gaussian
   kernel with twice the weighted covariance (in the prior's coordinates: log where log); it is
   kept if it lies in the prior's support and its run's discrepancy is at most e_t, until N are
   kept; its weight is prior / sum_j w_j K(theta | theta_j); e_{t+1} is the median discrepancy of
   generation t.

Each run has its own seed, spawned from the root by the order in which proposals are made, so
the posterior is the same on any number of workers. Proposals are made and run in batches.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from uprising.errors import UserError
from uprising.experiments.calibrate import DEFAULT_PARAMETERS, load_record, outcome_chunk, score_run


def _to_unit(params: Mapping[str, tuple[float, float, bool]], values: np.ndarray) -> np.ndarray:
    """Parameter values -> the prior's coordinates (log where the range is on a log scale)."""
    out = np.array(values, float)
    for j, (_k, (_lo, _hi, log)) in enumerate(params.items()):
        if log:
            out[..., j] = np.log(out[..., j])
    return out


def _from_unit(params: Mapping[str, tuple[float, float, bool]], z: np.ndarray) -> np.ndarray:
    out = np.array(z, float)
    for j, (_k, (_lo, _hi, log)) in enumerate(params.items()):
        if log:
            out[..., j] = np.exp(out[..., j])
    return out


def _bounds(params) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([math.log(lo) if log else lo for lo, _hi, log in params.values()])
    hi = np.array([math.log(hi) if log else hi for _lo, hi, log in params.values()])
    return lo, hi


def _kernel_density(z: np.ndarray, centres: np.ndarray, weights: np.ndarray, cov: np.ndarray) -> float:
    inv = np.linalg.inv(cov)
    d = centres - z
    return float(np.sum(weights * np.exp(-0.5 * np.einsum("ij,jk,ik->i", d, inv, d))))


def run_seeds(seed: int, first: int, n: int, per: int = 1) -> list[list[int]]:
    """The seeds of proposals ``first .. first + n - 1``: proposal k's SeedSequence is the root's k-th
    child (``SeedSequence(seed).spawn``), whose state gives its ``per`` run seeds. The same on any
    number of workers, and after a resume."""
    out = []
    for k in range(first, first + n):
        child = np.random.SeedSequence(int(seed), spawn_key=(k,))
        out.append([int(x >> np.uint64(1)) for x in child.generate_state(per, np.uint64)])
    return out


def smc(simulate, params: Mapping[str, tuple[float, float, bool]], *, particles: int, generations: int, seed: int = 1,
        batch: int | None = None, first_batch: int | None = None, max_proposals: int | None = None,
        fill: bool = False, state: dict | None = None, checkpoint=None, progress=None) -> dict[str, Any]:
    """The population Monte Carlo ABC of the module doc, for any model.

    ``simulate(values, first)`` runs the proposals ``values`` (rows in the parameters' own units),
    numbered ``first, first + 1, ...`` in the order they were proposed (their seeds: ``run_seeds``),
    and returns one ``(distance, info)`` per row; ``info`` is kept with the particle. Generation 0 is
    simulated ``first_batch`` proposals at a time (default: all at once), later ones ``batch`` at a time
    (drawn; with ``fill``, ``batch`` inside the prior's support, so every batch keeps the workers busy).

    ``checkpoint(state)`` is called after every batch with a plain-data state (JSON-able when the
    infos are); ``smc(..., state=that)`` continues from it and gives the same populations as a run
    that was never stopped. Returns the final state: ``history`` holds each generation's
    ``{generation, tolerance, proposals, z, w, dist, infos}`` (z in the prior's coordinates).
    """
    keys = list(params)
    lo, hi = _bounds(params)
    batch = batch or max(2 * particles, 8)
    first_batch = first_batch or particles
    max_proposals = max_proposals or 50 * particles
    rng = np.random.default_rng(seed)
    if state is None:
        state = {"t": 0, "ran": 0, "history": [], "pending": None, "eps": math.inf, "done": False}
    else:
        rng.bit_generator.state = state["rng"]

    def save() -> None:
        state["rng"] = rng.bit_generator.state
        if checkpoint:
            checkpoint(state)

    def run(cand: np.ndarray) -> list[tuple[float, Any]]:
        out = simulate(_from_unit(params, cand), state["ran"])
        state["ran"] += len(cand)
        return out

    while not state["done"] and state["t"] < generations:
        t = state["t"]
        if t == 0:
            pend = state["pending"]
            if pend is None:
                pend = state["pending"] = {"z": rng.uniform(lo, hi, size=(particles, len(keys))).tolist(),
                                           "dist": [], "infos": []}
            while len(pend["dist"]) < particles:
                cand = np.array(pend["z"][len(pend["dist"]) : len(pend["dist"]) + first_batch])
                for d, info in run(cand):
                    pend["dist"].append(float(d)), pend["infos"].append(info)
                save()
            dist = np.array(pend["dist"])
            z, w, proposals, eps_used = np.array(pend["z"]), np.full(particles, 1.0 / particles), particles, math.inf
        else:
            last = state["history"][-1]
            z_prev, w_prev = np.array(last["z"]), np.array(last["w"])
            eps_used = state["eps"]
            cov = 2.0 * np.atleast_2d(np.cov(z_prev, rowvar=False, aweights=w_prev)) + 1e-12 * np.eye(len(keys))
            pend = state["pending"] or {"z": [], "dist": [], "infos": [], "proposals": 0}
            state["pending"] = pend
            while len(pend["z"]) < particles and pend["proposals"] < max_proposals:
                inside = []
                while True:  # with fill, draw until the batch has `batch` proposals inside the prior's support
                    pick = rng.choice(len(w_prev), size=batch, p=w_prev)
                    cand = z_prev[pick] + rng.multivariate_normal(np.zeros(len(keys)), cov, size=batch)
                    inside.append(cand[np.all((cand >= lo) & (cand <= hi), axis=1)])
                    pend["proposals"] += batch
                    if not fill or sum(map(len, inside)) >= batch or pend["proposals"] >= max_proposals:
                        break
                cand = np.concatenate(inside)[:batch]
                if len(cand):
                    for c, (d, info) in zip(cand, run(cand)):
                        if d <= eps_used and len(pend["z"]) < particles:
                            pend["z"].append(c.tolist()), pend["dist"].append(float(d)), pend["infos"].append(info)
                save()
            if len(pend["z"]) < 2:  # the tolerance cannot be met: stop with the last population
                state["done"], state["pending"] = True, None
                save()
                break
            z = np.array(pend["z"])
            w = np.array([1.0 / _kernel_density(c, z_prev, w_prev, cov) for c in z])  # uniform prior: constant
            w /= w.sum()
            dist, proposals = np.array(pend["dist"]), pend["proposals"]
        state["history"].append({"generation": t, "tolerance": eps_used, "proposals": int(proposals), "z": z.tolist(),
                                 "w": w.tolist(), "dist": dist.tolist(), "infos": pend["infos"]})
        finite = dist[np.isfinite(dist)]
        state["eps"] = float(np.median(finite)) if len(finite) else math.inf
        state["t"], state["pending"] = t + 1, None
        state["done"] = state["t"] >= generations
        save()
        if progress:
            progress(t + 1, generations)
    return state


def abc_smc(scenario: str, *, particles: int = 20, generations: int = 3, until: dt.date | None = None,
            parameters: Mapping[str, tuple[float, float, bool]] | None = None, seed: int = 1,
            batch: int | None = None, workers: int | None = None, overrides: Mapping[str, object] | None = None,
            max_proposals: int | None = None, progress=None) -> dict[str, Any]:
    """Weighted particles of the posterior, generation by generation (module doc)."""
    from uprising.experiments.executors import make_executor
    from uprising.scenarios import load_scenario, scenario_to_dict

    base = load_scenario(scenario, dict(overrides or {}) or None)
    if base.world is None:
        raise UserError(scenario, "scenario.model", "abc needs an episode (model 'places')")
    world = base.world
    if until is not None and not world.start <= until <= world.end:
        raise UserError("--until", None, f"{until} is outside the scenario's period {world.start} to {world.end}")
    params = dict(parameters or DEFAULT_PARAMETERS)
    record = load_record(world.folder)
    fit_until = until or world.end
    steps = None if until is None else ((until - world.start).days + 1) * world.steps_per_day
    payload = {"base": scenario_to_dict(base), "steps": steps}
    keys = list(params)

    with make_executor(workers) as executor:
        def simulate(values: np.ndarray, first: int) -> list[tuple[float, dict]]:
            seeds = [s for [s] in run_seeds(seed, first, len(values))]
            items = [[(i, s, {k: float(v) for k, v in zip(keys, row)})] for i, (s, row) in enumerate(zip(seeds, values))]
            runs = sorted((r for chunk in executor.map_unordered(payload, items, fn=outcome_chunk) for r in chunk),
                          key=lambda r: r["key"])
            for r, s in zip(runs, seeds):
                r["seed"] = s
            return [(score_run(r, record, fit_until)["total"], r) for r in runs]

        state = smc(simulate, params, particles=particles, generations=generations, seed=seed, batch=batch,
                    max_proposals=max_proposals, progress=progress)
    history = [_generation(g["generation"], g["tolerance"], np.array(g["z"]), np.array(g["w"]), np.array(g["dist"]),
                           g["infos"], params, g["proposals"]) for g in state["history"]]
    return {"kind": "abc", "scenario": str(scenario), "until": until.isoformat() if until else None,
            "particles": particles, "seed": seed, "parameters": {k: list(v) for k, v in params.items()},
            "generations": history, "posterior": history[-1]}


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs=(0.05, 0.5, 0.95)) -> list[float]:
    order = np.argsort(values)
    v, cw = values[order], np.cumsum(weights[order])
    cw /= cw[-1]
    return [float(v[min(np.searchsorted(cw, q), len(v) - 1)]) for q in qs]


def _generation(t: int, eps: float, z: np.ndarray, w: np.ndarray, dist: np.ndarray, runs: list[dict], params,
                proposals: int) -> dict[str, Any]:
    """One population: its tolerance, weighted 90 % intervals of parameters and outcomes, particles."""
    values = _from_unit(params, z)
    deaths = np.array([float(r.get("deaths_total") or 0.0) for r in runs])
    resigned = np.array([bool(r.get("resigned")) for r in runs])
    days = np.array([(dt.date.fromisoformat(str(r["resignation_date"])[:10]).toordinal()
                      if r.get("resigned") and r.get("resignation_date") else np.nan) for r in runs])
    out = {
        "generation": t, "tolerance": eps, "proposals": int(proposals), "distance_median": float(np.median(dist)),
        "parameters": {k: _weighted_quantiles(values[:, j], w) for j, k in enumerate(params)},
        "deaths": _weighted_quantiles(deaths, w),
        "resigned": float(np.sum(w * resigned)),
        "particles": [{"values": {k: float(values[i, j]) for j, k in enumerate(params)}, "weight": float(w[i]),
                       "distance": float(dist[i]), "seed": runs[i].get("seed"), "deaths": float(deaths[i]),
                       "resignation_date": runs[i].get("resignation_date")} for i in range(len(w))],
    }
    ok = ~np.isnan(days)
    if ok.any():
        q = _weighted_quantiles(days[ok], w[ok] / w[ok].sum())
        out["resignation_date"] = [dt.date.fromordinal(int(round(d))).isoformat() for d in q]
    return out


def write(result: dict, out: str | Path) -> Path:
    from uprising.output import write_json

    return write_json(Path(out) / "abc.json", result)


__all__ = ["abc_smc", "smc", "run_seeds", "write"]
