"""Serving the app: bind the socket (``--port 0``: a free port), run uvicorn, stop cleanly.

``serve_forever`` is what ``uprising serve`` runs (Ctrl-C: uvicorn finishes its connections and
returns); :class:`InThread` runs the same server in a thread, for tests, the benchmark and the
screenshot script.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time

from uprising.errors import UserError

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); a port in use or a bad host is the user's mistake."""
    if not 0 <= int(port) <= 65535:
        raise UserError(None, "--port", f"{port} is out of range; allowed: 0 (a free port) to 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, int(port)))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise UserError(None, "--port", f"port {port} is in use; allowed: a free port, or 0 to pick one") from None
        if e.errno == errno.EACCES:
            raise UserError(None, "--port", f"port {port} needs privileges; allowed: a port above 1023, or 0") from None
        raise UserError(None, "--host", f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.listen(64)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def _server(app, sock: socket.socket):
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", ws="websockets-sansio", ws_per_message_deflate=False,
                            lifespan="on", timeout_graceful_shutdown=2)
    return uvicorn.Server(config)


def serve_forever(app, sock: socket.socket) -> None:
    """Run until Ctrl-C: uvicorn closes the connections and stops the app, then re-raises the
    signal it caught; that is the normal end of a server, so it returns."""
    try:
        _server(app, sock).run(sockets=[sock])
    except KeyboardInterrupt:
        pass


class InThread:
    """The server in a background thread: ``with InThread(app) as url: ...``."""

    def __init__(self, app, host: str = LOOPBACK, port: int = 0):
        self.app = app
        self.sock = bind(host, port)
        self.url = url_of(self.sock)
        self.server = _server(app, self.sock)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc) -> None:
        session = getattr(getattr(self.app, "state", None), "server", None)
        session = getattr(session, "session", None)
        if session is not None:
            session.playing = False
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()
        if session is not None:  # a step still under way in a worker thread ends before the caller goes on
            with session.busy:
                pass


__all__ = ["bind", "url_of", "serve_forever", "InThread", "is_loopback", "LOOPBACK"]
