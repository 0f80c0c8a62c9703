"""Leave one episode out (``uprising crossval``): fit on all the others, predict the one left out.

For each episode E of the list, ``fit.fit`` fits the shared values on the other episodes (their
data and records) into ``DIR/folds/E/`` and ``DIR/folds/E.toml``. Then E runs ``runs`` times in
actors mode with that fold's values: only E's data and its exogenous trigger enter the runs; its
``record.toml`` is read after them, to score them. For each episode ``DIR/crossval.json`` gives the
share of runs in which the government fell, the median fall date, the most common route (``none``
for a run without a fall), deaths (median, 10th and 90th percentiles), each beside the record; and
over the episodes:

- ``brier``: the mean of (p_fall - fell)^2; ``brier_base_rate`` the same with p_fall replaced by the
  share of falls among the fold's training episodes;
- ``crps_log_deaths``: the mean CRPS of log(deaths + 1) against the record's range taken as uniform
  on that scale (``scores.crps_interval``); ``crps_log_deaths_climatology`` the same for an ensemble
  of the training episodes' records (each the middle of its range on that scale);
- ``direction_right_share``: episodes with p_fall >= 0.5 exactly when the record fell;
- ``deaths_within_factor_3_share``: median deaths within [low / 3, high x 3] of the record;
- ``route_right_share_of_falls``: among the record's falls, the predicted route is the record's.

Two ways to fit the folds (``method``):

- ``"smc"``: each fold is its own ``uprising fit`` (ABC-SMC) on its training episodes: the full
  method, twelve fits;
- ``"rejection"`` (the default; the budget that fits in 90 minutes on two cores): one sample of
  ``particles`` value sets from the prior, each run on every episode (``fit`` with one generation,
  ``DIR/sample``, resumable), then ABC rejection per fold (Pritchard et al. 1999; Beaumont, Zhang
  and Balding 2002): the ``accept`` share of the particles nearest the records of the fold's
  training episodes (their mean discrepancy, the left-out episode's runs never read) is the fold's
  posterior, its median the fold's values. The same sample, scored on every episode, gives the
  joint fit (``DIR/joint.toml``). The left-out episode is then predicted with fresh runs at its
  fold's values, as with ``"smc"``.

``predict`` alone reruns the predictions from fold tables already written (``--predict``: the
ones the package ships in ``world/fits/crossval/``).
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from uprising.errors import UserError
from uprising.experiments import scores
from uprising.experiments.fit import (_executor, _write_json_atomic, base_scenario, discrepancy, fit, outcomes,
                                      read_point, record_outcome, resolve_episodes, run_items, write_point)

SHIPPED_FOLDS = Path(__file__).resolve().parent.parent / "world" / "fits" / "crossval"


def crossval(episodes: Sequence[str] | None = None, *, out: str | Path = "results/crossval", particles: int = 8,
             generations: int = 3, runs_per_episode: int = 1, runs: int = 20, seed: int = 1,
             overrides: Mapping[str, object] | None = None, workers: int | None = None, scheduler: str | None = None,
             batch: int | None = None, command: str = "", progress=None, method: str = "smc",
             accept: float = 0.1) -> dict[str, Any]:
    """Every fold's fit, then the predictions (module doc). Resumes fold by fold (each fit checkpoints)."""
    if method == "rejection":
        return crossval_rejection(episodes, out=out, particles=particles, runs_per_episode=runs_per_episode,
                                  accept=accept, runs=runs, seed=seed, overrides=overrides, workers=workers,
                                  scheduler=scheduler, batch=batch, command=command, progress=progress)
    if method != "smc":
        raise UserError("--method", method, "allowed: rejection, smc")
    eps, out, folds = _setup(episodes, particles, runs, overrides, out)
    ex = _executor(workers, scheduler)
    try:
        for k, (name, _src) in enumerate(eps):
            if progress:
                progress(f"fold {k + 1} of {len(eps)}: fitting on all but {name}")
            train = [src for n, src in eps if n != name]
            fold_cmd = f"{command} (the fold leaving out {name})" if command else ""
            fit(train, particles=particles, generations=generations, runs_per_episode=runs_per_episode, seed=seed,
                out=folds / name, name=name, overrides=overrides, executor=ex, batch=batch, command=fold_cmd,
                on_batch=(lambda text, k=k: progress(f"fold {k + 1}: {text}")) if progress else None)
            shutil.copyfile(folds / name / f"{name}.toml", folds / f"{name}.toml")
        if progress:
            progress(f"predicting {len(eps)} episodes, {runs} runs each")
        return predict([src for _n, src in eps], folds=folds, out=out, runs=runs, seed=seed, overrides=overrides,
                       executor=ex, settings={"particles": particles, "generations": generations,
                                              "runs_per_episode": runs_per_episode, "command": command})
    finally:
        ex.close()


def _setup(episodes, particles: int, runs: int, overrides, out) -> tuple[list[tuple[str, str]], Path, Path]:
    """The checks every crossval makes, its episodes, and its output and folds directories."""
    if particles < 2:
        raise UserError("--particles", str(particles), "a population needs at least 2 particles")
    if runs < 1:
        raise UserError("--runs", str(runs), "must be at least 1")
    eps = resolve_episodes(episodes, overrides)
    if len(eps) < 2:
        raise UserError("EPISODE", None, "leave-one-out needs at least 2 episodes")
    out = Path(out)
    folds = out / "folds"
    folds.mkdir(parents=True, exist_ok=True)
    return eps, out, folds


def crossval_rejection(episodes: Sequence[str] | None = None, *, out: str | Path = "results/crossval",
                       particles: int = 96, runs_per_episode: int = 1, accept: float = 0.1, runs: int = 20,
                       seed: int = 1, overrides: Mapping[str, object] | None = None, workers: int | None = None,
                       scheduler: str | None = None, batch: int | None = None, command: str = "",
                       progress=None) -> dict[str, Any]:
    """One prior sample on every episode, ABC rejection per fold, then the predictions (module doc)."""
    if not 0.0 < accept <= 1.0:
        raise UserError("--accept", str(accept), "must be a share above 0 and at most 1")
    eps, out, folds = _setup(episodes, particles, runs, overrides, out)
    ex = _executor(workers, scheduler)
    try:
        if progress:
            progress(f"one prior sample: {particles} value sets, each on {len(eps)} episodes")
        sample = fit([src for _n, src in eps], particles=particles, generations=1, runs_per_episode=runs_per_episode,
                     seed=seed, out=out / "sample", name="sample", overrides=overrides, executor=ex, batch=batch,
                     command=f"{command} (the prior sample)" if command else "",
                     on_batch=(lambda text: progress(f"sample: {text}")) if progress else None)
        names = [n for n, _ in eps]
        for name in names:
            write_rejection(sample, [n for n in names if n != name], accept, folds / f"{name}.toml",
                            f"{command} (the fold leaving out {name})" if command else "")
        write_rejection(sample, names, accept, out / "joint.toml", f"{command} (the joint fit)" if command else "")
        if progress:
            progress(f"predicting {len(eps)} episodes, {runs} runs each")
        return predict([src for _n, src in eps], folds=folds, out=out, runs=runs, seed=seed, overrides=overrides,
                       executor=ex, settings={"method": "rejection", "particles": particles, "accept": accept,
                                              "runs_per_episode": runs_per_episode, "command": command})
    finally:
        ex.close()


def rejection(sample: Mapping[str, Any], training: Sequence[str], accept: float) -> tuple[dict[str, float], float, int]:
    """ABC rejection on a prior sample (``fit`` with one generation): the median of each value over the
    ``accept`` share of particles nearest the training episodes' records, their mean distance, and how
    many were kept. Only the training episodes' runs are read."""
    particles = sample["generations"][0]["particles"]
    records = sample["records"]
    dist = np.array([np.mean([discrepancy(records[n], p["episodes"][n]["per_run"])["total"] for n in training])
                     for p in particles])
    keep = max(2, int(math.ceil(accept * len(particles))))
    best = np.argsort(dist, kind="stable")[:keep]
    keys = list(particles[0]["values"])
    point = {k: float(f"{np.median([particles[i]['values'][k] for i in best]):.6g}") for k in keys}
    return point, float(np.mean(dist[best])), keep


def write_rejection(sample: Mapping[str, Any], training: Sequence[str], accept: float, path: Path,
                    command: str) -> Path:
    """A fold's (or the joint) values by rejection, as a table ``scenario.values`` can name."""
    point, distance, kept = rejection(sample, training, accept)
    settings = {**sample["settings"], "generations": 1}
    result = {"settings": settings, "point": point, "records": sample["records"], "episodes": list(training),
              "command": command or "uprising crossval --method rejection", "date": sample["date"],
              "distance": distance, "note": "the median of each fitted value over the accepted particles (uprising "
                                            "crossval --method rejection; docs/calibration.md); distance is their mean "
                                            "discrepancy"}
    write_point(result, path)
    return path


def fold_episodes(folds: Path) -> list[str]:
    """The episodes that have a fold table in ``folds`` (their names)."""
    return sorted(p.stem for p in Path(folds).glob("*.toml"))


def predict(episodes: Sequence[str] | None, *, folds: str | Path = SHIPPED_FOLDS, out: str | Path = "results/crossval",
            runs: int = 20, seed: int = 1, overrides: Mapping[str, object] | None = None, workers: int | None = None,
            scheduler: str | None = None, executor=None, settings: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Each episode run ``runs`` times with its fold's values (``folds/<episode>.toml``), scored
    against its record; writes ``out/crossval.json`` and ``out/report.html``."""
    from uprising.experiments.validation import seeds as spawn

    folds = Path(folds)
    if runs < 1:
        raise UserError("--runs", str(runs), "must be at least 1")
    if not episodes:
        episodes = fold_episodes(folds)
        if not episodes:
            raise UserError(str(folds), None, "no fold tables (<episode>.toml) here: run `uprising crossval` first")
    eps = resolve_episodes(episodes, overrides)
    tables = {}
    for name, _src in eps:
        path = folds / f"{name}.toml"
        if not path.is_file():
            raise UserError(str(path), None, f"no fold fit for {name}: run `uprising crossval` with it first")
        values, info = read_point(path)
        if name in (info.get("episodes") or []):
            raise UserError(str(path), "fit.episodes", f"this fold was fitted on {name} itself: not a prediction")
        tables[name] = (values, info)
    # The runs: the episode's data, in actors mode, with its fold's values. Nothing of its record.
    bases = {name: base_scenario(src, overrides) for name, src in eps}
    run_seeds = spawn(seed, runs)
    items = [((e, r), name, run_seeds[r], tables[name][0]) for e, (name, _s) in enumerate(eps) for r in range(runs)]
    own = executor is None
    ex = executor or _executor(workers, scheduler)
    try:
        got = run_items(ex, bases, items)
    finally:
        if own:
            ex.close()
    entries = []
    for e, (name, src) in enumerate(eps):
        runs_e = [got[(e, r)] for r in range(runs)]
        entries.append(entry(name, record_outcome(src), runs_e, tables[name][1]))
    result = {"kind": "crossval", "runs": runs, "seed": seed, "settings": dict(settings or {}),
              "overrides": {k: str(v) for k, v in dict(overrides or {}).items()},
              "episodes": entries, "scores": score(entries)}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_json_atomic(out / "crossval.json", result)
    from uprising.report.crossval_page import crossval_page

    crossval_page(out).write(out / "report.html")
    return result


def entry(name: str, record: Mapping[str, Any], runs: list[dict], info: Mapping[str, Any]) -> dict[str, Any]:
    """One episode's prediction beside its record."""
    ok = [r for r in runs if "error" not in r]
    o = outcomes(ok) if ok else {}
    lo, hi = record["deaths"]
    p, med = o.get("p_fall"), o.get("deaths_median")
    date_error = None
    if record["fell"] and o.get("fall_date_median"):
        from datetime import date

        date_error = abs((date.fromisoformat(o["fall_date_median"]) - date.fromisoformat(record["fall_date"])).days)
    train_fell = [bool(x) for x in info.get("episodes_fell") or []]
    return {
        "name": name, "record_fell": record["fell"], "p_fall": p, "fall_date_median": o.get("fall_date_median"),
        "record_fall_date": record["fall_date"], "date_error_days": date_error,
        "route": o.get("route"), "record_route": record["route"],
        "deaths_median": med, "deaths_p10": o.get("deaths_p10"), "deaths_p90": o.get("deaths_p90"),
        "record_deaths": [lo, hi],
        "direction_right": None if p is None else (p >= 0.5) == record["fell"],
        "deaths_within_factor_3": None if med is None else bool(lo / 3.0 <= med <= hi * 3.0),
        "route_right": None if o.get("route") is None else o["route"] == record["route"],
        "runs": len(ok), "failed": len(runs) - len(ok), "errors": [r["error"] for r in runs if "error" in r][:1],
        "deaths_runs": [float(r.get("deaths_total") or 0.0) for r in ok],
        "training": list(info.get("episodes") or []),
        "base_rate": sum(train_fell) / len(train_fell) if train_fell else None,
        "climatology_deaths": [list(d) for d in info.get("episodes_deaths") or []],
    }


def score(entries: list[dict]) -> dict[str, Any]:
    """The scores over the episodes (module doc); an episode whose runs all failed is left out."""
    ok = [e for e in entries if e["p_fall"] is not None]
    if not ok:
        return {"episodes": 0}

    def log_range(d):
        return math.log1p(d[0]), math.log1p(d[1])

    brier = [scores.brier(e["p_fall"], e["record_fell"]) for e in ok]
    base = [scores.brier(e["base_rate"], e["record_fell"]) for e in ok if e["base_rate"] is not None]
    crps = [scores.crps_interval(np.log1p(e["deaths_runs"]), *log_range(e["record_deaths"])) for e in ok]
    clim = [scores.crps_interval([sum(log_range(d)) / 2 for d in e["climatology_deaths"]], *log_range(e["record_deaths"]))
            for e in ok if e["climatology_deaths"]]
    falls = [e for e in ok if e["record_fell"]]
    out = {
        "episodes": len(ok),
        "brier": float(np.mean(brier)),
        "brier_base_rate": float(np.mean(base)) if base else None,
        "crps_log_deaths": float(np.mean(crps)),
        "crps_log_deaths_climatology": float(np.mean(clim)) if clim else None,
        "direction_right_share": float(np.mean([bool(e["direction_right"]) for e in ok])),
        "deaths_within_factor_3_share": float(np.mean([bool(e["deaths_within_factor_3"]) for e in ok])),
        "route_right_share_of_falls": float(np.mean([bool(e["route_right"]) for e in falls])) if falls else None,
    }
    out["brier_skill"] = scores.skill(out["brier"], out["brier_base_rate"]) if base else None
    out["crps_log_deaths_skill"] = scores.skill(out["crps_log_deaths"], out["crps_log_deaths_climatology"]) if clim else None
    return out


def ship(out: str | Path, folds_to: Path = SHIPPED_FOLDS) -> list[Path]:
    """Copy the fold tables of ``out/folds`` into the package (world/fits/crossval/)."""
    folds_to.mkdir(parents=True, exist_ok=True)
    done = []
    for path in sorted((Path(out) / "folds").glob("*.toml")):
        shutil.copyfile(path, folds_to / path.name)
        done.append(folds_to / path.name)
    return done


__all__ = ["crossval", "predict", "score", "entry", "ship", "fold_episodes", "SHIPPED_FOLDS"]
