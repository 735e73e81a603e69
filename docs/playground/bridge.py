"""The playground's API inside the browser: what the local server does with a request.

``handle(path, body)`` takes the path and JSON text the page would send to
``micrograd playground`` and returns ``"<status> <json>"``, answered by the
same ``micrograd.playground.api.handle`` as the server uses. Run by
docs/playground/worker.mjs under Pyodide, where there are no threads: the runs
train only when asked (``Sessions(threaded=False)``), so while a run plays, the
page's polls ("show me the run", ``/api/net/step`` with no steps) become
``/api/net/advance``: train for a moment, then show it.
"""

import json
from http import HTTPStatus

from micrograd.playground import api
from micrograd.playground.sessions import Sessions

sessions = Sessions(threaded=False)
POLL = {"session", "steps", "since"}  # the fields of the page's "just look" request
# Seconds of training per poll. Each poll that brings new pictures also spends about
# 0.13 s drawing them here (twice CPython's time), so a longer budget trains more of
# the time: 0.35 s keeps about two thirds of it for training, pictures twice a second,
# and a click on Pause is obeyed within half a second.
ADVANCE_BUDGET = 0.35


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _answer(status, payload):
    return f"{int(status)} {json.dumps(payload, allow_nan=False)}"


def _advance_instead(path, body):
    """While a run plays, the page's poll trains it for one budget first."""
    if path != "/api/net/step" or not isinstance(body, dict) or not set(body) <= POLL:
        return path, body
    if body.get("steps", 1) != 0 or "session" not in body:
        return path, body
    advance = {"session": body["session"], "budget": ADVANCE_BUDGET}
    if "since" in body:
        advance["since"] = body["since"]
    return "/api/net/advance", advance


def handle(path, text):
    try:
        try:
            body = json.loads(text, parse_constant=_reject_constant) if text else {}
        except (ValueError, RecursionError) as exc:
            return _answer(HTTPStatus.BAD_REQUEST, {"error": f"the body is not valid JSON: {exc}"})
        status, payload = api.handle(sessions, *_advance_instead(path, body))
        return _answer(status, payload)
    except Exception as exc:  # a bug of ours: the page shows it instead of waiting forever
        return _answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {exc!r}"})
