"""The regime: elite support erodes with deaths, the capital's paralysis and its shortage; the
government falls by the routes the episode allows.

Phase ``regime.update``: the capital is paralysed while its actives exceed ``paralysis_ratio``
times its police and soldiers; elite support E (from ``regime.elite_support``) falls per step by
``elite_per_death x deaths + elite_per_paralysed_day/spd x paralysed + elite_per_short_day/spd x
short``. Routes (``regime.routes``): ``elite`` (E <= 0: allies and coalition partners leave),
``paralysis`` (paralysed ``paralysis_days`` in a row), ``defection`` (a share ``defection_share``
of the security forces neutral). On the fall: calls and marches end, troops return, every
citizen's legitimacy and its baseline rise by ``successor_legitimacy`` (a successor takes office).
Config ``[world.regime]``.
"""

from __future__ import annotations

import numpy as np

from uprising.world import kernels
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms.government import recall


def install(w) -> None:
    w.elite_support = float(w.cfg.regime.elite_support)
    w.paralysed_run = 0
    w.paralysed_steps = 0
    w.short_steps_capital = 0
    w.neutral_share = 0.0
    w.resign_reason = ""
    w.successor_bonus = 0.0


def regime_update(w, step: int) -> None:
    """Elite support erodes with deaths, paralysis and shortage; the resignation routes."""
    r = w.cfg.regime
    cap = w.capital
    paralysed = w.active_people[cap] > r.paralysis_ratio * w.security_people(cap)
    w.paralysed_run = w.paralysed_run + 1 if paralysed else 0
    w.paralysed_steps += int(paralysed)
    short = w.fuel_short[cap] >= w.cfg.supply.short_below
    w.short_steps_capital += int(short)
    if w.mechanisms.on.get("loyalty"):  # only loyalty makes agents neutral: else the share is 0
        t = w.tally()
        on_grid = t[:, kernels.T_SECURITY_ON_GRID].sum()
        w.neutral_share = float(t[:, kernels.T_NEUTRAL_ON_GRID].sum() / on_grid) if on_grid else 0.0
    else:
        w.neutral_share = 0.0
    if w.government != 0:
        return
    w.elite_support -= (
        r.elite_per_death * w.deaths_step.sum()
        + r.elite_per_paralysed_day / w.spd * paralysed
        + r.elite_per_short_day / w.spd * short
    )
    reason = None
    if "elite" in r.routes and w.elite_support <= 0:
        reason = "elite support gone"
    elif "paralysis" in r.routes and w.paralysed_run >= r.paralysis_days * w.spd:
        reason = f"capital paralysed {r.paralysis_days:g} days"
    elif "defection" in r.routes and w.neutral_share >= r.defection_share:
        reason = "security forces defect"
    if reason is None:
        return
    w.government = 1
    w.resigned_step = step
    w.resign_reason = reason
    _successor(w, r.successor_legitimacy)
    w.call_until[:] = np.minimum(w.call_until, step)
    for k in list(w.marcher_until):
        w.marcher_until[k] = min(w.marcher_until[k], step)
    w.convoys_authorised = False
    recall(w)
    w.log(step, "Strategic developments", "Other", w.cfg.actors.government, "", cap, 0,
          f"the president resigns ({reason}); a successor takes office")


def _successor(w, gain: float) -> None:
    """A successor takes office: every citizen's legitimacy and its baseline rise by ``gain``."""
    from uprising.mechanisms import legitimacy

    shift = legitimacy._shift(w, np.ones(w.P, bool), gain)
    legitimacy._run(w, 0.0, np.ones(w.P), shift)
    legitimacy._move_baseline(w, shift)


MECHANISM = Mechanism(
    name="regime",
    section="regime",
    stage="after",
    install=install,
    phases=(("regime.update", regime_update),),
    columns={"elite_support": (lambda w: np.full(w.P, w.elite_support), float)},
    doc="Elite support and the routes by which the government falls.",
)
