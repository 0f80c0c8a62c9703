"""Checkpoints: a resumed run is the uninterrupted run, byte for byte; foreign files are refused.

Through the real CLI (typer's CliRunner, in-process): `run --checkpoint-every N` leaves the state
of step N·k in DIR/checkpoint.npz; `resume` from it into another directory must write the same
timeseries.parquet and frames.npz as the run that was never stopped — for both schedules and for
Model II (births, deaths, kills, peacekeepers arriving after the checkpoint).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import uprising
from uprising import checkpoint, checks
from uprising.cli import app
from uprising.errors import UserError
from uprising.simulation import Simulation

runner = CliRunner()

MODEL2 = [
    "--set", "scenario.model=\"epstein-2\"", "--set", "citizen.vision=1.7", "--set", "cop.vision=1.7",
    "--set", "citizen.legitimacy=0.8", "--set", "citizen.jail_max=15.0", "--set", "population.cop_density=0.02",
    "--set", "model2.peacekeepers_at=30", "--set", "model2.peacekeeper_density=0.03",
]
SMALL = ["--set", "grid.width=24", "--set", "grid.height=20"]


def cli(*args: str):
    result = runner.invoke(app, list(args))
    return result


def ok(result) -> None:
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)


def one_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    text = result.stderr if hasattr(result, "stderr") else result.output
    assert "Traceback" not in text
    lines = text.strip("\n").split("\n")
    assert len(lines) == 1, text
    return lines[0]


CASES = {
    "sequential": ["--schedule", "sequential"],
    "synchronous": ["--schedule", "synchronous"],
    "model2-sequential": ["--schedule", "sequential", *MODEL2],
    "model2-synchronous": ["--schedule", "synchronous", *MODEL2],
    "netlogo-rules": ["--schedule", "sequential", "--set", 'rules.preset="netlogo"', "--set", "rules.jailed_leave_grid=false",
                      "--set", "rules.jailed_block_cell=false"],
    "mesa-rules": ["--schedule", "sequential", "--set", 'rules.preset="mesa"', "--set", "rules.jailed_leave_grid=false",
                   "--set", "rules.jailed_block_cell=true", "--set", 'rules.jail_countdown="own_turn"'],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_resumed_run_is_byte_identical(tmp_path, case):
    args = ["run", "epstein-1", "--steps", "50", "--frame-every", "5", "--seed", "11", "--no-report", "-q",
            *SMALL, *CASES[case]]
    whole, stopped, resumed = tmp_path / "whole", tmp_path / "stopped", tmp_path / "resumed"
    ok(cli(*args, "--out", str(whole)))
    ok(cli(*args, "--out", str(stopped), "--checkpoint-every", "20", "--check"))
    meta, _ = checkpoint.read_meta(stopped / "checkpoint.npz")
    assert meta["step"] == 40 and meta["format"] == checkpoint.FORMAT and meta["uprising"] == uprising.__version__
    ok(cli("resume", str(stopped / "checkpoint.npz"), "--out", str(resumed), "--no-report", "-q", "--check"))
    for name in ("timeseries.parquet", "frames.npz", "scenario.toml"):
        assert (whole / name).read_bytes() == (resumed / name).read_bytes(), name
    a = json.loads((whole / "summary.json").read_text())
    b = json.loads((resumed / "summary.json").read_text())
    for key in ("wall_seconds", "compile_seconds", "agent_steps_per_second"):
        a.pop(key), b.pop(key)
    assert a == b


def test_resume_defaults_to_the_checkpoint_directory(tmp_path):
    out = tmp_path / "run"
    ok(cli("run", "epstein-1", "--steps", "30", "--no-report", "-q", *SMALL, "--out", str(out), "--checkpoint-every", "10"))
    before = (out / "timeseries.parquet").read_bytes()
    ok(cli("resume", str(out), "--no-report", "-q"))  # the directory holding checkpoint.npz
    assert (out / "timeseries.parquet").read_bytes() == before


def model2_sim(schedule: str, steps: int = 40) -> Simulation:
    return Simulation.from_scenario(
        "epstein-2", schedule=schedule, steps=steps, seed=5,
        **{"grid.width": 20, "grid.height": 20, "model2.peacekeepers_at": 25, "model2.peacekeeper_density": 0.03},
    )


@pytest.mark.parametrize("schedule", ["sequential", "synchronous"])
def test_state_round_trips_exactly_and_covers_every_array(tmp_path, schedule):
    sim = model2_sim(schedule)
    sim.run(17)
    path = checkpoint.save(sim, tmp_path / "c.npz")
    tree, arrays = checkpoint.state_of(sim)
    back = checkpoint.load(path)
    tree2, arrays2 = checkpoint.state_of(back)
    assert tree == tree2
    assert arrays.keys() == arrays2.keys()
    for name in arrays:
        np.testing.assert_array_equal(arrays[name], arrays2[name], err_msg=name)
        assert arrays[name].dtype == arrays2[name].dtype, name
    # every population column, the grid and the recorder are saved under their dotted names
    for column in ("kind", "state", "cell", "jail_left", "age", "death_age", "agent_id", "hardship"):
        assert f"world.pop.{column}" in arrays
    for name in ("world.places.occupant", "world.places.board", "world.recorder.counts", "world.counter"):
        assert name in arrays
    # every array reachable from the world is in the checkpoint, unless derived from the scenario
    missing = [p for p, a in _arrays_of(sim.world, "world") if p not in arrays and not _derived_path(p)]
    assert not missing, missing


def _derived_path(path: str) -> bool:
    return "scratch" in path


def _arrays_of(obj, path, seen=None):
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if not isinstance(obj, np.ndarray) and checkpoint._is_derived(obj):
        return  # rebuilt from the scenario or the board (visions, bit planes, scratch buffers)
    if isinstance(obj, np.ndarray):
        yield path, obj
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _arrays_of(v, f"{path}[{i}]", seen)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _arrays_of(v, f"{path}.{k}", seen)
    elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("uprising"):
        for k, v in vars(obj).items():
            if k not in checkpoint.SKIP_ATTRS:
                yield from _arrays_of(v, f"{path}.{k}", seen)


def test_continuing_in_process_matches_and_keeps_invariants(tmp_path):
    whole = model2_sim("sequential")
    checks.attach(whole)
    whole.run()
    half = model2_sim("sequential")
    half.run(20)
    checkpoint.save(half, tmp_path / "c.npz")
    again = checkpoint.load(tmp_path / "c.npz", check=True)
    again.run()
    assert again.timeseries().equals(whole.timeseries())
    assert again.steps_done == whole.steps_done == 40


def _rewrite(src: Path, dst: Path, edit_meta=None, edit_arrays=None) -> Path:
    with zipfile.ZipFile(src) as z:
        members = {n: z.read(n) for n in z.namelist()}
    meta = json.loads(members[checkpoint.META])
    if edit_meta:
        edit_meta(meta)
    members[checkpoint.META] = json.dumps(meta).encode()
    if edit_arrays:
        edit_arrays(members)
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in members.items():
            z.writestr(n, data)
    return dst


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    sim = Simulation.from_scenario("epstein-1", steps=20, seed=3, **{"grid.width": 12, "grid.height": 12})
    sim.run(10)
    return checkpoint.save(sim, tmp_path_factory.mktemp("ck") / "checkpoint.npz")


def _npy(arr: np.ndarray, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def _set_version(m):
    m["uprising"] = "0.0.1"


def _set_format(m):
    m["format"] = 99


def _object_array(members):
    members["arrays/world.pop.cell.npy"] = _npy(np.array([{"x": 1}], dtype=object), allow_pickle=True)


def _two_on_a_cell(members):
    cell = np.lib.format.read_array(io.BytesIO(members["arrays/world.pop.cell.npy"]))
    cell[1] = cell[0]
    members["arrays/world.pop.cell.npy"] = _npy(cell)


def _wrong_shape(members):
    members["arrays/world.places.occupant.npy"] = _npy(np.zeros(3, np.int32))


REFUSED = {
    "another version": (dict(edit_meta=_set_version), ["written by uprising 0.0.1", f"this is uprising {uprising.__version__}"]),
    "another format": (dict(edit_meta=_set_format), ["checkpoint format 99", "reads format 1"]),
    "an object array (pickle)": (dict(edit_arrays=_object_array), ["unreadable array", "world.pop.cell"]),
    "an inconsistent state": (dict(edit_arrays=_two_on_a_cell), ["inconsistent", "grid.one_agent_per_cell"]),
    "an array of another run": (dict(edit_arrays=_wrong_shape), ["occupant"]),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_foreign_or_edited_checkpoints_are_refused_in_one_line(saved, tmp_path, case):
    edits, words = REFUSED[case]
    bad = _rewrite(saved, tmp_path / "bad.npz", **edits)
    line = one_line(cli("resume", str(bad), "--out", str(tmp_path / "o"), "-q", "--no-report"))
    assert line.startswith(str(bad)), line
    for w in words:
        assert w in line, line


def test_not_a_checkpoint(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip at all")
    assert "not an uprising checkpoint" in one_line(cli("resume", str(junk)))
    np.savez(tmp_path / "plain.npz", a=np.arange(3))
    assert "not an uprising checkpoint" in one_line(cli("resume", str(tmp_path / "plain.npz")))
    assert "no such file" in one_line(cli("resume", str(tmp_path / "missing.npz")))
    assert "without a checkpoint.npz" in one_line(cli("resume", str(tmp_path)))


def test_a_component_that_cannot_be_saved_is_named(tmp_path):
    sim = Simulation.from_scenario("epstein-1", steps=5, **{"grid.width": 8, "grid.height": 8})
    sim.world.generator = np.random.default_rng(1)  # state a checkpoint cannot hold without pickle
    with pytest.raises(checkpoint.CheckpointError, match="world.generator"):
        checkpoint.save(sim, tmp_path / "c.npz")
    assert not (tmp_path / "c.npz").exists()  # nothing half-written


def test_containers_scalars_and_aliases_round_trip(tmp_path):
    sim = Simulation.from_scenario("epstein-1", steps=5, **{"grid.width": 8, "grid.height": 8})
    w = sim.world
    import datetime as dt

    w.bag = {"a": [1, 2.5, float("inf"), None, "x"], 3: (np.int64(4), np.float32(0.5)), "when": dt.date(2003, 10, 17)}
    w.done = {(1, 2), (3, 4)}
    w.alias = w.pop.cell  # the same array under two names stays one array
    path = checkpoint.save(sim, tmp_path / "c.npz")
    fresh = Simulation.from_scenario("epstein-1", steps=5, **{"grid.width": 8, "grid.height": 8})
    meta, arrays = checkpoint.read_meta(path)
    checkpoint.restore(fresh, meta["state"], arrays)
    f = fresh.world
    assert f.bag["a"][:2] == [1, 2.5] and f.bag["a"][2] == float("inf") and f.bag["a"][3:] == [None, "x"]
    assert f.bag[3] == (np.int64(4), np.float32(0.5)) and type(f.bag[3][1]) is np.float32
    assert f.bag["when"] == dt.date(2003, 10, 17)
    assert f.done == {(1, 2), (3, 4)}
    assert f.alias is f.pop.cell


def test_checkpoint_file_is_written_atomically(tmp_path, monkeypatch):
    sim = Simulation.from_scenario("epstein-1", steps=5, **{"grid.width": 8, "grid.height": 8})
    path = checkpoint.save(sim, tmp_path / "checkpoint.npz")
    before = path.read_bytes()
    sim.run(2)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError):
        checkpoint.save(sim, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.npz"]


def test_read_meta_error_is_a_user_error(tmp_path):
    with pytest.raises(UserError):
        checkpoint.read_meta(tmp_path / "nothing.npz")


def test_bolivia_world_resumes_identically(tmp_path):
    """The Bolivia world's components (places, roads, supply, marches, regime, event log) checkpoint too."""
    over = {"world.scale": 0.0005}
    whole = Simulation.from_scenario("bolivia-2003", steps=24, **over)
    checks.attach(whole)
    assert "supply.non_negative" in whole._checks.names and "deaths.people_monotone" in whole._checks.names
    whole.run(10)
    path = checkpoint.save(whole, tmp_path / "checkpoint.npz")
    whole.run()
    again = checkpoint.load(path, check=True)
    again.run()
    assert again.timeseries().equals(whole.timeseries())
    for name, table in whole.extra_tables().items():
        assert again.extra_tables()[name].equals(table), name
    a, _ = checkpoint.state_of(whole)
    b, _ = checkpoint.state_of(again)
    for key in ("wall_seconds", "compile_seconds"):
        a.pop(key, None), b.pop(key, None)
    assert a == b


@pytest.mark.slow
def test_actors_resume_identically(tmp_path):
    """With the actors deciding, their state (pressures, calls in force, missions, concessions) checkpoints too."""
    over = {"scenario.decisions": "actors"}
    whole = Simulation.from_scenario("bolivia-2003", steps=4 * 40, **over)
    whole.run(4 * 22)  # past the first calls and the first clearing mission
    assert whole.world.cabinet_missions and whole.world.org_calling.any()
    path = checkpoint.save(whole, tmp_path / "checkpoint.npz")
    whole.run()
    again = checkpoint.load(path, check=True)
    again.run()
    assert again.timeseries().equals(whole.timeseries())
    assert again.summary()["decisions"] == whole.summary()["decisions"]
