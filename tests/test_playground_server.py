"""The local server under load and abuse: no 5xx, no hang, no reset, no noise in the terminal.

Real sockets on 127.0.0.1, bounded loops; performance is not measured here.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

from micrograd.playground import server, sessions

pytest.importorskip("grandalf", reason="the playground needs the playground extra")


@pytest.fixture()
def srv():
    s = server.start_background("127.0.0.1", 0)
    yield s
    s.shutdown()
    s.server_close()


def post(port: int, path: str, body: dict, timeout: float = 60) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    response = conn.getresponse()
    status, payload = response.status, json.loads(response.read())
    conn.close()
    return status, payload


def raw(port: int, request: bytes, *, shut: bool = False, timeout: float = 20) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        if shut:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def in_threads(count: int, work) -> list:
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # a reset connection, a timeout: recorded, not raised
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


# A graph of about 110 values: grandalf lays it out in tens of milliseconds.
BIG = "+".join(f"tanh(x*w{i % 8} + b{i % 3})" for i in range(24))


def test_concurrent_layouts_never_collide(srv):
    port = srv.server_address[1]
    results = in_threads(12, lambda i: post(port, "/api/expr", {"expr": BIG, "values": f"x={i}"}))
    statuses = [r[0] if isinstance(r, tuple) else repr(r) for r in results]
    assert statuses == [200] * 12, statuses


def test_many_small_requests_at_once_are_queued_not_reset(srv):
    port = srv.server_address[1]
    results = in_threads(80, lambda i: post(port, "/api/expr", {"expr": "a*b"}))
    statuses = [r[0] if isinstance(r, tuple) else repr(r) for r in results]
    assert statuses == [200] * 80, [s for s in statuses if s != 200][:3]


HEAD = b"POST /api/expr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


@pytest.mark.parametrize(
    ("length", "status"),
    [(b"\xc2\xb2", b"400"), (b"-5", b"400"), (b"1e3", b"400"), (b"", b"400")],
)
def test_a_content_length_that_is_no_number_gets_400(srv, length, status):
    answer = raw(srv.server_address[1], HEAD + b"Content-Length: " + length + b"\r\n\r\n{}")
    assert answer.split(b" ")[1] == status, answer[:200]
    assert b"Content-Length" in answer


def test_a_body_shorter_than_its_length_gets_408_in_seconds_not_a_500(srv):
    started = time.monotonic()
    answer = raw(srv.server_address[1], HEAD + b'Content-Length: 100\r\n\r\n{"expr"')
    assert answer.split(b" ")[1] == b"408", answer[:200]
    assert time.monotonic() - started < server.BODY_SECONDS + 3


def test_a_nudge_as_a_400_digit_integer_gets_400(srv):
    body = {"expr": "a*b", "nudge": {"leaf": "a", "h": 10**400}}
    status, d = post(srv.server_address[1], "/api/expr", body)
    assert status == 400 and "between -10 and 10" in d["error"]


def test_a_client_that_leaves_mid_answer_prints_nothing(srv, capfd):
    port = srv.server_address[1]
    body = json.dumps({"expr": "tanh(a*b + c) * a"}).encode()
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.sendall(HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        sock.close()  # an RST: the server's write fails
    assert post(port, "/api/expr", {"expr": "a"})[0] == 200
    time.sleep(0.5)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err, err[-2000:]


def test_a_tab_closed_without_a_word_gives_up_its_slot(srv, monkeypatch):
    monkeypatch.setattr(sessions, "IDLE_SECONDS", 2.0)
    monkeypatch.setattr(srv.sessions, "cap", 3)
    port = srv.server_address[1]
    config = {"config": {"points": 20, "hidden": [2]}}
    keys = [post(port, "/api/net/new", config)[1]["session"] for _ in range(3)]
    status, d = post(port, "/api/net/new", config)
    assert status == 429 and "Close one of them, or wait" in d["error"]
    time.sleep(1.2)
    assert post(port, "/api/net/ping", {"session": keys[0]})[1] == {"alive": True}
    time.sleep(1.2)  # the other two tabs are now quiet for 2.4 s, the first for 1.2 s
    assert post(port, "/api/net/new", config)[0] == 200
    assert post(port, "/api/net/ping", {"session": keys[0]})[1] == {"alive": True}
    alive = [post(port, "/api/net/ping", {"session": k})[1]["alive"] for k in keys[1:]]
    assert sorted(alive) == [False, True]


def test_the_backlog_is_larger_than_the_default():
    assert server.PlaygroundServer.request_queue_size >= 64
