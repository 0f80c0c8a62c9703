"""Will a world of places fit in this machine's memory? The measured model and the guard (issue #14).

Peak resident memory of a run (build, every step, the files written) is

    bytes = A + PER_AGENT x agents + PER_CELL x cells + PER_PLACE x places + PER_FRAME_BYTE x frames

(about 80 B an agent: its 54 B of columns, its own hardship and threshold, the engine's scratch;
13 B a cell: occupant, board, claim; A: the interpreter, numba and the libraries; frames: the
boards of place 0 a run keeps, at most 64 MiB)

fitted by ``benchmarks/memory_model.py`` on runs of the shipped episode at several scales, citizen
densities and numbers of places (docs/country-scale.md, "Memory"). :func:`check_fits` refuses,
before anything is allocated, a run the model says needs more than the memory available (numpy's
zeroed pages are lazy: the out-of-memory killer, not a MemoryError, would answer), as the user's
mistake: one line naming ``world.scale`` and the scenario.
"""

from __future__ import annotations

from uprising.errors import UserError

GIB = 2**30
# fitted by `.venv/bin/python benchmarks/memory_model.py` on ten runs from 1/100 to 6/10 (largest
# error 3.6 %; docs/country-scale.md, "Memory")
A = 256.9e6
PER_AGENT = 80.0
PER_CELL = 12.9
PER_PLACE = 345e3
PER_FRAME_BYTE = 2.38  # the frames a run keeps (held twice while frames.npz is written)
FRAMES_CAP = 64 * 2**20  # at most this many bytes of frames (the command line's spacing)
MARGIN = 1.10  # room for what the fit does not see (another engine version, the report)


def need_bytes(agents: int, cells: int, places: int, frames: int = FRAMES_CAP) -> float:
    """Peak resident bytes the model predicts for a run of this size (frames at their cap unless given)."""
    return A + PER_AGENT * agents + PER_CELL * cells + PER_PLACE * places + PER_FRAME_BYTE * frames


def available_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # pragma: no cover - no way to know: let the run try
        return None


def check_fits(scenario, agents: int, cells: int, places: int, available: int | None = None) -> None:
    """Raise a UserError naming ``world.scale`` when the run would not fit in ``available`` bytes
    (default: what the system reports free)."""
    if available is None:
        available = available_bytes()
        if available is None:
            return
    need = need_bytes(agents, cells, places) * MARGIN
    if need <= available:
        return
    scale = float(scenario.world.scale)
    fixed = (A + PER_FRAME_BYTE * FRAMES_CAP + PER_PLACE * places) * MARGIN
    per_scale = (need - fixed) / scale  # what the agents and cells cost at scale 1
    fits = (available - fixed) / per_scale if per_scale > 0 else 0.0
    hint = f"a scale up to {fits:.3g}" if fits > 0 else "fewer places (world.places)"
    raise UserError(
        scenario.scenario.name, "world.scale",
        f"{scale:g} puts {agents:,} agents on {cells:,} cells in {places} places: about {need / GIB:.1f} GiB of "
        f"memory and {available / GIB:.1f} GiB is free; allowed: {hint}, or a machine with more memory "
        "(docs/country-scale.md)")
