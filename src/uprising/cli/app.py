"""The typer application and what every command shares: error handling, --set, consoles.

Errors (docs/architecture.md, "Errors"):

- a user's mistake — a :class:`~uprising.errors.UserError`, or a usage error (unknown option,
  a value that is not a number) — prints **one line** on stderr and exits 2, no traceback;
- anything else is an internal error: one short line naming the exception and the path of a
  log file holding the full traceback, exit 1;
- Ctrl-C exits 130.

This lives in :class:`UprisingGroup`, the click group behind ``app``, so it holds for the
installed ``uprising`` script, ``python -m uprising`` and ``typer.testing.CliRunner`` alike.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from uprising.errors import UserError

try:  # typer >= 0.16 vendors click as typer._click
    from typer._click import exceptions as _click_exc
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as _click_exc

_NoArgsIsHelp = getattr(_click_exc, "NoArgsIsHelpError", ())  # click >= 8.2
LOG_DIR_ENV = "UPRISING_LOG_DIR"


def err(message: str) -> None:
    """One plain line on stderr (no rich markup: messages quote user text)."""
    sys.stderr.write(message.rstrip("\n").replace("\n", " ") + "\n")
    sys.stderr.flush()


def log_dir() -> Path:
    """Where internal-error logs go: $UPRISING_LOG_DIR, else <tmp>/uprising-logs."""
    return Path(os.environ.get(LOG_DIR_ENV) or Path(tempfile.gettempdir()) / "uprising-logs")


def write_crash_log(exc: BaseException, argv: list[str]) -> Path | None:
    """Write the traceback of ``exc`` with the command line; return the log's path."""
    try:
        directory = log_dir()
        directory.mkdir(parents=True, exist_ok=True)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = directory / f"crash-{stamp}-{os.getpid()}.log"
        from uprising import __version__

        text = (
            f"uprising {__version__}, python {sys.version.split()[0]}\n"
            f"command: uprising {' '.join(argv)}\n"
            f"cwd: {os.getcwd()}\n\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        )
        path.write_text(text, encoding="utf-8")
        return path
    except OSError:
        return None


class UprisingGroup(TyperGroup):
    """A typer group that turns every failure into the project's one-line messages."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra: Any):
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name or "uprising", complete_var, standalone_mode=False, **extra)
        except _NoArgsIsHelp as e:
            typer.echo(e.format_message())
            sys.exit(0)
        except _click_exc.UsageError as e:
            where = e.ctx.command_path if e.ctx is not None else "uprising"
            message = e.format_message().replace("\n", " ").strip()
            err(f"{where}: {message} (see `{where} --help`)")
            sys.exit(2)
        except typer.Abort:
            err("uprising: aborted")
            sys.exit(1)
        except _click_exc.ClickException as e:
            err(f"uprising: {e.format_message()}")
            sys.exit(e.exit_code)
        except UserError as e:
            err(str(e))
            sys.exit(UserError.exit_code)
        except KeyboardInterrupt:
            err("uprising: interrupted")
            sys.exit(130)
        except SystemExit:
            raise
        except BrokenPipeError:  # `uprising scenarios | head`
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
            sys.exit(1)
        except Exception as e:  # the one place internal errors are caught, to log them
            log = write_crash_log(e, argv)
            first = (str(e).splitlines() or [""])[0][:200]
            where = f"; full traceback in {log}" if log else ""
            err(f"uprising: internal error: {type(e).__name__}: {first}{where}")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=UprisingGroup,
    name="uprising",
    help="Simulate mass uprisings: Epstein's civil-violence model grown to a whole country.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Options shared by commands that take a scenario.
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="Override one scenario key, e.g. --set citizen.legitimacy=0.7 or "
        "--set citizen.jail_max=inf. Repeatable. Values are TOML values.",
    ),
]

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False)


def print_table(table: Any, console: Console | None = None) -> None:
    """A rich table (or any renderable) on ``console`` (stdout).

    On a terminal rich fits it to the window. Off a terminal (a pipe, a log, a file) there is no
    width to fit, and rich's default of 80 columns wrapped cells mid-phrase and cut names with "…"
    (issue #22, 13): there it is drawn as wide as it needs, in plain text, without the spaces
    rich pads lines with.
    """
    import io

    out = console if console is not None else stdout
    if out.is_terminal:
        out.print(table)
        return
    need = Console(width=100_000, file=io.StringIO(), color_system=None).measure(table).maximum
    buffer = io.StringIO()
    Console(width=max(need, 20), file=buffer, color_system=None, highlight=False, emoji=False).print(table)
    out.file.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))
    out.file.flush()


__all__ = ["app", "err", "SetOption", "stdout", "stderr", "print_table", "UprisingGroup", "write_crash_log",
           "log_dir"]
