"""The network lab's runs: breaking training teaches, never wedges; every number is honest.

Most tests call ``api.handle`` directly (what the server and a server-less
host both use); the ones about threads use a real server.
"""

from __future__ import annotations

import http.client
import json
import math
import time

import pytest

from micrograd.playground import api, divergence, network
from micrograd.playground.sessions import Sessions


def strict_json(answer: dict) -> dict:
    """The answer as the browser would parse it: NaN or Infinity would be an error."""
    text = json.dumps(answer, allow_nan=False)
    return json.loads(text)


def call(sessions: Sessions, path: str, body: dict) -> tuple[int, dict]:
    status, answer = api.handle(sessions, path, body)
    return int(status), strict_json(answer)


def new(sessions: Sessions, **config) -> str:
    status, d = call(sessions, "/api/net/new", {"config": config})
    assert status == 200, d
    return d["session"]


def train_until_stopped(sessions: Sessions, key: str, limit: int = 400) -> dict:
    snap = call(sessions, "/api/net/step", {"session": key, "steps": 0})[1]
    while snap["error"] is None and snap["step"] < limit:
        status, snap = call(sessions, "/api/net/step", {"session": key, "steps": 50})
        assert status == 200, snap
    return snap


# ------------------------------------------------------------------ divergence
STRONG_L2 = {"l2": 1.0, "points": 40, "hidden": [8, 8]}  # 2·lr·α = 2: every step overshoots


def test_a_strong_l2_penalty_stops_with_a_lesson_not_a_500():
    sessions = Sessions(threaded=False)
    key = new(sessions, **STRONG_L2)
    snap = train_until_stopped(sessions, key)
    d = snap["diverged"]
    assert d is not None and snap["error"] == d["message"]
    assert d["step"] == snap["step"]  # the failing step is the first one not recorded
    assert d["what"] in ("loss", "gradient", "update")
    assert d["lower"][0] == "l2" and "lr" in d["lower"]
    assert 1 <= d["layer"] <= 3
    assert d["safer"]["l2"] == network.Config().l2 and d["safer"]["lr"] == 1.0
    assert f"step {d['step']}" in d["message"] and "L2" in d["message"]
    assert snap["stopped"] == {"reason": "diverged", "step": d["step"], "message": d["message"]}
    assert not snap["playing"]
    # Every picture and statistic of the blown-up run is still valid JSON.
    assert call(sessions, "/api/net/step", {"session": key, "steps": 5})[0] == 200
    status, point = call(sessions, "/api/net/point", {"session": key, "index": 0})
    assert status == 200 or (status == 422 and "Reset" in point["error"])
    assert call(sessions, "/api/net/neuron", {"session": key, "layer": 0, "index": 0})[0] == 200


def test_a_huge_learning_rate_gets_a_tenth_of_it_and_a_blow_up_at_step_0_blames_the_init():
    config = network.Config(lr=10.0, l2=0.0, optimizer="momentum")
    d = divergence.diagnose(config, 7, "update", 1, 1e4, "the update of w overflows")
    assert d["lower"] == ["lr"] and d["safer"]["lr"] == 1.0 and d["safer"]["l2"] == 0.0
    assert d["layer"] == 2 and "Layer 2" in d["message"] and "lr 1" in d["message"]
    d = divergence.diagnose(network.Config(), 0, "loss", None, None, "overflow")
    assert d["lower"] == ["lr", "init"] and "initial weights" in d["message"]


def test_the_layer_whose_gradient_grew_first_is_named():
    peaks = [[1.0, 1.0, 1.0], [1.0, 2.0, 50.0], [1.0, 500.0, 90.0], [1e9, 1e9, 1e9]]
    assert divergence.first_blown_layer(peaks) == (1, 500.0)
    assert divergence.first_blown_layer([[1.0, 2.0], [3.0, 4.0]]) == (0, 3.0)
    assert divergence.what_overflowed("backward(): the gradient reaching ...") == "gradient"
    assert divergence.what_overflowed("SGD.step: the update of parameter 3") == "update"
    assert divergence.what_overflowed("the loss is inf") == "loss"


def test_after_divergence_reset_with_the_safer_setting_trains_again():
    sessions = Sessions(threaded=False)
    key = new(sessions, **STRONG_L2)
    safer = train_until_stopped(sessions, key)["diverged"]["safer"]
    status, d = call(sessions, "/api/net/reset", {"session": key, "config": safer})
    assert status == 200 and d["snapshot"]["error"] is None and d["snapshot"]["stopped"] is None
    snap = call(sessions, "/api/net/step", {"session": key, "steps": 20})[1]
    assert snap["error"] is None and snap["step"] > 0


def test_a_diverging_run_played_in_the_background_ends_and_plays_again_after_reset():
    sessions = Sessions()
    key = new(sessions, **STRONG_L2)

    def wait_for(condition, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            snap = call(sessions, "/api/net/step", {"session": key, "steps": 0})[1]
            if condition(snap):
                return snap
            time.sleep(0.05)
        raise AssertionError(f"not reached in {seconds} s: {snap['step']} steps")

    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": True})
    snap = wait_for(lambda s: not s["playing"])
    assert snap["stopped"]["reason"] == "diverged"
    assert sessions.get(key)._thread is None  # the trainer ended and said so
    call(sessions, "/api/net/reset", {"session": key, "config": {**STRONG_L2, "l2": 1e-4}})
    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": True})
    wait_for(lambda s: s["step"] >= 3)
    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": False})
    sessions.close(key)


def test_gradient_statistics_of_huge_weights_overflow_to_null_not_an_error():
    sessions = Sessions(threaded=False)
    key = new(sessions, points=20, hidden=[4])
    run = sessions.get(key)
    call(sessions, "/api/net/step", {"session": key, "steps": 1})
    for p in run.params:
        p.data *= 1e200
        p.grad = 1e300
    run._pictures = None  # drawn again from these weights
    status, snap = call(sessions, "/api/net/step", {"session": key, "steps": 0})
    assert status == 200
    assert snap["gradflow"][0]["meanAbsGrad"] == pytest.approx(1e300)  # finite: kept


def test_non_finite_numbers_become_null():
    assert api.finite({"a": [1.0, math.inf, (math.nan, 2)], "b": "x"}) == {
        "a": [1.0, None, [None, 2]],
        "b": "x",
    }


# ------------------------------------------------------------------ stopping honestly
def test_training_stops_at_max_steps_and_says_so(monkeypatch):
    monkeypatch.setattr(network, "MAX_STEPS", 5)
    sessions = Sessions(threaded=False)
    key = new(sessions, points=20, hidden=[2])
    snap = call(sessions, "/api/net/step", {"session": key, "steps": 50})[1]
    assert snap["step"] == 5
    assert snap["stopped"]["reason"] == "max_steps" and snap["stopped"]["step"] == 5
    assert "5 steps" in snap["stopped"]["message"]
    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": True})
    snap = call(sessions, "/api/net/advance", {"session": key, "budget": 0.1})[1]
    assert snap["step"] == 5 and not snap["playing"]


def test_pausing_says_paused():
    sessions = Sessions(threaded=False)
    key = new(sessions, points=20, hidden=[2])
    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": True})
    snap = call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": False})[1]
    assert snap["stopped"]["reason"] == "paused"


def test_a_run_no_one_watches_pauses_itself_and_says_why(monkeypatch):
    sessions = Sessions(threaded=False)
    key = new(sessions, points=20, hidden=[2])
    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": True})
    run = sessions.get(key)
    monkeypatch.setattr(network, "IDLE_PAUSE", 0.0)
    with run.acquire():
        run.last_used -= 1.0  # as if the tab had been quiet for a second
        assert run.advance(0.1) == 0
    assert run.stopped["reason"] == "idle" and not run.playing


# ------------------------------------------------------------------ a real server
def test_a_diverging_run_never_gets_a_500_from_the_server():
    from micrograd.playground import server

    srv = server.start_background("127.0.0.1", 0)
    try:
        port = srv.server_address[1]

        def post(path, body):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            r = conn.getresponse()
            status, payload = r.status, r.read()
            conn.close()
            return status, json.loads(payload, parse_constant=lambda c: pytest.fail(c))

        status, d = post("/api/net/new", {"config": STRONG_L2})
        key = d["session"]
        for _ in range(20):
            status, snap = post("/api/net/step", {"session": key, "steps": 50})
            assert status == 200, snap
            if snap["error"]:
                break
        assert snap["stopped"]["reason"] == "diverged"
    finally:
        srv.shutdown()
        srv.server_close()
