"""Scenarios: TOML files in, a validated :class:`Scenario` out.

    from uprising.scenarios import load_scenario, list_scenarios, scenario_to_toml
    s = load_scenario("epstein-1", {"citizen.legitimacy": 0.7})
    print(scenario_to_toml(s))

Shipped scenarios are the ``*.toml`` files of this package (``uprising scenarios`` lists them).
The keys a file may set, with meaning, default, range and source: docs/scenarios.md, generated
from ``schema.py`` by ``uprising show --doc``. Rule presets: ``presets.py``.
"""

from uprising.scenarios.loader import (
    all_keys,
    describe_allowed,
    list_scenarios,
    load_scenario,
    parse_assignments,
    parse_value,
    scenario_to_dict,
    scenario_to_toml,
    shipped_names,
    shipped_path,
)
from uprising.scenarios.presets import PRESET_NAMES, PRESETS
from uprising.scenarios.schema import Scenario

__all__ = [
    "Scenario",
    "load_scenario",
    "list_scenarios",
    "scenario_to_toml",
    "scenario_to_dict",
    "shipped_names",
    "shipped_path",
    "parse_assignments",
    "parse_value",
    "describe_allowed",
    "all_keys",
    "PRESETS",
    "PRESET_NAMES",
]
