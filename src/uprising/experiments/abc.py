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
    lo, hi = _bounds(params)
    rng = np.random.default_rng(seed)
    batch = batch or max(2 * particles, 8)
    max_proposals = max_proposals or 50 * particles
    root = np.random.SeedSequence(int(seed))  # spawns children in order: run k gets spawn_seeds(seed, k + 1)[k]
    history = []

    def run(values: np.ndarray, executor) -> list[dict]:
        seeds = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in root.spawn(len(values))]
        items = [[(i, s, {k: float(v) for k, v in zip(keys, row)})] for i, (s, row) in enumerate(zip(seeds, values))]
        runs = sorted((r for chunk in executor.map_unordered(payload, items, fn=outcome_chunk) for r in chunk),
                      key=lambda r: r["key"])
        for r, s in zip(runs, seeds):
            r["seed"] = s
        return runs

    with make_executor(workers) as executor:
        z = rng.uniform(lo, hi, size=(particles, len(keys)))
        runs = run(_from_unit(params, z), executor)
        dist = np.array([score_run(r, record, fit_until)["total"] for r in runs])
        w = np.full(particles, 1.0 / particles)
        eps = float(np.median(dist[np.isfinite(dist)])) if np.isfinite(dist).any() else math.inf
        history.append(_generation(0, math.inf, z, w, dist, runs, params, particles))
        if progress:
            progress(1, generations)
        for t in range(1, generations):
            cov = 2.0 * np.atleast_2d(np.cov(z, rowvar=False, aweights=w)) + 1e-12 * np.eye(len(keys))
            kept_z, kept_runs, kept_d = [], [], []
            proposals = 0
            while len(kept_z) < particles and proposals < max_proposals:
                pick = rng.choice(len(w), size=batch, p=w)
                cand = z[pick] + rng.multivariate_normal(np.zeros(len(keys)), cov, size=batch)
                inside = np.all((cand >= lo) & (cand <= hi), axis=1)
                cand = cand[inside]
                proposals += batch
                if not len(cand):
                    continue
                new_runs = run(_from_unit(params, cand), executor)
                for c, r in zip(cand, new_runs):
                    d = score_run(r, record, fit_until)["total"]
                    if d <= eps and len(kept_z) < particles:
                        kept_z.append(c), kept_runs.append(r), kept_d.append(d)
            if len(kept_z) < 2:
                break  # the tolerance cannot be met: stop with the last population
            new_z = np.array(kept_z)
            new_w = np.array([1.0 / _kernel_density(c, z, w, cov) for c in new_z])  # uniform prior: constant
            new_w /= new_w.sum()
            z, w, runs, dist = new_z, new_w, kept_runs, np.array(kept_d)
            history.append(_generation(t, eps, z, w, dist, runs, params, proposals))
            eps = float(np.median(dist))
            if progress:
                progress(t + 1, generations)
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


__all__ = ["abc_smc", "write"]
