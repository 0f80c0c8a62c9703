"""The `uprising` command line end to end: scenarios, show, run, outputs, errors, the report hook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from uprising.cli.app import LOG_DIR_ENV, UprisingGroup
from uprising.output import atomic_path, json_safe, write_json
from uprising.scenarios import load_scenario, shipped_names
from uprising.scenarios.shipped import shipped_episodes
from uprising.scenarios.reference import render_markdown

REPO = Path(__file__).resolve().parents[1]


def uprising(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "uprising", *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=600
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def strict_json(path: Path):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


# --- scenarios and show --------------------------------------------------------------------


def test_scenarios_lists_every_shipped_scenario_one_line_each():
    lines = ok(uprising("scenarios")).strip().splitlines()
    names = [line.split()[0] for line in lines if line.strip()]
    episodes = shipped_episodes()
    classics = [n for n in shipped_names() if n not in episodes]
    # the episodes first (after their header), then a summary line, then the classic scenarios
    assert names[0] == "episode" and names[1 : 1 + len(episodes)] == episodes
    assert names[-len(classics) - 1 :] == ["scenario", *classics]
    assert all(len(line.split(None, 1)) == 2 for line in lines if line.strip())


@pytest.mark.parametrize("name", ["epstein-1", "epstein-run3", "epstein-2", "mesa-example"])
def test_show_output_reloads_to_the_same_scenario(tmp_path, name):
    sets = ["--set", "citizen.jail_max=inf", "--set", "rules.vision_shape=moore"]
    for extra in ([], sets, ["--comments"]):
        text = ok(uprising("show", name, *extra))
        path = tmp_path / "shown.toml"
        path.write_text(text, encoding="utf-8")
        overrides = {"citizen.jail_max": "inf", "rules.vision_shape": "moore"} if extra == sets else None
        assert load_scenario(path) == load_scenario(name, overrides)


def test_show_doc_is_the_docs_page():
    assert ok(uprising("show", "--doc")) == render_markdown()
    assert (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8") == render_markdown()


def test_no_arguments_prints_help():
    out = ok(uprising())
    assert "run" in out and "scenarios" in out and "show" in out


# --- run ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def epstein_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = uprising("run", "epstein-1", "--steps", "20", "--seed", "7", "--set", "citizen.legitimacy=0.8",
                      "--out", str(out))
    return out, ok(result)


def test_run_writes_valid_outputs(epstein_run):
    out, stdout = epstein_run
    ts = pl.read_parquet(out / "timeseries.parquet")
    assert ts.height == 21  # steps 0..20, one place
    for column in ("step", "place", "quiet", "active", "jailed", "cops"):
        assert column in ts.columns
    citizens = ts["quiet"] + ts["active"] + ts["jailed"] + ts["dead"]
    assert citizens.n_unique() == 1  # invariant: every citizen is in exactly one state

    summary = strict_json(out / "summary.json")
    assert summary["scenario"] == "epstein-1" and summary["steps"] == 20 and summary["seed"] == 7
    assert summary["parameters"]["citizen"]["legitimacy"] == 0.8
    assert summary["citizens"] == int(citizens[0])
    for key in ("cops", "mean_active_fraction", "peak_active_fraction", "outbursts", "wall_seconds",
                "agent_steps_per_second", "version", "schedule"):
        assert key in summary, key

    with np.load(out / "frames.npz") as frames:
        steps, cells = frames["steps"], frames["cells"]
    assert cells.dtype == np.int8 and cells.shape == (len(steps), 40, 40)
    assert steps[-1] == 20 and set(np.unique(cells)) <= {0, 1, 2, 3, 4}

    rerun = load_scenario(out / "scenario.toml")
    assert rerun == load_scenario("epstein-1", {"scenario.steps": 20, "scenario.seed": 7, "citizen.legitimacy": 0.8})
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"
    assert "outbursts" in stdout and str(out) in stdout


def test_rerunning_the_written_scenario_reproduces_the_run(epstein_run, tmp_path):
    out, _ = epstein_run
    again = tmp_path / "again"
    ok(uprising("run", str(out / "scenario.toml"), "--out", str(again), "--quiet", "--no-report"))
    assert pl.read_parquet(again / "timeseries.parquet").equals(pl.read_parquet(out / "timeseries.parquet"))


def test_run_calls_the_report_hook(epstein_run):
    out, stdout = epstein_run
    if (REPO / "src" / "uprising" / "report" / "__init__.py").exists():
        assert (out / "report.html").is_file()
        assert f"report: {out / 'report.html'}" in stdout


def test_run_default_directory_quiet_and_model_two(tmp_path):
    result = uprising("run", "epstein-2", "--steps", "5", "--quiet", "--no-report", cwd=tmp_path)
    assert ok(result) == "" and result.stderr == ""
    out = tmp_path / "results" / "epstein-2"
    assert strict_json(out / "summary.json")["model"] == "epstein-2"
    assert not (out / "report.html").exists()


def test_infinite_jail_is_written_as_strict_json(tmp_path):
    out = tmp_path / "r3"
    ok(uprising("run", "epstein-run3", "--steps", "3", "--out", str(out), "--quiet", "--no-report"))
    assert strict_json(out / "summary.json")["parameters"]["citizen"]["jail_max"] == "inf"


# --- internal errors ------------------------------------------------------------------------


def test_internal_error_is_one_line_with_a_log_of_the_traceback(tmp_path):
    """The real error handler of every command, on a command that really fails."""
    app = typer.Typer(cls=UprisingGroup)

    @app.command()
    def boom() -> None:
        {}["missing"]  # noqa: B018 - a genuine bug

    @app.command()
    def other() -> None:
        pass

    result = CliRunner().invoke(app, ["boom"], env={LOG_DIR_ENV: str(tmp_path)})
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("uprising: internal error: KeyError: 'missing'")
    assert "Traceback" not in result.stderr
    log = Path(lines[0].rsplit("full traceback in ", 1)[1])
    assert log.parent == tmp_path and "Traceback" in log.read_text() and "boom" in log.read_text()


# --- atomic outputs -------------------------------------------------------------------------


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "summary.json"
    write_json(target, {"a": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a fi")
        raise RuntimeError("killed mid-write")
    assert json.loads(target.read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_json_safe():
    data = json_safe({"inf": float("inf"), "nan": float("nan"), "n": np.int64(3), "a": np.arange(2), "p": Path("x")})
    assert data == {"inf": "inf", "nan": "nan", "n": 3, "a": [0, 1], "p": "x"}
    json.dumps(data, allow_nan=False)


# --- the README tells the truth ---------------------------------------------------------------


def test_readme_python_example_runs():
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_readme_names_every_shipped_scenario_family():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in ("epstein-1", "epstein-2", "epstein-run1", "epstein-run8", "netlogo-rebellion", "mesa-example"):
        assert f"`{name}`" in readme


def test_progress_bar_appears_only_after_its_delay():
    import io
    import time

    from rich.console import Console

    from uprising.cli.run import ProgressBar

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    with ProgressBar("epstein-1", enabled=True, delay=0.05, console=console) as bar:
        bar(1, 10)
        assert bar.progress is None  # a quick run shows nothing
        time.sleep(0.06)
        bar(5, 10)
        assert bar.progress is not None and bar.progress.tasks[0].completed == 5
    assert bar.progress is None
    quiet = ProgressBar("x", enabled=False, delay=0, console=console)
    quiet(1, 2)
    assert quiet.progress is None
