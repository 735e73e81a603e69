"""The playground's JSON API: each call checks its fields, then asks the labs.

Every call takes the open tabs' runs and the request's JSON object and
returns a JSON-ready dict, or raises ``RequestError`` with the HTTP status
and a message that says what was wrong and how to fix it.
"""

from __future__ import annotations

import math
from http import HTTPStatus

from micrograd.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError
from micrograd.playground import expression, network
from micrograd.playground.sessions import RunEnded, Sessions, TooManyRuns
from micrograd.viz import palette
from micrograd.viz.spec import GraphTooLargeError

TRAIN_BUDGET = 0.2  # seconds of training per request, so answers stay quick


class RequestError(Exception):
    """A request the API refuses; becomes a JSON ``{"error": message}`` answer."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def meta() -> dict:
    """What the page needs to know before it draws: palette, limits, choices, defaults."""
    return {
        "palette": {
            "classes": palette.CLASS_COLORS,
            "negative": palette.grad_color(-1.0, 1.0),  # the ends of the gradient map
            "neutral": palette.grad_color(0.0, 1.0),
            "positive": palette.grad_color(1.0, 1.0),
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
def api_expr(sessions: Sessions, body: dict) -> dict:
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


def _run(sessions: Sessions, key: str) -> network.NetworkSession:
    try:
        return sessions.get(key)
    except RunEnded as exc:
        raise RequestError(HTTPStatus.NOT_FOUND, str(exc)) from None


def api_net_new(sessions: Sessions, body: dict) -> dict:
    _fields(body, {}, {"config": dict})
    try:
        key, run = sessions.create(_config(body))
    except network.ConfigError as exc:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
    except TooManyRuns as exc:
        raise RequestError(HTTPStatus.TOO_MANY_REQUESTS, str(exc)) from None
    with run.acquire():
        return {"session": key, "data": run.data(), "snapshot": run.snapshot()}


def api_net_reset(sessions: Sessions, body: dict) -> dict:
    _fields(body, {"session": str}, {"config": dict})
    run = _run(sessions, body["session"])
    config = _config(body)
    with run.acquire():
        try:
            run.reset(config)
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
        return {"session": body["session"], "data": run.data(), "snapshot": run.snapshot()}


def api_net_step(sessions: Sessions, body: dict) -> dict:
    """Train ``steps`` more (0: just look), or play/pause the background training."""
    _fields(body, {"session": str}, {"steps": int, "since": int, "play": bool})
    run = _run(sessions, body["session"])
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


def api_net_point(sessions: Sessions, body: dict) -> dict:
    _fields(body, {"session": str, "index": int}, {"split": str})
    split = body.get("split", "train")
    if split not in ("train", "test"):
        raise RequestError(HTTPStatus.BAD_REQUEST, "split must be 'train' or 'test'.")
    run = _run(sessions, body["session"])
    with run.acquire():
        try:
            return run.point(split, body["index"])
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def api_net_neuron(sessions: Sessions, body: dict) -> dict:
    _fields(body, {"session": str, "layer": int, "index": int})
    run = _run(sessions, body["session"])
    with run.acquire():
        try:
            return run.neuron(body["layer"], body["index"])
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def api_net_close(sessions: Sessions, body: dict) -> dict:
    _fields(body, {"session": str})
    sessions.close(body["session"])
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
