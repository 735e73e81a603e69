"""One convention for every subcommand: usage errors exit 2 in one line before any work,
failures exit 1, Ctrl-C 130, and no input, however odd, gives a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from micrograd.cli import main


def micrograd(*args: str, cwd, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "micrograd", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )


def one_line(done: subprocess.CompletedProcess, code: int, *words: str) -> str:
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_no_command_shows_the_help_on_stderr_and_exits_2(tmp_path):
    done = micrograd(cwd=tmp_path)
    assert done.returncode == 2
    assert "demo" in done.stderr and "graph" in done.stderr and "playground" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    "args, words",
    [
        (["demo", "--samples", "1000000000"], ["--samples", "100,000"]),
        (["demo", "--steps", "99999999999"], ["--steps", "1,000,000"]),
        (["demo", "--hidden", "100000"], ["--hidden", "1,024"]),
        (["demo", "--batch-size", "0"], ["--batch-size"]),
        (["demo", "--log-every", "0"], ["--log-every"]),
        (["demo", "--out", ""], ["--out", "empty"]),
        (["demo", "--save-model", ""], ["--save-model", "empty"]),
        (["graph", "a", "--set", "a=1", "-o", ""], ["-o", "empty"]),
        (["graph", "a", "--max-nodes", "10000000"], ["--max-nodes"]),
        (["playground", "--port", "70000"], ["--port", "65,535"]),
        (["playground", "--port", "http"], ["--port"]),
    ],
)
def test_bad_options_are_one_usage_line(tmp_path, args, words):
    done = micrograd(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert all(word in done.stderr for word in words), done.stderr
    assert not any(tmp_path.iterdir()), "nothing may be written for a refused command"


def test_too_many_hidden_layers_names_the_bound(tmp_path):
    done = micrograd("demo", "--hidden", *["2"] * 17, cwd=tmp_path)
    one_line(done, 2, "--hidden", "16")


@pytest.mark.parametrize(
    "target",
    ["/dev/null", "fifo", "newdir/", "x" * 300 + ".json"],
    ids=["device", "fifo", "trailing-separator", "long-name"],
)
def test_save_model_refuses_what_is_not_a_file_to_replace(tmp_path, target):
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
    done = micrograd("demo", "--steps", "1", "--save-model", target, "--out", "pics",
                     cwd=tmp_path)  # fmt: skip
    one_line(done, 2, "--save-model")
    assert not (tmp_path / "pics" / "input_dataset.png").exists()  # refused before training
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_graph_output_with_a_name_too_long_is_one_line(tmp_path):
    done = micrograd("graph", "a*b", "--set", "a=1", "b=2", "-o", "g" * 300 + ".svg",
                     cwd=tmp_path)  # fmt: skip
    one_line(done, 2, "-o", "name")


@pytest.mark.parametrize(
    "expr, words",
    [
        ("(" * 3000 + "a" + ")" * 3000, ["characters"]),
        ("a" + "+a" * 2600, ["characters"]),
        ("-" * 150 + "a", ["nested too deeply"]),
        ("(" * 250 + "a" + ")" * 250, ["nested too deeply"]),
        ("a\u202e*b", ["not a valid expression"]),
        ("a\u200b*b", ["not a valid expression"]),
    ],
)
def test_odd_expressions_are_one_line_and_never_blame_the_names(tmp_path, expr, words):
    done = micrograd("graph", expr, "--set", "a=1", "b=2", cwd=tmp_path)
    line = one_line(done, 2, *words)
    assert "does not appear" not in line


def test_a_missing_value_names_the_option(tmp_path):
    done = micrograd("graph", "a*b", "--set", "a=1", cwd=tmp_path)
    one_line(done, 2, "--set b=1.5")


def test_in_process_demo_changes_no_global_state(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    import random
    import threading

    import matplotlib.pyplot as plt

    random.seed(5)
    state = random.getstate()
    threads, figures = threading.active_count(), plt.get_fignums()
    assert main(["demo", "--steps", "2", "--out", str(tmp_path)]) == 0
    assert random.getstate() == state
    assert threading.active_count() == threads
    assert plt.get_fignums() == figures


def test_diverging_training_is_a_failure_not_a_usage_error(tmp_path):
    done = micrograd("demo", "--steps", "30", "--lr", "1e6", "--schedule", "constant",
                     "--out", str(tmp_path), cwd=tmp_path)  # fmt: skip
    line = one_line(done, 1, "micrograd demo")
    assert "learning rate" in line or "lr" in line


# ---------------------------------------------------- found by a stranger's review
def test_a_refused_demo_leaves_no_folder_behind(tmp_path):
    for args in (
        ["--samples", "1"],
        ["--batch-size", "999"],
        ["--dataset", "blobs", "--loss", "svm"],
    ):
        done = micrograd("demo", "--steps", "2", "--out", "pics", *args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert not (tmp_path / "pics").exists(), args


def test_an_out_folder_with_a_name_too_long_is_one_line(tmp_path):
    done = micrograd("demo", "--steps", "2", "--out", "m" * 300, cwd=tmp_path)
    one_line(done, 2, "--out", "too long")


def test_the_model_file_may_not_be_one_of_the_pictures(tmp_path):
    (tmp_path / "pics").mkdir()
    done = micrograd("demo", "--steps", "2", "--out", "pics", "--save-model",
                     "pics/input_dataset.png", cwd=tmp_path)  # fmt: skip
    one_line(done, 2, "--save-model", "pictures")


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc")
def test_a_folder_the_system_will_not_write_into_is_refused_before_any_work(tmp_path):
    done = micrograd("graph", "a", "--set", "a=1", "-o", "/proc/self/x.svg", cwd=tmp_path)
    one_line(done, 2, "-o")


@pytest.mark.parametrize(
    "args, words",
    [
        (["exp + 1"], ["function", "exp(a)"]),
        (["1e400*a", "--set", "a=1"], ["fit in a float"]),
        (["a", "--set", "a=1", "--set", "a=5"], ["twice"]),
    ],
)
def test_graph_messages_lead_somewhere(tmp_path, args, words):
    one_line(micrograd("graph", *args, cwd=tmp_path), 2, *words)


def test_graph_takes_no_shortened_options(tmp_path):
    done = micrograd("graph", "--n", "--set", "n=2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the expression -(-n), not --no-local


def test_a_long_flat_sum_draws_in_seconds(tmp_path):
    done = micrograd("graph", "+".join(["a"] * 99), "--set", "a=1", "-o", "s.svg",
                     cwd=tmp_path, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
