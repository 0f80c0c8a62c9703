"""The error contract through the real CLI (in-process), beyond tests/test_bad_input.py:
the Bolivia world's mistakes, the new options, scenarios as inert data, and atomic writers."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from uprising.cli import app
from uprising.scenarios import shipped_path

runner = CliRunner()
SRC = Path(__file__).resolve().parents[1] / "src" / "uprising"


def one_line_error(result, *words: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert "Traceback" not in result.output
    lines = result.output.strip("\n").split("\n")
    assert len(lines) == 1, result.output
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def bolivia_file(tmp_path):
    """A copy of the bolivia-2003 folder whose scenario, gaswar.toml, has one edit: ``old`` replaced
    by ``new`` (or ``new`` appended)."""

    def make(old: str | None, new: str) -> Path:
        folder = tmp_path / "gaswar"
        if not folder.exists():
            shutil.copytree(shipped_path("bolivia-2003").parent, folder)
        text = shipped_path("bolivia-2003").read_text(encoding="utf-8")
        if old is None:
            text += "\n" + new + "\n"
        else:
            assert old in text, old
            text = text.replace(old, new, 1)
        path = folder / "gaswar.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return make


BOLIVIA = {
    "unknown place in an event": (
        'places = ["Achacachi", "Warisata", "Huarina"]', 'places = ["Achacachi", "Warisatta", "Huarina"]',
        ["gaswar.toml:", "events[1].places", "Warisatta", "Warisata"]),
    "event before the start": ("date = 2003-09-05", "date = 2003-08-05", ["gaswar.toml:", "events[0]", "2003-08-05"]),
    "event after the end": ("date = 2003-09-05", "date = 2004-01-05", ["gaswar.toml:", "events[0]", "2004-01-05"]),
    "unknown capital": ('capital = "La Paz"', 'capital = "La Pas"', ["world.regime.capital", "La Pas", "La Paz"]),
    "unknown garrison place": ('"Viacha" = 1500', '"Viacha City" = 1500', ["world.forces.garrisons", "Viacha City"]),
    "unknown event kind": ('kind = "announcement"', 'kind = "anouncement"', ["events[0].kind", "anouncement"]),
    "misspelt world key": ("police_per_1000 = 2.5", "police_per_1001 = 2.5",
                           ["world.forces.police_per_1001", "police_per_1000"]),
    "negative scale": ("start = 2003-09-01", "start = 2003-09-01\nscale = -0.002", ["world.scale", "-0.002"]),
    "steps past the end": (None, "", ["scenario.steps"]),
    "unknown road exempt from blockades": (None, '[world.blockade]\nexempt = ["La Paz - Atlantis"]', ["exempt", "Atlantis"]),
}


@pytest.mark.parametrize("case", sorted(BOLIVIA))
def test_bolivia_mistakes_are_one_line(bolivia_file, tmp_path, case):
    old, new, words = BOLIVIA[case]
    if case == "steps past the end":
        path = bolivia_file(None, "")
        result = runner.invoke(app, ["show", str(path), "--set", "scenario.steps=100000"])
    elif case == "unknown road exempt from blockades":
        path = bolivia_file("[world.blockade]\n", '[world.blockade]\nexempt = ["La Paz - Atlantis"]\n')
        result = runner.invoke(app, ["show", str(path)])
    else:
        result = runner.invoke(app, ["show", str(bolivia_file(old, new))])
    one_line_error(result, *words)


def test_bad_option_values_are_one_line(tmp_path):
    for args, words in [
        (["run", "epstein-1", "--checkpoint-every", "0"], ["--checkpoint-every", "greater than or equal to 1"]),
        (["run", "epstein-1", "--checkpoint-every", "often"], ["--checkpoint-every", "valid integer"]),
        (["resume"], ["CHECKPOINT"]),
        (["run", "epstein-1", "--steps", "-3"], ["--steps"]),
    ]:
        one_line_error(runner.invoke(app, args), *words)


# --- scenarios are data: code-like strings stay text -------------------------------------------

CODE_LIKE = {
    "name": "__import__('os').system('touch PWNED')",
    "description": "{{7*7}} </script><script>alert(1)</script> ${HOME} $(touch PWNED2) `touch PWNED3`",
}


def test_code_like_strings_stay_inert(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scenario = tmp_path / "inert.toml"
    scenario.write_text(
        'extends = "epstein-1"\n[scenario]\n'
        f"name = {json.dumps(CODE_LIKE['name'])}\n"
        f"description = {json.dumps(CODE_LIKE['description'])}\n"
        "steps = 5\n[grid]\nwidth = 10\nheight = 10\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(scenario), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert not list(tmp_path.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"] == CODE_LIKE["name"]
    assert summary["parameters"]["scenario"]["description"] == CODE_LIKE["description"]
    import tomllib

    again = tomllib.loads((out / "scenario.toml").read_text(encoding="utf-8"))
    assert again["scenario"]["name"] == CODE_LIKE["name"]
    assert again["scenario"]["description"] == CODE_LIKE["description"]
    report = out / "report.html"
    if report.exists():  # escaped: the page holds no live script from the scenario
        html = report.read_text(encoding="utf-8")
        assert "<script>alert(1)</script>" not in html
    # the checkpoint keeps them as text too
    ck = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "ck"), "-q", "--no-report",
                             "--checkpoint-every", "2"])
    assert ck.exit_code == 0, ck.output
    from uprising import checkpoint

    meta, _ = checkpoint.read_meta(tmp_path / "ck" / "checkpoint.npz")
    assert CODE_LIKE["description"] in tomllib.loads(meta["scenario_toml"])["scenario"]["description"]
    assert not list(tmp_path.rglob("PWNED*"))


def test_no_eval_exec_or_pickle_of_user_input_in_the_package():
    """Scenarios and specs are data only: nothing in the package evaluates or unpickles."""
    banned_calls = {"eval", "exec", "compile", "__import__"}
    banned_modules = {"pickle", "cPickle", "dill", "marshal", "shelve"}
    found = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in banned_calls:
                found.append(f"{path.relative_to(SRC)}:{node.lineno} {node.func.id}()")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                if any(n.split(".")[0] in banned_modules for n in names):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno} import {names}")
            if isinstance(node, ast.keyword) and node.arg == "allow_pickle" and not (
                    isinstance(node.value, ast.Constant) and node.value.value is False):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} allow_pickle")
    assert not found, found


# --- every writer is atomic ---------------------------------------------------------------------

WRITERS = {"write_text", "write_bytes", "write_parquet", "write_csv", "write_ipc", "write_json", "savefig",
           "save", "savez", "savez_compressed", "to_csv", "to_parquet", "write_html", "write_image", "dump"}
#: call sites that write outside a temporary file, with the reason they may
ALLOWED = {
    ("cli/app.py", "write_text"): "the crash log: a fresh file named by time and pid, never replaced",
}


def test_every_file_writer_goes_through_a_temporary_file():
    """Each write call outside uprising/output.py targets a temporary path (``tmp``/``buffer``)
    inside ``atomic_path`` or a writer of output.py; anything else must be listed in ALLOWED."""
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = str(path.relative_to(SRC))
        if rel == "output.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITERS):
                continue
            owner = ast.unparse(node.func.value)
            if owner in ("output", "uprising.output", "checkpoint", "json", "st", "self.store", "store") or owner.endswith("console"):
                continue  # output.py's atomic writers; json.dump(s) to strings/handles checked below
            target = ast.unparse(node.args[0]) if node.args else ""
            if not node.args and node.func.attr in ("write_text", "write_bytes"):
                target = owner  # Path(...).write_text(data): the path is the owner
            if node.func.attr == "write_csv" and not node.args:
                continue  # returns the CSV as a string
            if any(t in target for t in ("tmp", "buffer", "buf", "handle", "BytesIO")):
                continue
            if (rel, node.func.attr) in ALLOWED:
                continue
            offenders.append(f"{rel}:{node.lineno} {ast.unparse(node)[:90]}")
    assert not offenders, "non-atomic writers:\n" + "\n".join(offenders)


def test_a_writer_failing_midway_keeps_the_previous_file(tmp_path, monkeypatch):
    import polars as pl

    from uprising.output import write_parquet

    path = tmp_path / "timeseries.parquet"
    write_parquet(path, pl.DataFrame({"a": [1, 2]}))
    before = path.read_bytes()

    def half_then_fail(self, file, *a, **k):
        Path(file).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", half_then_fail)
    with pytest.raises(OSError):
        write_parquet(path, pl.DataFrame({"a": [3]}))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["timeseries.parquet"]


@pytest.mark.parametrize("assignment", ["0=0", "7.value=1", "[0]=1", "²=0", "interventions.³.value=1"])
def test_set_key_starting_with_an_item_number_is_one_line(assignment):
    """Fuzz findings: `--set 0=0` raised IndexError, `--set ²=0` ValueError (int('²')) in the loader."""
    one_line_error(runner.invoke(app, ["show", "epstein-1", "--set", assignment]), "--set")


@pytest.mark.parametrize("base, words", [("/", ["is a directory"]), ("nothere.toml", ["does not exist"])])
def test_extends_naming_a_missing_file_names_the_including_file(tmp_path, base, words):
    path = tmp_path / "child.toml"
    path.write_text(f'extends = "{base}"\n', encoding="utf-8")
    line = one_line_error(runner.invoke(app, ["show", str(path)]), *words)
    assert line.startswith(f"{path}:1: extends: ")
