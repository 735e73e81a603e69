"""The playground's API inside the browser: what the local server does with a request.

``handle(path, body)`` takes the path and JSON text the page would POST to
``micrograd playground`` and returns ``"<status> <json>"``: the same routes
(``micrograd.playground.api``), the same checks and the same error answers,
without HTTP. Run by docs/playground/worker.mjs under Pyodide.
"""

import json
from http import HTTPStatus

from micrograd.playground import api
from micrograd.playground.sessions import Sessions

sessions = Sessions()


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _jsonable(value):
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


def _answer(status, payload):
    return f"{int(status)} {json.dumps(payload, allow_nan=False, default=_jsonable)}"


def handle(path, body):
    try:
        if path == "/api/meta":
            return _answer(HTTPStatus.OK, api.meta())
        route = api.ROUTES.get(path)
        if route is None:
            raise api.RequestError(HTTPStatus.NOT_FOUND, f"no such API call: {path[:80]}")
        try:
            request = json.loads(body, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            raise api.RequestError(
                HTTPStatus.BAD_REQUEST, f"the body is not valid JSON: {exc}"
            ) from None
        if not isinstance(request, dict):
            raise api.RequestError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object {...}.")
        return _answer(HTTPStatus.OK, route(sessions, request))
    except api.RequestError as exc:
        return _answer(exc.status, {"error": exc.message})
    except Exception as exc:  # a bug of ours: the page shows it instead of hanging
        return _answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {exc!r}"})
