"""Epstein 2002 reproduced, and uprising against Mesa: every number and figure of docs/reproduction.md.

    .venv/bin/python scripts/reproduce.py                  # everything: table + docs/img/reproduction/*.png
    .venv/bin/python scripts/reproduce.py --jobs 2         # runs in 2 processes
    .venv/bin/python scripts/reproduce.py --only run2,sweep --json numbers.json

Each experiment is a function of (seeds, steps) that returns its numbers and the data of its
figure; tests/test_reproduction.py and tests/test_mesa_agreement.py call the same functions
with fewer seeds and steps, so the code that produced the documented numbers is the code under
test. Seeds are 0..n-1 unless an experiment says otherwise.

Definitions (Epstein 2002, Fig 5 and Fig 7; [ND-spec] Statistics):
- outburst: starts on the first step with actives > 50 and ends on the first later step with
  actives < 50 (50 of 1,120 citizens); only finished outbursts are counted;
- wait: the steps from an outburst's end to the next outburst's start;
- total activation of an outburst: the sum of actives over its steps (start to end - 1).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img" / "reproduction"
LEVEL = 50  # Epstein 2002: an outburst is actives > 50 (of 1,120 citizens)

# -------------------------------------------------------------------------------------------
# running


def run_series(scenario: str, seed: int, steps: int, overrides: dict | None = None, schedule: str | None = None,
               stop_at_genocide: bool = False) -> dict[str, np.ndarray]:
    """Run one scenario and return its recorded columns (place 0) as numpy arrays, row 0 = step 0.

    ``stop_at_genocide`` (Model II): stop at the first step where a group has no living member.
    """
    from uprising.simulation import Simulation

    sim = Simulation.from_scenario(scenario, seed=seed, schedule=schedule, steps=steps, **(overrides or {}))
    if stop_at_genocide:
        while sim.steps_done < steps:
            sim.run(min(25, steps - sim.steps_done))
            cols = sim.world.recorder.columns()
            if min(int(cols["citizens_g0"][-1, 0]), int(cols["citizens_g1"][-1, 0])) == 0:
                break
    else:
        sim.run()
    return {name: np.asarray(arr[:, 0]).copy() for name, arr in sim.world.recorder.columns().items()}


def _call(args):
    fn, kwargs = args
    return fn(**kwargs)


def pmap(fn, kwargs_list: list[dict], jobs: int = 1) -> list:
    """fn(**kw) for each kw, in order; in ``jobs`` processes when jobs > 1."""
    if jobs <= 1 or len(kwargs_list) <= 1:
        return [fn(**kw) for kw in kwargs_list]
    with ProcessPoolExecutor(max_workers=jobs) as ex:
        return list(ex.map(_call, [(fn, kw) for kw in kwargs_list]))


# -------------------------------------------------------------------------------------------
# outburst statistics


def spells(active: np.ndarray, level: float = LEVEL) -> list[tuple[int, int]]:
    """Finished outbursts as (start, end) indices: active[start] > level is the first step above,
    active[end] < level the first later step below."""
    out, start = [], None
    for t, v in enumerate(np.asarray(active)):
        if start is None and v > level:
            start = t
        elif start is not None and v < level:
            out.append((start, t))
            start = None
    return out


def outburst_stats(active: np.ndarray, level: float = LEVEL) -> dict:
    """Outbursts, waits between them and the total activation of each (steps 1..T of a run)."""
    a = np.asarray(active)
    sp = spells(a, level)
    return {
        "outbursts": len(sp),
        "waits": [sp[i + 1][0] - sp[i][1] for i in range(len(sp) - 1)],
        "activations": [int(a[s:e].sum()) for s, e in sp],
        "peak": int(a.max()) if len(a) else 0,
        "calm_share": float((a < 10).mean()) if len(a) else 0.0,
    }


def _mean_sd(xs) -> tuple[float, float]:
    xs = np.asarray(xs, dtype=float)
    if len(xs) == 0:
        return math.nan, math.nan
    return float(xs.mean()), float(xs.std(ddof=1)) if len(xs) > 1 else 0.0


# -------------------------------------------------------------------------------------------
# Run 1: deception


def _deception_one(seed: int, steps: int, burn_in: int, every: int) -> dict:
    from uprising.engine.grid import SEEN_COP
    from uprising.engine.population import ACTIVE, CITIZEN, QUIET
    from uprising.simulation import Simulation

    # Cops patrol (NetLogo `if movement? or breed = cops`, [ND-spec]); with cops frozen too the
    # grid freezes after the first arrests and "deception" is a still picture.
    sim = Simulation.from_scenario("epstein-run1", seed=seed, steps=steps, **{"rules.cops_always_move": True})
    sc = sim.scenario
    L, T = sc.citizen.legitimacy, sc.citizen.threshold
    hid_seen = act_seen = hid_unseen = act_unseen = 0
    snapshot = None
    for t in range(1, steps + 1):
        sim.step()
        if t < burn_in or t % every:
            continue
        pop, board = sim.world.pop, sim.world.places.board_view(0)
        cop = board == SEEN_COP
        seen = np.zeros(board.shape, bool)  # a cop within vision 1.7: the 8 Moore neighbours
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy or dx:
                    seen |= np.roll(np.roll(cop, dy, 0), dx, 1)
        n = pop.n
        free = (pop.kind[:n] == CITIZEN) & ((pop.state[:n] == QUIET) | (pop.state[:n] == ACTIVE))
        aggrieved = free & (pop.hardship[:n].astype(float) * (1 - L) > T)  # active if no cop in sight
        w = board.shape[1]
        cells = pop.cell[:n][aggrieved]
        in_sight = seen[cells // w, cells % w]
        active = pop.state[:n][aggrieved] == ACTIVE
        hid_seen += int(in_sight.sum())
        act_seen += int((active & in_sight).sum())
        hid_unseen += int((~in_sight).sum())
        act_unseen += int((active & ~in_sight).sum())
        if snapshot is None and t >= steps // 2:
            g = np.zeros(board.shape, np.int8)
            g[cells[active] // w, cells[active] % w] = 2
            g[cells[~active] // w, cells[~active] % w] = 1
            snapshot = {"board": board.copy(), "aggrieved": g, "seen": seen.copy(), "step": t}
    act = sim.world.recorder.columns()["active"][:, 0].copy()
    return {"active": act, "aggrieved_in_sight": hid_seen, "active_in_sight": act_seen,
            "aggrieved_unseen": hid_unseen, "active_unseen": act_unseen, "snapshot": snapshot}


def run1_deception(seeds=range(5), steps=500, burn_in=50, every=5, jobs=1) -> dict:
    """Run 1 (L 0.89, vision 1.7, no citizen movement): the aggrieved are active out of cops' sight."""
    res = pmap(_deception_one, [dict(seed=s, steps=steps, burn_in=burn_in, every=every) for s in seeds], jobs)
    after = np.stack([r["active"][burn_in:] for r in res])
    seen = sum(r["aggrieved_in_sight"] for r in res)
    unseen = sum(r["aggrieved_unseen"] for r in res)
    return {
        "seeds": len(res), "steps": steps,
        "active_min": int(after.min()), "active_max": int(after.max()),
        "active_share_in_sight": sum(r["active_in_sight"] for r in res) / max(seen, 1),
        "active_share_unseen": sum(r["active_unseen"] for r in res) / max(unseen, 1),
        "aggrieved_in_sight": seen, "aggrieved_unseen": unseen,
        "_series": [r["active"] for r in res], "_snapshot": res[0]["snapshot"],
    }


# -------------------------------------------------------------------------------------------
# Run 2: punctuated equilibrium, floor vs literal; free movement


def _run2_one(seed: int, steps: int, overrides: dict) -> dict:
    s = run_series("epstein-run2", seed, steps, overrides)
    st = outburst_stats(s["active"][1:])
    st["active"] = s["active"]
    return st


def run2_punctuated(seeds=range(10), steps=3000, rule="floor", extra: dict | None = None, jobs=1) -> dict:
    """Run 2 (L 0.82, vision 7, J_max 30) under ``rules.arrest_ratio = rule``."""
    over = {"rules.arrest_ratio": rule, **(extra or {})}
    res = pmap(_run2_one, [dict(seed=s, steps=steps, overrides=over) for s in seeds], jobs)
    waits = [w for r in res for w in r["waits"]]
    acts = [a for r in res for a in r["activations"]]
    per_seed_wait = [np.mean(r["waits"]) for r in res if r["waits"]]
    per_seed_act = [np.mean(r["activations"]) for r in res if r["activations"]]
    wm, ws = _mean_sd(waits)
    am, asd = _mean_sd(acts)
    return {
        "rule": rule, "seeds": len(res), "steps": steps, "overrides": over,
        "outbursts": [r["outbursts"] for r in res], "peaks": [r["peak"] for r in res],
        "calm_share": [r["calm_share"] for r in res],
        "wait_mean": wm, "wait_sd": ws, "activation_mean": am, "activation_sd": asd,
        "wait_seed_means": (min(per_seed_wait), max(per_seed_wait)) if per_seed_wait else None,
        "activation_seed_means": (min(per_seed_act), max(per_seed_act)) if per_seed_act else None,
        "_waits": waits, "_activations": acts, "_series": [r["active"] for r in res],
    }


def _tension_one(seed: int, steps: int) -> dict:
    from uprising.engine.population import ACTIVE, CITIZEN, QUIET
    from uprising.simulation import Simulation

    sim = Simulation.from_scenario("epstein-run2", seed=seed, steps=steps)
    tension = np.zeros(steps + 1)
    for t in range(1, steps + 1):
        sim.step()
        pop = sim.world.pop
        n = pop.n
        st = pop.state[:n]
        free = (pop.kind[:n] == CITIZEN) & ((st == QUIET) | (st == ACTIVE))
        g = pop.hardship[:n][free].astype(float) * (1 - pop.legitimacy[:n][free].astype(float))
        quiet_share = float((st[free] == QUIET).mean())
        tension[t] = g.mean() * quiet_share / float(pop.risk_aversion[:n][free].mean())
    active = sim.world.recorder.columns()["active"][:, 0].copy()
    return {"active": active, "tension": tension}


def run2_tension(seeds=range(3), steps=1000, jobs=1) -> dict:
    """Fig 8: tension = mean G x quiet share / mean R over free citizens (Epstein 2002; [ND-spec])
    builds up between outbursts. For each wait: tension at the previous outburst's end and at
    the next outburst's start."""
    res = pmap(_tension_one, [dict(seed=s, steps=steps) for s in seeds], jobs)
    rises, at_end, at_start = 0, [], []
    for r in res:
        sp = spells(r["active"])
        for (s0, e0), (s1, _) in zip(sp, sp[1:]):
            at_end.append(float(r["tension"][e0]))
            at_start.append(float(r["tension"][s1 - 1]))  # the last step before it breaks out
            rises += at_start[-1] > at_end[-1]
    return {"seeds": len(res), "steps": steps, "waits": len(at_end), "tension_rose": rises,
            "tension_at_end_mean": float(np.mean(at_end)), "tension_before_start_mean": float(np.mean(at_start)),
            "_runs": res}


# -------------------------------------------------------------------------------------------
# Runs 3 and 4: salami tactics vs one jump


def _legit_one(scenario: str, seed: int, steps: int) -> dict:
    s = run_series(scenario, seed, steps)
    return {"active": s["active"], "jailed": s["jailed"]}


def runs34_salami_jump(seeds=range(40), steps=300, jobs=1) -> dict:
    """Paired seeds: Run 3 (L 0.9 -> 0.2 by 0.01/step from t 77) vs Run 4 (0.9 -> 0.7 at t 77)."""
    from scipy.stats import binomtest

    seeds = list(seeds)
    ks = [dict(scenario=sc, seed=s, steps=steps) for s in seeds for sc in ("epstein-run3", "epstein-run4")]
    res = pmap(_legit_one, ks, jobs)
    salami, jump = res[0::2], res[1::2]
    ps = np.array([r["active"][77:].max() for r in salami])
    pj = np.array([r["active"][77:].max() for r in jump])
    js = np.array([r["jailed"][-1] for r in salami])
    jj = np.array([r["jailed"][-1] for r in jump])
    higher, ties = int((pj > ps).sum()), int((pj == ps).sum())
    p = float(binomtest(higher, len(seeds) - ties, alternative="greater").pvalue) if len(seeds) > ties else 1.0
    return {
        "seeds": len(seeds), "steps": steps,
        "peak_salami": ps.tolist(), "peak_jump": pj.tolist(),
        "jump_peak_higher": higher, "ties": ties, "sign_test_p": p,
        "salami_peaks_over_50": int((ps > LEVEL).sum()), "jump_peaks_over_50": int((pj > LEVEL).sum()),
        "jailed_end_salami": js.tolist(), "jailed_end_jump": jj.tolist(),
        "jump_jails_more": int((jj > js).sum()),
        "_salami": salami, "_jump": jump,
    }


# -------------------------------------------------------------------------------------------
# Run 5: cop reductions tip society


def _run5_one(seed: int, steps: int, ramp: bool) -> dict:
    over = {} if ramp else {"interventions": []}
    s = run_series("epstein-run5", seed, steps, over)
    return {"active": s["active"], "cops": s["cops"], "jailed": s["jailed"]}


RAMP_START = 50


def run5_cop_reduction(seeds=range(20), steps=600, jobs=1) -> dict:
    """Run 5 (L 0.8, J_max inf): cops 0.074 -> 0 over t 50-550; control: cops kept at 0.074.

    A seed tips when actives exceed 50 at or after the ramp's start (t 50); peaks are taken from
    t 50 on too (an early burst before any cop has left is not the cops' doing)."""
    seeds = list(seeds)
    ks = [dict(seed=s, steps=steps, ramp=r) for s in seeds for r in (True, False)]
    res = pmap(_run5_one, ks, jobs)
    ramp, ctrl = res[0::2], res[1::2]
    tips, peaks, peak_t, cops_at_tip = [], [], [], []
    for r in ramp:
        a = r["active"][RAMP_START:]  # tipping is judged from the ramp's start on
        over = np.flatnonzero(a > LEVEL)
        tips.append(RAMP_START + int(over[0]) if len(over) else -1)
        cops_at_tip.append(int(r["cops"][RAMP_START + over[0]]) if len(over) else -1)
        peaks.append(int(a.max()))
        peak_t.append(RAMP_START + int(a.argmax()))
    return {
        "seeds": len(seeds), "steps": steps,
        "tipped": int(sum(t >= 0 for t in tips)), "tip_step": tips, "cops_at_tip": cops_at_tip,
        "peak": peaks, "peak_step": peak_t,
        "control_peak_after_50": [int(r["active"][RAMP_START:].max()) for r in ctrl],
        "early_peak_before_50": [int(r["active"][:RAMP_START].max()) for r in ramp],
        "_ramp": ramp, "_control": ctrl,
    }


# -------------------------------------------------------------------------------------------
# legitimacy sweep and the jail conjecture (Run 2 parameters)


def _outbursts_one(seed: int, steps: int, overrides: dict) -> dict:
    s = run_series("epstein-run2", seed, steps, overrides)
    st = outburst_stats(s["active"][1:])
    st["mean_active"] = float(s["active"][1:].mean())
    return st


LEVELS = (0.60, 0.65, 0.70, 0.75, 0.80, 0.85, 0.90, 0.95)
ND_SWEEP = {"floor": (48.2, 50, 47.8, 47.4, 43.2, 26.8, 0, 0), "literal": (6.2, 2.0, 0.4, 0.2, 0, 0, 0, 0)}


def legitimacy_sweep(seeds=range(5), steps=1000, levels=LEVELS, rules=("floor", "literal"), jobs=1) -> dict:
    """Outbursts in ``steps`` steps at each L (Run 2 otherwise), floored vs literal C/A."""
    seeds = list(seeds)
    ks = [dict(seed=s, steps=steps, overrides={"citizen.legitimacy": L, "rules.arrest_ratio": r})
          for r in rules for L in levels for s in seeds]
    res = iter(pmap(_outbursts_one, ks, jobs))
    out = {"seeds": len(seeds), "steps": steps, "levels": list(levels)}
    for r in rules:
        per = [[next(res)["outbursts"] for _ in seeds] for _ in levels]
        out[r] = [float(np.mean(p)) for p in per]
        out[r + "_per_seed"] = per
    return out


JMAX = (5, 10, 15, 20, 30, 40, 50, 60)


def jail_conjecture(seeds=range(4), steps=2000, jmaxes=JMAX, jobs=1) -> dict:
    """Mean wait between outbursts against J_max (Run 2 otherwise): Epstein's conjecture that
    longer terms lengthen the waits."""
    seeds = list(seeds)
    ks = [dict(seed=s, steps=steps, overrides={"citizen.jail_max": float(j)}) for j in jmaxes for s in seeds]
    res = iter(pmap(_outbursts_one, ks, jobs))
    out = {"seeds": len(seeds), "steps": steps, "jmax": list(jmaxes), "wait_mean": [], "wait_sd": [],
           "outbursts": [], "mean_active": []}
    for _ in jmaxes:
        rs = [next(res) for _ in seeds]
        m, sd = _mean_sd([w for r in rs for w in r["waits"]])
        out["wait_mean"].append(m)
        out["wait_sd"].append(sd)
        out["outbursts"].append(float(np.mean([r["outbursts"] for r in rs])))
        out["mean_active"].append(float(np.mean([r["mean_active"] for r in rs])))
    return out


# -------------------------------------------------------------------------------------------
# Model II: Runs 6, 7, 8


def _model2_one(scenario: str, seed: int, steps: int, overrides: dict) -> dict:
    s = run_series(scenario, seed, steps, overrides, stop_at_genocide=True)
    g0, g1 = s["citizens_g0"], s["citizens_g1"]
    gone = np.flatnonzero((g0 == 0) | (g1 == 0))
    return {
        "kills": int(s["kills"].sum()), "genocide_step": int(gone[0]) if len(gone) else -1,
        "victor": (0 if g1[gone[0]] == 0 else 1) if len(gone) else -1,
        "min_group": int(min(g0.min(), g1.min())), "g0": g0, "g1": g1, "jailed": s["jailed"],
    }


def model2(scenario: str, seeds=range(20), steps=500, overrides: dict | None = None, jobs=1) -> dict:
    """Model II: kills, the step a group is gone (-1: both alive at the end), the victor."""
    seeds = list(seeds)
    res = pmap(_model2_one, [dict(scenario=scenario, seed=s, steps=steps, overrides=overrides or {})
                             for s in seeds], jobs)
    g = [r["genocide_step"] for r in res]
    return {
        "scenario": scenario, "seeds": len(seeds), "steps": steps,
        "kills": [r["kills"] for r in res], "genocide_step": g, "genocides": int(sum(x >= 0 for x in g)),
        "victors": [r["victor"] for r in res], "min_group": [r["min_group"] for r in res],
        "_runs": res,
    }


def run8_cop_sweep(densities=(0.0, 0.02, 0.04, 0.06, 0.08, 0.1), seeds=range(10), steps=3000, jobs=1) -> dict:
    """Run 8 parameters at several cop densities: steps until a group is gone (Figs 15-17)."""
    out = {"densities": list(densities), "seeds": len(list(seeds)), "steps": steps, "mean": [], "sd": [],
           "genocides": []}
    for d in densities:
        r = model2("epstein-run8", seeds, steps, {"population.cop_density": d}, jobs)
        g = [x for x in r["genocide_step"] if x >= 0]
        m, sd = _mean_sd(g)
        out["mean"].append(m)
        out["sd"].append(sd)
        out["genocides"].append(r["genocides"])
    return out


# -------------------------------------------------------------------------------------------
# agreement with Mesa (issue #2 item 9)

MESA_STEPS = 30


def mesa_sample_one(seed: int, legitimacy: float, steps: int = MESA_STEPS, **params) -> dict:
    """One run of Mesa 3.3.1's epstein_civil_violence example (its defaults, this L)."""
    from mesa.examples.advanced.epstein_civil_violence.model import EpsteinCivilViolence

    m = EpsteinCivilViolence(seed=seed, legitimacy=legitimacy, **params)
    active = np.zeros(steps)
    jailed = np.zeros(steps)
    for t in range(steps):
        m.step()
        active[t], jailed[t] = m.ACTIVE, m.ARRESTED
    citizens = m.ACTIVE + m.QUIET + m.ARRESTED
    return {"mean_active": float(active.mean() / citizens), "last_jailed": float(jailed[-1] / citizens),
            "active": active / citizens, "jailed": jailed / citizens}


MESA_PARAMS = {"max_jail_term": "citizen.jail_max", "cop_density": "population.cop_density",
               "citizen_density": "population.citizen_density", "width": "grid.width", "height": "grid.height",
               "citizen_vision": "citizen.vision", "cop_vision": "cop.vision"}


def uprising_sample_one(seed: int, legitimacy: float, steps: int = MESA_STEPS, schedule: str = "sequential",
                        rules: dict | None = None, **params) -> dict:
    """The same as ``mesa_sample_one`` with uprising's ``mesa`` preset; ``rules`` changes rule keys
    (the negative controls)."""
    over = {"citizen.legitimacy": legitimacy, **{MESA_PARAMS[k]: v for k, v in params.items()}}
    over.update({f"rules.{k}": v for k, v in (rules or {}).items()})
    s = run_series("mesa-example", seed, steps, over, schedule=schedule)
    citizens = s["quiet"] + s["active"] + s["jailed"]
    a, j = s["active"][1:] / citizens[1:], s["jailed"][1:] / citizens[1:]
    return {"mean_active": float(a.mean()), "last_jailed": float(j[-1]), "active": a, "jailed": j}


def agreement(ours: list[dict], theirs: list[dict]) -> dict:
    """Two-sample tests per measure: Mann-Whitney U (two-sided) and, for the record, KS."""
    from scipy.stats import ks_2samp, mannwhitneyu

    out = {}
    for key in ("mean_active", "last_jailed"):
        a = np.array([r[key] for r in ours])
        b = np.array([r[key] for r in theirs])
        out[key] = {
            "ours_median": float(np.median(a)), "mesa_median": float(np.median(b)),
            "ours_mean": float(a.mean()), "mesa_mean": float(b.mean()),
            "mw_p": float(mannwhitneyu(a, b, alternative="two-sided").pvalue),
            "ks_p": float(ks_2samp(a, b).pvalue),
        }
    return out


MESA_LEVELS = (0.6, 0.7)
NEGATIVE_CONTROLS = {"floor(C/A)": {"arrest_ratio": "floor"}, "Moore vision": {"vision_shape": "moore"}}
# every other single-rule change, to show what the agreement test can and cannot see
RULE_CHANGES = {
    "Euclidean vision": {"vision_shape": "euclidean"},
    "literal C/A": {"arrest_ratio": "literal"},
    "move then decide": {"order": "move_then_decide"},
    "jailed leave grid": {"jailed_leave_grid": True},
    "jail term 0..J-1": {"jail_term": "exclusive"},
    "countdown at step end": {"jail_countdown": "end_of_step"},
}


def mesa_agreement(levels=MESA_LEVELS, seeds=range(20), steps=MESA_STEPS, schedules=("sequential", "synchronous"),
                   controls=None, jobs=1) -> dict:
    """Mesa vs uprising (mesa preset) at each L over the same number of seeds (Mesa seeds 1000+i)."""
    seeds = list(seeds)
    controls = {**NEGATIVE_CONTROLS, **RULE_CHANGES} if controls is None else controls
    out = {"levels": list(levels), "seeds": len(seeds), "steps": steps, "results": {}, "controls": list(controls)}
    for L in levels:
        t0 = time.perf_counter()
        mesa = pmap(mesa_sample_one, [dict(seed=1000 + s, legitimacy=L, steps=steps) for s in seeds], jobs)
        mesa_s = time.perf_counter() - t0
        row = {"mesa_seconds": mesa_s, "_mesa": mesa}
        for sched in schedules:
            ours = pmap(uprising_sample_one, [dict(seed=s, legitimacy=L, steps=steps, schedule=sched)
                                              for s in seeds], jobs)
            row[sched] = agreement(ours, mesa)
            row["_" + sched] = ours
        for name, rules in controls.items():
            ours = pmap(uprising_sample_one, [dict(seed=s, legitimacy=L, steps=steps, rules=rules) for s in seeds],
                        jobs)
            row[name] = agreement(ours, mesa)
            row["_" + name] = ours
        out["results"][L] = row
    return out


# -------------------------------------------------------------------------------------------
# figures

COL = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "red": "#D55E00", "purple": "#CC79A7",
       "sky": "#56B4E9", "grey": "#777777", "black": "#000000"}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 110, "font.size": 9, "axes.spines.top": False,
                         "axes.spines.right": False})
    return plt


def _save(fig, name: str) -> str:
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / name
    fig.savefig(path, bbox_inches="tight")
    _plt().close(fig)
    return str(path.relative_to(ROOT))


def fig_run1(r: dict) -> str:
    plt = _plt()
    from matplotlib.colors import ListedColormap

    snap = r["_snapshot"]
    fig, ax = plt.subplots(1, 3, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1, 1, 1.5]})
    cm = ListedColormap(["#f4f1ea", COL["sky"], COL["red"], COL["grey"], COL["black"]])
    ax[0].imshow(snap["board"], cmap=cm, vmin=0, vmax=4, interpolation="nearest")
    ax[0].set_title(f"Run 1, seed 0, step {snap['step']}\nquiet (light blue), active (red), cop (black)", fontsize=9)
    # 0 out of sight, 1 in a cop's sight, 2 aggrieved and active, 3 aggrieved and hiding, 4 cop
    g = np.where(snap["seen"], 1, 0)
    g = np.where(snap["aggrieved"] == 2, 2, g)
    g = np.where(snap["aggrieved"] == 1, 3, g)
    g = np.where(snap["board"] == 4, 4, g)
    cm2 = ListedColormap(["#f4f1ea", "#d9d9d9", COL["red"], COL["blue"], COL["black"]])
    ax[1].imshow(g, cmap=cm2, vmin=0, vmax=4, interpolation="nearest")
    ax[1].set_title("only the aggrieved (G > T): active (red), hiding (blue);\n"
                    "grey = within a cop's sight (vision 1.7)", fontsize=9)
    for a in ax[:2]:
        a.set_xticks([])
        a.set_yticks([])
    for s in r["_series"]:
        ax[2].plot(s, lw=0.8)
    ax[2].set_xlabel("step")
    ax[2].set_ylabel("actives")
    ax[2].set_ylim(0, None)
    ax[2].set_title(f"actives, {r['seeds']} seeds: never calm; aggrieved active {r['active_share_unseen']:.0%} "
                    f"out of sight,\n{r['active_share_in_sight']:.0%} in sight", fontsize=9)
    return _save(fig, "run1_deception.png")


def fig_run2(floor: dict, literal: dict) -> str:
    plt = _plt()
    fig, ax = plt.subplots(2, 1, figsize=(11, 5), sharex=True, sharey=True)
    for a, r, name in ((ax[0], floor, "floor(C/A) (NetLogo; our default)"), (ax[1], literal, "literal C/A (the paper's text)")):
        a.plot(r["_series"][0][:1001], color=COL["red"], lw=0.7)
        a.axhline(LEVEL, color=COL["grey"], lw=0.6, ls="--")
        a.set_ylabel("actives")
        a.set_title(f"Run 2, seed 0, {name}: {r['outbursts'][0]} outbursts in {r['steps']} steps, "
                    f"peak {r['peaks'][0]}", loc="left")
    ax[1].set_xlabel("step (first 1000 shown)")
    return _save(fig, "run2_punctuated.png")


def fig_run2_stats(floor: dict) -> str:
    plt = _plt()
    fig, ax = plt.subplots(1, 2, figsize=(11, 3.5))
    w = np.array(floor["_waits"])
    ax[0].hist(w, bins=np.arange(0, w.max() + 5, 4), color=COL["blue"])
    ax[0].set_yscale("log")
    ax[0].axvline(floor["wait_mean"], color=COL["red"], label=f"ours: mean {floor['wait_mean']:.1f}, s.d. {floor['wait_sd']:.1f}")
    ax[0].axvline(60, color=COL["black"], ls="--", label="paper: mean 60, s.d. 55")
    ax[0].set_xlabel("wait between outbursts (steps)")
    ax[0].set_ylabel("count (log)")
    ax[0].legend(frameon=False)
    a = np.array(floor["_activations"])
    ax[1].hist(a, bins=30, color=COL["green"])
    ax[1].axvline(floor["activation_mean"], color=COL["red"],
                  label=f"ours: mean {floor['activation_mean']:.0f}, s.d. {floor['activation_sd']:.0f}")
    ax[1].axvline(708, color=COL["black"], ls="--", label="paper: mean 708, s.d. 230")
    ax[1].set_xlabel("total activation per outburst (actor-steps)")
    ax[1].legend(frameon=False)
    fig.suptitle(f"Run 2, floor(C/A): {len(w)} waits and {len(a)} outbursts from {floor['seeds']} seeds × "
                 f"{floor['steps']} steps")
    return _save(fig, "run2_waits_activation.png")


def fig_tension(r: dict) -> str:
    plt = _plt()
    run = r["_runs"][0]
    fig, ax = plt.subplots(figsize=(11, 3.4))
    ax.plot(run["active"][:401], color=COL["red"], lw=0.8, label="actives")
    ax.set_ylabel("actives")
    ax.set_xlabel("step")
    ax2 = ax.twinx()
    ax2.plot(np.arange(1, 401), run["tension"][1:401], color=COL["blue"], lw=0.8, label="tension")
    ax2.set_ylabel("tension  Ḡ·B̄ / R̄")
    ax.set_title(f"Run 2, seed 0: tension builds between outbursts (rose over {r['tension_rose']}/{r['waits']} "
                 f"waits, {r['seeds']} seeds)")
    ax.legend(loc="upper left", frameon=False)
    ax2.legend(loc="upper right", frameon=False)
    return _save(fig, "run2_tension.png")


def fig_runs34(r: dict) -> str:
    plt = _plt()
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.6))
    # the seed where the jump exploded highest above the salami, to show the paper's contrast
    i = int(np.argmax(np.array(r["peak_jump"]) - np.array(r["peak_salami"])))
    for a, run, name in ((ax[0], r["_salami"][i], "Run 3 salami: L 0.9 → 0.2 by 0.01/step from t 77"),
                         (ax[1], r["_jump"][i], "Run 4 one jump: L 0.9 → 0.7 at t 77")):
        a.plot(run["active"], color=COL["red"], label="active")
        a.plot(run["jailed"], color=COL["blue"], label="jailed")
        a.axvline(77, color=COL["grey"], lw=0.6, ls="--")
        a.set_title(f"{name} (seed {i})", fontsize=8)
        a.set_xlabel("step")
        a.legend(frameon=False)
    ps, pj = np.array(r["peak_salami"]), np.array(r["peak_jump"])
    ax[2].scatter(ps, pj, color=COL["purple"], s=18)
    m = max(ps.max(), pj.max()) * 1.05 + 1
    ax[2].plot([0, m], [0, m], color=COL["grey"], lw=0.6)
    ax[2].set_xlabel("peak actives after t 77, salami")
    ax[2].set_ylabel("peak actives after t 77, one jump")
    ax[2].set_title(f"paired seeds: jump higher in {r['jump_peak_higher']}/{r['seeds']}")
    return _save(fig, "runs34_salami_jump.png")


def fig_run5(r: dict) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for k, run in enumerate(r["_ramp"][:5]):
        ax.plot(run["active"], color=COL["red"], lw=0.8, label="actives, cops ramped down" if k == 0 else None)
    for k, run in enumerate(r["_control"][:5]):
        ax.plot(run["active"], color=COL["sky"], lw=0.8, label="actives, cops kept" if k == 0 else None)
    ax2 = ax.twinx()
    ax2.plot(r["_ramp"][0]["cops"], color=COL["black"], lw=1, ls="--", label="cops (ramp)")
    ax2.set_ylabel("cops")
    ax.set_xlabel("step")
    ax.set_ylabel("actives")
    ax.set_title(f"Run 5: cops 0.074 → 0 over t 50–550 tip society in {r['tipped']}/{r['seeds']} seeds (5 shown)")
    ax.legend(loc="upper right", frameon=False)
    ax2.legend(loc="center right", frameon=False)
    return _save(fig, "run5_cops.png")


def fig_sweep(r: dict) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    L = r["levels"]
    ax.plot(L, r["floor"], "o-", color=COL["red"], label="ours, floor(C/A)")
    ax.plot(L, r["literal"], "s-", color=COL["blue"], label="ours, literal C/A")
    ax.plot(LEVELS, ND_SWEEP["floor"], "x", color=COL["black"], label="[ND-plan] Rust, floor")
    ax.plot(LEVELS, ND_SWEEP["literal"], "+", color=COL["grey"], label="[ND-plan] Rust, literal")
    ax.set_xlabel("legitimacy L")
    ax.set_ylabel(f"outbursts in {r['steps']} steps")
    ax.set_title(f"Run 2 parameters, mean of {r['seeds']} seeds")
    ax.legend(frameon=False)
    return _save(fig, "legitimacy_sweep.png")


def fig_jail(r: dict) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    ax.errorbar(r["jmax"], r["wait_mean"], yerr=r["wait_sd"], fmt="o-", color=COL["blue"], capsize=3,
                label="ours: mean ± s.d. of waits")
    nd = [math.nan, 3.5, 11.0, 14.8, 21.2, 28.1, 33.2, 40.4]
    ax.plot((5, 10, 15, 20, 30, 40, 50, 60), nd, "x", color=COL["black"], label="[ND-plan] Rust")
    ax.set_xlabel("J_max")
    ax.set_ylabel("wait between outbursts (steps)")
    ax.set_title(f"Jail conjecture, Run 2 otherwise: {r['seeds']} seeds × {r['steps']} steps per J_max")
    ax.legend(frameon=False)
    return _save(fig, "jail_conjecture.png")


def fig_model2(r6: dict, r7: dict, r8: dict, sweep: dict | None) -> str:
    plt = _plt()
    n = 4 if sweep else 3
    fig, ax = plt.subplots(1, n, figsize=(4 * n, 3.4))
    for a, r, title in ((ax[0], r6, "Run 6: L 0.9, no cops"), (ax[1], r7, "Run 7: L 0.8, no cops"),
                        (ax[2], r8, "Run 8: L 0.8, cops 0.04")):
        run = r["_runs"][0]
        a.plot(run["g0"], color=COL["blue"], label="blue")
        a.plot(run["g1"], color=COL["green"], label="green")
        a.set_title(f"{title} (seed 0)", fontsize=9)
        a.set_xlabel("step")
        a.legend(frameon=False)
    ax[0].set_ylabel("living citizens")
    if sweep:
        ax[3].errorbar(sweep["densities"], sweep["mean"], yerr=sweep["sd"], fmt="o-", color=COL["purple"], capsize=3)
        ax[3].set_xlabel("cop density")
        ax[3].set_ylabel("steps until a group is gone")
        ax[3].set_title(f"Run 8 sweep, {sweep['seeds']} seeds each", fontsize=9)
    return _save(fig, "model2.png")


def fig_mesa(r: dict) -> str:
    plt = _plt()
    levels = r["levels"]
    fig, ax = plt.subplots(len(levels), 2, figsize=(11, 3.8 * len(levels)), squeeze=False)
    series = [("_mesa", "Mesa 3.3.1", COL["black"]), ("_sequential", "uprising sequential", COL["red"]),
              ("_synchronous", "uprising synchronous", COL["sky"])]
    series += [("_" + k, f"control: {k}", c) for k, c in zip(NEGATIVE_CONTROLS, (COL["orange"], COL["purple"]))]
    for i, L in enumerate(levels):
        row = r["results"][L]
        for j, key in enumerate(("mean_active", "last_jailed")):
            a = ax[i][j]
            for k, (name, label, c) in enumerate(s for s in series if s[0] in row):
                v = np.sort([x[key] for x in row[name]])
                a.plot(v, np.arange(1, len(v) + 1) / len(v), drawstyle="steps-post", color=c, label=label,
                       lw=1.6 if name == "_mesa" else 1.0)
            if key == "mean_active":
                a.set_xscale("symlog", linthresh=1e-4)
            a.set_xlabel({"mean_active": "mean active fraction over the run",
                          "last_jailed": "jailed fraction at the last step"}[key])
            a.set_ylabel("share of seeds")
            a.set_title(f"L = {L}: empirical CDF over {r['seeds']} seeds", fontsize=9)
        ax[i][0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    return _save(fig, "mesa_agreement.png")


# -------------------------------------------------------------------------------------------
# the table


def _fmt(x, nd=1):
    if isinstance(x, float) and math.isnan(x):
        return "n/a"
    return f"{x:,.{nd}f}"


def _rng(xs):
    return f"{min(xs)}–{max(xs)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated: run1,run2,tension,runs34,run5,sweep,jail,model2,mesa")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", default="", help="write the numbers here")
    parser.add_argument("--no-figures", action="store_true")
    args = parser.parse_args(argv)
    only = set(filter(None, args.only.split(",")))
    want = lambda name: not only or name in only  # noqa: E731
    J = args.jobs
    numbers, figures = {}, []
    t_all = time.perf_counter()

    def show(title, lines):
        print(f"\n## {title}")
        for line in lines:
            print("  " + line)
        sys.stdout.flush()

    if want("run1"):
        r = run1_deception(jobs=J)
        numbers["run1"] = r
        show("Run 1: deception (L 0.89, vision 1.7, citizens still, cops patrol)", [
            f"seeds {r['seeds']}, steps {r['steps']}; actives after t 50: {r['active_min']}–{r['active_max']}",
            f"aggrieved (G > T) citizens active: {r['active_share_in_sight']:.1%} with a cop in sight "
            f"(n = {r['aggrieved_in_sight']:,}), {r['active_share_unseen']:.1%} without (n = {r['aggrieved_unseen']:,})",
        ])
        if not args.no_figures:
            figures.append(fig_run1(r))

    if want("run2"):
        fl = run2_punctuated(rule="floor", jobs=J)
        li = run2_punctuated(rule="literal", jobs=J)
        still = run2_punctuated(rule="floor", extra={"rules.movement": False}, jobs=J)
        numbers["run2"] = {"floor": fl, "literal": li, "no_movement": still}
        show("Run 2: punctuated equilibrium (L 0.82, vision 7, J_max 30)", [
            f"{fl['seeds']} seeds × {fl['steps']} steps",
            f"floor:   outbursts {_rng(fl['outbursts'])}, peaks {_rng(fl['peaks'])}, "
            f"steps with < 10 actives {min(fl['calm_share']):.0%}–{max(fl['calm_share']):.0%}",
            f"literal: outbursts {_rng(li['outbursts'])}, peaks {_rng(li['peaks'])}",
            f"floor, no movement: outbursts {_rng(still['outbursts'])}, peaks {_rng(still['peaks'])}",
            f"waits (floor): mean {fl['wait_mean']:.1f}, s.d. {fl['wait_sd']:.1f} (paper 60, 55); "
            f"per-seed means {_fmt(fl['wait_seed_means'][0])}–{_fmt(fl['wait_seed_means'][1])}",
            f"total activation (floor): mean {fl['activation_mean']:.0f}, s.d. {fl['activation_sd']:.0f} "
            f"(paper 708, 230); per-seed means {fl['activation_seed_means'][0]:.0f}–{fl['activation_seed_means'][1]:.0f}",
        ])
        if not args.no_figures:
            figures += [fig_run2(fl, li), fig_run2_stats(fl)]

    if want("tension"):
        r = run2_tension(jobs=J)
        numbers["tension"] = r
        show("Run 2: tension before outbursts (Fig 8)", [
            f"{r['seeds']} seeds × {r['steps']} steps, {r['waits']} waits",
            f"tension rose from the end of one outburst to the eve of the next in {r['tension_rose']}/{r['waits']}; "
            f"mean {r['tension_at_end_mean']:.3f} -> {r['tension_before_start_mean']:.3f}",
        ])
        if not args.no_figures:
            figures.append(fig_tension(r))

    if want("runs34"):
        r = runs34_salami_jump(jobs=J)
        numbers["runs34"] = r
        show("Runs 3 & 4: salami tactics vs one jump (paired seeds)", [
            f"{r['seeds']} seeds × {r['steps']} steps",
            f"jump peak > salami peak in {r['jump_peak_higher']}/{r['seeds']} (ties {r['ties']}); "
            f"sign test, one-sided p = {r['sign_test_p']:.2g}",
            f"peaks > 50: salami {r['salami_peaks_over_50']}, jump {r['jump_peaks_over_50']}",
            f"median peak: salami {np.median(r['peak_salami']):.0f}, jump {np.median(r['peak_jump']):.0f}",
            f"jailed at t {r['steps']}: jump > salami in {r['jump_jails_more']}/{r['seeds']} "
            f"(medians {np.median(r['jailed_end_jump']):.0f} vs {np.median(r['jailed_end_salami']):.0f})",
        ])
        if not args.no_figures:
            figures.append(fig_runs34(r))

    if want("run5"):
        r = run5_cop_reduction(jobs=J)
        numbers["run5"] = r
        tip = [t for t in r["tip_step"] if t >= 0]
        show("Run 5: cop reductions (L 0.8, J_max inf, cops 0.074 -> 0 over t 50-550)", [
            f"{r['seeds']} seeds × {r['steps']} steps; tipped (actives > 50) {r['tipped']}/{r['seeds']}",
            f"first step over 50: {_rng(tip)} (mean {np.mean(tip):.0f}); cops left then "
            f"{_rng([c for c in r['cops_at_tip'] if c >= 0])}",
            f"peak actives {_rng(r['peak'])} at mean step {np.mean(r['peak_step']):.0f}",
            f"control (cops kept at 0.074): peak actives after t 50 {_rng(r['control_peak_after_50'])}, "
            f"over 50 in {sum(p > LEVEL for p in r['control_peak_after_50'])}/{r['seeds']}",
            f"bursts over 50 before the ramp (t < 50): {sum(p > LEVEL for p in r['early_peak_before_50'])}/{r['seeds']}",
        ])
        if not args.no_figures:
            figures.append(fig_run5(r))

    if want("sweep"):
        r = legitimacy_sweep(jobs=J)
        numbers["sweep"] = r
        show(f"Legitimacy sweep: outbursts in {r['steps']} steps, mean of {r['seeds']} seeds", [
            "L        " + " ".join(f"{L:>5.2f}" for L in r["levels"]),
            "floor    " + " ".join(f"{x:>5.1f}" for x in r["floor"]),
            "literal  " + " ".join(f"{x:>5.1f}" for x in r["literal"]),
            "[ND]floor" + " ".join(f"{x:>5.1f}" for x in ND_SWEEP["floor"]),
            "[ND]lit. " + " ".join(f"{x:>5.1f}" for x in ND_SWEEP["literal"]),
        ])
        if not args.no_figures:
            figures.append(fig_sweep(r))

    if want("jail"):
        r = jail_conjecture(jobs=J)
        numbers["jail"] = r
        show(f"Jail conjecture: mean wait vs J_max ({r['seeds']} seeds × {r['steps']} steps each)", [
            "J_max      " + " ".join(f"{j:>6d}" for j in r["jmax"]),
            "mean wait  " + " ".join(f"{_fmt(w):>6}" for w in r["wait_mean"]),
            "s.d.       " + " ".join(f"{_fmt(w):>6}" for w in r["wait_sd"]),
            "outbursts  " + " ".join(f"{o:>6.1f}" for o in r["outbursts"]),
        ])
        if not args.no_figures:
            figures.append(fig_jail(r))

    if want("model2"):
        r6 = model2("epstein-run6", steps=500, jobs=J)
        r7 = model2("epstein-run7", steps=1000, jobs=J)
        r8 = model2("epstein-run8", steps=3000, jobs=J)
        r8l = model2("epstein-run8", seeds=range(10), steps=3000, overrides={"rules.arrest_ratio": "literal"}, jobs=J)
        sw = run8_cop_sweep(jobs=J)
        numbers["model2"] = {"run6": r6, "run7": r7, "run8": r8, "run8_literal": r8l, "run8_sweep": sw}
        g8l = [g for g in r8l["genocide_step"] if g >= 0]
        g7 = [g for g in r7["genocide_step"] if g >= 0]
        g8 = [g for g in r8["genocide_step"] if g >= 0]
        show("Model II", [
            f"Run 6 ({r6['seeds']} seeds × {r6['steps']}): kills {_rng(r6['kills'])}, genocides {r6['genocides']}, "
            f"smallest group {_rng(r6['min_group'])}",
            f"Run 7 ({r7['seeds']} seeds × ≤ {r7['steps']}): genocides {r7['genocides']}/{r7['seeds']} at step "
            f"{_rng(g7)} (mean {np.mean(g7):.0f}); victor blue {r7['victors'].count(0)}, green {r7['victors'].count(1)}",
            f"Run 8 ({r8['seeds']} seeds × ≤ {r8['steps']}): genocides {r8['genocides']}/{r8['seeds']} at step "
            f"{_rng(g8) if g8 else 'n/a'}" + (f" (mean {np.mean(g8):.0f})" if g8 else ""),
            f"Run 8, literal C/A ({r8l['seeds']} seeds): genocides {r8l['genocides']}/{r8l['seeds']} at step "
            f"{_rng(g8l) if g8l else 'n/a'}" + (f" (mean {np.mean(g8l):.0f})" if g8l else ""),
            "Run 8 cop sweep: density " + " ".join(f"{d:.2f}" for d in sw["densities"]),
            "  mean steps to genocide  " + " ".join(_fmt(m, 0) for m in sw["mean"]),
            "  s.d.                    " + " ".join(_fmt(m, 0) for m in sw["sd"]),
            "  genocides               " + " ".join(str(g) for g in sw["genocides"]),
        ])
        if not args.no_figures:
            figures.append(fig_model2(r6, r7, r8, sw))

    if want("mesa"):
        r = mesa_agreement(jobs=J)
        numbers["mesa"] = r
        lines = [f"{r['seeds']} seeds each, {r['steps']} steps, Mesa defaults (40×40, cops 0.074, vision 7, "
                 "J_max 1000); Mann-Whitney U two-sided p (KS p)"]
        for L, row in r["results"].items():
            lines.append(f"L = {L} (Mesa {row['mesa_seconds']:.0f} s)")
            for name in ("sequential", "synchronous", *r["controls"]):
                if name not in row:
                    continue
                parts = []
                for key in ("mean_active", "last_jailed"):
                    s = row[name][key]
                    parts.append(f"{key} median ours {s['ours_median']:.4f} vs Mesa {s['mesa_median']:.4f}, "
                                 f"p {s['mw_p']:.2g} ({s['ks_p']:.2g})")
                lines.append(f"  {name:<22} " + "; ".join(parts))
        show("Agreement with Mesa 3.3.1 (mesa preset)", lines)
        if not args.no_figures:
            figures.append(fig_mesa(r))

    print(f"\nfigures: {', '.join(figures) if figures else 'none'}")
    print(f"total {time.perf_counter() - t_all:.0f} s")
    if args.json:
        def clean(o):
            if isinstance(o, dict):
                return {str(k): clean(v) for k, v in o.items() if not str(k).startswith("_")}
            if isinstance(o, (list, tuple)):
                return [clean(v) for v in o]
            if isinstance(o, np.generic):
                return o.item()
            return o
        Path(args.json).write_text(json.dumps(clean(numbers), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
