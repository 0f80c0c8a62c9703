"""The ``uprising`` command line: a thin face over the public Python API.

Each command lives in its own module and registers itself on :data:`app` when imported:

    # uprising/cli/sweep.py
    from uprising.cli.app import app

    @app.command()
    def sweep(...): ...

then add its module name to ``COMMANDS`` below. Commands call only the public API
(``uprising.simulation.Simulation``, ``uprising.scenarios``, ``uprising.output``) and raise
:class:`~uprising.errors.UserError` for a user's mistake; ``app.py`` turns that into one line on
stderr and exit status 2.
"""

from __future__ import annotations

import importlib

from uprising.cli.app import app

# Modules holding commands, in the order `uprising --help` lists them.
COMMANDS = ("run", "resume", "scenarios", "new", "check", "record", "budget", "sweep", "results", "sensitivity", "compare", "calibrate", "abc", "fit", "crossval", "validate", "fragility", "report", "effects", "serve")

for _name in COMMANDS:
    importlib.import_module(f"uprising.cli.{_name}")

__all__ = ["app", "COMMANDS"]
