"""Epstein's rule C: a cop inspects its vision and arrests one random active citizen.

The arrestee is jailed for ``jail.term`` periods; where it goes follows the jail mode
(``rules.jailed_leave_grid``/``jailed_block_cell``). With ``cop_moves_to_arrestee`` (NetLogo
``move-to suspect``) the cop then stands on the arrestee's cell — unless the jailed keep and
block their cell (Mesa), where it stays put.
"""

from __future__ import annotations

import numba as nb

from uprising.engine import jail
from uprising.engine.grid import EMPTY, SEEN_COP, SEEN_JAILED
from uprising.engine.population import JAILED
from uprising.engine.rules import COP_TO_ARRESTEE, JAIL_MODE, KEEP_CELL, LEAVE_GRID

@nb.njit(inline="always", cache=True)
def jail_citizen(a, c, state, cell, jail_left, occupant, board, agent_id, rules, key_term):
    """Citizen a, standing on cell c, goes to jail."""
    state[a] = JAILED
    jail_left[a] = jail.term(key_term, agent_id[a], rules)
    mode = rules[JAIL_MODE]
    if mode == LEAVE_GRID:
        occupant[c] = -1
        board[c] = EMPTY
        cell[a] = -1
    elif mode == KEEP_CELL:
        board[c] = SEEN_JAILED
    else:  # passable: the cell reads as empty to movers, the citizen remembers it
        occupant[c] = -1
        board[c] = SEEN_JAILED

@nb.njit(inline="always", cache=True)
def step_onto(j, c, cell, occupant, board):
    """Cop j moves onto the (now free) cell c."""
    old = cell[j]
    occupant[old] = -1
    board[old] = EMPTY
    occupant[c] = j
    board[c] = SEEN_COP
    cell[j] = c

@nb.njit(inline="always", cache=True)
def after_arrest(j, c, cell, occupant, board, rules):
    if rules[COP_TO_ARRESTEE] and rules[JAIL_MODE] != KEEP_CELL:
        step_onto(j, c, cell, occupant, board)
