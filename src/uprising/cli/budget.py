"""``uprising budget EPISODE``: every value the scenario sets, by where it comes from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from uprising.cli.app import app, print_table, stdout


@app.command("budget")
def budget_command(
    scenario: Annotated[str, typer.Argument(metavar="EPISODE", help="A shipped name, a folder or its scenario.toml.")],
    markdown: Annotated[Path | None, typer.Option("--markdown", help="Also write the whole table as Markdown here.")] = None,
    all_rows: Annotated[bool, typer.Option("--all", help="List every value, not only the calibrated ones.")] = False,
) -> None:
    """The parameter budget: data, literature (or carried over), assumed, calibrated; free parameters
    beside the record's targets (docs/validation.md)."""
    from uprising.experiments.budget import budget
    from uprising.experiments.budget import markdown as to_markdown
    from uprising.output import write_text

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
