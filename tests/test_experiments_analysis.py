"""Sensitivity (SALib Sobol/Morris over a sweep) and counterfactual comparison (common random numbers)."""

from __future__ import annotations

import polars as pl
import pytest
from experiments_helpers import cli, write_spec

from uprising.errors import UserError
from uprising.experiments import load_spec
from uprising.experiments.compare import compare, paired_table
from uprising.experiments.sensitivity import sensitivity

SAMPLED = """
[sweep]
name = "{method}-tiny"
scenario = "epstein-1"
seed = 5
seeds = 1
steps = 25
[set]
"grid.width" = 12
"grid.height" = 12
[sample]
method = "{method}"
n = {n}
[sample.ranges]
"citizen.legitimacy" = [0.5, 0.95]
"citizen.jail_max" = [2, 40]
[sensitivity]
outputs = ["mean_active_fraction", "mean_jailed"]
"""


@pytest.mark.parametrize("method,n,indices", [("sobol", 8, {"S1", "ST"}), ("morris", 4, {"mu_star", "mu", "sigma"}),
                                              ("lhs", 60, {"delta", "S1"})])
def test_sensitivity_writes_table_csv_and_plot(tmp_path, method, n, indices):
    spec = load_spec(write_spec(tmp_path / "s.toml", text=SAMPLED.format(method=method, n=n)))
    result = sensitivity(spec, tmp_path / "out", workers=1, progress=False)
    t = result.table
    assert set(t["index"]) == indices
    assert set(t["output"]) == {"mean_active_fraction", "mean_jailed"}
    assert set(t["parameter"]) == {"citizen.legitimacy", "citizen.jail_max"}
    assert t.height == 2 * 2 * len(indices)
    assert pl.read_parquet(result.paths["table"]).equals(t)
    assert pl.read_csv(result.paths["csv"]).height == t.height
    assert result.paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if method == "morris":  # legitimacy drives activity in Model I far more than the jail term
        mu = {r["parameter"]: r["value"] for r in t.filter((pl.col("index") == "mu_star")
                                                            & (pl.col("output") == "mean_active_fraction")).iter_rows(named=True)}
        assert mu["citizen.legitimacy"] > mu["citizen.jail_max"]


def test_sensitivity_refuses_a_grid_spec_and_an_unknown_output(tmp_path):
    grid = load_spec(write_spec(tmp_path / "g.toml"))
    with pytest.raises(UserError, match="sensitivity needs sampled ranges"):
        sensitivity(grid, tmp_path / "out", workers=1, progress=False)
    spec = load_spec(write_spec(tmp_path / "s.toml", text=SAMPLED.format(method="morris", n=2)))
    r = cli("sensitivity", str(tmp_path / "s.toml"), "--out", str(tmp_path / "o"), "-w", "1", "--output", "nope", "-q")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "sensitivity.outputs: no output named 'nope'; allowed:" in r.stderr and "outbursts" in r.stderr
    assert spec.n_runs == 2 * 3


def test_compare_pairs_runs_with_common_seeds(tmp_path):
    result = compare({"scenario": {"steps": 30}, "grid": {"width": 14, "height": 14}},
                     {"citizen.legitimacy": 0.6}, runs=4, seed=3, workers=1, out=tmp_path, progress=False)
    runs = result.runs
    assert runs.height == 8
    base = runs.filter(pl.col("arm") == "baseline").sort("replicate")
    var = runs.filter(pl.col("arm") == "variant").sort("replicate")
    assert base["seed"].to_list() == var["seed"].to_list()  # common random numbers
    t = result.table
    assert t["output"].to_list()[:4] == ["mean_active", "peak_active", "outbursts", "mean_jailed"]
    row = t.filter(pl.col("output") == "mean_active").row(0, named=True)
    assert row["difference"] == pytest.approx(var["mean_active"].mean() - base["mean_active"].mean())
    assert row["ci_low"] <= row["difference"] <= row["ci_high"] and row["n"] == 4
    assert row["variant"] > row["baseline"]  # lower legitimacy, more rebellion
    assert set(result.timeseries["arm"]) == {"baseline", "variant"}
    for kind in ("table", "csv", "runs", "plot"):
        assert result.paths[kind].is_file()


def test_paired_interval_is_students_t():
    runs = pl.DataFrame({"arm": ["baseline"] * 3 + ["variant"] * 3, "replicate": [0, 1, 2] * 2,
                         "status": ["ok"] * 6, "x": [1.0, 2.0, 3.0, 2.0, 4.0, 3.0]})
    row = paired_table(runs, ["x"]).row(0, named=True)
    # differences 1, 2, 0: mean 1, sd 1, t(0.975, 2) = 4.302653
    assert row["difference"] == pytest.approx(1.0)
    assert row["ci_high"] - row["difference"] == pytest.approx(4.302653 / 3**0.5, rel=1e-6)


def test_compare_cli(tmp_path):
    r = cli("compare", "epstein-1", "--set", "citizen.legitimacy=0.7", "--runs", "2", "--steps", "10",
            "--base-set", "grid.width=12", "--base-set", "grid.height=12", "-w", "1", "-q", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "2 pairs with common seeds" in r.stdout and "mean_active" in r.stdout
    assert (tmp_path / "compare.png").is_file()
    r = cli("compare", "epstein-1", "--set", "citizen.legitimacy=7", "--runs", "2", "-q", "--out", str(tmp_path))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "citizen.legitimacy: 7 is out of range" in r.stderr
