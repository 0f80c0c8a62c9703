"""Places and cells: every place's grid in one flat cell array.

The cell of ``(p, y, x)`` is ``cell_start[p] + y * width[p] + x`` (architecture.md). Two arrays
over cells describe who stands where:

- ``occupant[cell]: int32`` — the agent's row, -1 when empty (capacity one).
- ``board[cell]: int8`` — what a neighbour sees there, the frame codes: 0 empty, 1 quiet,
  2 active, 3 jailed (keeping its cell), 4 cop. Neighbourhood scans read this byte grid
  (contiguous row segments) instead of chasing ``occupant`` into agent columns.
"""

from __future__ import annotations

import numpy as np

EMPTY, SEEN_QUIET, SEEN_ACTIVE, SEEN_JAILED, SEEN_COP = 0, 1, 2, 3, 4


class Places:
    """P places, each a height x width grid; all torus or all bounded."""

    def __init__(self, heights, widths, torus: bool):
        self.height = np.asarray(heights, dtype=np.int64)
        self.width = np.asarray(widths, dtype=np.int64)
        self.torus = bool(torus)
        sizes = self.height * self.width
        self.cell_start = np.zeros(len(sizes) + 1, dtype=np.int64)
        self.cell_start[1:] = np.cumsum(sizes)
        self.n_cells = int(self.cell_start[-1])
        self.occupant = np.full(self.n_cells, -1, dtype=np.int32)
        self.board = np.zeros(self.n_cells, dtype=np.int8)

    @property
    def count(self) -> int:
        return len(self.height)

    def cells_of(self, place: int) -> int:
        return int(self.height[place] * self.width[place])

    def board_view(self, place: int) -> np.ndarray:
        """The place's board as a [height, width] view."""
        a, b = self.cell_start[place], self.cell_start[place + 1]
        return self.board[a:b].reshape(int(self.height[place]), int(self.width[place]))
