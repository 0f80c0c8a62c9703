"""Fuzzing: malformed and extreme scenarios, --set overrides and sweep specs either run or are
refused with one clear line — never a traceback, a hang or a crash.

The contract (docs/architecture.md, "Errors"): loading raises only ``UserError`` whose ``str`` is one
line; a scenario that loads builds and runs a few steps (small grids) or is refused the same way
(a grid too big for memory); the real CLI exits 0 or 2 with one stderr line, never 1.

Examples per test: ``UPRISING_FUZZ_EXAMPLES`` (default 60, the CI budget); for a long fuzzing run
``UPRISING_FUZZ_EXAMPLES=3000 pytest tests/test_fuzz_scenarios.py --hypothesis-show-statistics``
(docs/robustness.md records what was tried and found).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import signal
import string
from contextlib import contextmanager
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from uprising.cli import app
from uprising.errors import UserError
from uprising.scenarios import all_keys, load_scenario, scenario_to_dict, shipped_names
from uprising.simulation import Simulation, check_fits_in_memory

EXAMPLES = int(os.environ.get("UPRISING_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 60,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])
HANG_SECONDS = 60
MAX_RUN_CELLS = 4096  # scenarios with more cells are checked for memory but not built
runner = CliRunner()


@contextmanager
def no_hang(seconds: int = HANG_SECONDS):
    def alarm(signum, frame):
        raise AssertionError(f"hang: more than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def assert_one_line(e: UserError) -> str:
    text = str(e)
    assert text and "\n" not in text and "Traceback" not in text, text
    return text


# --- values: extreme numbers, wrong types, unicode, code-like strings, deep nesting ----------

CODE_LIKE = ["__import__('os').system('touch PWNED')", "{{7*7}}", "</script><script>alert(1)</script>",
             "${HOME}", "$(touch PWNED)", "'; DROP TABLE runs; --", "\x00", "\u202egnp.exe", "🔥" * 20,
             "名前", "a" * 300, "", " ", "nan", "inf", "-1", "true"]
EXTREME_NUMBERS = [0, -1, 1, 2, 2**31, 2**63 - 1, -(2**63), 10**18, 0.0, -0.0, 1e-300, 1e300, -1e300,
                   math.inf, -math.inf, math.nan, 0.5, 1.0000001, -0.5, 1e-9]

scalars = st.one_of(
    st.sampled_from(EXTREME_NUMBERS),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(CODE_LIKE),
    st.text(max_size=30),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
KEYS = all_keys()
SECTIONS = sorted({k.split(".")[0].split("[")[0] for k in KEYS})


def _plain_key(key: str) -> list[str]:
    return key.replace("[]", "").split(".")


def _set_path(table: dict, path: list[str], value) -> None:
    node = table
    for part in path[:-1]:
        nxt = node.get(part)
        if isinstance(nxt, list):  # an array of tables: edit its first entry (or add one)
            if not nxt or not isinstance(nxt[0], dict):
                nxt[:] = [{}]
            nxt = nxt[0]
        elif not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[path[-1]] = value


def _nest(value, depth: int):
    for _ in range(depth):
        value = {"x": value}
    return value


@st.composite
def mutated_scenarios(draw) -> dict:
    base = draw(st.sampled_from(shipped_names()))
    table = scenario_to_dict(load_scenario(base))
    table = {k: v for k, v in table.items() if v is not None}
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["set", "set", "set", "delete", "rename", "unknown", "nest", "extreme_grid"]))
        key = draw(st.sampled_from(KEYS))
        path = _plain_key(key)
        if op == "set":
            _set_path(table, path, draw(values))
        elif op == "delete":
            node = table.get(path[0])
            if isinstance(node, dict) and len(path) == 2:
                node.pop(path[1], None)
            else:
                table.pop(path[0], None)
        elif op == "rename":
            typo = path[-1][:-1] + draw(st.sampled_from(string.ascii_lowercase))
            _set_path(table, path[:-1] + [typo], draw(values))
        elif op == "unknown":
            table[draw(st.text(min_size=1, max_size=12))] = draw(values)
        elif op == "nest":
            _set_path(table, path, _nest(draw(values), draw(st.integers(1, 60))))
        else:
            _set_path(table, ["grid", draw(st.sampled_from(["width", "height"]))],
                      draw(st.sampled_from([0, 1, 2, 3, 100_000, 99_999, -5, 2**40])))
    return table


def _toml(table: dict) -> str | None:
    try:
        return tomli_w.dumps(table)
    except (TypeError, ValueError):  # e.g. a list mixing tables and values: not expressible in TOML
        return None


def attempt(path: Path) -> str:
    """Load ``path`` and, if it loads, build and run it (small) — the contract every input must meet."""
    outcome = _attempt(path)
    event(outcome)
    return outcome


def _attempt(path: Path) -> str:
    with no_hang():
        try:
            scenario = load_scenario(path)
        except UserError as e:
            line = assert_one_line(e)
            # names this file, or the file an `extends` in it names (its own path, e.g. "/: is a directory")
            assert line.startswith(str(path)) or "extends" in path.read_text("utf-8", "replace"), line
            return "refused"
        cells = scenario.grid.width * scenario.grid.height
        try:
            if cells > MAX_RUN_CELLS or scenario.scenario.model == "bolivia":
                check_fits_in_memory(scenario)
                return "loaded"
            small = load_scenario(scenario, {"scenario.steps": min(scenario.scenario.steps, 3)})
            Simulation(small).run()
        except UserError as e:
            assert_one_line(e)
            return "refused at build"
        return "ran"


@SETTINGS
@given(table=mutated_scenarios())
def test_fuzz_mutated_scenarios(tmp_path_factory, table):
    text = _toml(table)
    if text is None:
        return
    path = tmp_path_factory.mktemp("fuzz") / "mutant.toml"
    path.write_text(text, encoding="utf-8")
    attempt(path)


TOML_PIECES = ["[scenario]", "[grid]", "[citizen]", "[[interventions]]", "[[events]]", "[world]", "[rules]",
               "steps = ", "width = ", "legitimacy = ", "= ", "\"", "'''", "[", "]", "{", "}", ",", "\n", "#",
               "nan", "inf", "-inf", "1e999", "0x7fffffffffffffff", "99999999999999999999", "true", "1979-05-27",
               "extends = \"epstein-1\"", "extends = \"mutant.toml\"", "extends = \"../../../etc/passwd\"",
               "a.b.c.d.e = 1", "\\u0000", "\x00", "\ufeff", "é", "🔥"]


@SETTINGS
@given(text=st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(TOML_PIECES), max_size=25).map("".join),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
))
def test_fuzz_random_toml_text(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "mutant.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    attempt(path)


@SETTINGS
@given(key=st.one_of(st.sampled_from(KEYS), st.text(max_size=20)),
       value=st.one_of(st.sampled_from([str(v) for v in EXTREME_NUMBERS] + CODE_LIKE), st.text(max_size=20)))
def test_fuzz_set_overrides(key, value):
    with no_hang():
        try:
            sc = load_scenario("epstein-1", {key: value})
            check_fits_in_memory(sc)
        except UserError as e:
            assert assert_one_line(e)
            event("--set refused")
            return
        event("--set accepted")


@SETTINGS
@given(table=mutated_scenarios())
def test_fuzz_through_the_real_cli(tmp_path_factory, table):
    """A few mutants through `uprising run` itself: exit 0, or 2 with one line — never 1."""
    text = _toml(table)
    if text is None:
        return
    tmp = tmp_path_factory.mktemp("cli")
    path = tmp / "mutant.toml"
    path.write_text(text, encoding="utf-8")
    try:
        sc = load_scenario(path)
        big = sc.grid.width * sc.grid.height > MAX_RUN_CELLS or sc.scenario.model == "bolivia"
    except UserError:
        big = False
    args = ["show", str(path)] if big else ["run", str(path), "--steps", "2", "--out", str(tmp / "out"), "-q",
                                            "--no-report", "--check"]
    with no_hang():
        result = runner.invoke(app, args)
    event(f"cli {args[0]} exit {result.exit_code}")
    assert result.exit_code in (0, 2), (result.exit_code, result.output, result.exception)
    if result.exit_code == 2:
        lines = result.output.strip("\n").split("\n")
        assert len(lines) == 1 and "Traceback" not in result.output, result.output


# --- sweep specs --------------------------------------------------------------------------------

SPEC_DIR = Path(__file__).resolve().parents[1] / "src" / "uprising" / "experiments" / "specs"
SPEC_KEYS = ["sweep.name", "sweep.scenario", "sweep.seed", "sweep.seeds", "sweep.steps", "sweep.schedule",
             "sweep.common_seeds", "sample.method", "sample.n", "sample.levels", "sample.second_order",
             "outputs.timeseries", "sensitivity.outputs"]


@st.composite
def mutated_specs(draw) -> dict:
    import tomllib

    spec = tomllib.loads(draw(st.sampled_from(sorted(SPEC_DIR.glob("*.toml")))).read_text())
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["set", "param", "param", "grid_values", "delete", "unknown"]))  # noqa: E501
        if op == "set":
            _set_path(spec, draw(st.sampled_from(SPEC_KEYS)).split("."), draw(values))
        elif op == "param":  # a varied or fixed parameter: real, misspelt or absent from the schema
            section = draw(st.sampled_from(["grid", "set", "sample.ranges"]))
            name = draw(st.one_of(st.sampled_from(KEYS), st.text(max_size=20),
                                  st.sampled_from(["citizen.legitimcy", "grid.widht", "world.nope", "a.b.c"])))
            _set_path(spec, section.split(".") + [name], draw(values))
        elif op == "grid_values":
            _set_path(spec, ["grid", "citizen.legitimacy"], draw(st.lists(scalars, max_size=5)))
        elif op == "delete" and spec:
            spec.pop(draw(st.sampled_from(sorted(spec))), None)
        elif op == "unknown":
            spec[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return spec


@SETTINGS
@given(spec=mutated_specs())
def test_fuzz_sweep_specs(tmp_path_factory, spec):
    from uprising.experiments.spec import load_spec

    text = _toml(spec)
    if text is None:
        return
    path = tmp_path_factory.mktemp("spec") / "spec.toml"
    path.write_text(text, encoding="utf-8")
    with no_hang():
        try:
            loaded = load_spec(path)
        except UserError as e:
            assert str(e).startswith(str(path)), str(e)
            assert_one_line(e)
            event("spec refused")
            return
        assert loaded.n_runs >= 0
        event("spec loaded")


@pytest.mark.parametrize("name", ["citizen.legitimcy", "grid.widht", "world.nope"])
def test_sweep_spec_naming_a_missing_parameter_is_one_line_through_the_cli(tmp_path, name):
    spec = tmp_path / "spec.toml"
    spec.write_text(f'[sweep]\nname = "x"\nscenario = "epstein-1"\nseeds = 1\nsteps = 2\n[grid]\n"{name}" = [0.5, 0.6]\n')
    result = runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "o"), "-q", "--workers", "1"])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith(str(spec)) and name in line


# --- the Bolivia world: mutated world tables and events, built and run at a tiny scale ----------

BOLIVIA_KEYS = [k for k in KEYS if k.startswith(("world.", "events[]"))]
BOLIVIA_EXAMPLES = max(EXAMPLES // 6, 8)


PLACES = ["El Alto", "La Paz", "Warisata", "Oruro", "Atlantis", ""]
plausible = st.one_of(
    st.floats(0, 2), st.integers(0, 5000), st.sampled_from(PLACES), st.lists(st.sampled_from(PLACES), max_size=3),
    st.dates(min_value=dt.date(2003, 8, 25), max_value=dt.date(2003, 11, 5)), values,
)


@st.composite
def mutated_bolivia(draw) -> dict:
    table = scenario_to_dict(load_scenario("bolivia-2003"))
    table = {k: v for k, v in table.items() if v is not None}
    events = table.get("events", [])
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(BOLIVIA_KEYS))
        path = _plain_key(key)
        if path[0] == "events" and events:  # edit a random event, not only the first
            i = draw(st.integers(0, len(events) - 1))
            events[i][path[1]] = draw(plausible)
        else:
            _set_path(table, path, draw(plausible))
    table.setdefault("world", {})
    if isinstance(table["world"], dict):
        table["world"]["scale"] = 0.0002  # ~1,700 agents: a build costs a second, not a minute
    return table


@settings(max_examples=BOLIVIA_EXAMPLES, deadline=None, derandomize=EXAMPLES <= 60,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(table=mutated_bolivia())
def test_fuzz_bolivia_world(tmp_path_factory, table):
    text = _toml(table)
    if text is None:
        return
    path = tmp_path_factory.mktemp("bolivia") / "gaswar.toml"
    path.write_text(text, encoding="utf-8")
    with no_hang(120):
        try:
            scenario = load_scenario(path, {"scenario.steps": 4})
        except UserError as e:
            assert_one_line(e)
            event("bolivia refused")
            return
        try:
            Simulation(scenario, check=True).run()
        except UserError as e:
            assert_one_line(e)
            event("bolivia refused at build")
            return
        event("bolivia ran")
