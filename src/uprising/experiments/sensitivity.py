"""Sensitivity: which parameters move which outputs (SALib), from a sweep's results store.

``uprising sensitivity SPEC`` runs the spec's sweep (resuming from its store like ``uprising
sweep``), averages each output over the replicates of every point, and computes:

- ``method = "sobol"``: first-order ``S1`` and total ``ST`` Sobol indices (Saltelli 2010
  estimators, SALib ``analyze.sobol``), with bootstrap 95% intervals (``S2`` with
  ``second_order``);
- ``method = "morris"``: elementary effects ``mu_star`` (mean |effect|), ``mu`` and ``sigma``
  (SALib ``analyze.morris``), ``mu_star`` with a bootstrap 95% interval;
- ``method = "lhs"``: Borgonovo's moment-independent ``delta`` (Plischke, Borgonovo & Smith
  2013 estimator) and a first-order ``S1`` estimate (SALib ``analyze.delta``), which need no
  special sample design but about 30 points or more.

The table is long — one row per output, parameter and index — written as
``sensitivity.parquet`` and ``sensitivity.csv``; ``sensitivity.png`` draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from uprising.errors import UserError
from uprising.experiments.spec import Spec

TABLE = "sensitivity.parquet"
CSV = "sensitivity.csv"
PLOT = "sensitivity.png"


@dataclass
class SensitivityResult:
    table: pl.DataFrame
    paths: dict[str, Path]
    runs: int
    failed: int


def point_means(spec: Spec, runs: pl.DataFrame, outputs: list[str]) -> np.ndarray:
    """``[points, outputs]``: each output averaged over the point's successful replicates."""
    ok = runs.filter(pl.col("status") == "ok")
    missing = [o for o in outputs if o not in ok.columns]
    if missing:
        numeric = [c for c, t in ok.schema.items() if t.is_numeric() and c not in ("run_id", "point", "replicate", "seed")]
        raise UserError(spec.label, "sensitivity.outputs", f"no output named {missing[0]!r}; allowed: {', '.join(numeric)}")
    means = ok.group_by("point").agg([pl.col(o).cast(pl.Float64).mean() for o in outputs]).sort("point")
    if means.height != len(spec.points):
        lost = sorted(set(range(len(spec.points))) - set(means["point"].to_list()))
        raise UserError(spec.label, None, f"{len(lost)} point(s) have no successful run (first: point {lost[0]}); "
                        "the indices need every point: see the failures with `uprising results`")
    return means.select(outputs).to_numpy()


def analyse(spec: Spec, runs: pl.DataFrame, outputs: list[str] | None = None) -> pl.DataFrame:
    """The indices of ``outputs`` (default: the spec's [sensitivity] outputs) as a long table:
    output, parameter, index, value, conf (half-width of the 95% interval; null when none)."""
    sample = spec.model.sample
    if sample is None:
        raise UserError(spec.label, "sample", "sensitivity needs sampled ranges: add a [sample] table "
                        "with method = \"sobol\" or \"morris\" (or \"lhs\") and ranges")
    if spec.model.grid:
        raise UserError(spec.label, "grid", "sensitivity analyses one sample design; move the [grid] keys "
                        "into [sample.ranges] or [set]")
    outputs = list(outputs or spec.model.sensitivity.outputs)
    problem = spec.problem()
    names = problem["names"]
    Y = point_means(spec, runs, outputs)
    X = np.array([[p[n] for n in names] for p in spec.points], dtype=float)
    seed = spec.model.sweep.seed
    rows: list[dict[str, Any]] = []

    def add(output: str, index: str, values: Any, confs: Any = None, params: list[str] = names) -> None:
        values = np.atleast_1d(np.asarray(values, dtype=float))
        confs = np.full(len(values), np.nan) if confs is None else np.atleast_1d(np.asarray(confs, dtype=float))
        for name, v, c in zip(params, values, confs):
            rows.append({"output": output, "parameter": name, "index": index, "value": float(v),
                         "conf": None if not np.isfinite(c) else float(c)})

    import warnings

    for j, output in enumerate(outputs):
        y = Y[:, j]
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            if sample.method == "sobol":
                from SALib.analyze import sobol

                res = sobol.analyze(problem, y, calc_second_order=sample.second_order, seed=seed)
                add(output, "S1", res["S1"], res["S1_conf"])
                add(output, "ST", res["ST"], res["ST_conf"])
                if sample.second_order:
                    for a in range(len(names)):
                        for b in range(a + 1, len(names)):
                            add(output, "S2", [res["S2"][a, b]], [res["S2_conf"][a, b]], [f"{names[a]} x {names[b]}"])
            elif sample.method == "morris":
                from SALib.analyze import morris

                res = morris.analyze(problem, X, y, num_levels=sample.levels, seed=seed)
                add(output, "mu_star", res["mu_star"], res["mu_star_conf"])
                add(output, "mu", res["mu"])
                add(output, "sigma", res["sigma"])
            else:
                from SALib.analyze import delta

                import contextlib
                import io

                with contextlib.redirect_stdout(io.StringIO()):  # SALib prints its binning notes
                    res = delta.analyze(problem, X, y, seed=seed, print_to_console=False)
                key = "delta" if "delta" in res else "delta_raw"  # SALib >= 1.5 names Plischke's raw estimator
                if key not in res or not np.isfinite(np.asarray(res[key], dtype=float)).any():
                    raise UserError(spec.label, "sample.n", f"{len(y)} points are too few for the delta "
                                    "index (SALib's density estimate needs about 30 or more); raise n")
                add(output, "delta", res[key], res[f"{key}_conf"])
                add(output, "S1", res["S1"], res["S1_conf"])
    return pl.DataFrame(rows, schema={"output": pl.String, "parameter": pl.String, "index": pl.String,
                                      "value": pl.Float64, "conf": pl.Float64})


def plot(table: pl.DataFrame, path: str | Path, title: str = "") -> Path:
    """One panel per output: a bar per parameter and index, with its 95% interval (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outputs = table["output"].unique(maintain_order=True).to_list()
    shown = table.filter(pl.col("index") != "mu").filter(pl.col("index") != "S2")
    indices = shown["index"].unique(maintain_order=True).to_list()
    params = shown["parameter"].unique(maintain_order=True).to_list()
    ncols = min(3, len(outputs))
    nrows = -(-len(outputs) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, (0.5 * len(params) + 1.6) * nrows + 0.6),
                             squeeze=False)
    for ax in axes.flat[len(outputs):]:
        ax.set_visible(False)
    colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"]  # Okabe-Ito: colour-blind safe
    height = 0.8 / max(1, len(indices))
    for ax, output in zip(axes.flat, outputs):
        part = shown.filter(pl.col("output") == output)
        for k, index in enumerate(indices):
            sub = part.filter(pl.col("index") == index)
            lookup = {r["parameter"]: r for r in sub.iter_rows(named=True)}
            ys = np.arange(len(params)) + k * height
            vals = [lookup[p]["value"] if p in lookup else np.nan for p in params]
            errs = [lookup[p]["conf"] if p in lookup and lookup[p]["conf"] is not None else 0.0 for p in params]
            ax.barh(ys, vals, height=height, xerr=errs, color=colors[k % len(colors)], label=index, capsize=2)
        ax.set_yticks(np.arange(len(params)) + height * (len(indices) - 1) / 2, params)
        ax.invert_yaxis()
        ax.set_title(output)
        ax.axvline(0, color="black", linewidth=0.6)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    from uprising.output import save_figure

    return save_figure(path, fig)


def sensitivity(
    spec: Spec,
    out: str | Path,
    *,
    outputs: list[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    new: bool = False,
    progress: bool = True,
) -> SensitivityResult:
    """Run (or resume) the spec's sweep into ``out``, then analyse it and write table and plot there."""
    from uprising.experiments.sweep import run_sweep
    from uprising.output import atomic_path, write_parquet

    if spec.model.sample is None or spec.model.grid:
        analyse(spec, pl.DataFrame(), outputs)  # the same one-line refusal, before any run
    report = run_sweep(spec, out, workers=workers, scheduler=scheduler, new=new, progress=progress)
    runs = report.store.runs()
    table = analyse(spec, runs, outputs)
    out = Path(out)
    paths = {"table": write_parquet(out / TABLE, table)}
    with atomic_path(out / CSV) as tmp:
        table.write_csv(tmp)
    paths["csv"] = out / CSV
    method = spec.model.sample.method
    paths["plot"] = plot(table, out / PLOT, f"{spec.name}: {method} sensitivity, {len(spec.points)} points x "
                                            f"{spec.model.sweep.seeds} seeds")
    failed = int((runs["status"] != "ok").sum())
    return SensitivityResult(table, paths, runs.height, failed)


__all__ = ["analyse", "sensitivity", "plot", "point_means", "SensitivityResult"]
