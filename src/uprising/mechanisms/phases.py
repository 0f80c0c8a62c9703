"""Wiring: set-up of the mechanisms after the engine's, and their phases in the plan."""

from __future__ import annotations

from uprising.engine.plan import Phase, Plan
from uprising.engine.record import Recorder
from uprising.mechanisms import groups, legitimacy, loyalty, repression, state
from uprising.mechanisms.state import MechanismState


def switched_on(scenario) -> dict[str, bool]:
    return {
        "legitimacy": scenario.legitimacy.on,
        "repression": scenario.repression.on,
        "loyalty": scenario.loyalty.on,
    }


def install(world) -> None:
    """Set-up after the engine's: groups, soldiers, loyalty, baselines; the recorder's columns."""
    sc = world.scenario
    world.mechanisms = ms = MechanismState(world)
    ms.on = switched_on(sc)
    groups.install(world)
    legitimacy.install(world)
    if ms.on["loyalty"]:
        loyalty.install(world)
    if ms.on["repression"]:
        repression.install(world)
    if world.n_groups != world.recorder.n_groups or any(ms.on.values()):
        world.recorder = Recorder(world, sc.scenario.steps)
    if any(ms.on.values()):
        world.recorder.add_source(state.columns)


def _after_acts(plan: Plan) -> str:
    for name in ("cops.arrest", "agents.act"):
        if any(p.name == name for p in plan):
            return name
    raise KeyError(f"no place for the soldiers in plan: {plan}")


def extend_plan(world, plan: Plan) -> Plan:
    """Add the phases of the mechanisms switched on (none: the plan is returned unchanged)."""
    on = world.mechanisms.on
    if on["legitimacy"]:
        phase = Phase("legitimacy.update", legitimacy.update)
        names = [p.name for p in plan]
        if "legitimacy.update" in names:  # the engine's interventions phase: ours follows the schedule too
            plan[names.index("legitimacy.update")] = phase
        else:
            plan.insert(0, phase)
    anchor = _after_acts(plan)
    if on["repression"]:
        if world.scenario.repression.deployments:
            plan.insert_before(_first_act(plan), Phase("soldiers.deploy", repression.deploy))
        plan.insert_after(anchor, Phase("soldiers.repress", repression.repress))
        anchor = "soldiers.repress"
    if on["loyalty"]:
        plan.insert_after(anchor, Phase("loyalty.update", loyalty.update))
    return plan


def _first_act(plan: Plan) -> str:
    """The first phase where agents act (soldiers arrive just before it)."""
    for p in plan:
        if p.name in ("agents.act", "agents.move", "citizens.decide"):
            return p.name
    return plan[0].name


__all__ = ["install", "extend_plan", "switched_on"]
