"""Epstein's rule A: a citizen is active iff G - R*P > T, with G = H(1 - L), P = 1 - exp(-k C/A).

C is the number of cops and A the number of actives in the citizen's vision; with
``counts_self`` the citizen counts itself (A = 1 + actives seen, Epstein 2002), and with
``vision_includes_own_cell`` its own cell is part of its vision (NetLogo ``in-radius``: an
active citizen then counts itself twice). How C/A enters P is ``arrest_ratio``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from uprising.engine.rules import FLOOR, LITERAL


@nb.njit(inline="always", cache=True)
def arrest_probability(k, cops, actives, ratio_mode):
    """P = 1 - exp(-k * f(C/A)), f literal, floor or round-half-even (Python's round, Mesa).

    With no active counted (A = 0, possible only without counts_self), P = 1 if a cop is in
    sight and 0 otherwise.
    """
    if actives <= 0:
        return 1.0 if cops > 0 else 0.0
    if ratio_mode == LITERAL:
        x = cops / actives
    elif ratio_mode == FLOOR:
        x = np.float64(cops // actives)
    else:
        x = np.rint(cops / actives)
    return 1.0 - math.exp(-k * x)


@nb.njit(inline="always", cache=True)
def grievance(hardship, legitimacy):
    """G = H (1 - L)."""
    return np.float64(hardship) * (1.0 - np.float64(legitimacy))


@nb.njit(inline="always", cache=True)
def can_rebel(hardship, legitimacy, threshold):
    """G > T: otherwise G - R P <= G <= T whatever the counts, so the citizen is quiet and its
    vision need not be read (exact; at Run 2's L = 0.82 this skips ~56 % of scans)."""
    return grievance(hardship, legitimacy) > np.float64(threshold)


@nb.njit(inline="always", cache=True)
def goes_active(hardship, legitimacy, risk_aversion, threshold, k, cops, actives, ratio_mode):
    """Rule A: G - R P > T."""
    p = arrest_probability(k, cops, actives, ratio_mode)
    return grievance(hardship, legitimacy) - np.float64(risk_aversion) * p > np.float64(threshold)
