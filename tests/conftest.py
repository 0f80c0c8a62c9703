"""Test-session settings shared by every test module."""

import os

# `uprising run` starts a second process to compile kernels from the other end of the plan on a
# first run (uprising.compilation.Helper). pytest -n 2 already holds both cores, so the suite's
# runs compile in one process; tests/test_run_summary.py exercises the helper itself.
os.environ.setdefault("UPRISING_COMPILE_HELPER", "0")
