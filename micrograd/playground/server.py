"""The playground's web server: one page, a small JSON API, nothing else.

Built on the standard library's ``ThreadingHTTPServer``: no dependency to
install, works offline, and a local single-user tool needs nothing more. Each
request runs in its own thread and is short (a training request stops after
a fraction of a second), so the page stays responsive while a network trains.

What a request can do is deliberately small: the page and its few static
files (looked up by exact name, never by path), and JSON calls that are
checked field by field. Bodies are capped, the JSON must be an object, and
bad input gets a 4xx answer with a JSON ``{"error": ...}`` message.
"""

from __future__ import annotations

import json
import math
import secrets
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from micrograd.graph_cli import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError
from micrograd.playground import expression, network
from micrograd.viz import palette
from micrograd.viz.spec import GraphTooLargeError

MAX_BODY = 32 * 1024  # bytes; the largest real request (an expression) is far smaller
MAX_SESSIONS = 12  # network runs held at once (one per open tab)
IDLE_SECONDS = 120.0  # a run untouched this long may make room for a new tab
TRAIN_BUDGET = 0.2  # seconds of training per request, so answers stay quick
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

    for module in ("numpy", "grandalf", "matplotlib"):
        require(module, extra="playground", purpose="The playground")


class RequestError(Exception):
    """A request the API refuses; becomes a JSON ``{"error": message}`` answer."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Sessions:
    """The network runs of the open tabs, capped; the least recently used idle one makes room."""

    def __init__(self, cap: int = MAX_SESSIONS) -> None:
        self.cap = cap
        self._runs: dict[str, network.NetworkSession] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._runs)

    def create(self, config: network.Config) -> tuple[str, network.NetworkSession]:
        run = network.NetworkSession(config)  # may raise ConfigError: nothing is stored then
        with self._lock:
            if len(self._runs) >= self.cap:
                idle = [
                    (r.last_used, key)
                    for key, r in self._runs.items()
                    if time.monotonic() - r.last_used > IDLE_SECONDS
                ]
                if not idle:
                    raise RequestError(
                        HTTPStatus.TOO_MANY_REQUESTS,
                        f"{self.cap} playground tabs are open already; close one and reload.",
                    )
                self._runs.pop(min(idle)[1]).playing = False
            key = secrets.token_hex(8)
            self._runs[key] = run
        return key, run

    def get(self, key: object) -> network.NetworkSession:
        run = self._runs.get(key) if isinstance(key, str) else None
        if run is None:
            raise RequestError(
                HTTPStatus.NOT_FOUND, "this network run has ended; reset to start a new one."
            )
        run.last_used = time.monotonic()
        return run

    def close(self, key: object) -> None:
        with self._lock:
            run = self._runs.pop(key, None) if isinstance(key, str) else None
        if run is not None:
            run.playing = False  # its training thread ends after the current step


def meta() -> dict:
    """What the page needs to know before it draws: palette, limits, choices, defaults."""
    return {
        "palette": {
            "classes": palette.CLASS_COLORS,
            "negative": palette._hex(palette.NEGATIVE),
            "neutral": palette._hex(palette.NEUTRAL),
            "positive": palette._hex(palette.POSITIVE),
            "opFill": palette.OP_FILL,
            "edge": palette.EDGE,
            "highlight": palette.HIGHLIGHT,
            "current": palette.CURRENT,
            "text": palette.TEXT,
            "lines": palette.LINE_COLORS,
        },
        "limits": {
            "exprLength": MAX_LENGTH,
            "exprDepth": MAX_DEPTH,
            "graphNodes": expression.MAX_NODES,
            "leaves": expression.MAX_LEAVES,
            "points": network.MAX_POINTS,
            "layers": network.MAX_LAYERS,
            "neurons": network.MAX_NEURONS,
            "steps": network.MAX_STEPS,
        },
        "functions": list(FUNCTIONS),
        "datasets": list(network.DATASETS),
        "activations": list(network.ACTIVATIONS),
        "optimizers": list(network.OPTIMIZERS),
        "schedules": list(network.SCHEDULES),
        "defaults": {**network.Config().__dict__, "hidden": list(network.Config().hidden)},
    }


# ------------------------------------------------------------------ validation
def _fields(body: dict, required: dict[str, type | tuple], optional: dict | None = None) -> dict:
    """Check the body's keys and types: no unknown keys, required ones present."""
    optional = optional or {}
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"unknown field(s) {unknown}.")
    for name, kind in {**required, **optional}.items():
        if name not in body:
            if name in required:
                raise RequestError(HTTPStatus.BAD_REQUEST, f"missing field {name!r}.")
            continue
        value = body[name]
        if isinstance(value, bool) and kind is not bool:
            value = None  # True is an int to Python, not to us
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise RequestError(
                HTTPStatus.BAD_REQUEST, f"field {name!r} must be {names}, got {body[name]!r}."
            )
    return body


def _int_in(body: dict, name: str, low: int, high: int, default: int) -> int:
    value = body.get(name, default)
    if not low <= value <= high:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"{name}={value}: give {low} to {high}.")
    return value


# ------------------------------------------------------------------ API calls
def api_expr(server: PlaygroundServer, body: dict) -> dict:
    _fields(body, {"expr": str}, {"values": str, "bug": bool, "nudge": dict})
    nudge_leaf, nudge_h = None, 0.0
    if "nudge" in body:
        nudge = _fields(body["nudge"], {"leaf": str, "h": (int, float)})
        nudge_leaf, nudge_h = nudge["leaf"], float(nudge["h"])
        if not (math.isfinite(nudge_h) and abs(nudge_h) <= 10):
            raise RequestError(HTTPStatus.BAD_REQUEST, "nudge h must be between -10 and 10.")
    try:
        values = expression.parse_values(body.get("values", ""))
        request = expression.Request(
            body["expr"], values, body.get("bug", False), nudge_leaf, nudge_h
        )
        return expression.lab(request)
    except GraphTooLargeError as exc:
        count = str(exc).split(" values")[0].split()[-1]
        raise RequestError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            f"this graph has {count} values; the lab draws up to {expression.MAX_NODES}. "
            "Try a shorter expression.",
        ) from None
    except ExpressionError as exc:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def _config(body: dict) -> network.Config:
    try:
        return network.Config.from_json(body.get("config", {}))
    except network.ConfigError as exc:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def api_net_new(server: PlaygroundServer, body: dict) -> dict:
    _fields(body, {}, {"config": dict})
    try:
        key, run = server.sessions.create(_config(body))
    except network.ConfigError as exc:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
    with run.acquire():
        return {"session": key, "data": run.data(), "snapshot": run.snapshot()}


def api_net_reset(server: PlaygroundServer, body: dict) -> dict:
    _fields(body, {"session": str}, {"config": dict})
    run = server.sessions.get(body["session"])
    config = _config(body)
    with run.acquire():
        try:
            run.reset(config)
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
        return {"session": body["session"], "data": run.data(), "snapshot": run.snapshot()}


def api_net_step(server: PlaygroundServer, body: dict) -> dict:
    """Train ``steps`` more (0: just look), or play/pause the background training."""
    _fields(body, {"session": str}, {"steps": int, "since": int, "play": bool})
    run = server.sessions.get(body["session"])
    steps = _int_in(body, "steps", 0, network.MAX_STEPS_PER_REQUEST, 1)
    since = _int_in(body, "since", 0, network.MAX_STEPS, 0)
    with run.acquire():
        if body.get("play") is True:
            run.play()
        elif body.get("play") is False:
            run.pause()
        if steps and not run.playing:
            run.train(steps, TRAIN_BUDGET)
        return run.snapshot(since)


def api_net_point(server: PlaygroundServer, body: dict) -> dict:
    _fields(body, {"session": str, "index": int}, {"split": str})
    split = body.get("split", "train")
    if split not in ("train", "test"):
        raise RequestError(HTTPStatus.BAD_REQUEST, "split must be 'train' or 'test'.")
    run = server.sessions.get(body["session"])
    with run.acquire():
        try:
            return run.point(split, body["index"])
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def api_net_neuron(server: PlaygroundServer, body: dict) -> dict:
    _fields(body, {"session": str, "layer": int, "index": int})
    run = server.sessions.get(body["session"])
    with run.acquire():
        try:
            return run.neuron(body["layer"], body["index"])
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def api_net_close(server: PlaygroundServer, body: dict) -> dict:
    _fields(body, {"session": str})
    server.sessions.close(body["session"])
    return {"closed": True}


ROUTES = {
    "/api/expr": api_expr,
    "/api/net/new": api_net_new,
    "/api/net/reset": api_net_reset,
    "/api/net/step": api_net_step,
    "/api/net/point": api_net_point,
    "/api/net/neuron": api_net_neuron,
    "/api/net/close": api_net_close,
}


# ------------------------------------------------------------------ HTTP
def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


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
            return self._json(HTTPStatus.OK, meta())
        if path not in STATIC:
            return self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {path[:80]}"})
        name, kind = STATIC[path]
        content = resources.files("micrograd.playground").joinpath("static", name).read_bytes()
        self._send(HTTPStatus.OK, content, kind)

    def do_POST(self) -> None:
        try:
            route = ROUTES.get(self.path)
            if route is None:
                raise RequestError(HTTPStatus.NOT_FOUND, f"no such API call: {self.path[:80]}")
            self._check_host()
            body = self._read_json()
            self._json(HTTPStatus.OK, route(self.server, body))
        except RequestError as exc:
            self._json(exc.status, {"error": exc.message})
        except Exception as exc:  # a bug of ours: say so in JSON rather than drop the connection
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {exc!r}"})
            raise

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
        if length is None or not length.isdigit():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header.")
        if int(length) > MAX_BODY:
            self.close_connection = True  # do not read the rest
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request is {length} bytes; the limit is {MAX_BODY}.",
            )
        raw = self.rfile.read(int(length))
        if len(raw) < int(length):
            raise RequestError(HTTPStatus.BAD_REQUEST, "the request body ended early.")
        try:
            body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise RequestError(
                HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {exc}"
            ) from None
        if not isinstance(body, dict):
            raise RequestError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object {...}.")
        return body

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
        self.wfile.write(content)


def _jsonable(value: object) -> object:
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


class PlaygroundServer(ThreadingHTTPServer):
    """The HTTP server plus the open tabs' network runs."""

    daemon_threads = True  # Ctrl-C never waits for a browser's open connection
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 8765, *, verbose: bool = False) -> None:
        self.host = host
        self.verbose = verbose
        self.sessions = Sessions()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

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
