"""The step as a plan of named phases (architecture.md, "The step is a plan of named phases").

A phase is ``phase(world, step) -> None``. ``Plan`` is a list of ``Phase(name, run)``; printing
it shows the order (``citizens.decide → cops.arrest → agents.move → jail.release → record``).
A researcher inserts a phase with ``plan.insert_after("cops.arrest", Phase("my.phase", f))``.
A mechanism switched off has no phase, so the classic model runs exactly Epstein's steps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from uprising.engine import interventions, jail, model2, sequential, synchronous


class Phase(NamedTuple):
    name: str
    run: Callable[[object, int], None]

    def __repr__(self) -> str:
        return self.name


class Plan(list):
    def __str__(self) -> str:
        return " → ".join(p.name for p in self)

    def __repr__(self) -> str:
        return f"Plan({self})"

    def index_of(self, name: str) -> int:
        for i, p in enumerate(self):
            if p.name == name:
                return i
        raise KeyError(f"no phase {name!r} in plan: {self}")

    def insert_after(self, name: str, phase: Phase) -> None:
        self.insert(self.index_of(name) + 1, phase)

    def insert_before(self, name: str, phase: Phase) -> None:
        self.insert(self.index_of(name), phase)


def events_since_last_record(world) -> tuple[int, int, int, int]:
    """Arrests, kills, births and deaths since the previous call (run-wide counters)."""
    c = world.counter
    now = (world.arrests, int(c[2]), int(c[3]), int(c[4]))
    last = getattr(world, "_last_events", (0, 0, 0, 0))
    world._last_events = now
    return (now[0] - last[0], now[1] - last[1], now[2] - last[2], now[3] - last[3])


def record(world, step: int) -> None:
    """Phase record: counts of this step into the recorder."""
    world.recorder.record(world, step, events_since_last_record(world))


def build_plan(world) -> Plan:
    sc = world.scenario
    plan = Plan()
    if interventions.has(sc, "legitimacy"):
        plan.append(Phase("legitimacy.update", interventions.update_legitimacy))
    if interventions.has(sc, "cop_density"):
        plan.append(Phase("cops.deploy", interventions.deploy_cops))
    if world.model2 and sc.model2.peacekeepers_at is not None:
        plan.append(Phase("peacekeepers.arrive", model2.peacekeepers_phase))
    if world.schedule == "sequential":
        plan.append(Phase("agents.act", sequential.act))
    else:
        acts = [Phase("citizens.decide", synchronous.decide), Phase("cops.arrest", synchronous.arrest)]
        if world.model2:
            acts += [Phase("citizens.kill", synchronous.kill), Phase("citizens.clone", synchronous.clone)]
        move = [Phase("agents.move", synchronous.move)] if (sc.rules.movement or sc.rules.cops_always_move) else []
        plan.extend(move + acts if sc.rules.order == "move_then_decide" else acts + move)
    if sc.rules.jail_countdown == "end_of_step" or world.schedule == "synchronous":
        plan.append(Phase("jail.release", jail.release_phase))
    if world.model2:
        plan.append(Phase("citizens.age", model2.age_phase))
    plan.append(Phase("record", record))
    return plan
