"""``uprising serve [SCENARIO|PATH] [--port N]``: the live viewer, a local web app (docs/serve.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from uprising.cli.app import SetOption, app, err, stdout
from uprising.scenarios import load_scenario, parse_assignments


@app.command("serve")
def serve_command(
    scenario: Annotated[str, typer.Argument(metavar="[SCENARIO|PATH]", help="A shipped scenario or episode, an "
                                            "episode folder or a scenario file.")] = "epstein-1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on; 0 picks a free port.")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. The default serves this machine only; "
                                      "anything else lets other machines drive the run (a warning is printed).")]
    = "127.0.0.1",
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: the scenario's).")] = None,
    set_: SetOption = None,
) -> None:
    """Play a scenario live in the browser: the grid or the episode's map, charts, levers, decisions."""
    from uprising.serve.app import LOOPBACK_NAMES, create_app
    from uprising.serve.runner import bind, is_loopback, serve_forever, url_of
    from uprising.serve.session import Session

    overrides = parse_assignments(set_ or [])
    loaded = load_scenario(scenario, overrides or None)
    sock = bind(host, port)  # a port in use is said before the run is built (and compiled)
    session = Session(loaded, seed=seed, source=scenario)
    if not is_loopback(host):
        err(f"uprising serve: warning: listening on {host}: anyone who can reach this address can drive the run "
            "(no authentication)")
    stdout.print(f"uprising serve: {loaded.scenario.name} at {url_of(sock)} (Ctrl-C to stop)", markup=False)
    try:
        # on the default host, answer only to loopback names (against DNS rebinding)
        hosts = LOOPBACK_NAMES if host in LOOPBACK_NAMES else None
        serve_forever(create_app(session, allowed_hosts=hosts), sock)
    finally:
        sock.close()
    stdout.print("uprising serve: stopped", markup=False)
