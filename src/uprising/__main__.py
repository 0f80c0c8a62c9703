"""``python -m uprising`` is the ``uprising`` command."""

from uprising.cli import app

app(prog_name="uprising")
