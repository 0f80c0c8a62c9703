"""Groups: citizens belong to named groups, each with its own distributions (issue #3).

A group draws, for each of its citizens (all draws keyed by the citizen's agent id, so a group's
set-up never shifts another stream):

- membership: ``u_group < cumulative share`` of the citizen's place (stream ``group``);
- hardship ``H ~ U(low, high)`` (stream ``hardship``) and risk aversion ``R ~ U(low, high)``
  (stream ``risk_aversion``): the same uniform numbers Epstein's set-up draws, stretched, so
  ``U(0, 1)`` gives exactly the classic values;
- threshold ``T`` and baseline legitimacy ``L`` (constants of the group);
- ``organised`` = ``u_organised < organised share`` (stream ``organised``), ``mobility ~ U(low,
  high)`` (stream ``mobility``).

Model II is the special case of two groups: blue (share ``model2.group_share``, L =
``citizen.legitimacy``) and green (the rest, L = ``model2.legitimacy_other``). Its set-up goes
through :func:`install` like any other grouping. When the loyalty mechanism lets security
forces join the crowd, a last group ``defectors`` is added (no citizen starts in it).

Reads: ``scenario.groups``, ``scenario.model2``, ``scenario.citizen``, the population's citizen
rows. Writes: ``pop.group, hardship, risk_aversion, threshold, legitimacy, organised, mobility``
of those rows; ``world.group_names``, ``world.n_groups``.
"""

from __future__ import annotations

import numpy as np

from uprising.engine import rng
from uprising.engine.population import CITIZEN, DEAD
from uprising.mechanisms.config import Group
from uprising.mechanisms.state import place_names

DEFECTORS = "defectors"


def specs(scenario) -> list[Group]:
    """The scenario's groups: ``[[groups]]``, else Model II's two, else none (the classic model)."""
    if scenario.groups:
        return list(scenario.groups)
    if scenario.scenario.model == "epstein-2":
        m2 = scenario.model2
        return [
            Group(name="blue", share=m2.group_share),
            Group(name="green", share=1.0 - m2.group_share, legitimacy=m2.legitimacy_other),
        ]
    return []


def shares_by_place(groups: list[Group], names: list[str], n_places: int) -> np.ndarray:
    """[places, groups] shares: ``place_shares`` where given, else ``share``."""
    out = np.empty((n_places, len(groups)), np.float64)
    for p in range(n_places):
        name = names[p] if p < len(names) else None
        for g, grp in enumerate(groups):
            out[p, g] = grp.place_shares.get(name, grp.share) if name is not None else grp.share
    return out


def _stretch(u: np.ndarray, low: float, high: float) -> np.ndarray:
    """U(low, high) from U(0, 1): exactly u when (low, high) = (0, 1)."""
    if low == 0.0 and high == 1.0:
        return u
    return low + (high - low) * u


def populate(world, rows: np.ndarray, groups: list[Group] | None = None) -> None:
    """Assign groups and their draws to the citizen ``rows`` (each in its own place).

    The Bolivia world calls this for the citizens it creates; ``groups`` defaults to the
    scenario's. Every draw is keyed by agent id: rows may be populated in any order.
    """
    groups = specs(world.scenario) if groups is None else groups
    if not groups or len(rows) == 0:
        return
    pop, sc = world.pop, world.scenario
    ids = pop.agent_id[rows]
    shares = shares_by_place(groups, place_names(world), world.places.count)
    bounds = np.cumsum(shares, axis=1)[:, :-1]  # [places, groups-1]
    u = rng.uniform_array(world.key("group", 0), ids, 0)
    member = (u[:, None] >= bounds[pop.place[rows]]).sum(axis=1).astype(np.int8)
    pop.group[rows] = member
    u_h = rng.uniform_array(world.key("hardship", 0), ids, 0)
    u_r = rng.uniform_array(world.key("risk_aversion", 0), ids, 0)
    u_o = rng.uniform_array(world.key("organised", 0), ids, 0)
    u_m = rng.uniform_array(world.key("mobility", 0), ids, 0)
    for g, grp in enumerate(groups):
        sel = member == g
        r = rows[sel]
        pop.hardship[r] = _stretch(u_h[sel], grp.hardship_low, grp.hardship_high)
        pop.risk_aversion[r] = _stretch(u_r[sel], grp.risk_aversion_low, grp.risk_aversion_high)
        pop.threshold[r] = sc.citizen.threshold if grp.threshold is None else grp.threshold
        pop.legitimacy[r] = baseline_of(sc, grp)
        pop.organised[r] = u_o[sel] < grp.organised
        pop.mobility[r] = _stretch(u_m[sel], grp.mobility_low, grp.mobility_high)


def baseline_of(scenario, group: Group) -> float:
    return scenario.citizen.legitimacy if group.legitimacy is None else group.legitimacy


def names(world) -> list[str]:
    return list(getattr(world, "group_names", []))


def install(world) -> None:
    """Set-up: draw every citizen's group and attributes; name the groups (before recording)."""
    sc = world.scenario
    groups = specs(sc)
    pop = world.pop
    rows = np.flatnonzero((pop.kind[: pop.n] == CITIZEN) & (pop.state[: pop.n] != DEAD))
    populate(world, rows, groups)
    group_names = [g.name for g in groups] or ["citizens"]
    if sc.loyalty.on and sc.loyalty.join_share > 0:
        group_names.append(DEFECTORS)
    world.group_names = group_names
    world.n_groups = len(group_names)


def defector_group(world) -> int:
    return names(world).index(DEFECTORS)


__all__ = ["specs", "populate", "install", "names", "baseline_of", "defector_group", "DEFECTORS"]
