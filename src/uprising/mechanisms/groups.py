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

import numba as nb
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


# numba: one parallel pass over the rows (issue #8: numpy's version built [rows, groups]
# temporaries and a fancy-indexed pass per group and column, ~9 s at 8.3 M citizens). The draws
# are keyed by agent id and computed as the numpy code did (float64, then stored), bit for bit.
# (Issue #14: a review had dropped the decorator with a dead helper above it, and this ran as a
# Python loop: 50 s of set-up at scale 1.)
@nb.njit(parallel=True, cache=True)
def _draw(rows, place, agent_id, bounds, keys, low_high, thresholds, baselines, organised_share,
          group, hardship, risk_aversion, threshold, legitimacy, organised, mobility, spread):
    n_bounds = bounds.shape[1]
    for j in nb.prange(rows.shape[0]):
        i = rows[j]
        a = agent_id[i]
        p = place[i]
        u = rng.uniform(keys[0], a, 0)
        g = 0
        for b in range(n_bounds):
            if u >= bounds[p, b]:
                g += 1
        group[i] = g
        lh = low_high[g]
        for col in range(3):  # hardship, risk aversion, mobility: U(low, high), exactly u for U(0, 1)
            uu = rng.uniform(keys[1 + col], a, 0)
            lo = lh[2 * col]
            hi = lh[2 * col + 1]
            v = uu if (lo == 0.0 and hi == 1.0) else lo + (hi - lo) * uu
            if col == 0:
                hardship[i] = v
            elif col == 1:
                risk_aversion[i] = v
            else:
                mobility[i] = v
        threshold[i] = thresholds[g]
        legitimacy[i] = baselines[g]
        if spread > 0.0:  # the citizen's own offset (legitimacy_spread): the same draw as legitimacy.update_all
            legitimacy[i] = baselines[g] + spread * (2.0 * rng.uniform(keys[5], a, 0) - 1.0)
        organised[i] = rng.uniform(keys[4], a, 0) < organised_share[g]


def populate(world, rows: np.ndarray, groups: list[Group] | None = None) -> None:
    """Assign groups and their draws to the citizen ``rows`` (each in its own place).

    The world of places calls this for the citizens it creates; ``groups`` defaults to the
    scenario's. Every draw is keyed by agent id: rows may be populated in any order.
    """
    groups = specs(world.scenario) if groups is None else groups
    if not groups or len(rows) == 0:
        return
    pop, sc = world.pop, world.scenario
    shares = shares_by_place(groups, place_names(world), world.places.count)
    bounds = np.ascontiguousarray(np.cumsum(shares, axis=1)[:, :-1])  # [places, groups-1]
    keys = np.array([world.key(s, 0) for s in ("group", "hardship", "risk_aversion", "mobility", "organised",
                                                "legitimacy_spread")], np.uint64)
    low_high = np.array([[g.hardship_low, g.hardship_high, g.risk_aversion_low, g.risk_aversion_high,
                          g.mobility_low, g.mobility_high] for g in groups], np.float64)
    thresholds = np.array([sc.citizen.threshold if g.threshold is None else g.threshold for g in groups], np.float32)
    baselines = np.array([baseline_of(sc, g) for g in groups], np.float32)
    organised_share = np.array([g.organised for g in groups], np.float64)
    _draw(np.asarray(rows, np.int64), pop.place, pop.agent_id, bounds, keys, low_high, thresholds, baselines,
          organised_share, pop.group, pop.hardship, pop.risk_aversion, pop.threshold, pop.legitimacy,
          pop.organised, pop.mobility, legitimacy_spread(sc))


def legitimacy_spread(scenario) -> float:
    """How far a citizen's perceived legitimacy strays from its group's, U(-s, s): approval polls show
    a population divided, not one value (world of places only: the classic models have none)."""
    world = scenario.world
    return float(world.mobilisation.legitimacy_spread) if world is not None else 0.0


def baseline_of(scenario, group: Group) -> float:
    """A group's baseline legitimacy: its own; in a world of places its approval in polls (else the
    head of government's national approval) through the shared map ``world.mobilisation``; else the
    scenario's L."""
    if group.legitimacy is not None:
        return group.legitimacy
    world = scenario.world
    if world is not None:
        approval = world.regime.approval if group.approval is None else group.approval
        floor = world.mobilisation.legitimacy_floor
        return floor + (1.0 - floor) * approval
    return scenario.citizen.legitimacy


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
