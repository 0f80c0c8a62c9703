"""The web app of ``uprising serve``: one page, one websocket, a few JSON endpoints.

- ``GET /``: the page (``static/index.html``; its script and style under ``/static``).
- ``WS /ws``: the page's channel. The server sends ``init`` (sizes, levers, actors, the map's
  geometry, the series so far) on connecting and after each rebuild. The page *pulls* frames:
  it sends ``{"cmd": "frame", "since": n, "log": k}`` when it has drawn the last one (while playing,
  the server answers once step n + 1 is done or a command changed the run, within 5 s; ``"now": true`` answers at
  once), and gets a
  ``tick`` (the rows after step n, the places, the log after entry k, the map's labels when they
  were placed again since the page's ``"map"`` version) then one binary message,
  the board: 16 bytes (uint32 step, place, height, width) and height x width int8 cells
  (0 empty, 1 quiet, 2 active, 3 jailed, 4 cop). Pulling is the flow control: a slow page never
  queues frames. Other commands (``play``, ``pause``, ``step``, ``reset``, ``speed``, ``select``,
  ``lever``, ``decide``) get a ``reply`` with the state, or the one-line error.
- ``GET /state``: the session's state as JSON; ``POST /command``: a command as on the websocket;
  ``GET /save``: the play-through as a scenario file (TOML).

One asyncio task steps the model (in a worker thread) while playing, at the chosen speed; every
change to the run happens under one lock, between steps.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from uprising.errors import UserError
from uprising.serve.session import Session

STATIC = Path(__file__).parent / "static"
ROWS_PER_TICK = 2000
WAIT_FOR_STEP = 5.0  # seconds at most a pull waits for the next step while playing


class Server:
    """The session, its lock and the task that plays it."""

    def __init__(self, session: Session):
        self.session = session
        self.lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.sockets: set[WebSocket] = set()
        self.stepped = asyncio.Event()  # set (and replaced) after every step: a pull waits on it

    def _stepped(self) -> None:
        done, self.stepped = self.stepped, asyncio.Event()
        done.set()

    async def start(self) -> None:
        self.task = asyncio.create_task(self._play())

    async def stop(self) -> None:
        """Pause, wait for a step under way to end (a model step in a worker thread cannot be
        cancelled, and numba's threading layer must not be entered from two threads), then stop."""
        self.session.playing = False
        async with self.lock:
            pass
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    async def _play(self) -> None:
        s = self.session
        while True:
            if not s.playing:
                self.wake.clear()
                await self.wake.wait()
                continue
            t0 = time.perf_counter()
            try:
                async with self.lock:
                    if s.playing:
                        await asyncio.to_thread(s.step)
            except Exception as e:  # a bug in a step: say it, stop playing, keep serving
                traceback.print_exc()
                s.playing = False
                s.log.add(s.steps_done, "error", f"the step failed: {type(e).__name__}: {e}")
            self._stepped()
            if s.speed > 0:
                await asyncio.sleep(max(0.0, 1.0 / s.speed - (time.perf_counter() - t0)))
            else:
                await asyncio.sleep(0)

    async def command(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Carry out one command between steps; the reply holds the state (or the error)."""
        s = self.session
        cmd = str(msg.get("cmd", ""))
        generation = s.generation
        try:
            async with self.lock:
                if cmd == "play":
                    s.playing = s.steps_done < s.total
                    self.wake.set()
                elif cmd == "pause":
                    s.playing = False
                elif cmd == "step":
                    s.playing = False
                    await asyncio.to_thread(s.step)
                elif cmd == "reset":
                    await asyncio.to_thread(s.reset)
                elif cmd == "speed":
                    s.set_speed(msg.get("value"))
                elif cmd == "select":
                    s.select(int(msg.get("place", 0)))
                elif cmd == "lever":
                    await asyncio.to_thread(s.lever, str(msg.get("name")), msg.get("value"))
                elif cmd == "decide":
                    s.decide(dict(msg.get("form") or {}))
                elif cmd != "state":
                    raise UserError(None, "cmd", f"unknown command {cmd!r}; allowed: play, pause, step, reset, "
                                    "speed, select, lever, decide, state")
                state = s.state(int(msg.get("log", 0) or 0))  # read before a step can change the run again
            self._stepped()  # a pull waiting for the next step answers now, with what changed
            return {"type": "reply", "cmd": cmd, "ok": True, "state": state, "rebuilt": s.generation != generation}
        except UserError as e:
            return {"type": "reply", "cmd": cmd, "ok": False, "error": str(e), "state": s.state(),
                    "rebuilt": s.generation != generation}
        except (ValueError, TypeError) as e:  # a value the page or a client sent that is not a number
            return {"type": "reply", "cmd": cmd, "ok": False, "error": f"{cmd}: not a valid value ({e})",
                    "state": s.state(), "rebuilt": s.generation != generation}
        except Exception as e:  # a bug: the traceback on the server's stderr, one line on the page
            traceback.print_exc()
            return {"type": "reply", "cmd": cmd, "ok": False, "error": f"internal error: {type(e).__name__}: {e}",
                    "state": s.state(), "rebuilt": s.generation != generation}

    def tick(self, since: int, log_since: int, map_seen: Any = None) -> tuple[dict[str, Any], bytes]:
        s = self.session
        last, frame, places = s.snapshot  # one consistent snapshot
        # the oldest rows first: a page that fell behind catches up over a few pulls, with no gap
        rows = s.rows[max(0, since + 1) : last + 1][:ROWS_PER_TICK]
        msg = {"type": "tick", "step": last, "rows": rows, "places": places, "playing": s.playing,
               "generation": s.generation, "log": s.log.as_json(log_since), "exact": s.log.exact}
        layout = s.map
        if layout is not None and map_seen != layout.version:  # the labels were placed again
            msg["map_labels"], msg["map_version"] = layout.labels(), layout.version
        return msg, frame


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def same_origin(headers) -> bool:
    """A browser names the page's site in ``Origin``; it must be this server's own (``Host``).
    Clients that are not browsers send no Origin. Stops another web page open in the user's browser
    from driving the run (a cross-site request or websocket)."""
    origin = headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == headers.get("host", "")


def create_app(session: Session, allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES) -> Starlette:
    """The app. ``allowed_hosts``: the Host names it answers to (loopback by default, against DNS
    rebinding); None for any, when ``--host`` opens it to other machines."""
    server = Server(session)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def state(request: Request) -> Response:
        async with server.lock:  # not while a step changes the run under it
            return JSONResponse(server.session.state())

    async def command(request: Request) -> Response:
        if not same_origin(request.headers):
            return JSONResponse({"ok": False, "error": "Origin: another site may not drive this run"}, status_code=403)
        if not request.headers.get("content-type", "").startswith("application/json"):
            # a cross-site form or no-cors fetch cannot send this type without a preflight
            return JSONResponse({"ok": False, "error": "Content-Type: must be application/json"}, status_code=415)
        try:
            msg = await request.json()
        except (json.JSONDecodeError, ValueError):
            return JSONResponse({"ok": False, "error": "body: not JSON"}, status_code=400)
        if not isinstance(msg, dict):
            return JSONResponse({"ok": False, "error": "body: a JSON object, please"}, status_code=400)
        reply = await server.command(msg)
        return JSONResponse(reply, status_code=200 if reply["ok"] else 400)

    async def save(request: Request) -> Response:
        async with server.lock:
            text = server.session.saved()
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", server.session.setup.scenario.name) + "-play.toml"
        return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="{name}"'},
                                 media_type="application/toml")

    async def ws(socket: WebSocket) -> None:
        if not same_origin(socket.headers):
            await socket.close(code=1008)  # policy violation: a page of another site
            return
        await socket.accept()
        server.sockets.add(socket)
        sending = asyncio.Lock()  # a tick and its board go out together
        pull: asyncio.Task | None = None

        async def send(*messages: str | bytes) -> None:
            async with sending:
                for m in messages:
                    await (socket.send_bytes(m) if isinstance(m, bytes) else socket.send_text(m))

        async def answer_pull(msg: dict) -> None:
            """The next frame; while playing, once the step after ``since`` is done (a long poll that
            runs beside the loop below, so a pause is not held up by it)."""
            s = server.session
            try:
                since = int(msg.get("since", -1))
            except (TypeError, ValueError):
                since = -1
            waiter = server.stepped
            if not msg.get("now") and s.playing and since >= s.last_step:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(waiter.wait(), WAIT_FOR_STEP)
            if msg.get("generation", s.generation) != s.generation:  # a client without it reads the current run
                with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                    await send(json.dumps(s.meta()))
                return
            info, frame = server.tick(since, int(msg.get("log", 0) or 0), msg.get("map"))
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the page went away meanwhile
                await send(json.dumps(info), frame)

        try:
            await send(json.dumps(server.session.meta()))
            while True:
                try:
                    msg = json.loads(await socket.receive_text())
                except ValueError:
                    msg = None
                if not isinstance(msg, dict):
                    await send(json.dumps({"type": "reply", "cmd": "", "ok": False, "error": "message: a JSON object, please"}))
                    continue
                if msg.get("cmd") == "frame":
                    if pull is not None and not pull.done():
                        pull.cancel()
                    pull = asyncio.create_task(answer_pull(msg))
                elif msg.get("cmd") == "meta":
                    await send(json.dumps(server.session.meta()))
                else:
                    reply = await server.command(msg)
                    await send(json.dumps(reply))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            if pull is not None:
                pull.cancel()
            server.sockets.discard(socket)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await server.start()
        try:
            yield
        finally:
            await server.stop()

    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))] if allowed_hosts else []
    app = Starlette(
        middleware=middleware,
        routes=[
            Route("/", index),
            Route("/state", state),
            Route("/command", command, methods=["POST"]),
            Route("/save", save),
            WebSocketRoute("/ws", ws),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.server = server
    return app


__all__ = ["create_app", "Server", "STATIC"]
