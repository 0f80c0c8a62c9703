"""The scenario sections of the actors who decide: ``[[organisations]]`` and ``[government]``.

With ``scenario.decisions = "actors"`` only the events marked ``exogenous = true`` (the triggering
policy, outside shocks, decisions a user pins) stay scheduled; organisations call strikes,
blockades and marches, and the government deploys, sends convoys, declares curfews and concedes,
each by the rule below (``world/mechanisms/organisations.py``, ``world/mechanisms/cabinet.py``,
docs/mechanisms/actors.md gives the equations and the sources). With ``"record"`` (the default)
these sections are read but not used: the record's decisions are replayed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Weights(Section):
    """How an organisation weighs what its members live through (each term is 0..1)."""

    grievance: float = Field(1.0, ge=0.0, description="Mean grievance G = H(1 - L) of its members [ours].")
    deaths: float = Field(
        1.0, ge=0.0,
        description="Killings in its places and heard of by radio, d / (d + deaths_half): repression that "
        "backfires (Francisco 2004; Chenoweth et al. 2022) [ours].")
    shortage: float = Field(0.5, ge=0.0, description="Fuel and food shortage in its places [ours].")
    allies: float = Field(
        0.5, ge=0.0,
        description="Share of its allies calling: protest cycles spread by coalition (Tarrow 1998; Lichbach "
        "1995 on the rebel's dilemma solved by organisation) [ours].")
    jailed: float = Field(0.5, ge=0.0, description="Share of its members in jail [ours].")


class Organisation(Section):
    """An organisation that calls its members out: a federation, a union, a neighbourhood council.

    Pressure p = w_g G + w_d d/(d + deaths_half) + w_s s + w_a a + w_j j (module doc of
    ``organisations``). It calls (``act``) once p >= ``threshold`` has held ``delay_days``; the call
    stays in force until p < ``end_below``; it marches on ``target`` when it calls and p >=
    ``march_at``.
    """

    name: str = Field(..., description="Its name (actor1 in events.parquet).")
    groups: list[str] = Field(..., min_length=1, description="The citizen groups whose organised members it calls.")
    places: list[str] = Field(default_factory=list, description="Where its members are (empty: everywhere).")
    allies: list[str] = Field(default_factory=list, description="Organisations whose calls weigh on its own.")
    act: Literal["strike", "blockade"] = Field("strike", description="What it calls (both are a call on the grid).")
    threshold: float | None = Field(None, ge=0.0, description="Pressure at which it calls (none: the shared "
                                    "organisation_rules.threshold) [calibrated].")
    delay_days: float | None = Field(None, ge=0.0, description="Days the pressure must hold before it calls (none: shared).")
    end_below: float | None = Field(None, ge=0.0, description="Pressure under which the call ends (none: shared).")
    march_at: float | None = Field(None, ge=0.0, description="Pressure at which it also marches (none: shared).")
    target: str = Field("", description="Where it marches, if marching is in its repertoire (data: a march on the "
                        "record); empty: it never marches.")
    deaths_half: float | None = Field(None, gt=0.0, description="Deaths per million of its places' people that make "
                                      "half the deaths term (none: shared).")
    weights: Weights | None = Field(None, description="How it weighs what its members live through (none: shared).")


class OrganisationRules(Section):
    """The rule every organisation follows, shared by all episodes ([organisation_rules])."""

    threshold: float = Field(0.5, ge=0.0, description="Pressure at which it calls [calibrated].")
    delay_days: float = Field(1.0, ge=0.0, description="Days the pressure must hold before it calls [ours].")
    end_below: float = Field(0.3, ge=0.0, description="Pressure under which the call ends [ours].")
    march_at: float = Field(1.0, ge=0.0, description="Pressure at which a calling organisation also marches "
                            "[calibrated].")
    deaths_half: float = Field(10.0, gt=0.0, description="Deaths per million (its places' people, and heard of by "
                               "radio) that make half the deaths term [ours].")
    weights: Weights = Field(default_factory=Weights)


class Government(Section):
    """The government's doctrine as an actor (docs/mechanisms/actors.md)."""

    clear_after_days: float = Field(
        3.0, ge=0.0,
        description="A road blocked this long draws a clearing mission to its end (Davenport 2007, the law of "
        "coercive responsiveness) [ours].")
    clear_soldiers: int = Field(300, ge=0, description="Soldiers on each clearing mission [ours].")
    clear_days: float = Field(2.0, gt=0.0, description="How long a clearing mission lasts [ours].")
    max_missions: int = Field(1, ge=0, description="Clearing missions it runs at once [ours].")
    no_missions_in: list[str] = Field(default_factory=list, description="Places it never sends troops to (a "
                                      "counterfactual: e.g. no troops at one town).")
    mission_gap_days: float = Field(0.0, ge=0.0, description="Days between the end of one clearing mission and the "
                                    "next (an operation is prepared, and its cost weighed) [ours].")
    convoy_after_days: float = Field(
        1.0, ge=0.0, description="Days the capital's fuel shortage must exceed government.convoy_shortage before "
        "convoys are authorised [ours].")
    convoy_force: Literal["arrest", "teargas", "live_fire"] = Field(
        "teargas", description="The rule of force the convoys' escort gets [ours].")
    depot: str = Field("", description="The convoys' depot (default: the first pipeline depot).")
    curfew_after_days: float = Field(
        0.0, ge=0.0, description="Days of the capital's paralysis before a curfew there (0: never) [ours].")
    curfew_days: float = Field(2.0, gt=0.0, description="How long a curfew lasts [ours].")
    concede_at: float = Field(
        1.0, ge=0.0,
        description="Perceived pressure at which it concedes: accommodation when repression fails (Moore 1998; "
        "Lichbach 1987) [calibrated].")
    misreading: float = Field(
        0.5, ge=0.0, le=1.0,
        description="Share of the pressure it does not see (governments misread the crowd: the seed article; "
        "Kuran 1991 on preference falsification) [ours].")
    concede_delay_days: float = Field(2.0, ge=0.0, description="Days the perceived pressure must hold [ours].")
    concession_size: float = Field(0.05, ge=-1.0, le=1.0, description="Size of each concession [ours].")
    concession_withdraws: bool = Field(False, description="Its concessions withdraw the hardship shocks in force "
                                       "(repeal the price rise) [ours].")
    concessions: int = Field(2, ge=0, description="How many concessions it makes at most [ours].")
    concession_gap_days: float = Field(2.0, ge=0.0, description="Days between two concessions [ours].")
