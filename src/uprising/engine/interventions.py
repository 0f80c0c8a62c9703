"""Scenario interventions: legitimacy and cop density changed at a step, by a jump or a ramp.

An intervention ``{step, until?, parameter, value}`` sets ``parameter`` to ``value`` from
``step`` on (a jump: Epstein 2002 Run 4, L 0.9 -> 0.7 at t = 77), or moves it linearly from the
value in force at ``step`` to ``value`` at ``until`` (a ramp: Run 3's "salami" fall of L, Run 5's
cop reduction). Interventions on one parameter apply in order of ``step``. Values apply from
the start of the step named.

Phases (present only when a scenario has such interventions):
- ``legitimacy.update``: every citizen's perceived L is set to the scheduled value.
- ``cops.deploy``: on-duty cops are brought to round(density x cells): surplus cops, chosen
  uniformly at random (keyed), leave the grid (``state = DEAD``, i.e. removed); missing cops
  arrive on uniformly random empty cells, on rows preallocated for them at set-up.
"""

from __future__ import annotations

import numpy as np

from uprising.engine import rng
from uprising.engine.grid import EMPTY, SEEN_COP
from uprising.engine.population import CITIZEN, COP, DEAD, ON_DUTY
from uprising.engine.vision import random_empty_in_place


def scheduled_value(base: float, interventions, parameter: str, step: int) -> float:
    """The value of ``parameter`` in force at ``step``."""
    value = base
    for iv in sorted((iv for iv in interventions if iv.parameter == parameter), key=lambda iv: iv.step):
        if step < iv.step:
            break
        if iv.until is None or step >= iv.until:
            value = iv.value
        else:
            value = value + (iv.value - value) * (step - iv.step) / (iv.until - iv.step)
    return value


def has(scenario, parameter: str) -> bool:
    return any(iv.parameter == parameter for iv in scenario.interventions)


def update_legitimacy(world, step: int) -> None:
    """Phase legitimacy.update."""
    sc = world.scenario
    value = scheduled_value(sc.citizen.legitimacy, sc.interventions, "legitimacy", step)
    pop = world.pop
    n = pop.n
    citizens = pop.kind[:n] == CITIZEN
    if world.model2 and sc.model2.legitimacy_other is not None:
        citizens &= pop.group[:n] == 0  # the intervention moves group 0's L; group 1 keeps its own
    pop.legitimacy[:n][citizens] = np.float32(value)


def deploy_cops(world, step: int) -> None:
    """Phase cops.deploy."""
    sc = world.scenario
    place = 0
    start, height, width, _ = world.place_geometry(place)
    density = scheduled_value(sc.population.cop_density, sc.interventions, "cop_density", step)
    target = int(round(density * height * width))
    pop = world.pop
    n = pop.n
    on_duty = np.flatnonzero((pop.kind[:n] == COP) & (pop.state[:n] == ON_DUTY) & (pop.place[:n] == place))
    if len(on_duty) > target:
        key = world.key("cop_removal", step)
        prio = rng.uniform_array(key, pop.agent_id[on_duty], 0)
        leaving = on_duty[np.argsort(prio, kind="stable")[: len(on_duty) - target]]
        cells = pop.cell[leaving]
        world.places.occupant[cells] = -1
        world.places.board[cells] = EMPTY
        pop.cell[leaving] = -1
        pop.state[leaving] = DEAD
    elif len(on_duty) < target:
        add_cops(world, place, target - len(on_duty), world.key("cop_insertion", step))


def add_cops(world, place: int, count: int, key) -> int:
    """Put ``count`` new cops on uniformly random empty cells of ``place``; returns how many fit."""
    start, height, width, _ = world.place_geometry(place)
    pop = world.pop
    placed = 0
    for _ in range(count):
        c = random_empty_in_place(world.places.board, start, height * width, key, pop.next_id, False)
        if c < 0:
            break
        (row,) = pop.add(1, COP, place)
        pop.state[row] = ON_DUTY
        pop.cell[row] = c
        world.places.occupant[c] = row
        world.places.board[c] = SEEN_COP
        placed += 1
    world.counter[0] = pop.n
    world.counter[1] = pop.next_id
    return placed
