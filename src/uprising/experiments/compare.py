"""Counterfactuals: a baseline and a variant of one scenario, run with common random numbers.

``uprising compare epstein-1 --set citizen.legitimacy=0.7 --runs 50`` runs the scenario as it is
(the baseline) and with the changes (the variant), ``runs`` times each. Replicate ``i`` of both
arms has the same seed (``SeedSequence(seed).spawn(runs)[i]``); since every random draw is keyed by
what it decides (seed, stream, step, agent), the two runs of a pair share every draw the change
does not touch, and the paired differences are far less noisy than two independent ensembles.

For each output the table gives both means, the mean paired difference (variant - baseline)
and its 95% confidence interval: Student's t over the pairs, or for a yes/no outcome (``resigned``,
``took_*``) an exact interval from the discordant pairs; each clipped to the range of the
quantity (:mod:`uprising.experiments.intervals`). Unless ``outputs`` are named, an output with
the same value in every run of both arms (an actor's decision never taken: ``took_x`` 0 in all),
or with no pair where both arms have it, is left out of the table and listed in
``Comparison.constant`` (and compare.json's ``constant``: null for no value, NaN written as null). The plot draws both ensembles'
trajectories: the mean and the 5-95% band of each arm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from uprising.experiments.executors import chunk_size, chunks, make_executor
from uprising.experiments.spec import spawn_seeds

# The outputs that matter, in the order shown; those a run does not produce are left out.
CLASSIC_OUTPUTS = ("mean_active", "peak_active", "outbursts", "mean_jailed", "peak_jailed", "mean_active_fraction")
# The world of places' outcome keys (its summary), when present; then the peaks of the places the
# episode's record follows (peak_active_<place>).
PLACES_OUTPUTS = ("resigned", "resignation_day", "deaths_total", "capital_death_share", "blocked_road_days",
                  "capital_fuel_short_days")
TRAJECTORIES = ("active", "jailed")
TABLE = "compare.parquet"
CSV = "compare.csv"
RUNS = "compare_runs.parquet"
PLOT = "compare.png"


@dataclass
class Comparison:
    table: pl.DataFrame  # output, baseline, variant, difference, ci_low, ci_high, n
    runs: pl.DataFrame  # one row per run: arm, replicate, seed, outputs
    timeseries: pl.DataFrame  # arm, replicate, step, totals over places
    changes: dict[str, Any]
    paths: dict[str, Path]
    # outputs left out of the table: the same value in every run of both arms (None: no run has it;
    # NaN: no pair where both arms have it)
    constant: dict[str, float | None] | None = None


def paired_table(runs: pl.DataFrame, outputs: list[str], confidence: float = 0.95) -> pl.DataFrame:
    """Means of both arms and the mean paired difference with its interval: Student's t, exact for
    a yes/no outcome, clipped to the quantity's range (:func:`uprising.experiments.intervals.paired_interval`)."""
    from uprising.experiments.intervals import paired_interval

    ok = runs.filter(pl.col("status") == "ok")
    base = ok.filter(pl.col("arm") == "baseline").sort("replicate")
    var = ok.filter(pl.col("arm") == "variant").sort("replicate")
    pairs = base.select("replicate").join(var.select("replicate"), on="replicate")["replicate"]
    base = base.filter(pl.col("replicate").is_in(pairs.implode()))
    var = var.filter(pl.col("replicate").is_in(pairs.implode()))
    rows = []
    for output in outputs:
        # Pairs where both arms have the output (e.g. resignation_day is null when no resignation).
        both = base.select("replicate", b=pl.col(output).cast(pl.Float64)).join(
            var.select("replicate", v=pl.col(output).cast(pl.Float64)), on="replicate").drop_nulls()
        b = both["b"].to_numpy()
        v = both["v"].to_numpy()
        n = len(both)
        mean, low, high = paired_interval(output, v, b, confidence)
        rows.append({"output": output, "baseline": float(b.mean()) if n else math.nan,
                     "variant": float(v.mean()) if n else math.nan, "difference": mean,
                     "ci_low": low, "ci_high": high, "n": n})
    return pl.DataFrame(rows, schema={"output": pl.Utf8, "baseline": pl.Float64, "variant": pl.Float64,
                                      "difference": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
                                      "n": pl.Int64})


def constant_outputs(runs: pl.DataFrame, outputs: list[str]) -> dict[str, float | None]:
    """The outputs with one value in every successful run of both arms, with it (None: no run has
    the output, e.g. ``resignation_day`` when no run resigned)."""
    ok = runs.filter(pl.col("status") == "ok")
    out: dict[str, float | None] = {}
    for output in outputs:
        column = ok[output].cast(pl.Float64)
        values = column.drop_nulls().unique()
        if column.null_count() == ok.height:
            out[output] = None
        elif values.len() == 1 and column.null_count() == 0:
            out[output] = float(values[0])
    return out


def pin(base, text: str) -> dict:
    """``--pin "KIND DATE"``: the base scenario's events plus one exogenous decision (kept when the
    actors decide), as a change: ``{"events": [...]}``. A concession or an announcement has the
    government's concession size; a curfew or a state of siege falls on the capital."""
    import datetime as _dt

    from uprising.errors import UserError

    parts = text.split()
    if len(parts) != 2:
        raise UserError("--pin", text, "expected KIND DATE, e.g. --pin \"concession YYYY-MM-DD\"")
    kind, when = parts
    try:
        date = _dt.date.fromisoformat(when)
    except ValueError:
        raise UserError("--pin", text, f"{when!r} is not a date YYYY-MM-DD") from None
    event: dict[str, Any] = {"date": date, "kind": kind, "name": f"pinned {kind}", "exogenous": True,
                             "actor": base.world.actors.government if base.world is not None else ""}
    if kind in ("concession", "announcement"):
        event["size"] = base.government.concession_size
    if kind in ("curfew", "state_of_siege") and base.world is not None:
        event["places"] = [base.world.regime.capital] if base.world.regime.capital else []
    if kind == "state_of_siege":
        event["force"] = "live_fire"
    events = [e.model_dump(exclude_defaults=True) for e in base.events]
    return {"events": [*events, event]}


def default_outputs(columns: list[str]) -> list[str]:
    """The world of places' outcomes when the runs have them, else the classic ones."""
    if "resigned" in columns:
        return ([c for c in PLACES_OUTPUTS if c in columns] + sorted(c for c in columns if c.startswith("peak_active_"))
                + sorted(c for c in columns if c.startswith(("decided_", "took_"))))
    return [c for c in CLASSIC_OUTPUTS if c in columns]


def compare(
    scenario: Any,
    changes: Mapping[str, object],
    *,
    runs: int = 20,
    seed: int = 0,
    base_overrides: Mapping[str, object] | None = None,
    outputs: list[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
) -> Comparison:
    """Run ``scenario`` (+ ``base_overrides``) as baseline and with ``changes`` as the variant,
    ``runs`` pairs with common seeds; return (and with ``out``, write) the comparison."""
    from uprising.errors import UserError
    from uprising.scenarios import load_scenario, scenario_to_dict

    if not changes:
        raise UserError("--set", None, "give at least one change for the variant, e.g. --set citizen.legitimacy=0.7")
    base = load_scenario(scenario, dict(base_overrides or {}) or None)
    load_scenario(base, dict(changes))  # a mistake in a change: one line, before any run
    base_data = scenario_to_dict(base)
    seeds = spawn_seeds(seed, runs)
    plans = [(i, 0, i, s, {}) for i, s in enumerate(seeds)]
    plans += [(runs + i, 1, i, s, dict(changes)) for i, s in enumerate(seeds)]
    payload = {"base": base_data, "timeseries": True}
    results: list[Any] = []
    from uprising.experiments.sweep import _Bar

    with make_executor(workers, scheduler) as executor:
        bar = _Bar(f"compare {base.scenario.name}", len(plans), progress)
        try:
            for chunk in executor.map_unordered(payload, chunks(plans, chunk_size(len(plans), executor.workers))):
                results.extend(chunk)
                bar.advance(len(chunk), sum(0 if r.ok else 1 for r in chunk))
        finally:
            bar.close()
    results.sort(key=lambda r: r.run_id)
    keep = ["run_id", "replicate", "seed", "status", "error"]
    frames = []
    for r in results:
        s = r.summary
        metric_cols = [c for c in s.columns if c not in keep and c not in ("point",) and "__" not in c]
        frames.append(s.select(keep + metric_cols).with_columns(
            arm=pl.lit("baseline" if r.run_id < runs else "variant")))
    runs_frame = pl.concat(frames, how="diagonal_relaxed").select("arm", pl.exclude("arm"))
    ts_frames = []
    for r in results:
        if r.timeseries is None:
            continue
        cols = [c for c in TRAJECTORIES if c in r.timeseries.columns]
        ts_frames.append(r.timeseries.group_by("step").agg([pl.col(c).sum() for c in cols]).sort("step")
                         .with_columns(arm=pl.lit("baseline" if r.run_id < runs else "variant"),
                                       replicate=pl.lit(r.summary["replicate"][0])))
    ts = pl.concat(ts_frames, how="diagonal_relaxed") if ts_frames else pl.DataFrame()
    # whether each actor's decision was taken at all (1/0 per run): its day is null where it was not
    runs_frame = runs_frame.with_columns(
        [pl.col(c).is_not_null().cast(pl.Float64).alias("took_" + c.removeprefix("decided_"))
         for c in runs_frame.columns if c.startswith("decided_")])
    named = bool(outputs)
    outputs = list(outputs) if outputs else default_outputs(runs_frame.columns)
    missing = [o for o in outputs if o not in runs_frame.columns]
    if missing:
        allowed = [c for c, t in runs_frame.schema.items() if t.is_numeric() and c not in ("run_id", "replicate", "seed")]
        raise UserError("--output", missing[0], f"no such output; allowed: {', '.join(allowed)}")
    constant = {} if named else constant_outputs(runs_frame, outputs)
    if len(constant) < len(outputs):  # all constant: show them rather than nothing
        outputs = [o for o in outputs if o not in constant]
    else:
        constant = {}
    table = paired_table(runs_frame, outputs)
    if not named:  # no pair where both arms have it (capital_death_share where one arm killed no one)
        unpaired = table.filter(pl.col("n") == 0)["output"].to_list()
        if len(unpaired) < table.height:
            table = table.filter(pl.col("n") > 0)
            constant.update({o: math.nan for o in unpaired})
    paths: dict[str, Path] = {}
    if out is not None:
        from uprising.output import atomic_path, write_parquet

        out = Path(out)
        paths["table"] = write_parquet(out / TABLE, table)
        with atomic_path(out / CSV) as tmp:
            table.write_csv(tmp)
        paths["csv"] = out / CSV
        paths["runs"] = write_parquet(out / RUNS, runs_frame)
        if ts.height:  # both arms' trajectories and what was compared: the report draws them
            paths["timeseries"] = write_parquet(out / "compare_timeseries.parquet", ts)
        from uprising.output import write_json

        paths["meta"] = write_json(out / "compare.json", {
            "kind": "comparison", "scenario": base.scenario.name, "changes": dict(changes),
            "base_overrides": dict(base_overrides or {}), "runs": runs, "seed": seed, "outputs": outputs,
            "constant": constant})
        if ts.height:
            paths["plot"] = plot(ts, out / PLOT, title=f"{base.scenario.name}: baseline vs "
                                 + ", ".join(f"{k}={v}" for k, v in changes.items()) + f" ({runs} pairs)")
    return Comparison(table, runs_frame, ts, dict(changes), paths, constant)


def plot(ts: pl.DataFrame, path: str | Path, title: str = "") -> Path:
    """Both ensembles' trajectories: mean line and 5-95% band per arm, one panel per count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = [c for c in TRAJECTORIES if c in ts.columns]
    fig, axes = plt.subplots(len(counts), 1, figsize=(9, 2.8 * len(counts)), sharex=True, squeeze=False)
    colors = {"baseline": "#0072B2", "variant": "#D55E00"}  # Okabe-Ito
    for ax, count in zip(axes[:, 0], counts):
        for arm, color in colors.items():
            part = ts.filter(pl.col("arm") == arm)
            if not part.height:
                continue
            band = (part.group_by("step").agg(mean=pl.col(count).mean(), lo=pl.col(count).quantile(0.05),
                                              hi=pl.col(count).quantile(0.95)).sort("step"))
            steps = band["step"].to_numpy()
            ax.fill_between(steps, band["lo"].to_numpy(), band["hi"].to_numpy(), color=color, alpha=0.2, linewidth=0)
            ax.plot(steps, band["mean"].to_numpy(), color=color, label=f"{arm} (mean, 5-95%)", linewidth=1.2)
        ax.set_ylabel(count)
        ax.legend(fontsize="small", loc="upper right")
    axes[-1, 0].set_xlabel("step")
    if title:
        fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    from uprising.output import save_figure

    return save_figure(path, fig)


__all__ = ["compare", "paired_table", "plot", "pin", "Comparison", "CLASSIC_OUTPUTS", "PLACES_OUTPUTS"]
