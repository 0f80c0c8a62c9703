"""``uprising budget EPISODE``: every value the scenario sets, by where it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import app, print_table, stdout


@app.command("budget")
def budget_command(
    scenario: Annotated[str | None, typer.Argument(metavar="[EPISODE]", help="A shipped name, a folder or its "
                                                   "scenario.toml; none: the shared values of the whole library.")] = None,
    markdown: Annotated[Path | None, typer.Option("--markdown", help="Also write the whole table as Markdown here.")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="List every value, not only the calibrated ones.")] = False,
) -> None:
    """The parameter budget: data, literature (or carried over), assumed, calibrated; free parameters
    beside the record's targets (docs/validation.md)."""
    from uprising.experiments.budget import budget
    from uprising.experiments.budget import markdown as to_markdown
    from uprising.output import write_text

    if scenario is None:
        _library(all_rows)
        return
    b = budget(scenario)
    c = b["counts"]
    table = Table(title=f"{b['scenario']}: {sum(c.values())} values", show_lines=False)
    for col in ("key", "value", "kind", "tag"):
        table.add_column(col)
    for e in b["entries"]:
        if all_rows or e["kind"] == "calibrated":
            table.add_row(e["key"], e["value"], e["kind"], e["tag"])
    print_table(table)
    stdout.print(", ".join(f"{k}: {v}" for k, v in c.items()), markup=False)
    per = b["free_per_target"]
    stdout.print(f"{b['free_parameters']} free (calibrated) parameters against {len(b['targets'])} targets"
                 + (f" ({per:.1f} per target)" if per is not None else ""), markup=False)
    if markdown is not None:
        write_text(markdown, to_markdown(b))
        stdout.print(f"wrote {markdown}", markup=False)


def _library(all_rows: bool) -> None:
    """The shared values of the whole library against the targets of every episode."""
    from uprising.experiments.budget import library_budget

    b = library_budget()
    c = b["counts"]
    table = Table(title=f"shared values ({b['file']}): {sum(c.values())} values", show_lines=False)
    for col in ("key", "value", "kind", "tag"):
        table.add_column(col, overflow="fold")
    for e in b["entries"]:
        if all_rows or e["kind"] in ("fitted", "calibrated"):
            table.add_row(e["key"], e["value"], e["kind"], e["tag"])
    print_table(table)
    stdout.print(", ".join(f"{k}: {v}" for k, v in c.items()), markup=False)
    tuned = {n: e["tuned"] for n, e in b["episodes"].items() if e["tuned"]}
    stdout.print(f"{len(b['fitted'])} values fitted by machine ({b['fitted_file']}) and {c['calibrated']} calibrated "
                 f"by hand against {b['targets']} headline targets of {len(b['episodes'])} episodes", markup=False)
    stdout.print("episodes overriding a shared value: " + ("; ".join(f"{n}: {', '.join(t)}" for n, t in tuned.items())
                                                          if tuned else "none"), markup=False)
