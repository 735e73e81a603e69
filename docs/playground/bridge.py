"""The playground's API inside the browser: what the local server does with a request.

``handle(path, body)`` takes the path and JSON text the page would send to
``micrograd playground`` and returns ``"<status> <json>"``, answered by the
same ``micrograd.playground.api.handle`` as the server uses. Run by
docs/playground/worker.mjs under Pyodide, where there are no threads: the runs
train only when asked (``Sessions(threaded=False)``), and while a run plays the
page asks for each picture with ``/api/net/advance``, which trains it for a
moment first.
"""

import json
from http import HTTPStatus

from micrograd.playground import api
from micrograd.playground.sessions import Sessions

sessions = Sessions(threaded=False)


def _reject_constant(name):
    raise ValueError(f"{name} is not a number JSON allows")


def _answer(status, payload):
    return f"{int(status)} {json.dumps(payload, allow_nan=False)}"


def handle(path, text):
    try:
        try:
            body = json.loads(text, parse_constant=_reject_constant) if text else {}
        except (ValueError, RecursionError) as exc:
            return _answer(HTTPStatus.BAD_REQUEST, {"error": f"the body is not valid JSON: {exc}"})
        status, payload = api.handle(sessions, path, body)
        return _answer(status, payload)
    except Exception as exc:  # a bug of ours: the page shows it instead of waiting forever
        return _answer(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"internal error: {exc!r}"})
