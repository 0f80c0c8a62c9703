"""``uprising scenarios`` and ``uprising show``: what can be run, and what a scenario resolves to."""

from __future__ import annotations

from typing import Annotated

import typer

from uprising.cli.app import SetOption, app
from uprising.errors import UserError
from uprising.scenarios import list_scenarios, load_scenario, parse_assignments, scenario_to_toml


@app.command("scenarios")
def scenarios_command() -> None:
    """List the shipped scenarios, one line each: first the episodes (country, period, outcome and
    deaths on record, read from each folder's scenario.toml and record.toml), then the classic
    scenarios (name and description). The library page is docs/episodes/README.md."""
    from uprising.scenarios.shipped import classic_names, list_episodes

    episodes = list_episodes()
    classics = [(name, description) for name, description in list_scenarios() if name in set(classic_names())]
    head = ("episode", "country", "period", "outcome on record", "deaths")
    rows = [head] + [(e.name, e.country or "—", e.period, e.outcome, e.deaths_range) for e in episodes]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    for row in rows:
        typer.echo("  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths)) + "  " + row[-1])
    fell = sum(1 for e in episodes if e.resigned)
    countries = len({(e.country or e.country_code).casefold() for e in episodes})
    typer.echo(f"{len(episodes)} episodes: {fell} fell, {len(episodes) - fell} survived, {countries} countries "
               "(docs/episodes/README.md)")
    typer.echo("")
    width = max(len(name) for name, _ in classics + [("scenario", "")])
    typer.echo(f"{'scenario':<{width}}  description")
    for name, description in classics:
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
