"""Experiment pages: validation ensembles, sweeps, sensitivity analyses, comparisons, calibrations.

``write_report(DIR)`` picks the page by what DIR holds (:func:`experiment_kind`), or by a
``kind`` key in its metadata (validation.json, compare.json, store.json, calibration.json):

===============  =================================================  ==============================
kind             DIR holds (written by)                              the page (module)
===============  =================================================  ==============================
validation       validation.json (``uprising validate``)            the record's targets, the
                                                                     outcome beside the record,
                                                                     scores against a baseline,
                                                                     bands over runs, histograms
                                                                     (:mod:`.validation_page`)
comparison       compare.parquet, compare_runs.parquet              differences with 95% intervals,
                 (``uprising compare``), compare_timeseries.parquet  both arms' trajectories with
                 when written                                        bands, per-run values
                                                                     (:mod:`.compare_page`)
sensitivity      sensitivity.parquet + a results store               Sobol / Morris / delta indices as
                 (``uprising sensitivity``)                          bars with 95% intervals, and the
                                                                     sweep's page below
                                                                     (:mod:`.sweep_page`)
sweep            store.json, runs/, catalog.duckdb (``uprising       the chosen output against each
                 sweep``)                                            varied parameter (a menu switches
                                                                     output), a grid heatmap, means
                                                                     (:mod:`.sweep_page`)
calibration      calibration.json or trials.parquet (Optuna)        trial history and best so far
                                                                     (:mod:`.calibration_page`)
effects          effects.json (``uprising effects``)                paired effects with 95% intervals
                                                                     (:mod:`.effects_page`)
===============  =================================================  ==============================

Names a user wrote (scenario, sweep, parameter and output names) reach the page as text
(``escape.text`` in sections, ``escape.plot_text`` in plot labels).
"""

from __future__ import annotations

from pathlib import Path

from .calibration_page import calibration_page
from .compare_page import comparison_page
from .effects_page import effects_page
from .experiment_parts import read_json
from .page import Page
from .sweep_page import sensitivity_page, sweep_page
from .validation_page import validation_page

KINDS = ("validation", "comparison", "sensitivity", "calibration", "sweep", "effects", "crossval")


def experiment_kind(out_dir: str | Path) -> str | None:
    """Which experiment ``out_dir`` holds (one of :data:`KINDS`), or None for a single run."""
    out_dir = Path(out_dir)
    for meta in ("validation.json", "compare.json", "calibration.json", "store.json", "effects.json", "crossval.json"):
        data = read_json(out_dir / meta)
        if data and data.get("kind") in KINDS:
            return str(data["kind"])
    if (out_dir / "validation.json").is_file():
        return "validation"
    if (out_dir / "compare.parquet").is_file() or (out_dir / "compare_runs.parquet").is_file():
        return "comparison"
    if (out_dir / "sensitivity.parquet").is_file():
        return "sensitivity"
    if (out_dir / "calibration.json").is_file() or (out_dir / "trials.parquet").is_file():
        return "calibration"
    if (out_dir / "store.json").is_file():
        return "sweep"
    return None


def experiment_page(out_dir: str | Path, kind: str | None = None, output: str | None = None) -> Page:
    out_dir = Path(out_dir)
    kind = kind or experiment_kind(out_dir)
    if kind == "validation":
        return validation_page(out_dir)
    if kind == "comparison":
        return comparison_page(out_dir)
    if kind == "sensitivity":
        return sensitivity_page(out_dir, output)
    if kind == "calibration":
        return calibration_page(out_dir)
    if kind == "sweep":
        return sweep_page(out_dir, output)
    if kind == "effects":
        return effects_page(out_dir)
    if kind == "crossval":
        from .crossval_page import crossval_page

        return crossval_page(out_dir)
    raise ValueError(f"{out_dir}: not an experiment's directory")


__all__ = ["experiment_kind", "experiment_page", "validation_page", "sweep_page", "sensitivity_page",
           "comparison_page", "calibration_page", "KINDS"]
