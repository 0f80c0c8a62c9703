"""Levers: the main parameters of a live run, changed between steps.

A lever has a value in the scenario (``get``) and two ways to change it:

- **before the first step** (step 0) it is a set-up value: the scenario is changed and the run
  rebuilt, so a saved play-through replays it exactly;
- **between later steps**, the way its ``when`` says:

  - ``"dated"``: the change is written into the scenario as a dated entry the model already reads
    (a classic ``[[interventions]]`` jump at the next step: legitimacy, cop density; an episode's
    group legitimacy as a ``[[legitimacy.shocks]]`` entry of that group), and the plan rebuilt
    where it must hold the phase that carries it out. Replays exactly (``Lever.exact`` says when a
    run cannot: cop density with random placement, a group's legitimacy with the legitimacy phase off).
  - ``"live"``: the running world's arrays are changed in place (J_max; an episode's lethal force,
    police, radio reach). The scenario file has no dated key for these, so a play-through that
    moved one mid-run does not replay exactly; the session says so.
  - ``"setup"``: only at step 0 (vision is read when the vision tables are built; the actors mode
    when the plan is).

One module, so the viewer changes a run in one place only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from uprising.errors import UserError


@dataclass(frozen=True)
class Lever:
    name: str  # id used by the page and /state
    label: str
    lo: float
    hi: float
    step: float
    when: str  # "dated" | "live" | "setup"
    get: Callable[[Any], float]  # scenario -> value
    set_up: Callable[[Any, float], None]  # (scenario, value): change the scenario before the run
    live: Callable[[Any, Any, float], None] | None = None  # (simulation, scenario, value) mid-run
    kind: str = "number"  # "number" | "bool"
    exact: Callable[[Any], bool] | None = None  # (simulation) -> a dated lever is dated in this run (else live)

    def spec(self, scenario) -> dict:
        return {"name": self.name, "label": self.label, "lo": self.lo, "hi": self.hi, "step": self.step,
                "when": self.when, "kind": self.kind, "value": float(self.get(scenario))}


# ------------------------------------------------------------------------------ the classic grid
def _intervention(parameter: str) -> Callable[[Any, Any, float], None]:
    """A jump of ``parameter`` at the next step, as the scenario's own [[interventions]] hold it."""

    def apply(sim, scenario, value: float) -> None:
        from uprising.scenarios.schema import Intervention

        scenario.interventions.append(Intervention(step=sim.steps_done + 1, parameter=parameter, value=value))
        rebuild_plan(sim)

    return apply


def rebuild_plan(sim) -> None:
    """The classic plan for the scenario as it now stands (the same functions ``worlds.Classic``
    builds it with, so the live plan is the plan a replay of the saved scenario runs)."""
    from uprising.engine.plan import build_plan
    from uprising.mechanisms import phases as mechanisms

    sim.plan = mechanisms.extend_plan(sim.world, build_plan(sim.world))


def _set(path: str, cast=float) -> Callable[[Any, float], None]:
    def apply(scenario, value: float) -> None:
        *head, last = path.split(".")
        node = scenario
        for part in head:
            node = getattr(node, part)
        setattr(node, last, cast(value))

    return apply


def _jail_max_live(sim, scenario, value: float) -> None:
    """Terms drawn from the next arrest on are U{0..J_max} with the new J_max (the engine reads
    ``world.rules`` at every step); terms already being served run on."""
    from uprising.engine import rules as rule_codes

    scenario.citizen.jail_max = float(value)
    sim.world.rules = rule_codes.encode(scenario)


def _vision(scenario, value: float) -> None:
    scenario.citizen.vision = float(value)
    scenario.cop.vision = float(value)


def classic_levers(scenario) -> list[Lever]:
    most_cops = max(0.0, round(1.0 - scenario.population.citizen_density, 3))
    return [
        Lever("legitimacy", "legitimacy L", 0.0, 1.0, 0.01, "dated", lambda s: s.citizen.legitimacy,
              _set("citizen.legitimacy"), _intervention("legitimacy")),
        Lever("cop_density", "cop density", 0.0, min(most_cops, 0.3), 0.001, "dated",
              lambda s: s.population.cop_density, _set("population.cop_density"), _intervention("cop_density"),
              exact=lambda sim: sim.scenario.population.placement == "exact"),
        Lever("jail_max", "J_max (jail term, steps)", 0.0, 100.0, 1.0, "live",
              lambda s: s.citizen.jail_max if np.isfinite(s.citizen.jail_max) else 100.0, _set("citizen.jail_max"),
              _jail_max_live),
        Lever("vision", "vision (citizens and cops)", 1.0, 20.0, 1.0, "setup", lambda s: s.citizen.vision, _vision),
    ]


# ------------------------------------------------------------------------------ an episode
def _group_legitimacy(g: int):
    """The legitimacy of group ``g``: its baseline at set-up; mid-run a dated
    ``[[legitimacy.shocks]]`` entry of that group alone at the next step, of size old - new (the
    group's citizens' L and its baseline in every place move by new - old, as a classic
    legitimacy intervention moves everyone's), so a saved play-through replays it exactly. Where
    the legitimacy phase is off (no backfire, shock or concession in the scenario), a shock would
    switch it on from step 1 in a replay: the lever then sets L and the baseline live (not exact)."""

    def group(scenario):
        return scenario.groups[g]

    def setup_value(scenario) -> float:
        from uprising.mechanisms import groups as groups_mod

        return float(groups_mod.baseline_of(scenario, group(scenario)))

    def get(scenario) -> float:
        """The set-up value less the group's own shocks so far (the lever's value as moved)."""
        name = group(scenario).name
        moved = sum(s.size for s in scenario.legitimacy.shocks if s.groups == [name] and not s.places)
        return setup_value(scenario) - moved

    def set_up(scenario, value: float) -> None:
        group(scenario).legitimacy = float(value)

    def live(sim, scenario, value: float) -> None:
        if not dated(sim):
            _jump(sim, value)
            return
        from uprising.mechanisms.config import Shock

        size = get(scenario) - float(value)
        if size == 0.0:
            return
        shock = Shock(step=sim.steps_done + 1, size=size, groups=[group(scenario).name])
        scenario.legitimacy.shocks.append(shock)
        world_sc = sim.world.scenario
        if world_sc is not scenario and world_sc.legitimacy.shocks is not scenario.legitimacy.shocks:
            world_sc.legitimacy.shocks.append(shock)

    def _jump(sim, value: float) -> None:
        """The group's baseline everywhere, and its living citizens' L, jump to ``value``."""
        from uprising.engine.population import CITIZEN, DEAD

        w = sim.world
        pop = w.pop
        n = pop.n
        rows = (pop.kind[:n] == CITIZEN) & (pop.group[:n] == g) & (pop.state[:n] != DEAD)
        pop.legitimacy[:n][rows] = np.float32(value)
        w.mechanisms.baseline[:, g] = value

    def dated(sim) -> bool:
        return bool(sim.world.mechanisms.on.get("legitimacy"))

    return get, set_up, live, dated


def _lethal_live(sim, scenario, value: float) -> None:
    """Lethal force off: no live fire in clashes, the grid soldiers' doctrine at most tear gas
    (re-imposed after ``events.apply`` every step, as ``experiments.effects`` does); on: the states
    of siege in force decide again."""
    from uprising.engine.plan import Phase

    w = sim.world
    on = bool(value)
    w.lethal_force = on
    scenario.world.clashes.lethal_force = on
    names = [p.name for p in sim.plan]
    if not on and HOLD_PHASE not in names:
        sim.plan.insert_after("events.apply", Phase(HOLD_PHASE, _hold_no_fire))
        _hold_no_fire(w, sim.steps_done)
    if on and HOLD_PHASE in names:
        del sim.plan[names.index(HOLD_PHASE)]
    if on and hasattr(w, "force_level"):  # the rules of force in place decide again, from now
        w.mechanisms.doctrine_cap[:] = w.force_level


HOLD_PHASE = "levers.no_live_fire"
TEARGAS = 1


def _hold_no_fire(w, step: int) -> None:
    w.lethal_force = False
    np.minimum(w.mechanisms.doctrine_cap, TEARGAS, out=w.mechanisms.doctrine_cap)


def _police_live(sim, scenario, value: float) -> None:
    """Police (people) of every place not named in ``world.forces.police`` follow the new rate."""
    w = sim.world
    scenario.world.forces.police_per_1000 = float(value)
    named = {w._all_places.index(n) for n in scenario.world.forces.police}
    for p in range(w.P):
        if int(w.place_ids[p]) not in named:
            w.police_people[p] = round(w.population[p] * value / 1000.0)


def _reach(which: str):
    def live(sim, scenario, value: float) -> None:
        """Reach of the places of that kind scaled by new/old (an attacked station stays attacked)."""
        w = sim.world
        info = scenario.world.information
        old = getattr(info, which)
        city = np.array(["city" in t for t in w.tags])
        mask = city if which == "reach_city" else ~city
        for name in info.reach:
            if name in w.names:
                mask[w.index(name)] = False
        factor = value / old if old > 0 else 0.0
        w.radio_reach[mask] = np.clip(w.radio_reach[mask] * factor if old > 0 else value, 0.0, 1.0)
        w.mechanisms.radio_reach[:] = w.radio_reach
        setattr(info, which, float(value))

    return live


def episode_levers(scenario) -> list[Lever]:
    out = []
    for g, group in enumerate(scenario.groups):
        get, set_up, live, dated = _group_legitimacy(g)
        out.append(Lever(f"legitimacy.{group.name}", f"legitimacy: {group.name}", 0.0, 1.0, 0.01, "dated",
                         get, set_up, live, exact=dated))
    out += [
        Lever("lethal_force", "lethal force", 0.0, 1.0, 1.0, "live", lambda s: float(s.world.clashes.lethal_force),
              _set("world.clashes.lethal_force", bool), _lethal_live, kind="bool"),
        Lever("police_per_1000", "police per 1,000 residents", 0.0, 20.0, 0.1, "live",
              lambda s: s.world.forces.police_per_1000, _set("world.forces.police_per_1000"), _police_live),
        Lever("reach_city", "radio reach: cities", 0.0, 1.0, 0.01, "live", lambda s: s.world.information.reach_city,
              _set("world.information.reach_city"), _reach("reach_city")),
        Lever("reach_rural", "radio reach: elsewhere", 0.0, 1.0, 0.01, "live",
              lambda s: s.world.information.reach_rural, _set("world.information.reach_rural"), _reach("reach_rural")),
        Lever("actors", "other actors answer (actors mode)", 0.0, 1.0, 1.0, "setup",
              lambda s: float(s.scenario.decisions == "actors"),
              lambda s, v: setattr(s.scenario, "decisions", "actors" if v else "record"), kind="bool"),
    ]
    return out


def levers_of(scenario) -> list[Lever]:
    return episode_levers(scenario) if scenario.world is not None else classic_levers(scenario)


def find(levers: list[Lever], name: str) -> Lever:
    for lever in levers:
        if lever.name == name:
            return lever
    raise UserError(None, "lever", f"unknown lever {name!r}; allowed: {', '.join(lv.name for lv in levers)}")


def checked(lever: Lever, value: Any) -> float:
    """The value as a number inside the lever's range, or a UserError naming the lever."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserError(None, lever.name, f"{value!r} is not a number") from None
    if not (lever.lo <= v <= lever.hi):
        raise UserError(None, lever.name, f"{v:g} is out of range; allowed: a number from {lever.lo:g} to {lever.hi:g}")
    return v


__all__ = ["Lever", "levers_of", "find", "checked", "rebuild_plan", "HOLD_PHASE"]
