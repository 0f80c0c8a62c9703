"""``uprising results``: SQL over a sweep's results store (DuckDB), printed or written to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uprising.cli.app import app, print_table, stdout
from uprising.errors import UserError


def print_frame(frame, limit: int = 40) -> None:
    """A polars frame as a rich table (at most ``limit`` rows)."""
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold", pad_edge=False)
    for name in frame.columns:
        table.add_column(name, justify="right" if frame[name].dtype.is_numeric() else "left", no_wrap=True)
    rows = [[_cell(v) for v in row] for row in frame.head(limit).iter_rows()]
    for row in rows:
        table.add_row(*row)
    print_table(table)  # off a terminal: as wide as the table needs
    if frame.height > limit:
        stdout.print(f"... {frame.height - limit} more rows ({frame.height} in all; --csv prints all)", markup=False)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


@app.command("results")
def results_command(
    store: Annotated[Path, typer.Argument(help="A results store (the --out of `uprising sweep`).")],
    sql: Annotated[str | None, typer.Argument(help="SQL over table `runs` (and view `timeseries`). "
                                              "Without it: what the store holds.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV (every row) instead of a table.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the result to a .parquet or .csv file.")] = None,
) -> None:
    """Query a results store with SQL (DuckDB). Tables: runs (one row per run), timeseries."""
    from uprising.experiments.store import open_store
    from uprising.output import atomic_path

    st = open_store(store)
    if sql is None:
        status = st.status()
        stdout.print(f"{store}: sweep '{status['name']}': {status['finished']} of {status['planned']} runs "
                     f"finished ({status['ok']} ok, {status['failed']} failed); varied: "
                     f"{', '.join(status['varied']) or 'nothing'}", markup=False)
        if status["finished"]:
            columns = st.query("SELECT * FROM runs LIMIT 0").columns
            stdout.print(f"runs columns: {', '.join(columns)}", markup=False)
        stdout.print(f'e.g. uprising results {store} "SELECT * FROM runs ORDER BY run_id LIMIT 5"', markup=False)
        return
    frame = st.query(sql)
    if out is not None:
        if out.suffix not in (".parquet", ".csv"):
            raise UserError(str(out), None, "unknown file type; allowed: .parquet, .csv")
        with atomic_path(out) as tmp:
            frame.write_parquet(tmp) if out.suffix == ".parquet" else frame.write_csv(tmp)
        stdout.print(f"wrote {out} ({frame.height} rows)", markup=False)
    elif csv:
        typer.echo(frame.write_csv(), nl=False)
    else:
        print_frame(frame)
