"""What a scenario file may say: every key, its type, its allowed range, its default and source.

A scenario is data only (TOML), validated here by pydantic. Unknown keys are refused
(``extra="forbid"``), so a misspelt key is an error, never silently ignored. Each field's
``description`` is its documentation: where the default comes from (paper, data, calibration).

Sources named below:
- Epstein 2002: J. M. Epstein, "Modeling civil violence: An agent-based computational approach",
  PNAS 99 suppl. 3, 7243-7250, Table 2 and the rules A, C, M of Model I.
- NetLogo: Wilensky 2004, Rebellion model (Sample Models / Social Science).
- Mesa: projectmesa/mesa 3.3 `examples/advanced/epstein_civil_violence`.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from uprising.mechanisms.config import Groups, Legitimacy, Loyalty, Repression
from uprising.world.actors_config import Government, Organisation, OrganisationRules
from uprising.world.config import WorldConfig
from uprising.world.events_config import Event


class Section(BaseModel):
    """A TOML table: unknown keys are errors, values are validated on assignment too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ScenarioInfo(Section):
    name: str = Field("unnamed", description="Short name of the scenario.")
    description: str = Field("", description="One line saying what the scenario is.")
    model: Literal["epstein-1", "epstein-2", "places"] = Field(
        "epstein-1",
        description="Which world: Epstein Model I (one place, citizens and cops), Model II "
        "(two groups, inter-group killing), or a world of places read from an episode folder (docs/episodes.md).",
    )
    steps: int = Field(500, ge=0, le=10_000_000, description="Number of periods to run.")
    seed: int = Field(1, ge=0, description="Root seed; same seed, same result, bit for bit.")
    decisions: Literal["record", "actors"] = Field(
        "record",
        description="Who takes the decisions of a world of places: 'record' replays the scheduled events; 'actors' "
        "keeps only the events marked exogenous and lets [[organisations]] and [government] decide the rest "
        "(docs/mechanisms/actors.md).",
    )
    schedule: Literal["sequential", "synchronous"] = Field(
        "sequential",
        description="sequential: random asynchronous activation, each agent sees every move "
        "before it (Epstein 2002, Mesa). synchronous: all agents decide on one snapshot; "
        "colliding moves resolved reproducibly.",
    )
    values: str = Field(
        "default",
        description="World of places: the fitted values laid over the shared table (world/fits/<name>.toml, or a "
        "path to such a file); 'default' is the shipped joint fit when there is one, 'shared' the table alone.")
    tuned: list[str] = Field(
        default_factory=list,
        description="Written by the loader, never by hand: the shared behavioural values (world/shared_values.toml) "
        "this episode overrides, in the open.")


class Grid(Section):
    width: int = Field(40, ge=1, le=100_000, description="Cells across. Epstein 2002 Table 2: 40.")
    height: int = Field(40, ge=1, le=100_000, description="Cells down. Epstein 2002 Table 2: 40.")
    torus: bool = Field(True, description="Wrap edges (Epstein 2002, NetLogo, Mesa: torus).")


class PopulationSection(Section):
    citizen_density: float = Field(
        0.7, ge=0.0, le=1.0, description="Citizens per cell. Epstein 2002 Table 2: 0.7."
    )
    cop_density: float = Field(
        0.04, ge=0.0, le=1.0, description="Cops per cell. Epstein 2002 Table 2: 0.04 (Runs 1-2)."
    )
    placement: Literal["exact", "bernoulli"] = Field(
        "exact",
        description="exact: round(density*cells) agents on distinct random cells (Epstein, "
        "NetLogo); bernoulli: each cell independently draws citizen/cop/empty (Mesa).",
    )

    @model_validator(mode="after")
    def _fits(self) -> "PopulationSection":
        if self.citizen_density + self.cop_density > 1.0 + 1e-12:
            raise ValueError(
                f"citizen_density + cop_density = {self.citizen_density + self.cop_density:g} "
                "exceeds 1: one agent per cell cannot fit them"
            )
        return self


class Citizen(Section):
    vision: float = Field(
        7.0, ge=0.0, le=1000.0, description="Citizen vision radius v. Epstein 2002 Table 2: 7 (Run 1: 1.7)."
    )
    legitimacy: float = Field(
        0.82, ge=0.0, le=1.0, description="Regime legitimacy L in G = H(1-L). Table 2, Run 2: 0.82."
    )
    threshold: float = Field(0.1, ge=0.0, le=1.0, description="Activation threshold T. Epstein 2002: 0.1.")
    k: float = Field(
        2.3, ge=0.0, le=100.0, description="Arrest-probability constant: P = 0.9 at C = A = 1. Epstein 2002: 2.3."
    )
    jail_max: float = Field(
        30.0,
        ge=0.0,
        description="Maximum jail term J_max in periods; `inf` for life. Table 2, Run 2: 30.",
    )


class Cop(Section):
    vision: float = Field(
        7.0, ge=0.0, le=1000.0, description="Cop vision v*. Epstein 2002 Table 2: equal to the citizens'."
    )


class Rules(Section):
    """The rule details the literature shows matter (literature.md sections 1-3).

    ``preset`` names a whole set of these choices (and the model defaults that go with them);
    keys written explicitly in a scenario file, its ``extends`` base or ``--set`` win over the
    preset. The presets are tabulated in ``uprising.scenarios.presets`` and docs/scenarios.md.
    """

    preset: Literal["default", "paper", "netlogo", "mesa"] = Field(
        "default",
        description="A named set of rule variants and model defaults: default (Epstein 2002's "
        "rules with NetLogo's floor(C/A), which reproduces the paper's punctuated equilibrium), "
        "paper (Epstein 2002's text taken literally, C/A unrounded), netlogo (Wilensky 2004 "
        "Rebellion, exactly), mesa (Mesa 3.3.1 epstein_civil_violence example, exactly). "
        "Keys given explicitly win over the preset.",
    )
    arrest_ratio: Literal["literal", "floor", "round"] = Field(
        "floor",
        description="How C/A enters P = 1 - exp(-k x): literal C/A (the paper's text), "
        "floor(C/A) (NetLogo; needed for punctuated equilibrium), round(C/A) with Python's "
        "round-half-to-even (Mesa 3.3.1 agents.py).",
    )
    vision_shape: Literal["von_neumann", "moore", "euclidean"] = Field(
        "euclidean",
        description="Neighbourhood within vision: von Neumann diamond |dx|+|dy|<=v (Mesa), "
        "Moore square max(|dx|,|dy|)<=v, Euclidean disc dx^2+dy^2<=v^2 (NetLogo in-radius; "
        "the only reading under which Table 2's vision 1.7 makes sense).",
    )
    counts_self: bool = Field(
        True, description="The citizen counts itself among the actives: A = 1 + actives in vision (Epstein 2002)."
    )
    vision_includes_own_cell: bool = Field(
        False,
        description="The agent's own cell is part of its vision (NetLogo in-radius): an active "
        "citizen is then counted twice in A = 1 + actives in vision. False: vision excludes the "
        "own cell (Epstein 2002 as read by ND-spec; Mesa get_neighborhood).",
    )
    jail_term: Literal["inclusive", "exclusive"] = Field(
        "inclusive",
        description="inclusive: term ~ U{0..J_max} (Mesa randint); exclusive: U{0..J_max-1} (NetLogo random).",
    )
    jail_countdown: Literal["end_of_step", "own_turn"] = Field(
        "end_of_step",
        description="When a jail term counts down: end_of_step, once for every jailed citizen "
        "after all agents acted (NetLogo's tick end; the jail.release phase); own_turn, in the "
        "jailed citizen's own activation, which it spends doing nothing (Mesa Citizen.step).",
    )
    jailed_leave_grid: bool = Field(
        True,
        description="Jailed citizens leave the grid (Epstein 2002) or keep their cell "
        "(NetLogo, Mesa; see jailed_block_cell).",
    )
    jailed_block_cell: bool = Field(
        False,
        description="Only with jailed_leave_grid = false: the jailed citizen's cell stays "
        "occupied, so nobody moves in (Mesa: the arrested agent stays in its cell). False: the "
        "cell counts as empty and can be shared with the jailed citizen (NetLogo).",
    )
    cop_moves_to_arrestee: bool = Field(
        False, description="The arresting cop moves onto the arrestee's cell (NetLogo)."
    )
    order: Literal["move_then_decide", "decide_then_move"] = Field(
        "move_then_decide",
        description="Within an agent's turn: move then act (Epstein 2002: 'moves ... where he "
        "acts'; NetLogo) or act then move (Mesa).",
    )
    movement: bool = Field(True, description="Agents move to a random empty cell in vision (Table 2: all but Run 1).")
    cops_always_move: bool = Field(
        False,
        description="Cops move even when movement = false (NetLogo: `if movement? or breed = "
        "cops`). False: movement = false stops cops too (Mesa).",
    )


class Intervention(Section):
    """A change of a parameter at a step: a jump (no `until`) or a linear ramp to `value`."""

    step: int = Field(..., ge=0, description="Step at which the change starts.")
    until: int | None = Field(None, ge=0, description="If given, change linearly to `value` by this step.")
    parameter: Literal["legitimacy", "cop_density"] = Field(
        ..., description="legitimacy (Runs 3-4) or cop_density (Run 5: cops removed at random)."
    )
    value: float = Field(..., ge=0.0, le=1.0, description="The new value (at `until` for a ramp).")

    @model_validator(mode="after")
    def _order(self) -> "Intervention":
        if self.until is not None and self.until <= self.step:
            raise ValueError(f"until ({self.until}) must be after step ({self.step})")
        return self


class ModelII(Section):
    """Epstein 2002 Model II: two groups, inter-group killing, reproduction, death by age."""

    group_share: float = Field(0.5, ge=0.0, le=1.0, description="Share of citizens in group 0 (blue).")
    legitimacy_other: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Legitimacy of group 1 (green); None: same as citizen.legitimacy (Epstein 2002 Runs 6-8).",
    )
    clone_probability: float = Field(
        0.05, ge=0.0, le=1.0, description="Per-period chance of cloning onto an empty neighbour. Table 2: 0.05."
    )
    max_age: int = Field(200, ge=1, description="Death age ~ U{0..max_age}. Table 2: 200.")
    peacekeepers_at: int | None = Field(
        None, ge=0, description="Step at which cops (peacekeepers) are inserted (Epstein 2002 Fig 14)."
    )
    peacekeeper_density: float = Field(0.0, ge=0.0, le=1.0, description="Cop density inserted at peacekeepers_at.")


class Scenario(Section):
    """A whole scenario file. Later issues add sections (groups, places, mechanisms, events)."""

    scenario: ScenarioInfo = Field(default_factory=ScenarioInfo)
    grid: Grid = Field(default_factory=Grid)
    population: PopulationSection = Field(default_factory=PopulationSection)
    citizen: Citizen = Field(default_factory=Citizen)
    cop: Cop = Field(default_factory=Cop)
    rules: Rules = Field(default_factory=Rules)
    interventions: list[Intervention] = Field(default_factory=list)
    model2: ModelII = Field(default_factory=ModelII)
    groups: Groups = Field(default_factory=list, description="Citizen groups with their own distributions (mechanisms).")
    legitimacy: Legitimacy = Field(default_factory=Legitimacy)
    repression: Repression = Field(default_factory=Repression)
    loyalty: Loyalty = Field(default_factory=Loyalty)
    world: WorldConfig | None = Field(
        None, description="The world of places (scenario.model = 'places'), read from an episode folder; see docs/episodes.md."
    )
    events: list[Event] = Field(
        default_factory=list, description="Dated decisions (world of places only); see docs/episodes.md."
    )
    organisations: list[Organisation] = Field(
        default_factory=list, description="Organisations that decide to call (scenario.decisions = 'actors')."
    )
    government: Government = Field(default_factory=Government, description="The government's doctrine as an actor.")
    organisation_rules: OrganisationRules = Field(
        default_factory=OrganisationRules, description="The rule every organisation follows (shared by all episodes).")

    def problems(self) -> list[tuple[tuple, str]]:
        """Checks across sections (dates, place names): (location, message) pairs; empty when fine."""
        from uprising.world.problems import problems

        return problems(self)

    @property
    def jail_unbounded(self) -> bool:
        return math.isinf(self.citizen.jail_max)
