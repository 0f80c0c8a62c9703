"""Issue #15's small fixes: a shipped sweep spec by name, `sweep --seeds/--steps`, `validate -n`,
`Simulation.frames()` without `frame_every`, and the inline view of a simulation in Jupyter."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from uprising.errors import UserError
from uprising.experiments import load_spec, open_store
from uprising.experiments.spec import shipped_specs
from uprising.simulation import Simulation

SMALL = {"grid__width": 12, "grid__height": 12}


def uprising(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "uprising", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


# --- sweep: shipped specs by name, --seeds, --steps ------------------------------------------


def test_a_shipped_spec_loads_by_name_as_from_its_file():
    import uprising.experiments.spec as spec_module

    folder = Path(spec_module.__file__).parent / "specs"
    assert shipped_specs() == sorted(p.stem for p in folder.glob("*.toml"))
    assert {"legitimacy-by-cops", "morris-epstein"} <= set(shipped_specs())
    for name in ("legitimacy-by-cops", "morris-epstein"):
        spec = load_spec(name)
        assert spec.name == name and spec.hash == load_spec(folder / f"{name}.toml").hash
    assert load_spec("legitimacy-by-cops").n_runs == 9 * 4


def test_the_shipped_specs_are_package_data():
    import fnmatch
    import tomllib

    patterns = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]["uprising"]
    for name in shipped_specs():  # a wheel without them would know no spec by name
        assert any(fnmatch.fnmatch(f"experiments/specs/{name}.toml", p) for p in patterns), name


def test_an_unknown_spec_name_is_one_line_listing_the_shipped_ones():
    with pytest.raises(UserError) as e:
        load_spec("legitimacy-by-cop")
    message = str(e.value)
    assert "\n" not in message and message.startswith("legitimacy-by-cop: ")
    assert "did you mean 'legitimacy-by-cops'?" in message
    assert "shipped: " + ", ".join(shipped_specs()) in message
    with pytest.raises(UserError, match="no such file"):  # a path stays a path
        load_spec("nowhere/legitimacy-by-cops.toml")


def test_sweep_overrides_replace_seeds_and_steps_and_change_the_identity():
    base = load_spec("legitimacy-by-cops")
    small = load_spec("legitimacy-by-cops", sweep={"seeds": 2, "steps": 7})
    assert small.n_runs == 9 * 2 and small.base.scenario.steps == 7
    assert small.hash != base.hash  # a store of the full sweep refuses it without --new
    assert "[sweep] seeds = 2" in small.text and "[sweep] steps = 7" in small.text
    same = load_spec("legitimacy-by-cops", sweep={"seeds": None, "steps": None})
    assert same.hash == base.hash


def test_cli_sweep_runs_a_shipped_spec_by_name_with_seeds_and_steps(tmp_path):
    out = tmp_path / "lbc"
    result = uprising("sweep", "legitimacy-by-cops", "--seeds", "1", "--steps", "6", "--workers", "1",
                      "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    rows = open_store(out).query("SELECT count(*) AS n, min(steps) AS lo, max(steps) AS hi FROM runs "
                                 "WHERE status = 'ok'").row(0)
    assert rows == (9, 6, 6)
    meta = json.loads((out / "store.json").read_text())
    assert meta["seeds"] == 1 and meta["runs"] == 9 and meta["name"] == "legitimacy-by-cops"


def test_cli_sweep_unknown_name_exits_2_with_one_line():
    result = uprising("sweep", "legitimacy-by-cop", "--quiet")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "shipped: legitimacy-by-cops" in lines[0] and "Traceback" not in result.stderr


# --- validate -n ------------------------------------------------------------------------------


def test_validate_takes_n_as_the_number_of_runs(tmp_path):
    folder = tmp_path / "example"
    assert uprising("new", "episode", str(folder)).returncode == 0
    out = tmp_path / "val"
    result = uprising("validate", str(folder), "-n", "2", "--workers", "1", "--out", str(out), "--quiet")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "validation.json").read_text())["runs"] == 2


# --- frames() without frame_every -------------------------------------------------------------


def test_frames_without_frame_every_is_a_one_line_user_error():
    sim = Simulation.from_scenario("epstein-1", seed=1, steps=3, **SMALL).run()
    with pytest.raises(UserError) as e:
        sim.frames()
    assert e.value.key == "frame_every" and "frame_every=N" in str(e.value) and "\n" not in str(e.value)
    kept = Simulation.from_scenario("epstein-1", seed=1, steps=3, frame_every=2, **SMALL).run()
    steps, cells = kept.frames()
    assert steps.tolist() == [0, 2] and cells.shape == (2, 12, 12)


def test_a_run_written_from_a_simulation_without_frames_has_no_frames_file(tmp_path):
    from uprising.cli.run import write_outputs

    sim = Simulation.from_scenario("epstein-1", seed=1, steps=3, **SMALL).run()
    write_outputs(sim, sim.scenario, tmp_path, report=False, quiet=True, wall=0.0)
    assert (tmp_path / "summary.json").is_file() and not (tmp_path / "frames.npz").exists()


# --- the inline view --------------------------------------------------------------------------


def _images(html: str) -> list[bytes]:
    out = []
    for part in html.split('src="data:')[1:]:
        mime, rest = part.split(";base64,", 1)
        out.append((mime, base64.b64decode(rest.split('"', 1)[0])))
    return out


def test_inline_view_of_a_classic_run_shows_the_step_the_counts_and_the_board():
    sim = Simulation.from_scenario("epstein-1", seed=1, steps=17, **SMALL).run()
    html = sim._repr_html_()
    assert "<img" in html and "17 of 17" in html and "epstein-1" in html
    images = _images(html)
    kinds = [m for m, _ in images]
    assert kinds == ["image/png", "image/svg+xml"]
    png = images[0][1]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == height == 12 * (240 // 12)
    active = int(sim.timeseries().filter(sim.timeseries()["step"] == 17)["active"].sum())
    assert f"<th style='text-align:left;padding-right:1em'>active</th><td>{active}</td>" in html
    assert html != Simulation.from_scenario("epstein-1", seed=1, steps=18, **SMALL).run()._repr_html_()


def test_inline_board_png_decodes_to_the_board():
    import zlib

    import numpy as np

    from uprising.report.inline import board_png

    board = np.array([[0, 1, 2], [3, 4, 1]], np.int8)
    png = board_png(board, pixels=3)  # one pixel per cell
    chunks, i = {}, 8
    while i < len(png):
        n = int.from_bytes(png[i:i + 4], "big")
        chunks[png[i + 4:i + 8]] = png[i + 8:i + 8 + n]
        i += 12 + n
    rows = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(2, 4)
    assert (rows[:, 0] == 0).all() and (rows[:, 1:] == board).all()
    assert chunks[b"PLTE"][3:6] == bytes.fromhex("8db8dc")  # code 1, quiet, in the report's colour


def test_inline_view_of_a_world_of_places_charts_actives_by_date(tmp_path):
    folder = tmp_path / "example"
    assert uprising("new", "episode", str(folder)).returncode == 0
    sim = Simulation.from_scenario(folder, seed=1, steps=4).run()
    html = sim._repr_html_()
    assert "<img" in html and "4 of 4" in html and "active (people)" in html and "government fell" in html
    assert [m for m, _ in _images(html)] == ["image/svg+xml"]
