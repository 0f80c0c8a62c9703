"""The scenario sections of the Gas War mechanisms: ``[[groups]]``, ``[legitimacy]``,
``[repression]`` and ``[loyalty]``.

Every key has its meaning, default, range and source in its ``description`` (docs/scenarios.md is
generated from them; docs/mechanisms/NAME.md explains each mechanism). With every section at its
defaults no mechanism runs and the model is exactly Epstein's (tests/test_mechanisms_classic.py).

Sources named below:
- [E02] Epstein 2002, PNAS 99 suppl. 3, Table 2 and rules A, C, M;
- [CHM22] Chenoweth, Hocking & Marks 2022, PLoS ONE e0269976 (every killing multiplies L by 0.99;
  police and "pillars" defect when the protesters around them pass a threshold);
- [record] an episode's record (docs/mechanisms/*.md give the arithmetic);
- [ours] a modelling choice of this project, to be calibrated (issue #4).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


class _Section(BaseModel):
    """A TOML table: unknown keys are errors (same contract as ``schema.Section``)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def _check_ranges(model, pairs: tuple[str, ...]):
    """Each ``NAME_low <= NAME_high``."""
    for name in pairs:
        low, high = getattr(model, f"{name}_low"), getattr(model, f"{name}_high")
        if low > high:
            raise ValueError(f"{name}_low ({low:g}) is above {name}_high ({high:g})")
    return model


# ------------------------------------------------------------------------------------- groups


class Group(_Section):
    """A citizen group with its own distributions ([[groups]]; Model II's blue and green are two)."""

    name: str = Field(..., description="Group name (e.g. 'miners', 'peasants', 'vecinos').")
    share: float = Field(
        ..., ge=0.0, le=1.0,
        description="Share of the citizens in this group (one-place grids; shares of all groups sum to 1).",
    )
    place_shares: dict[str, float] = Field(
        default_factory=dict,
        description="Share of this group in named places, replacing `share` there (multi-place worlds).",
    )
    hardship_low: float = Field(0.0, ge=0.0, le=1.0, description="Hardship H ~ U(low, high); [E02] U(0, 1).")
    hardship_high: float = Field(1.0, ge=0.0, le=1.0, description="Upper end of H ~ U(low, high); [E02] 1.")
    risk_aversion_low: float = Field(0.0, ge=0.0, le=1.0, description="Risk aversion R ~ U(low, high); [E02] U(0, 1).")
    risk_aversion_high: float = Field(1.0, ge=0.0, le=1.0, description="Upper end of R ~ U(low, high); [E02] 1.")
    threshold: float | None = Field(
        None, ge=-1.0, le=1.0, description="Activation threshold T; unset: citizen.threshold ([E02] 0.1)."
    )
    legitimacy: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Baseline perceived legitimacy of the group; unset: citizen.legitimacy.",
    )
    approval: float | None = Field(
        None, ge=0.0, le=1.0,
        description="This group's approval of the head of government in polls, 0-1 [data]; with no legitimacy given, "
        "the world of places maps it (else world.regime.approval) to legitimacy (world.mobilisation).")
    organised: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Share organised (union, federation or neighbourhood committee member) [ours]; "
        "read by marches and calls (issue #4).",
    )
    mobility_low: float = Field(0.0, ge=0.0, le=1.0, description="Willingness to travel ~ U(low, high) [ours]; read by marches.")
    mobility_high: float = Field(1.0, ge=0.0, le=1.0, description="Willingness to travel ~ U(low, high) [ours].")

    @model_validator(mode="after")
    def _ranges(self) -> "Group":
        return _check_ranges(self, ("hardship", "risk_aversion", "mobility"))


def _shares_sum_to_one(groups: list[Group]) -> list[Group]:
    if not groups:
        return groups
    names = [g.name for g in groups]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"group names must be distinct; repeated: {', '.join(dup)}")
    if "defectors" in names:
        raise ValueError("'defectors' is reserved for security forces who join the crowd (loyalty)")
    total = sum(g.share for g in groups)
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"group shares sum to {total:g}; they must sum to 1")
    places = {p for g in groups for p in g.place_shares}
    for p in sorted(places):
        total = sum(g.place_shares.get(p, g.share) for g in groups)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"group shares in place '{p}' sum to {total:g}; they must sum to 1")
    return groups


Groups = Annotated[list[Group], AfterValidator(_shares_sum_to_one)]


# --------------------------------------------------------------------------------- legitimacy


class Shock(_Section):
    """A dated announcement that lowers legitimacy (and its baseline) by `size`."""

    step: int = Field(..., ge=0, description="Step at whose start the shock applies.")
    size: float = Field(..., ge=-1.0, le=1.0, description="Legitimacy lost by every citizen reached (absolute); "
                        "negative: gained (a lever of `uprising serve` moved up).")
    places: list[str] = Field(default_factory=list, description="Places reached; empty: every place.")
    groups: list[str] = Field(default_factory=list, description="Groups reached; empty: every group.")


class Concession(_Section):
    """A dated concession that raises legitimacy by size / (1 + deaths known / deaths_half)."""

    step: int = Field(..., ge=0, description="Step at whose start the concession applies.")
    size: float = Field(..., ge=0.0, le=1.0, description="Legitimacy gained when nobody has been killed yet.")
    places: list[str] = Field(default_factory=list, description="Places reached; empty: every place.")


class Legitimacy(_Section):
    """Perceived legitimacy per citizen: backfire of killings and arrests, shocks, concessions, relaxation.

    Off (no phase) while every backfire is 0 and no shock or concession is listed.
    """

    half_life: float = Field(
        40.0, gt=0.0,
        description="Steps for a departure from the baseline to halve (relaxation); inf: never [ours].",
    )
    backfire_witness: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Each killing a citizen sees (within its vision) multiplies its L by 1 - this [ours; "
        "CHM22 use 0.01 for every killing, seen or not].",
    )
    backfire_place: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Each person killed in a citizen's place multiplies its L by 1 - this "
        "[CHM22: 0.01; ours for the split by distance].",
    )
    backfire_radio: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Each person killed elsewhere and heard of multiplies L by (1 - this)^reach [ours].",
    )
    arrest_factor: float = Field(
        0.0, ge=0.0, le=1.0,
        description="An arrest backfires like a killing times this (place and radio; mass arrests) [ours].",
    )
    concession_deaths_half: float = Field(
        10.0, gt=0.0,
        description="Deaths (people) known at which a concession is worth half: too little, too late [ours].",
    )
    shocks: list[Shock] = Field(default_factory=list, description="Dated shocks ([[legitimacy.shocks]]).")
    concessions: list[Concession] = Field(
        default_factory=list, description="Dated concessions ([[legitimacy.concessions]])."
    )

    @property
    def on(self) -> bool:
        return bool(
            self.backfire_witness or self.backfire_place or self.backfire_radio or self.shocks or self.concessions
        )


# --------------------------------------------------------------------------------- repression


class Decree(_Section):
    """A dated decree that sets the lowest doctrine level in named places (docs/mechanisms/repression.md)."""

    step: int = Field(..., ge=0, description="Step from which the decree is in force.")
    level: int = Field(..., ge=0, le=2, description="Lowest doctrine level: 0 arrest, 1 tear gas, 2 live fire.")
    places: list[str] = Field(default_factory=list, description="Places under the decree; empty: every place.")


class Deployment(_Section):
    """Dated arrival of soldiers (one-place grids: a density; the world of places deploys by its events)."""

    step: int = Field(..., ge=0, description="Step at whose start the soldiers arrive.")
    soldier_density: float = Field(..., ge=0.0, le=1.0, description="Soldiers added per cell of each place.")
    places: list[str] = Field(default_factory=list, description="Places reached; empty: every place.")


class Repression(_Section):
    """Soldiers (kind 2) and their doctrine: arrest, then tear gas, then live fire as unrest rises.

    Off (no phase, no soldiers) while soldier_density is 0 and no deployment is listed.
    """

    soldier_density: float = Field(
        0.0, ge=0.0, le=1.0, description="Soldiers per cell at the start (placed on empty cells) [ours]."
    )
    soldier_vision: float | None = Field(
        None, ge=0.0, le=1000.0, description="Soldiers' vision; unset: cop.vision ([E02] 7)."
    )
    teargas_at: float = Field(
        0.05, ge=0.0, le=1.0,
        description="Active share of a place's citizens at which soldiers switch from arrests to tear gas [ours].",
    )
    fire_at: float = Field(
        0.15, ge=0.0, le=1.0,
        description="Active share at which the doctrine becomes live fire [ours]; 1 with no decree: never "
        "above tear gas.",
    )
    teargas_share: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Chance that each active in a gassing soldier's vision is dispersed (turns quiet) [ours].",
    )
    p_kill: float = Field(
        0.01, ge=0.0, le=1.0,
        description="Chance that one soldier (a person) firing in a step kills one person; an agent of "
        "1/scale soldiers kills Binomial(1/scale, p_kill) [record, order of magnitude: "
        "about 4 civilians killed by about 300 soldiers in one clash; docs/mechanisms/repression.md].",
    )
    decrees: list[Decree] = Field(default_factory=list, description="Dated decrees ([[repression.decrees]]).")
    deployments: list[Deployment] = Field(
        default_factory=list, description="Dated arrivals of soldiers ([[repression.deployments]])."
    )

    @model_validator(mode="after")
    def _levels(self) -> "Repression":
        if self.fire_at < self.teargas_at:
            raise ValueError(f"fire_at ({self.fire_at:g}) is below teargas_at ({self.teargas_at:g})")
        return self

    @property
    def on(self) -> bool:
        return bool(self.soldier_density > 0 or self.deployments)


# ------------------------------------------------------------------------------------ loyalty


class Loyalty(_Section):
    """Loyalty of police and soldiers; below the threshold an agent turns neutral, some join the crowd.

    Off (no phase) while both erosion rates are 0.
    """

    police_low: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Initial loyalty of police ~ U(low, high) [ours; a police mutiny "
        "months before the flagship episode argues for less than the army's; docs/mechanisms/loyalty.md].",
    )
    police_high: float = Field(1.0, ge=0.0, le=1.0, description="Initial loyalty of police ~ U(low, high) [ours].")
    soldiers_low: float = Field(0.7, ge=0.0, le=1.0, description="Initial loyalty of soldiers ~ U(low, high) [ours].")
    soldiers_high: float = Field(1.0, ge=0.0, le=1.0, description="Initial loyalty of soldiers ~ U(low, high) [ours].")
    crowd_ratio: float = Field(
        10.0, ge=0.0,
        description="Actives per security agent in vision above which loyalty erodes (r0) [ours].",
    )
    erosion: float = Field(
        0.0, ge=0.0, le=1.0,
        description="Loyalty lost per step per unit of (actives/security in vision - crowd_ratio) [ours].",
    )
    fire_order_factor: float = Field(
        1.0, ge=0.0,
        description="Soldiers ordered to fire (live-fire doctrine, actives in vision) erode (1 + this) times "
        "faster [ours; a soldier shot for refusing to fire; docs/mechanisms/loyalty.md].",
    )
    death_erosion: float = Field(
        0.0, ge=0.0, le=1.0, description="Loyalty lost by every security agent of a place per person killed there [ours]."
    )
    threshold: float = Field(
        0.3, ge=0.0, le=1.0, description="Below this loyalty an agent turns neutral: it stops repressing [ours]."
    )
    join_share: float = Field(
        0.1, ge=0.0, le=1.0,
        description="Share of the agents turning neutral who join the crowd as active citizens of the "
        "group 'defectors' [ours].",
    )

    @model_validator(mode="after")
    def _ranges(self) -> "Loyalty":
        return _check_ranges(self, ("police", "soldiers"))

    @property
    def on(self) -> bool:
        return bool(self.erosion > 0 or self.death_erosion > 0)


__all__ = [
    "Group", "Groups", "Shock", "Concession", "Legitimacy", "Decree", "Deployment", "Repression",
    "Loyalty",
]
