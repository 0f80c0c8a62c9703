"""Scenario loading: shipped scenarios, Table 2 values, presets, overrides, extends, round trips."""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uprising.errors import UserError
from uprising.scenarios import (
    PRESETS,
    Scenario,
    all_keys,
    list_scenarios,
    load_scenario,
    parse_value,
    scenario_to_toml,
    shipped_names,
    shipped_path,
)
from uprising.scenarios.reference import render_markdown

REPO = Path(__file__).resolve().parents[1]
SHIPPED = shipped_names()


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- shipped scenarios --------------------------------------------------------------------


def test_shipped_scenarios_are_the_classics():
    expected = {"epstein-1", "epstein-2", "mesa-example", "netlogo-rebellion"}
    expected |= {f"epstein-run{i}" for i in range(1, 9)}
    assert expected <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_scenario_loads_with_its_own_name_and_a_description(name):
    s = load_scenario(name)
    assert s.scenario.name == name
    assert s.scenario.description
    assert dict(list_scenarios())[name] == s.scenario.description


# Epstein 2002 Table 2 (literature.md section 1): model, vision, L, J_max, movement, cop density.
TABLE2 = {
    "epstein-run1": ("epstein-1", 1.7, 0.89, 15, False, 0.04),
    "epstein-run2": ("epstein-1", 7, 0.82, 30, True, 0.04),
    "epstein-run3": ("epstein-1", 7, 0.9, math.inf, True, 0.074),
    "epstein-run4": ("epstein-1", 7, 0.9, math.inf, True, 0.074),
    "epstein-run5": ("epstein-1", 7, 0.8, math.inf, True, 0.074),
    "epstein-run6": ("epstein-2", 1.7, 0.9, 15, True, 0.0),
    "epstein-run7": ("epstein-2", 1.7, 0.8, 15, True, 0.0),
    "epstein-run8": ("epstein-2", 1.7, 0.8, 15, True, 0.04),
}


@pytest.mark.parametrize("name", sorted(TABLE2))
def test_table2_runs_have_the_papers_values(name):
    model, vision, legitimacy, jail_max, movement, cops = TABLE2[name]
    s = load_scenario(name)
    assert s.scenario.model == model
    assert (s.grid.width, s.grid.height, s.grid.torus) == (40, 40, True)
    assert s.population.citizen_density == 0.7
    assert s.population.cop_density == cops
    assert s.citizen.vision == vision and s.cop.vision == vision
    assert s.citizen.legitimacy == legitimacy
    assert s.citizen.jail_max == jail_max
    assert (s.citizen.threshold, s.citizen.k) == (0.1, 2.3)
    assert s.rules.movement is movement
    assert s.rules.preset == "default" and s.rules.arrest_ratio == "floor"
    if model == "epstein-2":
        assert (s.model2.clone_probability, s.model2.max_age) == (0.05, 200)


def test_runs_3_to_5_carry_their_interventions():
    salami, jump, cops = (load_scenario(f"epstein-run{i}").interventions for i in (3, 4, 5))
    assert [(i.parameter, i.step, i.until, i.value) for i in salami] == [("legitimacy", 77, 147, 0.2)]
    # one percentage point per period: 0.9 -> 0.2 over 70 periods
    assert math.isclose((0.9 - 0.2) / (salami[0].until - salami[0].step), 0.01)
    assert [(i.parameter, i.step, i.until, i.value) for i in jump] == [("legitimacy", 77, None, 0.7)]
    assert [(i.parameter, i.step, i.until, i.value) for i in cops] == [("cop_density", 50, 550, 0.0)]


@pytest.mark.parametrize(("alias", "original"), [("epstein-run2", "epstein-1"), ("epstein-run7", "epstein-2")])
def test_table2_aliases_equal_the_flagships_but_for_their_names(alias, original):
    a, b = load_scenario(alias), load_scenario(original)
    assert a.model_dump(exclude={"scenario": {"name", "description"}}) == b.model_dump(
        exclude={"scenario": {"name", "description"}}
    )


# Keys that say what a scenario is rather than set a model parameter: no source needed.
IDENTITY_KEYS = {"name", "description", "extends", "model", "seed", "preset"}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_value_in_a_shipped_file_names_its_source(name):
    """Each parameter line (`key = value`) of a shipped scenario carries a comment: its source."""
    for number, line in enumerate(shipped_path(name).read_text().splitlines(), 1):
        if re.match(r"^\s*[A-Za-z_][\w.]*\s*=", line):
            key = line.split("=")[0].strip()
            if key.split(".")[-1] in IDENTITY_KEYS:
                continue
            assert "#" in line, f"{name}.toml:{number}: `{key}` needs a comment naming its source ([T2], [ours], ...)"


def test_every_schema_key_is_documented():
    from uprising.scenarios.messages import _model_in

    for model in _models(Scenario):
        for name, info in model.model_fields.items():
            if _model_in(info.annotation) is None:  # a value, not a table
                assert info.description, f"{model.__name__}.{name} has no description"


def _models(model):
    yield model
    from uprising.scenarios.messages import _model_in

    for info in model.model_fields.values():
        sub = _model_in(info.annotation)
        if sub is not None:
            yield from _models(sub)


def test_docs_page_is_generated_from_the_schema():
    page = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    assert page == render_markdown(), "docs/scenarios.md is stale: run `uprising show --doc > docs/scenarios.md`"
    for key in all_keys():
        assert f"`{key}`" in page


# --- presets -------------------------------------------------------------------------------


def test_default_preset_is_the_schema_defaults():
    assert load_scenario({}) == Scenario()
    assert load_scenario({"rules": {"preset": "default"}}) == Scenario()


def test_mesa_preset_matches_the_mesa_example_source():
    """The mesa preset's model defaults are the Mesa 3.3.1 example's own defaults."""
    model = pytest.importorskip("mesa.examples.advanced.epstein_civil_violence.model")
    defaults = {
        k: p.default for k, p in inspect.signature(model.EpsteinCivilViolence.__init__).parameters.items()
    }
    s = load_scenario("mesa-example")
    assert (s.grid.width, s.grid.height) == (defaults["width"], defaults["height"])
    assert s.population.citizen_density == defaults["citizen_density"]
    assert s.population.cop_density == defaults["cop_density"]
    assert s.citizen.vision == defaults["citizen_vision"] and s.cop.vision == defaults["cop_vision"]
    assert s.citizen.legitimacy == defaults["legitimacy"]
    assert s.citizen.jail_max == defaults["max_jail_term"]
    assert s.citizen.threshold == defaults["active_threshold"]
    assert s.citizen.k == defaults["arrest_prob_constant"]
    assert s.rules.movement is defaults["movement"]
    assert s.scenario.steps == defaults["max_iters"]
    source = inspect.getsource(inspect.getmodule(model.EpsteinCivilViolence))
    agents = inspect.getsource(__import__(model.__name__.rsplit(".", 1)[0] + ".agents", fromlist=["x"]))
    assert "OrthogonalVonNeumannGrid" in source and s.rules.vision_shape == "von_neumann"
    assert "round(cops_in_vision / actives_in_vision)" in agents and s.rules.arrest_ratio == "round"
    assert "randint(0, self.max_jail_term)" in agents and s.rules.jail_term == "inclusive"
    assert "cum_weights" in source and s.population.placement == "bernoulli"
    assert s.rules.order == "decide_then_move" and s.rules.jail_countdown == "own_turn"
    assert not s.rules.jailed_leave_grid and s.rules.jailed_block_cell


def test_netlogo_preset():
    s = load_scenario("netlogo-rebellion")
    r = s.rules
    assert (r.arrest_ratio, r.vision_shape, r.jail_term, r.order) == ("floor", "euclidean", "exclusive", "move_then_decide")
    assert r.vision_includes_own_cell and r.cop_moves_to_arrestee and r.cops_always_move
    assert not r.jailed_leave_grid and not r.jailed_block_cell
    assert (s.citizen.legitimacy, s.citizen.jail_max, s.population.cop_density) == (0.82, 30, 0.04)
    assert s.population.placement == "exact"


def test_paper_preset_is_the_literal_rule():
    s = load_scenario({"rules": {"preset": "paper"}})
    assert s.rules.arrest_ratio == "literal" and s.rules.jailed_leave_grid


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_explicit_keys_win_over_the_preset(preset):
    # epstein-1 states Table 2 Run 2's parameters; the preset changes only what it leaves out.
    s = load_scenario("epstein-1", {"rules.preset": preset})
    assert s.rules.preset == preset
    assert (s.citizen.legitimacy, s.citizen.jail_max, s.population.cop_density) == (0.82, 30, 0.04)
    expected_rules = {**Scenario().rules.model_dump(), **PRESETS[preset].get("rules", {}), "preset": preset}
    assert s.rules.model_dump() == expected_rules
    # and a key set explicitly in the same file as the preset wins too
    s = load_scenario({"rules": {"preset": preset, "arrest_ratio": "literal"}})
    assert s.rules.arrest_ratio == "literal"


# --- overrides ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "getter", "expected"),
    [
        ("citizen.legitimacy", "0.7", lambda s: s.citizen.legitimacy, 0.7),
        ("citizen__legitimacy", 0.7, lambda s: s.citizen.legitimacy, 0.7),
        ("citizen.jail_max", "inf", lambda s: s.citizen.jail_max, math.inf),
        ("rules.vision_shape", "moore", lambda s: s.rules.vision_shape, "moore"),
        ("rules.vision_shape", '"moore"', lambda s: s.rules.vision_shape, "moore"),
        ("rules.movement", "false", lambda s: s.rules.movement, False),
        ("scenario.steps", "20", lambda s: s.scenario.steps, 20),
        ("scenario.name", "true", lambda s: s.scenario.name, "true"),  # a string field stays a string
        ("interventions.0.value", "0.5", lambda s: s.interventions[0].value, 0.5),
        ("interventions[0].step", 10, lambda s: s.interventions[0].step, 10),
    ],
)
def test_overrides(key, value, getter, expected):
    s = load_scenario("epstein-run4", {key: value})
    assert getter(s) == expected


def test_override_replaces_an_array_whole():
    s = load_scenario("epstein-run4", {"interventions": '[{step = 5, parameter = "cop_density", value = 0.01}]'})
    assert [(i.step, i.parameter) for i in s.interventions] == [(5, "cop_density")]


def test_numpy_override_values_are_accepted():
    np = pytest.importorskip("numpy")
    s = load_scenario("epstein-1", {"scenario.steps": np.int64(12), "citizen.legitimacy": np.float32(0.5)})
    assert s.scenario.steps == 12 and math.isclose(s.citizen.legitimacy, 0.5)


def test_parse_value():
    assert parse_value("inf") == math.inf
    assert parse_value("0.7") == 0.7 and parse_value("3") == 3 and parse_value("true") is True
    assert parse_value("moore") == "moore" and parse_value("[1, 2]") == [1, 2]


def test_scenario_and_mapping_sources():
    base = load_scenario("epstein-1")
    s = load_scenario(base, {"citizen.legitimacy": 0.6})
    assert s.citizen.legitimacy == 0.6 and s.scenario.name == "epstein-1"
    assert base.citizen.legitimacy == 0.82  # not mutated
    assert load_scenario({"citizen": {"legitimacy": 0.6}}).citizen.legitimacy == 0.6


def test_strict_types_from_files(tmp_path):
    with pytest.raises(UserError, match=r"citizen\.legitimacy: expected a number from 0 to 1, got a string"):
        load_scenario(write(tmp_path, '[citizen]\nlegitimacy = "0.8"\n'))
    # an integer is a fine number
    assert load_scenario(write(tmp_path, "[citizen]\njail_max = 30\n")).citizen.jail_max == 30.0


# --- extends --------------------------------------------------------------------------------


def test_extends_a_shipped_scenario_and_a_relative_path(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path, 'extends = "epstein-run4"\n[citizen]\nlegitimacy = 0.95\n', "sub/base.toml")
    child = write(tmp_path, 'extends = "sub/base.toml"\n[population]\ncop_density = 0.05\n', "child.toml")
    s = load_scenario(child)
    assert s.citizen.legitimacy == 0.95 and s.population.cop_density == 0.05
    assert s.citizen.jail_max == math.inf and len(s.interventions) == 1  # from epstein-run4
    assert s.scenario.name == "epstein-run4"  # named by the base; a file without a name takes its stem
    assert load_scenario(write(tmp_path, "[citizen]\nk = 2\n", "plain.toml")).scenario.name == "plain"


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(UserError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def test_preset_in_a_child_applies_under_the_bases_explicit_keys(tmp_path):
    child = write(tmp_path, 'extends = "epstein-1"\n[rules]\npreset = "mesa"\n')
    s = load_scenario(child)
    assert s.rules.vision_shape == "von_neumann" and s.citizen.legitimacy == 0.82


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_toml_round_trip_of_every_shipped_scenario(tmp_path, name):
    s = load_scenario(name)
    for comments in (False, True):
        again = load_scenario(write(tmp_path, scenario_to_toml(s, comments=comments), f"{name}.toml"))
        assert again == s


@settings(max_examples=60, deadline=None)
@given(
    legitimacy=st.floats(0, 1),
    jail_max=st.one_of(st.just(math.inf), st.floats(0, 1e6)),
    vision=st.floats(0, 20),
    steps=st.integers(0, 10_000),
    shape=st.sampled_from(["von_neumann", "moore", "euclidean"]),
    preset=st.sampled_from(sorted(PRESETS)),
    ramp=st.booleans(),
)
def test_round_trip_property(legitimacy, jail_max, vision, steps, shape, preset, ramp):
    overrides = {
        "rules.preset": preset,
        "citizen.legitimacy": legitimacy,
        "citizen.jail_max": jail_max,
        "citizen.vision": vision,
        "scenario.steps": steps,
        "rules.vision_shape": shape,
    }
    if ramp:
        overrides["interventions"] = [{"step": 3, "until": 9, "parameter": "legitimacy", "value": legitimacy}]
    s = load_scenario("epstein-1", overrides)
    text = scenario_to_toml(s)
    import tomllib

    again = load_scenario(tomllib.loads(text))
    assert again == s
