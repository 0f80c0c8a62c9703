"""The rule variants of the scenario (``schema.Rules``) encoded as one tuple of ints for kernels.

Kernels index the tuple by the constants below (``rules[MOVE_FIRST]``); numba folds them.
"""

from __future__ import annotations

import math

from uprising.scenarios.schema import Scenario

# indices into the rules tuple
(
    RATIO,
    COUNTS_SELF,
    OWN_CELL,
    JAIL_MODE,
    COP_TO_ARRESTEE,
    MOVE_FIRST,
    MOVEMENT,
    JAIL_INCLUSIVE,
    JAIL_MAX,
    JAIL_OWN_TURN,
    COPS_MOVE,
) = range(11)

# arrest_ratio
LITERAL, FLOOR, ROUND = 0, 1, 2
# where the jailed are: off the grid (Epstein), on their cell blocking it (Mesa), on their cell
# with others free to move onto it (NetLogo)
LEAVE_GRID, KEEP_CELL, KEEP_CELL_PASSABLE = 0, 1, 2
JAIL_LIFE = -1  # J_max = inf


def jail_mode(scenario: Scenario) -> int:
    r = scenario.rules
    if r.jailed_leave_grid:
        return LEAVE_GRID
    return KEEP_CELL if r.jailed_block_cell else KEEP_CELL_PASSABLE


def encode(scenario: Scenario) -> tuple[int, ...]:
    r = scenario.rules
    jail_max = JAIL_LIFE if math.isinf(scenario.citizen.jail_max) else int(math.floor(scenario.citizen.jail_max))
    return (
        {"literal": LITERAL, "floor": FLOOR, "round": ROUND}[r.arrest_ratio],
        int(r.counts_self),
        int(r.vision_includes_own_cell),
        jail_mode(scenario),
        int(r.cop_moves_to_arrestee),
        int(r.order == "move_then_decide"),
        int(r.movement),
        int(r.jail_term == "inclusive"),
        jail_max,
        int(r.jail_countdown == "own_turn"),
        int(r.movement or r.cops_always_move),
    )
