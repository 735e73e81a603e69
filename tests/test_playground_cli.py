"""``micrograd playground`` as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

pytest.importorskip("numpy", reason="the playground needs the playground extra")
pytest.importorskip("grandalf", reason="the playground needs the playground extra")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "micrograd", "playground", "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_url(proc: subprocess.Popen) -> str:
    line = proc.stdout.readline()  # "micrograd playground: serving on http://...  (Ctrl-C to stop)"
    assert "serving on" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
    return line.split("serving on ", 1)[1].split()[0]


def stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def test_serves_the_page_on_loopback_and_stops_cleanly_on_ctrl_c():
    port = free_port()
    proc = start("--port", str(port))
    try:
        url = wait_for_url(proc)
        assert url == f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url + "api/meta", timeout=20) as response:
            assert "palette" in json.load(response)
        with urllib.request.urlopen(url, timeout=20) as response:
            assert b"micrograd playground" in response.read()
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert "stopped" in out
    assert "Traceback" not in err


def test_a_taken_port_gives_one_line_naming_a_free_one():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start("--port", str(port))
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert f"port {port} is already in use" in lines[0]
    suggested = int(lines[0].split("--port ")[1].rstrip("."))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))  # it really is free


def test_a_non_loopback_host_warns():
    proc = start("--host", "0.0.0.0", "--port", str(free_port()))
    try:
        wait_for_url(proc)
    finally:
        code, _, err = stop(proc)
    assert code == 0
    assert "warning" in err and "other computers" in err


def test_a_bad_port_is_an_error_not_a_traceback():
    proc = start("--port", "70000")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert "--port" in err and "65,535" in err and "Traceback" not in err


def test_help_lists_the_playground():
    out = subprocess.run([sys.executable, "-m", "micrograd", "--help"], capture_output=True,
                         text=True, timeout=30).stdout  # fmt: skip
    assert "playground" in out


def test_a_missing_extra_names_the_pip_command(monkeypatch, capsys):
    import importlib

    from micrograd.cli import main

    real = importlib.import_module

    def without_grandalf(name, *args):
        if name.startswith("grandalf"):
            raise ImportError("No module named 'grandalf'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", without_grandalf)
    assert main(["playground", "--no-browser", "--port", str(free_port())]) == 2
    assert "pip install 'micrograd[playground]'" in capsys.readouterr().err
