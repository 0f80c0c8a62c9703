"""uprising: a fast simulator of mass uprisings.

>>> from uprising import Simulation
>>> sim = Simulation.from_scenario("epstein-1", seed=1)   # doctest: +SKIP
"""

__version__ = "0.1.0"

from uprising.kernel_cache import use_keyed_cache as _use_keyed_cache  # noqa: E402

_use_keyed_cache()  # numba's compiled kernels in a folder keyed by the source (uprising.kernel_cache)

__all__ = ["Simulation", "load_scenario", "__version__"]


def __getattr__(name: str):
    # Lazy, so `import uprising` (and the CLI's start-up) does not pay for numba until needed.
    if name == "Simulation":
        from uprising.simulation import Simulation

        return Simulation
    if name == "load_scenario":
        from uprising.scenarios import load_scenario

        return load_scenario
    raise AttributeError(f"module 'uprising' has no attribute {name!r}")
