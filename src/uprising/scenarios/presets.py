"""Rule presets: each implementation's exact choices, as one layer of scenario values.

A scenario picks a preset with ``[rules] preset = "..."``. The preset is a layer of values
placed just above the schema's defaults and below everything written explicitly: the scenario
file, the file it ``extends``, and ``--set`` overrides. So ``preset = "mesa"`` alone gives the
Mesa example exactly (its rules *and* its model defaults), while a file that states Table 2's
parameters and says ``preset = "mesa"`` runs those parameters under Mesa's rules.

- ``default`` — the schema's defaults: Epstein 2002's rules with NetLogo's floor(C/A), the
  combination that reproduces the paper's punctuated equilibrium ([ND-plan]: the literal rule
  gives no outburst in 20 of 20 seeds). Model defaults: Table 2, Run 2.
- ``paper`` — Epstein 2002's text taken literally: P = 1 - exp(-k C/A) with C/A unrounded.
  Where the paper is silent we follow its closest reading (Euclidean vision, so that
  Table 2's 1.7 is the eight Moore neighbours; jailed agents leave the grid). Run 2 defaults.
- ``netlogo`` — Wilensky 2004, NetLogo Rebellion (Sample Models/Social Science), exactly.
- ``mesa`` — Mesa 3.3.1 ``examples/advanced/epstein_civil_violence`` (agents.py, model.py).

Each value carries the line of source code or text it comes from (see ``SOURCES``); the
table in docs/scenarios.md is generated from this module.
"""

from __future__ import annotations

from typing import Any

PRESET_NAMES: tuple[str, ...] = ("default", "paper", "netlogo", "mesa")

_RUN2_MODEL = {
    "grid": {"width": 40, "height": 40, "torus": True},
    "population": {"citizen_density": 0.7, "cop_density": 0.04, "placement": "exact"},
    "citizen": {"vision": 7.0, "legitimacy": 0.82, "threshold": 0.1, "k": 2.3, "jail_max": 30.0},
    "cop": {"vision": 7.0},
}

# section -> key -> value. "default" is empty: the schema's own defaults are that preset.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "default": {},
    "paper": {
        **_RUN2_MODEL,
        "scenario": {"schedule": "sequential"},
        "rules": {
            "arrest_ratio": "literal",
            "vision_shape": "euclidean",
            "counts_self": True,
            "vision_includes_own_cell": False,
            "jail_term": "inclusive",
            "jail_countdown": "end_of_step",
            "jailed_leave_grid": True,
            "jailed_block_cell": False,
            "cop_moves_to_arrestee": False,
            "order": "move_then_decide",
            "movement": True,
            "cops_always_move": False,
        },
    },
    "netlogo": {
        "scenario": {"schedule": "sequential"},
        "grid": {"width": 40, "height": 40, "torus": True},
        "population": {"citizen_density": 0.7, "cop_density": 0.04, "placement": "exact"},
        "citizen": {"vision": 7.0, "legitimacy": 0.82, "threshold": 0.1, "k": 2.3, "jail_max": 30.0},
        "cop": {"vision": 7.0},
        "rules": {
            "arrest_ratio": "floor",
            "vision_shape": "euclidean",
            "counts_self": True,
            "vision_includes_own_cell": True,
            "jail_term": "exclusive",
            "jail_countdown": "end_of_step",
            "jailed_leave_grid": False,
            "jailed_block_cell": False,
            "cop_moves_to_arrestee": True,
            "order": "move_then_decide",
            "movement": True,
            "cops_always_move": True,
        },
    },
    "mesa": {
        "scenario": {"schedule": "sequential", "steps": 1000},
        "grid": {"width": 40, "height": 40, "torus": True},
        "population": {"citizen_density": 0.7, "cop_density": 0.074, "placement": "bernoulli"},
        "citizen": {"vision": 7.0, "legitimacy": 0.8, "threshold": 0.1, "k": 2.3, "jail_max": 1000.0},
        "cop": {"vision": 7.0},
        "rules": {
            "arrest_ratio": "round",
            "vision_shape": "von_neumann",
            "counts_self": True,
            "vision_includes_own_cell": False,
            "jail_term": "inclusive",
            "jail_countdown": "own_turn",
            "jailed_leave_grid": False,
            "jailed_block_cell": True,
            "cop_moves_to_arrestee": False,
            "order": "decide_then_move",
            "movement": True,
            "cops_always_move": False,
        },
    },
}

DESCRIPTIONS: dict[str, str] = {
    "default": "Epstein 2002's rules with NetLogo's floor(C/A); Table 2 Run 2 defaults. "
    "Reproduces the paper's punctuated equilibrium.",
    "paper": "Epstein 2002's text taken literally (C/A unrounded). Gives no outbursts at Run 2's "
    "parameters ([ND-plan], 20 seeds).",
    "netlogo": "NetLogo Rebellion (Wilensky 2004), every rule and slider default exactly.",
    "mesa": "Mesa 3.3.1 epstein_civil_violence example, every rule and model default exactly.",
}

# Where each non-default value comes from: (preset, "section.key") -> source.
SOURCES: dict[tuple[str, str], str] = {
    ("paper", "rules.arrest_ratio"): "PNAS eq.: P = 1 - exp[-k (C/A)_v]",
    ("paper", "rules.vision_shape"): "unspecified; Table 2's v = 1.7 only reads as a Euclidean radius",
    ("paper", "rules.counts_self"): "'A is always at least 1, because the agent always counts himself as active'",
    ("paper", "rules.jail_term"): "'a jail term drawn randomly from U(0, J_max)'",
    ("paper", "rules.jailed_leave_grid"): "jailed agents are off the lattice until released",
    ("paper", "rules.order"): "'moves to a random site within his vision, where he acts in accord with rule C or A'",
    ("paper", "scenario.schedule"): "'asynchronous activation ... once per period, random order'",
    ("netlogo", "scenario.schedule"): "`ask turtles [...]`: one random order per tick, each sees earlier moves",
    ("netlogo", "population.citizen_density"): "slider initial-agent-density 70 %",
    ("netlogo", "population.cop_density"): "slider initial-cop-density 4 %",
    ("netlogo", "population.placement"): "create-cops/agents round(density * count patches), `move-to one-of patches with [not any? turtles-here]`",
    ("netlogo", "citizen.vision"): "slider vision 7 (shared by agents and cops)",
    ("netlogo", "citizen.legitimacy"): "slider government-legitimacy 0.82",
    ("netlogo", "citizen.jail_max"): "slider max-jail-term 30",
    ("netlogo", "citizen.threshold"): "setup: `set threshold 0.1`",
    ("netlogo", "citizen.k"): "setup: `set k 2.3`",
    ("netlogo", "rules.arrest_ratio"): "`1 - exp (- k * floor (C / A))`",
    ("netlogo", "rules.vision_shape"): "`patches in-radius vision`",
    ("netlogo", "rules.vision_includes_own_cell"): "in-radius includes the own patch: `A = 1 + count (agents-on neighborhood) with [active?]`",
    ("netlogo", "rules.jail_term"): "`set jail-term random max-jail-term` (0 .. J-1)",
    ("netlogo", "rules.jail_countdown"): "`ask agents [ if jail-term > 0 [ set jail-term jail-term - 1 ] ]` after `ask turtles`",
    ("netlogo", "rules.jailed_leave_grid"): "jailed agents stay on their patch",
    ("netlogo", "rules.jailed_block_cell"): "move targets: `not any? cops-here and all? agents-here [jail-term > 0]`",
    ("netlogo", "rules.cop_moves_to_arrestee"): "enforce: `move-to suspect`",
    ("netlogo", "rules.order"): "go: move, then determine-behavior / enforce",
    ("netlogo", "rules.cops_always_move"): "move: `if movement? or (breed = cops)`",
    ("mesa", "scenario.steps"): "model.py max_iters=1000",
    ("mesa", "scenario.schedule"): "model.py `self.agents.shuffle_do(\"step\")`",
    ("mesa", "population.cop_density"): "model.py cop_density=0.074",
    ("mesa", "population.placement"): "model.py: per cell `random.choices([Citizen, Cop, None], cum_weights=...)`",
    ("mesa", "citizen.legitimacy"): "model.py legitimacy=0.8",
    ("mesa", "citizen.jail_max"): "model.py max_jail_term=1000",
    ("mesa", "rules.arrest_ratio"): "agents.py `round(cops_in_vision / actives_in_vision)` (Python round: half to even)",
    ("mesa", "rules.vision_shape"): "model.py `OrthogonalVonNeumannGrid(..., torus=True)`, `get_neighborhood(radius=vision)`",
    ("mesa", "rules.vision_includes_own_cell"): "get_neighborhood excludes the centre; `actives_in_vision = 1`",
    ("mesa", "rules.jail_term"): "agents.py `self.random.randint(0, self.max_jail_term)` (inclusive)",
    ("mesa", "rules.jail_countdown"): "agents.py Citizen.step: `if self.jail_sentence: self.jail_sentence -= 1; return`",
    ("mesa", "rules.jailed_leave_grid"): "the arrested citizen is never removed from its cell",
    ("mesa", "rules.jailed_block_cell"): "move targets `c.is_empty`: the arrested citizen's cell is not empty",
    ("mesa", "rules.order"): "agents.py Citizen.step / Cop.step: decide or arrest, then `self.move()`",
    ("mesa", "rules.cops_always_move"): "EpsteinAgent.move: `if self.model.movement and self.empty_neighbors`",
}


def preset_values(name: str) -> dict[str, dict[str, Any]]:
    """The values the preset ``name`` sets, as a fresh nested dict (section -> key -> value)."""
    return {section: dict(values) for section, values in PRESETS[name].items()}


__all__ = ["PRESET_NAMES", "PRESETS", "DESCRIPTIONS", "SOURCES", "preset_values"]
