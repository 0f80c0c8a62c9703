"""The regime as a coalition of veto players; the head of government falls by the routes the polity has.

Phase ``regime.update`` reads what every player can observe at the step's end and updates each
player's strain (docs/mechanisms/coalition.md):

    z_i = W[role_i] . (m_capital, m_country, d, paralysed, short, refused)

- m_capital, m_country: percent of the people active in the capital and in the country, summed day
  by day with a memory of ``coalition.memory_days`` (percent-days, ``coalition.mobilised_scale``
  percent per unit): a week of mass protest strains a regime, a day of it hardly does;
- d: people killed by the state per million of the country's people, so far, times
  ``coalition.deaths_weight`` (how killings weigh beside crowds: fitted);
- paralysed: days the capital has been paralysed (its actives above ``coalition.paralysis_ratio``
  times its police and soldiers), so far; short: days it has been short of fuel, so far;
- refused: days of mass mobilisation (``coalition.mass_share`` of the people active) since the last
  concession (concessions refused).

A player defects, for good, once z_i >= ``coalition.tolerance[role_i] x coalition.tolerance_scale``. The weights W of each
role (:data:`ROLE_WEIGHTS`) say what that player minds. The head of government falls:

- ``resignation``: when the ruling party and its partners that have defected hold at least half of
  their seats (``weight``): the coalition breaks up (Svolik 2012; Geddes, Wright and Frantz 2018);
- ``legislature``: when the legislature defects and the polity lets it remove the president;
- ``army``: when the army or the police defects, or ``coalition.defection_share`` of the security
  forces on the grid are neutral (loyalty mechanism), and the polity has that route.

Which players can bring the head down is this one rule for every episode: a folder says who the
players are and which routes its constitution and its army allow (``world.regime.removal``), never
which of them mattered in the end (that is the record's outcome). Business elites and foreign
backers defect by their own rule and are logged; they bring nobody down by themselves. A route not
in ``world.regime.removal`` is not taken. On the fall: calls and marches end, troops
return, every citizen's legitimacy and its baseline rise by ``coalition.successor_legitimacy``.
``fall_route`` goes to summary.json. Config ``[world.regime]`` (data) and ``[world.coalition]``
(shared).
"""

from __future__ import annotations

import numpy as np

from uprising.world import kernels
from uprising.world.config import Player
from uprising.world.mechanism import Mechanism
from uprising.world.mechanisms.government import recall

# What each role minds: weights of (m_capital, m_country, deaths per million, days paralysed, days short,
# days refused). Parties, partners and the legislature answer to voters and to the street (Hale 2015);
# the army and the police to being asked to kill a mass movement (Chenoweth and Stephan 2011; Svolik
# 2012 on the military's leverage); business to a paralysed economy; foreign backers to killings.
FEATURES = ("m_capital", "m_country", "deaths_per_million", "days_paralysed", "days_short", "days_refused")
ROLE_WEIGHTS = {
    "party": (1.0, 1.0, 1.0, 1.0, 0.5, 0.5),
    "partner": (1.0, 1.0, 1.0, 1.0, 0.5, 0.5),
    "legislature": (1.0, 1.0, 1.0, 0.5, 0.5, 0.5),
    "army": (0.0, 1.0, 1.0, 0.0, 0.0, 0.0),
    "police": (1.0, 0.0, 1.0, 0.0, 0.0, 0.0),
    "business": (0.0, 0.0, 0.5, 1.0, 1.0, 0.0),
    "foreign": (0.0, 0.0, 1.0, 0.0, 0.0, 0.0),
}
COALITION_ROLES = ("party", "partner")
SECURITY_ROLES = ("army", "police")


def players_of(cfg) -> list[Player]:
    """The episode's veto players; with none given, one ruling party."""
    return list(cfg.regime.players) or [Player(name="ruling party", role="party")]


def install(w) -> None:
    players = players_of(w.cfg)
    w.players = players
    w.player_weights = np.array([ROLE_WEIGHTS[p.role] for p in players])  # [players, features]
    w.player_tolerance = np.array([w.cfg.coalition.tolerance.get(p.role, np.inf) for p in players]) * w.cfg.coalition.tolerance_scale
    w.player_strain = np.zeros(len(players))
    w.player_defected = np.full(len(players), -1, np.int64)  # step of defection, -1 while loyal
    w.strain_inputs = np.zeros(len(FEATURES))
    w.mobilised = np.zeros(2)  # percent-days active, with memory: capital, country
    w.mobilised_now = np.zeros(2)  # percent active this step
    w.elite_support = 1.0
    w.paralysed_run = 0
    w.paralysed_steps = 0
    w.short_steps_capital = 0
    w.refused_steps = 0
    w.last_concession_step = -1
    w.neutral_share = 0.0
    w.resign_reason = ""
    w.fall_route = ""


def _observe(w, step: int) -> np.ndarray:
    """What every player sees at the step's end (module doc)."""
    c = w.cfg.coalition
    cap = w.capital
    paralysed = w.active_people[cap] > c.paralysis_ratio * w.security_people(cap)
    w.paralysed_run = w.paralysed_run + 1 if paralysed else 0
    w.paralysed_steps += int(paralysed)
    w.short_steps_capital += int(w.fuel_short[cap] >= w.cfg.supply.short_below)
    people = float(w.population.sum())
    active = np.array([w.active_people[cap] / max(float(w.population[cap]), 1.0),
                       w.active_people.sum() / max(people, 1.0)])
    w.mobilised_now = 100.0 * active / c.mobilised_scale
    keep = 1.0 - 1.0 / (c.memory_days * w.spd)
    w.mobilised = w.mobilised * keep + w.mobilised_now / w.spd
    if w.last_concession_step == step:
        w.refused_steps = 0
    elif active[1] >= c.mass_share:
        w.refused_steps += 1
    deaths = c.deaths_weight * float(w.mechanisms.deaths_people.sum()) * 1e6 / max(people, 1.0)
    return np.array([w.mobilised[0], w.mobilised[1], deaths, w.paralysed_steps / w.spd,
                     w.short_steps_capital / w.spd, w.refused_steps / w.spd])


def _security_neutral(w) -> float:
    if not w.mechanisms.on.get("loyalty"):  # only loyalty makes agents neutral
        return 0.0
    t = w.tally()
    on_grid = t[:, kernels.T_SECURITY_ON_GRID].sum()
    return float(t[:, kernels.T_NEUTRAL_ON_GRID].sum() / on_grid) if on_grid else 0.0


def fall_route(w) -> tuple[str, str] | None:
    """The route by which the head of government falls now, and why; None while the coalition holds."""
    removal = set(w.cfg.regime.removal)
    out = w.player_defected >= 0
    roles = np.array([p.role for p in w.players])
    weight = np.array([p.weight for p in w.players])
    if "army" in removal:
        gone = out & np.isin(roles, SECURITY_ROLES)
        if gone.any():
            return "army", f"{w.players[int(np.flatnonzero(gone)[0])].name} withdraws its support"
        if w.neutral_share >= w.cfg.coalition.defection_share:
            return "army", "the security forces defect"
    if "legislature" in removal:
        gone = out & (roles == "legislature")
        if gone.any():
            return "legislature", f"{w.players[int(np.flatnonzero(gone)[0])].name} removes the president"
    if "resignation" in removal:
        coalition = np.isin(roles, COALITION_ROLES)
        total = weight[coalition].sum()
        if total > 0 and weight[coalition & out].sum() >= 0.5 * total:
            names = ", ".join(w.players[i].name for i in np.flatnonzero(coalition & out))
            return "resignation", f"the coalition breaks up ({names} leave)"
    return None


def regime_update(w, step: int) -> None:
    """Each player's strain from the observable state; defections; the fall (module doc)."""
    w.strain_inputs[:] = _observe(w, step)
    w.neutral_share = _security_neutral(w)
    if w.government != 0:
        return
    w.player_strain[:] = w.player_weights @ w.strain_inputs
    newly = (w.player_defected < 0) & (w.player_strain >= w.player_tolerance)
    for i in np.flatnonzero(newly):
        w.player_defected[i] = step
        p = w.players[i]
        w.log(step, "Strategic developments", "Other", p.name, w.cfg.actors.government, w.capital, 0,
              f"{p.name} ({p.role}) withdraws its support from the government (strain "
              + ", ".join(f"{k} {v:.3g}" for k, v in zip(FEATURES, w.strain_inputs)) + ")")
    held = w.player_defected < 0
    share = np.minimum(1.0, w.player_strain / w.player_tolerance)
    w.elite_support = float(1.0 - share[held].mean()) if held.any() else 0.0
    fall = fall_route(w)
    if fall is None:
        return
    route, reason = fall
    w.government = 1
    w.resigned_step = step
    w.resign_reason = reason
    w.fall_route = route
    _successor(w, w.cfg.coalition.successor_legitimacy)
    w.call_until[:] = np.minimum(w.call_until, step)
    for k in list(w.marcher_until):
        w.marcher_until[k] = min(w.marcher_until[k], step)
    w.convoys_authorised = False
    recall(w)
    what = {"resignation": "the president resigns", "legislature": "the legislature removes the president",
            "army": "the armed forces withdraw their support and the president goes"}[route]
    w.log(step, "Strategic developments", "Other", w.cfg.actors.government, "", w.capital, 0,
          f"{what} ({reason}); a successor takes office")


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
    columns={"elite_support": (lambda w: np.full(w.P, w.elite_support), float),
             "mobilised_capital": (lambda w: np.full(w.P, w.mobilised_now[0]), float),
             "mobilised_country": (lambda w: np.full(w.P, w.mobilised_now[1]), float)},
    doc="The coalition of veto players, their defections, and the routes by which the government falls.",
)
