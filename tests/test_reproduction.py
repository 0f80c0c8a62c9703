"""Epstein 2002's headline results, reproduced under the floored rule (docs/reproduction.md).

Each test runs the experiment function of scripts/reproduce.py that produced the documented
numbers, with fewer seeds or steps, and asserts the direction and size the paper and the
earlier Rust reproduction ([ND-plan], literature.md section 1) report. Runs are seeded, so a
test's outcome is fixed; the seed counts are chosen so that a change of random streams alone
(another engineer's) would still pass with high probability, and each test says why.

Results that do not reproduce are strict xfails: they document the gap with numbers and turn
into failures (XPASS) if a change makes them reproduce, so the docs get updated.

CPU budget: ~1 minute for the whole file on one core.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import binomtest

_spec = importlib.util.spec_from_file_location(
    "reproduce", Path(__file__).resolve().parents[1] / "scripts" / "reproduce.py"
)
reproduce = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(reproduce)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run2():
    """Run 2 (L 0.82, vision 7, J_max 30), 3 seeds x 1500 steps, floored and literal C/A."""
    return {rule: reproduce.run2_punctuated(seeds=range(3), steps=1500, rule=rule) for rule in ("floor", "literal")}


def test_run1_deception():
    # 3 seeds x 150 snapshots = ~5,000 aggrieved agent-snapshots: the shares below are known to
    # +-0.01; measured 0.3 % vs 98 % (docs/reproduction.md), far from the bounds.
    r = reproduce.run1_deception(seeds=range(3), steps=200, burn_in=50, every=1)
    assert r["aggrieved_in_sight"] > 500 and r["aggrieved_unseen"] > 2000
    assert r["active_share_in_sight"] < 0.05, r  # quiet while a cop can see
    assert r["active_share_unseen"] > 0.8, r  # active behind the cops' backs
    assert 20 < r["active_min"] and r["active_max"] < 150, r  # never calm, never a revolution


def test_run2_punctuated_equilibrium_needs_the_floor(run2):
    # [ND-plan], 20 seeds x 3000 steps: floored 101-122 outbursts, peaks 290-368, 61-68 % of
    # steps under 10 actives; literal 0 outbursts, peaks 13-34. Every seed so far lies inside
    # these bounds with a margin, so 3 seeds are enough to catch a lost punctuated equilibrium.
    fl, li = run2["floor"], run2["literal"]
    assert all(n >= 35 for n in fl["outbursts"]), fl["outbursts"]  # ~52 per 1500 steps measured
    assert all(200 <= p <= 600 for p in fl["peaks"]), fl["peaks"]  # peaks in the hundreds
    assert all(0.45 <= c <= 0.85 for c in fl["calm_share"]), fl["calm_share"]  # long quiet spells
    assert li["outbursts"] == [0, 0, 0], li["outbursts"]  # the paper's text: no outburst at all
    assert all(p < 50 for p in li["peaks"]), li["peaks"]


def test_run2_total_activation_per_outburst_matches_the_paper(run2):
    # Paper (Fig 7): mean 708, s.d. 230. ~150 outbursts pooled: the mean is known to ~+-40.
    fl = run2["floor"]
    assert len(fl["_activations"]) > 100
    assert 708 - 230 <= fl["activation_mean"] <= 708 + 230, fl["activation_mean"]


@pytest.mark.xfail(strict=True, reason="waits between outbursts: paper mean 60, s.d. 55; ours ~22, s.d. ~8 "
                                       "([ND-plan] 21.8) -- docs/reproduction.md")
def test_run2_waits_between_outbursts_match_the_paper(run2):
    fl = run2["floor"]
    assert 40 <= fl["wait_mean"] <= 80 and fl["wait_sd"] >= 30, (fl["wait_mean"], fl["wait_sd"])


def test_run2_waits_as_we_measure_them(run2):
    # What we do get (~150 pooled waits, mean known to ~+-1): short, regular waits.
    fl = run2["floor"]
    assert 15 <= fl["wait_mean"] <= 30 and fl["wait_sd"] < 20, (fl["wait_mean"], fl["wait_sd"])


def test_run2_tension_builds_before_outbursts():
    # Fig 8: tension (mean G x quiet share / mean R of free citizens) climbs through each quiet
    # spell. Measured: it rose in 40 of 40 waits; one seed x 400 steps gives ~15 waits.
    r = reproduce.run2_tension(seeds=range(1), steps=400)
    assert r["waits"] >= 8
    assert r["tension_rose"] >= 0.9 * r["waits"], r
    assert r["tension_before_start_mean"] > 1.1 * r["tension_at_end_mean"], r


def test_free_movement_catalyses_outbursts(run2):
    # Same seeds, movement off: measured 1-3 outbursts in 1200 steps against ~42 with movement;
    # a factor of 5 leaves a wide margin.
    still = reproduce.run2_punctuated(seeds=range(2), steps=1500, rule="floor", extra={"rules.movement": False})
    moving = run2["floor"]["outbursts"][:2]
    assert 5 * sum(still["outbursts"]) < sum(moving), (still["outbursts"], moving)


def test_runs3_4_one_jump_explodes_where_salami_tactics_do_not():
    # Paired seeds, 300 steps. Measured: the jump's peak is higher in ~80 % of pairs ([ND-plan]
    # 17/20). With 40 pairs, ">= 26" is a one-sided sign test at p = 0.04 against a coin, and a
    # true rate of 0.8 passes it with probability 0.98.
    r = reproduce.runs34_salami_jump(seeds=range(40), steps=300)
    assert r["jump_peak_higher"] >= 26, r["jump_peak_higher"]
    assert binomtest(r["jump_peak_higher"], r["seeds"] - r["ties"], alternative="greater").pvalue < 0.05
    assert np.median(r["peak_jump"]) > 2 * np.median(r["peak_salami"])


@pytest.mark.xfail(strict=True, reason="paper: the one jump leaves more jailed than salami tactics; ours and "
                                       "[ND-plan] (7/20): only in a minority of seeds -- docs/reproduction.md")
def test_runs3_4_one_jump_jails_more():
    r = reproduce.runs34_salami_jump(seeds=range(10), steps=300)
    assert r["jump_jails_more"] >= 7, r["jump_jails_more"]


def test_run5_cop_reductions_tip_society():
    # Cops 0.074 -> 0 over t 50-550 (L 0.8, J_max inf). Measured: every seed tips (actives > 50)
    # with 80-100 cops still on duty, i.e. long before the cops are gone ([ND-plan]: all 20
    # seeds, 66-118 cops left). 5 seeds: a 20 % tipping failure rate would show with p = 0.67,
    # but we have seen none in 20.
    r = reproduce.run5_cop_reduction(seeds=range(5), steps=600)
    assert r["tipped"] == 5, r["tip_step"]
    assert all(c >= 50 for c in r["cops_at_tip"]), r["cops_at_tip"]  # tipped, not merely unpoliced
    assert all(p > 100 for p in r["peak"]), r["peak"]
    # the cause is the cop reduction: the same seeds with the cops kept mostly stay calm
    assert sum(p > 50 for p in r["control_peak_after_50"]) <= 2, r["control_peak_after_50"]
    assert sum(r["peak"]) > 2 * sum(r["control_peak_after_50"])


def test_legitimacy_sweep_floored_versus_literal():
    # [ND-plan], 5 seeds x 1000 steps: floored 47.8 (L 0.7), 26.8 (0.85), 0 (0.9); literal 0.4,
    # 0, 0. 2 seeds per point: the per-seed spread is +-3 at 0.7 and +-5 at 0.85.
    r = reproduce.legitimacy_sweep(seeds=range(2), steps=1000, levels=(0.7, 0.85, 0.9))
    fl, li = r["floor"], r["literal"]
    assert fl[0] >= 35 and 10 <= fl[1] <= 40 and fl[2] == 0, fl
    assert fl[0] > fl[1] > fl[2]
    assert all(x <= 3 for x in li), li


def test_jail_conjecture_longer_terms_longer_waits():
    # Epstein's conjecture; [ND-plan]: mean wait 3.5 at J_max 10, 33.2 at 50. 2 seeds x 1500
    # steps give ~50-100 waits per J_max: the means are known to ~+-2.
    r = reproduce.jail_conjecture(seeds=range(2), steps=1500, jmaxes=(10, 50))
    short, long_ = r["wait_mean"]
    assert long_ > 2 * short, r


def test_run6_coexistence():
    # L 0.9, no cops: G <= 0.1 = T, so rule A can never fire; any kill would be a bug. 3 seeds.
    r = reproduce.model2("epstein-run6", seeds=range(3), steps=300)
    assert r["kills"] == [0, 0, 0] and r["genocides"] == 0
    assert min(r["min_group"]) > 300


def test_run7_genocide_in_every_run_victor_random():
    # Paper: genocide in all n = 30 runs, victor random. 10 seeds: all must end in genocide
    # (measured: by step 56-190); both groups must win somewhere -- the chance that a fair coin
    # gives one victor 10 times is 0.2 %.
    r = reproduce.model2("epstein-run7", seeds=range(10), steps=400)
    assert r["genocides"] == 10, r["genocide_step"]
    assert set(r["victors"]) == {0, 1}, r["victors"]


@pytest.mark.xfail(strict=True, reason="paper: Run 8 (cops 0.04) is 'stable, but nasty'; ours: a group is gone "
                                       "by step 55-150 in 20/20 seeds ([ND-plan]: by 882) -- docs/reproduction.md")
def test_run8_cops_keep_a_stable_but_nasty_regime():
    r = reproduce.model2("epstein-run8", seeds=range(4), steps=1000)
    assert r["genocides"] <= 1, r["genocide_step"]
