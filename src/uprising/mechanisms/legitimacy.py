"""Perceived legitimacy per citizen: relaxation, backfire, shocks and concessions (issue #3).

Each step, at its start (phase ``legitimacy.update``), for every living citizen i in place p and
group g, with baseline B[p, g]:

    L_i <- L_i + (B - L_i) (1 - 2^(-1/h))                        relaxation, half-life h steps
    L_i <- L_i (1 - b_place)^(D_p + a A_p) (1 - b_radio)^(reach_p (N_p + a M_p))     backfire
    L_i <- clip(L_i + shift[p, g], 0, 1)                         shocks, concessions, interventions

D_p: people killed in p during the last step; A_p: people arrested there; N_p, M_p: the same
heard of from other places (``news_people``, or every other place's toll at once when the world
does not carry news); a: ``arrest_factor``. A witness effect acts at the moment of a killing
(``repression.py``): every citizen within vision of the victim multiplies its L by
``1 - backfire_witness``. Shocks lower L and the baseline by their size (of the
``groups`` named, or every group); a concession of size c
raises both by ``c / (1 + K_p / concession_deaths_half)`` with K_p the deaths known in p (its
own plus reach times the others'): too little, too late. With every effect off this phase is
absent and the model is Epstein's.

Reads: ``pop.kind, state, place, group``; ``world.mechanisms`` (killed_step, deaths_people,
radio_reach, news_people, arrests); ``scenario.legitimacy`` and legitimacy interventions.
Writes: ``pop.legitimacy``; ``world.mechanisms.baseline``.

Entry points for the world's events: :func:`apply_shock`, :func:`apply_concession`,
:func:`hear_news`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from uprising.engine import interventions, rng
from uprising.engine.population import CITIZEN, DEAD
from uprising.mechanisms import groups as groups_mod
from uprising.mechanisms.state import places_mask


# numba: one parallel pass over rows (~1 ms at 10^6 citizens on 2 threads); each row writes only itself.
@nb.njit(parallel=True, cache=True)
def update_all(n, kind, state, place, group, legitimacy, baseline, relax, factor, shift, agent_id, key, spread):
    for i in nb.prange(n):
        if kind[i] != CITIZEN or state[i] == DEAD:
            continue
        p = place[i]
        g = group[i]
        L = np.float64(legitimacy[i])
        own = baseline[p, g]
        if spread > 0.0:  # the citizen's own offset from its group's baseline (groups.offset)
            own += spread * (2.0 * rng.uniform(key, agent_id[i], 0) - 1.0)
        L = L + (own - L) * relax
        L = L * factor[p] + shift[p, g]
        if L < 0.0:
            L = 0.0
        elif L > 1.0:
            L = 1.0
        legitimacy[i] = np.float32(L)


def _run(world, relax: float, factor: np.ndarray, shift: np.ndarray) -> None:
    pop = world.pop
    spread = groups_mod.legitimacy_spread(world.scenario)
    update_all(pop.n, pop.kind, pop.state, pop.place, pop.group, pop.legitimacy, world.mechanisms.baseline,
               float(relax), factor, shift, pop.agent_id, world.key("legitimacy_spread", 0), spread)


def install(world) -> None:
    """The baseline B[place, group]: each group's legitimacy (the defectors' is 0)."""
    sc = world.scenario
    ms = world.mechanisms
    groups = groups_mod.specs(sc)
    names = groups_mod.names(world)
    base = np.empty((ms.n_places, len(names)), np.float64)
    for g, name in enumerate(names):
        if name == groups_mod.DEFECTORS:
            base[:, g] = 0.0
        elif groups:
            base[:, g] = groups_mod.baseline_of(sc, groups[g])
        else:
            base[:, g] = sc.citizen.legitimacy
    ms.baseline = base
    ms.arrests_seen = ms.arrests_by_place(world).copy() if sc.legitimacy.arrest_factor > 0 else ms.arrests_seen


def _shift(world, mask: np.ndarray, amount: np.ndarray | float) -> np.ndarray:
    """[places, groups] shift: ``amount`` (per place or scalar) where mask, 0 elsewhere."""
    ms = world.mechanisms
    shift = np.zeros_like(ms.baseline)
    shift[mask] = (np.broadcast_to(np.asarray(amount, np.float64), (ms.n_places,))[mask])[:, None]
    return shift


def _groups_mask(world, names: list[str], key: str) -> np.ndarray | float:
    """[groups] 1.0 for the groups named, else 0.0; 1.0 for every group when none is named."""
    if not names:
        return 1.0
    known = groups_mod.names(world)
    unknown = [n for n in names if n not in known]
    if unknown:
        from uprising.errors import UserError

        raise UserError(None, key, f"unknown group '{unknown[0]}'; known groups: {', '.join(known)}")
    return np.array([1.0 if n in names else 0.0 for n in known])


def _move_baseline(world, shift: np.ndarray) -> None:
    ms = world.mechanisms
    np.clip(ms.baseline + shift, 0.0, 1.0, out=ms.baseline)


def apply_shock(world, mask: np.ndarray, size: float) -> None:
    """An announcement: every citizen of the places in ``mask`` loses ``size`` of L, and so does
    the baseline it relaxes to (the grievance persists until a concession)."""
    shift = _shift(world, np.asarray(mask, bool), -float(size))
    _run(world, 0.0, np.ones(world.mechanisms.n_places), shift)
    _move_baseline(world, shift)


def known_deaths(world) -> np.ndarray:
    """Deaths (people) known in each place: its own, plus reach times everyone else's."""
    ms = world.mechanisms
    total = ms.deaths_people.sum()
    return ms.deaths_people + ms.radio_reach * (total - ms.deaths_people)


def concession_value(world, size: float) -> np.ndarray:
    """What a concession of ``size`` is worth in each place: size / (1 + known deaths / half)."""
    half = world.scenario.legitimacy.concession_deaths_half
    return float(size) / (1.0 + known_deaths(world) / half)


def apply_concession(world, mask: np.ndarray, size: float) -> np.ndarray:
    """A concession: L and its baseline rise by ``concession_value`` in the places of ``mask``.
    Returns the value granted per place."""
    value = concession_value(world, size)
    shift = _shift(world, np.asarray(mask, bool), value)
    _run(world, 0.0, np.ones(world.mechanisms.n_places), shift)
    _move_baseline(world, shift)
    return np.where(np.asarray(mask, bool), value, 0.0)


def hear_news(world, news_people: np.ndarray) -> None:
    """The information channel: deaths (people) heard of from other places this step, per place
    (already weighted by whatever the world's radio model says; the legitimacy phase multiplies
    by ``radio_reach``). Once called, the phase stops assuming instant national news."""
    ms = world.mechanisms
    ms.news_people[:] = news_people
    ms.news_external = True


def _others(x: np.ndarray) -> np.ndarray:
    return x.sum() - x


def update(world, step: int) -> None:
    """Phase legitimacy.update."""
    sc = world.scenario
    cfg = sc.legitimacy
    ms = world.mechanisms
    relax = 0.0 if math.isinf(cfg.half_life) else 1.0 - 2.0 ** (-1.0 / cfg.half_life)
    killed = ms.killed_step
    news = ms.news_people if ms.news_external else _others(killed)
    exposure_place = killed.copy()
    exposure_radio = ms.radio_reach * news
    if cfg.arrest_factor > 0:
        now = ms.arrests_by_place(world)
        arrested = (now - ms.arrests_seen) * ms.people_per_agent
        ms.arrests_seen = now.copy()
        exposure_place += cfg.arrest_factor * arrested
        exposure_radio += cfg.arrest_factor * ms.radio_reach * _others(arrested)
    if sc.world is not None:  # a world of places: killings weigh by the people who hear of them
        mob = sc.world.mobilisation
        people = np.maximum(world.population.astype(float), 1.0)
        factor = ((1.0 - mob.backfire_place_per_100k) ** (exposure_place * 1e5 / people)
                  * (1.0 - mob.backfire_radio_per_million) ** (exposure_radio * 1e6 / people.sum()))
    else:
        factor = (1.0 - cfg.backfire_place) ** exposure_place * (1.0 - cfg.backfire_radio) ** exposure_radio
    shift = np.zeros_like(ms.baseline)
    # legitimacy interventions (Runs 3-4) move the baseline and everyone by the change in the schedule
    if interventions.has(sc, "legitimacy"):
        prev = sc.citizen.legitimacy if step <= 1 else interventions.scheduled_value(
            sc.citizen.legitimacy, sc.interventions, "legitimacy", step - 1)
        value = interventions.scheduled_value(sc.citizen.legitimacy, sc.interventions, "legitimacy", step)
        only_blue = world.model2 and sc.model2.legitimacy_other is not None  # as the engine's phase
        shift[:, [0] if only_blue else slice(None)] += value - prev
    for s in cfg.shocks:
        if s.step == step:
            one = _shift(world, places_mask(world, s.places, "legitimacy.shocks.places"), -s.size)
            shift += one * _groups_mask(world, s.groups, "legitimacy.shocks.groups")
    for c in cfg.concessions:
        if c.step == step:
            mask = places_mask(world, c.places, "legitimacy.concessions.places")
            shift += _shift(world, mask, concession_value(world, c.size))
    _run(world, relax, factor, shift)
    if shift.any():
        _move_baseline(world, shift)


__all__ = ["update", "install", "apply_shock", "apply_concession", "concession_value", "hear_news", "known_deaths"]
