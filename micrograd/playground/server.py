"""The playground's web server: one page, a small JSON API, nothing else.

Built on the standard library's ``ThreadingHTTPServer``: no dependency to
install, works offline, and a local single-user tool needs nothing more. Each
request runs in its own thread and is short: a playing network trains in a
thread of its own, and the page only asks for pictures, so it stays
responsive while a network trains.

What a request can do is deliberately small: the page and its few static
files (looked up by exact name, never by path), and JSON calls that are
checked field by field (``api.handle``, which a server-less host calls too).
Bodies are capped, the JSON must be an object, and bad input gets a 4xx
answer with a JSON ``{"error": ...}`` message, quickly: a body that does not
arrive within ``BODY_SECONDS`` gets 408. A browser that leaves before its
answer is written (a closed tab, a reload) is not an error and prints nothing.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from micrograd.playground import api
from micrograd.playground.api import ROUTES, RequestError
from micrograd.playground.sessions import Sessions

MAX_BODY = 32 * 1024  # bytes; the largest real request (an expression) is far smaller
BODY_SECONDS = 2.0  # a client that announced a body must send it within this
BACKLOG = 128  # connections the operating system queues while every thread is busy
LOOPBACK = ("127.0.0.1", "localhost", "::1")
STATIC = {  # URL path -> (file in static/, content type)
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.css": ("app.css", "text/css; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/expr.js": ("expr.js", "text/javascript; charset=utf-8"),
    "/static/net.js": ("net.js", "text/javascript; charset=utf-8"),
    "/favicon.ico": ("favicon.svg", "image/svg+xml"),
}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors *"
)


def check_extras() -> None:
    """Fail at start, naming the pip command, rather than on the first request."""
    from micrograd.errors import require

    for module in ("grandalf",):  # pictures are plain Python: no NumPy or matplotlib
        require(module, extra="playground", purpose="The playground")


# ------------------------------------------------------------------ HTTP
class Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "micrograd-playground"
    timeout = 10  # seconds a client may take to send its request: no hung threads

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/api/meta":
            return self._json(HTTPStatus.OK, api.finite(api.meta()))
        if path not in STATIC:
            return self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {path[:80]}"})
        name, kind = STATIC[path]
        content = resources.files("micrograd.playground").joinpath("static", name).read_bytes()
        self._send(HTTPStatus.OK, content, kind)

    def do_POST(self) -> None:
        try:
            if self.path not in ROUTES:
                raise RequestError(HTTPStatus.NOT_FOUND, f"no such API call: {self.path[:80]}")
            self._check_host()
            body = self._read_json()
        except RequestError as exc:
            return self._json(exc.status, {"error": exc.message})
        try:
            status, answer = api.handle(self.server.sessions, self.path, body)
        except Exception as exc:  # a bug of ours: say so in JSON rather than drop the connection
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {exc!r}"})
            raise
        self._json(status, answer)

    def do_PUT(self) -> None:
        self._json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use GET for pages, POST for /api."})

    do_DELETE = do_PATCH = do_PUT

    def _check_host(self) -> None:
        """On loopback, refuse other Host names: a web page elsewhere cannot rebind to us."""
        if self.server.host not in LOOPBACK:
            return
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        if host not in LOOPBACK:
            raise RequestError(
                HTTPStatus.FORBIDDEN, f"requests must be addressed to {LOOPBACK[0]}."
            )

    def _read_json(self) -> dict:
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind != "application/json":
            raise RequestError(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON (Content-Type: application/json)."
            )
        length = self.headers.get("Content-Length")
        if length is None:
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header.")
        length = length.strip()
        # ASCII digits only: '²' passes str.isdigit() but is not a number int() reads.
        if not (length.isascii() and length.isdigit()):
            self.close_connection = True  # where the body ends is unknown: read no further
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"Content-Length {length[:20]!r} is not a whole number of bytes.",
            )
        size = int(length)
        if size > MAX_BODY:
            self.close_connection = True  # do not read the rest
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {size} bytes; the limit is {MAX_BODY}.",
            )
        self.connection.settimeout(BODY_SECONDS)
        try:
            raw = self.rfile.read(size)
        except TimeoutError:
            self.close_connection = True
            raise RequestError(
                HTTPStatus.REQUEST_TIMEOUT,
                f"the body did not arrive within {BODY_SECONDS:g} s "
                f"(Content-Length said {size} bytes).",
            ) from None
        finally:
            self.connection.settimeout(self.timeout)
        if len(raw) < size:
            self.close_connection = True
            raise RequestError(HTTPStatus.BAD_REQUEST, "the request body ended early.")
        return api.decode(raw)

    def _json(self, status: HTTPStatus, payload: dict) -> None:
        content = json.dumps(payload, allow_nan=False, default=_jsonable).encode()
        self._send(status, content, "application/json")

    def _send(self, status: HTTPStatus, content: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        try:
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):  # the browser left: nothing to tell
            self.close_connection = True

    def handle(self) -> None:
        """The base class's loop, quiet when a client leaves or stalls mid-request."""
        try:
            super().handle()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def finish(self) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError):  # the client has gone
            super().finish()


def _jsonable(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


class PlaygroundServer(ThreadingHTTPServer):
    """The HTTP server plus the open tabs' network runs."""

    daemon_threads = True  # Ctrl-C never waits for a browser's open connection
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def __init__(self, host: str = "127.0.0.1", port: int = 8765, *, verbose: bool = False) -> None:
        self.host = host
        self.verbose = verbose
        self.sessions = Sessions()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    def handle_error(self, request, client_address) -> None:
        """Print bugs of ours, not browsers that leave in the middle of an answer."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host = self.server_address[0]
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
        shown = f"[{shown}]" if ":" in shown else shown
        return f"http://{shown}:{self.server_address[1]}/"


def start_background(host: str = "127.0.0.1", port: int = 0) -> PlaygroundServer:
    """A server in a daemon thread (for notebooks and tests); ``port=0`` picks a free port."""
    server = PlaygroundServer(host, port)
    threading.Thread(target=server.serve_forever, name="micrograd-playground", daemon=True).start()
    return server
