"""``uprising scenarios`` and ``uprising show``: what can be run, and what a scenario resolves to."""

from __future__ import annotations

from typing import Annotated

import typer

from uprising.cli.app import SetOption, app
from uprising.errors import UserError
from uprising.scenarios import list_scenarios, load_scenario, parse_assignments, scenario_to_toml


@app.command("scenarios")
def scenarios_command() -> None:
    """List the shipped scenarios, one line each: name and description."""
    rows = list_scenarios()
    width = max(len(name) for name, _ in rows)
    for name, description in rows:
        typer.echo(f"{name:<{width}}  {description}")


@app.command("show")
def show_command(
    scenario: Annotated[
        str | None, typer.Argument(metavar="SCENARIO", help="A shipped scenario name (see `uprising scenarios`) or a .toml path.")
    ] = None,
    set_: SetOption = None,
    comments: Annotated[
        bool, typer.Option("--comments", help="Document every key with a comment (meaning, range, source).")
    ] = False,
    doc: Annotated[
        bool,
        typer.Option("--doc", help="Print the reference of every scenario key as Markdown (docs/scenarios.md)."),
    ] = False,
) -> None:
    """Print a scenario's resolved configuration as TOML (presets, extends and --set applied).

    The output is a complete scenario file: `uprising show epstein-1 > my.toml` then edit.
    """
    if doc:
        from uprising.scenarios.reference import render_markdown

        typer.echo(render_markdown(), nl=False)
        return
    if scenario is None:
        raise UserError(None, None, "uprising show: give a scenario name or a .toml path (or --doc)")
    resolved = load_scenario(scenario, parse_assignments(set_ or []))
    typer.echo(scenario_to_toml(resolved, comments=comments), nl=False)
