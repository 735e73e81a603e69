"""The playground's JSON API, through a real server on a free port.

What the page shows must be the engine's own numbers, and no request, however
malformed, may crash the server, hang it or get a 500.
"""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from micrograd.expression import MAX_DEPTH, MAX_LENGTH, parse_expression
from micrograd.playground import api, expression, network, server

pytest.importorskip("grandalf", reason="the playground needs the playground extra")


@pytest.fixture(scope="module")
def srv():
    s = server.start_background("127.0.0.1", 0)
    yield s
    s.shutdown()
    s.server_close()


def call(srv, path, body=None, *, raw=None, headers=None, method="POST"):
    """(status, JSON answer) of one request."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=20)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    h = {"Content-Type": "application/json"} if data is not None else {}
    h.update(headers or {})
    conn.request(method, path, body=data, headers=h)
    response = conn.getresponse()
    status, payload = response.status, response.read()
    conn.close()
    assert response.getheader("Content-Type", "").startswith(
        ("application/json", "text/", "image/")
    )
    return status, json.loads(payload) if payload.startswith(b"{") else payload


# ------------------------------------------------------------------ expression lab
def test_stepping_a_times_b_plus_a_gives_the_engines_gradients(srv):
    status, d = call(srv, "/api/expr", {"expr": "a*b + a", "values": "a=2 b=-3"})
    assert status == 200
    check = {c["name"]: c for c in d["check"]}
    assert check["a"]["stepped"] == check["a"]["engine"] == -2.0
    assert check["b"]["stepped"] == check["b"]["engine"] == 2.0
    assert check["a"]["numeric"] == pytest.approx(-2.0, abs=1e-6)
    # a is used twice: its grad is the running sum 1 + (-3) = -2 over two steps.
    into_a = [c for s in d["steps"] for c in s["contributions"] if c["child"] == check["a"]["node"]]
    assert [(c["before"], c["contribution"], c["after"]) for c in into_a] == [
        (0.0, 1.0, 1.0),
        (1.0, -3.0, -2.0),
    ]


def test_the_bug_toggle_overwrites_instead_of_accumulating(srv):
    _, d = call(srv, "/api/expr", {"expr": "a*b + a", "values": "a=2 b=-3", "bug": True})
    check = {c["name"]: c for c in d["check"]}
    assert check["a"]["stepped"] == -3.0  # only the last contribution survives
    assert check["a"]["engine"] == -2.0 == pytest.approx(check["a"]["numeric"], abs=1e-6)
    assert check["b"]["stepped"] == 2.0  # used once: the bug does not show


@pytest.mark.parametrize(
    "expr",
    ["a*b + a", "tanh(x*w + b) * x", "(a + a) * (a - b) / (b*b + 1)", "exp(a) + log(b*b) - a**3"],
)
def test_steps_follow_the_engines_order_and_numbers(expr):
    values = {"a": 0.7, "b": -1.3, "x": 0.4, "w": 2.0}
    root = parse_expression(expr, values)
    order = root.topological_order()
    steps = expression.replay_backward(root, order, bug=False)
    assert [order[s["node"]] for s in steps] == [v for v in reversed(order) if v._children]
    grads = {v: 0.0 for v in order}
    for s in steps:
        for c in s["contributions"]:
            grads[order[c["child"]]] = c["after"]
    root.backward()
    for v in order:
        if v is not root:
            assert grads[v] == v.grad  # bit for bit: the same operations in the same order


def test_nudge_moves_the_output_by_about_grad_times_h(srv):
    body = {"expr": "a*b + a", "values": "a=2 b=-3", "nudge": {"leaf": "a", "h": 0.01}}
    _, d = call(srv, "/api/expr", body)
    assert d["nudge"]["predicted"] == pytest.approx(-0.02)
    assert d["nudge"]["change"] == pytest.approx(-0.02, abs=1e-9)


def test_finite_differences_work_for_big_numbers_too(srv):
    _, d = call(srv, "/api/expr", {"expr": "a*a", "values": "a=1e150"})
    assert d["check"][0]["numeric"] == pytest.approx(2e150, rel=1e-6)


def test_names_without_values_start_at_one(srv):
    _, d = call(srv, "/api/expr", {"expr": "x*y + z", "values": "x=3"})
    assert d["values"] == {"x": 3.0, "y": 1.0, "z": 1.0}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"expr": "a*"}, "not a valid expression"),
        ({"expr": "__import__('os').system('ls')"}, "not allowed"),
        ({"expr": "open('x')"}, "only these functions can be called"),
        ({"expr": "a.b"}, "attribute access"),
        ({"expr": "a" * (MAX_LENGTH + 1)}, f"keep it under {MAX_LENGTH}"),
        ({"expr": "-" * (MAX_DEPTH + 5) + "a"}, "nested too deeply"),
        ({"expr": "+".join(f"tanh(x*w{i % 9} + 1)" for i in range(80))}, "draws up to 200"),
        ({"expr": "log(a)", "values": "a=-1"}, "cannot be computed"),
        ({"expr": "a/b", "values": "a=1 b=0"}, "cannot be computed"),
        ({"expr": "a", "values": "a=inf"}, "finite"),
        ({"expr": "a", "values": "a=two"}, "is not a number"),
        ({"expr": "a", "values": "a"}, "NAME=NUMBER"),
        ({"expr": "   "}, "type an expression"),
        ({"expr": "+".join(f"x{i}" for i in range(20))}, "up to 12"),
        ({"expr": "a", "nudge": {"leaf": "q", "h": 0.1}}, "no leaf named 'q'"),
        ({"expr": "x" * 40}, "up to 16 characters"),
        ({"expr": "9**9**9"}, "overflows"),
    ],
)
def test_bad_expressions_get_the_parsers_message(srv, body, message):
    status, d = call(srv, "/api/expr", body)
    assert status == 422
    assert message in d["error"]


# ------------------------------------------------------------------ malformed requests
@pytest.mark.parametrize(
    ("raw", "headers", "status"),
    [
        (b"{not json", {}, 400),
        (b"[1, 2]", {}, 400),
        (b'"text"', {}, 400),
        (b'{"expr": NaN}', {}, 400),
        (b"\xff\xfe", {}, 400),
        (b"[" * 100_00 + b"]" * 100_00, {}, 400),
        (b'{"expr": "a"}', {"Content-Type": "text/plain"}, 415),
        (b"x" * (server.MAX_BODY + 1), {}, 413),
    ],
)
def test_malformed_bodies_get_a_json_4xx(srv, raw, headers, status):
    code, d = call(srv, "/api/expr", raw=raw, headers=headers)
    assert code == status
    assert isinstance(d["error"], str) and d["error"]


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/api/expr", {"expr": 3}, "must be str"),
        ("/api/expr", {"expr": "a", "bug": "yes"}, "must be bool"),
        ("/api/expr", {"expr": "a", "extra": 1}, "unknown field"),
        ("/api/expr", {}, "missing field 'expr'"),
        ("/api/expr", {"expr": "a", "nudge": {"leaf": "a", "h": 1e6}}, "between -10 and 10"),
        ("/api/net/step", {"session": "nope"}, "has ended"),
        ("/api/net/step", {"session": True}, "must be str"),
        ("/api/net/new", {"config": {"hidden": [17]}}, "from 1 to 16"),
        ("/api/net/new", {"config": {"hidden": [2] * 5}}, "1 to 4 layer sizes"),
        ("/api/net/new", {"config": {"points": 100_000}}, "from 10 to 400"),
        ("/api/net/new", {"config": {"dataset": "mnist"}}, "choose one of"),
        ("/api/net/new", {"config": {"lr": True}}, "give a number"),
        ("/api/net/new", {"config": {"batch": 300}}, "training points"),
        ("/api/net/new", {"config": {"colour": "red"}}, "unknown setting"),
        ("/api/nothing", {}, "no such API call"),
    ],
)
def test_bad_fields_are_named_in_the_answer(srv, path, body, fragment):
    status, d = call(srv, path, body)
    assert 400 <= status < 500
    assert fragment in d["error"]


def test_a_body_shorter_than_its_length_is_refused_not_waited_for(srv):
    with socket.create_connection(("127.0.0.1", srv.server_address[1]), timeout=20) as sock:
        sock.sendall(
            b"POST /api/expr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"expr"'
        )
        sock.shutdown(socket.SHUT_WR)
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.0 400") or answer.startswith(b"HTTP/1.1 400")


def test_missing_length_and_wrong_method_and_foreign_host(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=20)
    conn.putrequest("POST", "/api/expr")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    assert conn.getresponse().status == 411
    conn.close()
    assert call(srv, "/api/expr", {"expr": "a"}, method="PUT")[0] == 405
    status, d = call(srv, "/api/expr", {"expr": "a"}, headers={"Host": "evil.example:8765"})
    assert status == 403 and "127.0.0.1" in d["error"]


@pytest.mark.parametrize("path", ["/static/../server.py", "/etc/passwd", "/static/", "/api/expr"])
def test_pages_are_looked_up_by_name_never_by_path(srv, path):
    status, d = call(srv, path, method="GET")
    assert status == 404 and "no such page" in d["error"]


def test_the_page_and_its_files_are_served_with_no_outside_urls(srv):
    status, html = call(srv, "/", method="GET")
    assert status == 200 and b"micrograd playground" in html
    for path in server.STATIC:
        status, content = call(srv, path, method="GET")
        assert status == 200
        content = content.replace(b"http://www.w3.org/", b"")  # SVG's namespace, not a URL
        assert b"http://" not in content and b"https://" not in content, path


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


FIELDS = ["expr", "values", "bug", "nudge", "session", "config", "steps", "since", "index",
          "layer", "split", "leaf", "h", "clamp", "budget", "svg"]  # fmt: skip


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(sorted(api.ROUTES)),
    body=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5),
)
def test_no_body_makes_a_500(srv, path, body):
    status, d = call(srv, path, body)
    assert status == 200 or 400 <= status < 500, d
    for key in list(srv.sessions._runs):  # keep the cap free for the other tests
        srv.sessions.close(key)


# ------------------------------------------------------------------ network lab
def train_to(srv, key, steps):
    """Ask for steps until the run has made ``steps``: a request stops at its time budget."""
    snap = call(srv, "/api/net/step", {"session": key, "steps": 0})[1]
    while snap["step"] < steps:
        body = {"session": key, "steps": steps - snap["step"]}
        snap = call(srv, "/api/net/step", body)[1]
    return call(srv, "/api/net/step", {"session": key, "steps": 0})[1]


def test_training_runs_and_reset_with_the_same_seed_repeats_it(srv):
    _, a = call(srv, "/api/net/new", {"config": {"points": 60}})
    _, b = call(srv, "/api/net/new", {"config": {"points": 60}})
    assert a["data"]["train"] == b["data"]["train"]
    snap_a = train_to(srv, a["session"], 6)
    for _ in range(6):  # one step per request: the same run
        call(srv, "/api/net/step", {"session": b["session"], "steps": 1})
    snap_b = call(srv, "/api/net/step", {"session": b["session"], "steps": 0})[1]
    assert snap_a["step"] == snap_b["step"] == 6
    assert snap_a["curves"]["loss"] == snap_b["curves"]["loss"]
    _, again = call(srv, "/api/net/reset", {"session": a["session"], "config": {"points": 60}})
    assert again["snapshot"]["step"] == 0
    replay = train_to(srv, a["session"], 6)
    assert replay["curves"]["loss"] == snap_a["curves"]["loss"]
    for s in (a, b):
        call(srv, "/api/net/close", {"session": s["session"]})


def test_linked_views_answer_for_a_point_and_a_neuron(srv):
    _, run = call(srv, "/api/net/new", {"config": {"hidden": [3], "points": 40}})
    key = run["session"]
    call(srv, "/api/net/step", {"session": key, "steps": 2})
    status, point = call(srv, "/api/net/point", {"session": key, "index": 0})
    assert status == 200 and [len(layer["out"]) for layer in point["layers"]] == [3, 1]
    status, point = call(srv, "/api/net/point", {"session": key, "index": 0, "svg": True})
    assert status == 200 and point["svg"].lstrip().startswith("<")
    status, neuron = call(srv, "/api/net/neuron", {"session": key, "layer": 0, "index": 2})
    assert status == 200 and [w["from"] for w in neuron["weights"]] == ["x1", "x2", "bias"]
    assert call(srv, "/api/net/neuron", {"session": key, "layer": 5, "index": 0})[0] == 422
    assert call(srv, "/api/net/point", {"session": key, "index": 999})[0] == 422
    call(srv, "/api/net/close", {"session": key})


def test_steps_per_request_and_sessions_are_capped(srv):
    _, run = call(srv, "/api/net/new", {})
    too_many = network.MAX_STEPS_PER_REQUEST + 1
    status, d = call(srv, "/api/net/step", {"session": run["session"], "steps": too_many})
    assert status == 400
    keys = [run["session"]]
    while len(srv.sessions) < srv.sessions.cap:
        keys.append(call(srv, "/api/net/new", {"config": {"points": 20}})[1]["session"])
    status, d = call(srv, "/api/net/new", {})
    assert status == 429 and "Close one of them, or wait" in d["error"]
    call(srv, "/api/net/close", {"session": keys.pop()})
    status, d = call(srv, "/api/net/new", {})
    assert status == 200
    keys.append(d["session"])
    for key in keys:
        call(srv, "/api/net/close", {"session": key})
    assert len(srv.sessions) == 0


def test_a_diverging_run_stops_with_a_message(srv):
    config = {"lr": 10.0, "schedule": "constant", "activation": "relu", "points": 40, "l2": 0.0}
    _, run = call(srv, "/api/net/new", {"config": config})
    snap = call(srv, "/api/net/step", {"session": run["session"], "steps": 200})[1]
    for _ in range(5):
        if snap["error"]:
            break
        snap = call(srv, "/api/net/step", {"session": run["session"], "steps": 200})[1]
    assert snap["error"] is None or "learning rate" in snap["error"]
    call(srv, "/api/net/close", {"session": run["session"]})


def test_play_trains_in_the_background_until_pause(srv):
    _, run = call(srv, "/api/net/new", {"config": {"points": 40, "hidden": [4]}})
    key = run["session"]
    assert call(srv, "/api/net/step", {"session": key, "steps": 0, "play": True})[1]["playing"]
    deadline = time.monotonic() + 20
    while call(srv, "/api/net/step", {"session": key, "steps": 0})[1]["step"] < 3:
        assert time.monotonic() < deadline, "the background training made no progress"
        time.sleep(0.05)
    paused = call(srv, "/api/net/step", {"session": key, "steps": 0, "play": False})[1]
    assert not paused["playing"]
    time.sleep(0.3)
    after = call(srv, "/api/net/step", {"session": key, "steps": 0})[1]
    assert after["step"] <= paused["step"] + 1  # at most the step that was running
    call(srv, "/api/net/close", {"session": key})


def test_show_embeds_the_page_from_a_background_server():
    pytest.importorskip("IPython", reason="show() is for notebooks")
    import urllib.request

    from micrograd import playground

    frame = playground.show(height=500)
    assert frame.src == playground.url() and frame.height == 500
    with urllib.request.urlopen(frame.src, timeout=20) as response:
        assert b"micrograd playground" in response.read()
    assert playground.show().src == frame.src  # one server, however often it is shown


@pytest.mark.parametrize("dataset", ["blobs", "spirals", "xor", "circles"])
def test_every_dataset_trains_with_every_activation_and_optimiser(srv, dataset):
    config = {"dataset": dataset, "points": 30, "hidden": [4, 3], "activation": "tanh",
              "optimizer": "adam", "lr": 0.01, "batch": 10, "schedule": "cosine"}  # fmt: skip
    _, run = call(srv, "/api/net/new", {"config": config})
    snap = train_to(srv, run["session"], 3)
    assert snap["step"] == 3 and snap["error"] is None
    classes = run["data"]["classes"]
    boundary = snap["boundary"]
    assert boundary["kind"] == ("binary" if classes == 2 else "classes")
    if classes > 2:
        assert len(boundary["leads"]) == classes
    assert [len(layer) for layer in snap["neurons"]] == [4, 3]
    call(srv, "/api/net/close", {"session": run["session"]})
