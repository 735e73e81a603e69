"""The playground's JSON API: each call checks its fields, then asks the labs.

Every call takes the open tabs' runs and the request's JSON object and
returns a JSON-ready dict, or raises ``RequestError`` with the HTTP status
and a message that says what was wrong and how to fix it. ``handle(sessions,
path, body)`` wraps that for any host: the local HTTP server, or Python in a
Web Worker (no threads: create ``Sessions(threaded=False)``, pass JSON text to
``handle_json`` and call ``/api/net/advance`` while playing). No answer holds
NaN or inf: such numbers are sent as ``null``.

The contract (requests are JSON objects; unknown fields are refused; every
error answer is ``{"error": message}`` with a 4xx status):

``/api/meta`` (GET or POST ``{}``)
    palette, limits, choices, ``defaults`` (a full config), ``lrByOptimizer``
    (each optimiser's usual lr: use it when the learner switches optimiser),
    ``idleSeconds`` (ping more often than this while a tab is open).
``/api/expr`` ``{expr, values?: "a=2 b=-3", bug?: bool, nudge?: {leaf, h}}``
    -> ``{expr, values, output, root, nodes, edges, steps, bug, check, nudge?}``.
    ``nodes[i]``: ``{id, label, op, data, leaf, box, opBox}``.
    ``edges[j]``: ``{child, parent, local, bends, formula}``; ``formula`` is the
    local derivative written out with its value, e.g. ``∂(a·b)/∂a = b = -3``.
    ``steps[k]``: ``{node, grad, contributions: [{edge, child, local, upstream,
    contribution, before, after, sum}]}``; ``sum`` writes every contribution the
    child has received so far, e.g. ``1 + -3 = -2`` (with the bug: what is lost).
    ``check[i]`` per leaf: ``{name, node, engine, stepped, numeric, completeAfter,
    kink}``: ``completeAfter`` is how many steps must have been taken before the
    leaf has all its contributions (0 for a single-leaf expression);
    ``kink`` is null, or ``{left, right, valid, message}`` when the central
    difference straddles a kink (its one-sided differences disagree): ``valid``
    says the engine's gradient is one of the one-sided slopes (or between them),
    so where it differs from ``numeric`` it is explained, not wrong.
    ``nudge``: ``{leaf, h, before, after, change, predicted}``.
``/api/net/config`` ``{config}`` -> ``{config, adjusted}``
    settings that fit: each value that did not is replaced by the nearest one
    that does (or the default) and listed in ``adjusted`` as ``{field, given,
    used, why}``. For settings read from the URL.
``/api/net/new`` ``{config?, clamp?: bool}`` -> ``{session, data, snapshot, adjusted}``
    without ``clamp`` a bad setting is a 422; with it, as ``/api/net/config``.
    429 when every run slot is taken by a tab in use (the message says what to do).
``/api/net/reset`` ``{session, config?, clamp?}`` -> as ``new``. 404: the run has ended.
``/api/net/step`` ``{session, steps?: 0..200 (default 1), since?, play?: bool}`` -> snapshot
``/api/net/advance`` ``{session, budget?: seconds 0..1, since?}`` -> snapshot
    trains a playing run for ``budget`` seconds (hosts without threads).
``/api/net/ping`` ``{session}`` -> ``{alive}``: the tab is still open.
``/api/net/point`` ``{session, index, split?: "train"|"test", svg?: bool}``
    -> ``{split, index, x, label, score, loss, zero, why, layers, zeroLoss, svg?}``:
    ``layers[l]`` = ``{pre, out, grad, weightGrads}`` per neuron (``grad`` is
    d(this point's loss)/d(neuron output); ``weightGrads[n]`` = its weights' then
    its bias's gradient); ``zero``/``why`` say why the gradients are (not) zero;
    ``zeroLoss`` lists the split's points with loss 0.
``/api/net/neuron`` ``{session, layer, index}`` -> ``{layer, index, activation, formula,
    formulaNumbers, weights: [{from, data, grad, next}], optimizer, nextNote}``;
    ``next`` is the change the optimiser (SGD, momentum or Adam) will make at the
    next step.
``/api/net/close`` ``{session}`` -> ``{closed}``

A snapshot is ``{step, since, curves, boundary, neurons, pictureStep, weights,
gradflow, error, diverged, stopped, playing, maxSteps}``. ``curves`` (from
``since`` on) hold ``loss``, ``accuracy`` (the whole training set, after each
step), ``test_loss``, ``test_accuracy`` and ``lr``. ``weights[l]`` =
``{w: [[per input] per neuron], b}``. ``stopped`` is null while playing or before
the first play, else ``{reason: "paused"|"idle"|"max_steps"|"diverged"|"error",
step, message}``. ``diverged`` is null or ``{step, what: "loss"|"gradient"|"update",
layer, growth, lower: ["l2"|"lr"|"init"], safer: config, cause, message}``;
``error`` is its message. ``pictureStep`` is the step that ``boundary``,
``neurons``, ``weights`` and ``gradflow`` show: while playing they are redrawn
at most every 0.3 s (less often on a slow machine), so they may be a few
steps behind ``step``; when training stops they catch up.
"""

from __future__ import annotations

import json
import math
from http import HTTPStatus

from micrograd.errors import MissingExtraError
from micrograd.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionError
from micrograd.playground import expression, network, settings
from micrograd.playground.sessions import IDLE_SECONDS, RunEnded, Sessions, TooManyRuns
from micrograd.viz import palette
from micrograd.viz.spec import GraphTooLargeError

TRAIN_BUDGET = 0.2  # seconds of training per request, so answers stay quick
MAX_NUDGE = 10  # |h| of a nudge


class RequestError(Exception):
    """A request the API refuses; becomes a JSON ``{"error": message}`` answer."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def meta(sessions: Sessions | None = None, body: dict | None = None) -> dict:
    """What the page needs to know before it draws: palette, limits, choices, defaults."""
    if body:
        _fields(body, {})
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
            "stepsPerRequest": network.MAX_STEPS_PER_REQUEST,
            "advanceSeconds": network.MAX_ADVANCE_SECONDS,
            "customPoints": settings.MAX_CUSTOM,
            "customRange": settings.CUSTOM_RANGE,
            "customClasses": settings.MAX_CLASSES,
            "nudge": MAX_NUDGE,
        },
        "functions": list(FUNCTIONS),
        "datasets": [*network.DATASETS, "custom"],
        "activations": list(network.ACTIVATIONS),
        "optimizers": list(network.OPTIMIZERS),
        "schedules": list(network.SCHEDULES),
        "defaults": network.Config().to_json(),
        "lrByOptimizer": dict(network.DEFAULT_LR),
        "idleSeconds": IDLE_SECONDS,
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
        h = nudge["h"]
        # Compare before float(): a 400-digit int would overflow float() itself.
        if not (isinstance(h, int) or math.isfinite(h)) or not -MAX_NUDGE <= h <= MAX_NUDGE:
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"nudge h must be between -{MAX_NUDGE} and {MAX_NUDGE}, e.g. 0.01.",
            )
        nudge_leaf, nudge_h = nudge["leaf"], float(h)
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


def _config(body: dict) -> tuple[network.Config, list[dict]]:
    """The run's settings; with ``clamp``, values that do not fit are replaced and listed."""
    raw = body.get("config", {})
    try:
        if body.get("clamp"):
            return network.Config.adjusted(raw)
        return network.Config.from_json(raw), []
    except network.ConfigError as exc:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None


def _run(sessions: Sessions, key: str) -> network.NetworkSession:
    try:
        return sessions.get(key)
    except RunEnded as exc:
        raise RequestError(HTTPStatus.NOT_FOUND, str(exc)) from None


def api_net_config(sessions: Sessions, body: dict) -> dict:
    """Check settings without starting a run: the settings that fit, and what was changed."""
    _fields(body, {"config": dict})
    config, adjusted = network.Config.adjusted(body["config"])
    return {"config": config.to_json(), "adjusted": adjusted}


def api_net_new(sessions: Sessions, body: dict) -> dict:
    _fields(body, {}, {"config": dict, "clamp": bool})
    config, adjusted = _config(body)
    try:
        key, run = sessions.create(config)
    except network.ConfigError as exc:
        raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
    except TooManyRuns as exc:
        raise RequestError(HTTPStatus.TOO_MANY_REQUESTS, str(exc)) from None
    with run.acquire():
        return {"session": key, "data": run.data(), "snapshot": run.snapshot(),
                "adjusted": adjusted}  # fmt: skip


def api_net_reset(sessions: Sessions, body: dict) -> dict:
    _fields(body, {"session": str}, {"config": dict, "clamp": bool})
    run = _run(sessions, body["session"])
    config, adjusted = _config(body)
    with run.acquire():
        try:
            run.reset(config)
        except network.ConfigError as exc:
            raise RequestError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc)) from None
        return {"session": body["session"], "data": run.data(), "snapshot": run.snapshot(),
                "adjusted": adjusted}  # fmt: skip


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


def api_net_advance(sessions: Sessions, body: dict) -> dict:
    """Train the playing run for ``budget`` seconds, then answer as ``step`` does.

    For a host without threads (Python in a Web Worker): the page asks for this
    in a loop while playing. On the local server the trainer thread does it.
    """
    _fields(body, {"session": str}, {"budget": (int, float), "since": int})
    budget = body.get("budget", TRAIN_BUDGET)
    if not 0 <= budget <= network.MAX_ADVANCE_SECONDS:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            f"budget={budget!r}: give 0 to {network.MAX_ADVANCE_SECONDS:g} seconds.",
        )
    since = _int_in(body, "since", 0, network.MAX_STEPS, 0)
    run = _run(sessions, body["session"])
    with run.acquire():
        if not run.threaded:
            run.advance(float(budget))
        return run.snapshot(since)


def api_net_ping(sessions: Sessions, body: dict) -> dict:
    """The tab is still open (every request says so too); returns whether its run still exists."""
    _fields(body, {"session": str})
    try:
        sessions.get(body["session"])
    except RunEnded:
        return {"alive": False}
    return {"alive": True}


def api_net_point(sessions: Sessions, body: dict) -> dict:
    _fields(body, {"session": str, "index": int}, {"split": str, "svg": bool})
    split = body.get("split", "train")
    if split not in ("train", "test"):
        raise RequestError(HTTPStatus.BAD_REQUEST, "split must be 'train' or 'test'.")
    run = _run(sessions, body["session"])
    with run.acquire():
        try:
            return run.point(split, body["index"], svg=body.get("svg", False))
        except (network.ConfigError, MissingExtraError) as exc:
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
    "/api/meta": meta,
    "/api/expr": api_expr,
    "/api/net/config": api_net_config,
    "/api/net/new": api_net_new,
    "/api/net/reset": api_net_reset,
    "/api/net/step": api_net_step,
    "/api/net/advance": api_net_advance,
    "/api/net/ping": api_net_ping,
    "/api/net/point": api_net_point,
    "/api/net/neuron": api_net_neuron,
    "/api/net/close": api_net_close,
}


def handle(sessions: Sessions, path: str, body: object) -> tuple[int, dict]:
    """(HTTP status, JSON-ready answer) for one call: what the server and a Web Worker both use.

    Never raises for a bad request, and never returns a number JSON cannot
    hold: inf and NaN become null (the page shows them as "–").
    """
    route = ROUTES.get(path)
    try:
        if route is None:
            raise RequestError(HTTPStatus.NOT_FOUND, f"no such API call: {str(path)[:80]}")
        if not isinstance(body, dict):
            raise RequestError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object {...}.")
        answer = route(sessions, body)
    except RequestError as exc:
        return exc.status, {"error": exc.message}
    try:
        json.dumps(answer, allow_nan=False)  # fast, in C: almost every answer is all finite
    except ValueError:
        answer = finite(answer)
    return HTTPStatus.OK, answer


def decode(raw: bytes | str) -> dict:
    """A request body as the API's object, or RequestError 400 saying what is wrong with it."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        body = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise RequestError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object {...}.")
    return body


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def handle_json(sessions: Sessions, path: str, text: str) -> tuple[int, str]:
    """``handle`` for a host that passes JSON text, e.g. a Web Worker: (status, JSON text)."""
    try:
        body = decode(text)
    except RequestError as exc:
        return int(exc.status), json.dumps({"error": exc.message})
    status, answer = handle(sessions, path, body)
    return int(status), json.dumps(answer, allow_nan=False)


def finite(value: object) -> object:
    """``value`` with every inf or NaN float replaced by None, tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite(v) for v in value]
    return value
