"""`micrograd demo` through its real process: what it prints, writes, refuses, exits with."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from test_cli import BLOCK_MATPLOTLIB

NEVER_ENDS = ["--steps", "1000000"]  # a run this long proves that a refusal came before training


def demo(*args: str, cwd, timeout: float = 120, env: dict | None = None):
    """Run ``python -m micrograd demo ARGS`` in ``cwd``; the result and the seconds it took."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", "--no-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return done, time.perf_counter() - start


def assert_one_line_refusal(done, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0]


# ------------------------------------------------------------ fail fast
@pytest.mark.parametrize(
    ("make_args", "words"),
    [
        (lambda tmp: ["--out", str(tmp / "a-file")], ["--out", "not a folder"]),
        (lambda tmp: ["--out", str(tmp / "a-file" / "sub")], ["--out", "cannot write"]),
        (lambda tmp: ["--batch-size", "101"], ["--batch-size 101", "100 points"]),
        (lambda tmp: ["--dataset", "blobs", "--loss", "svm"], ["--loss svm", "cross_entropy"]),
        (lambda tmp: ["--samples", "1"], ["only 1 class"]),
        (lambda tmp: ["--save-model", str(tmp / "missing" / "m.json")], ["does not exist"]),
        (lambda tmp: ["--save-model", str(tmp)], ["--save-model", "folder"]),
    ],
    ids=["out-is-a-file", "out-not-writable", "batch", "loss", "one-class", "model-dir", "model"],
)
def test_bad_options_are_refused_before_training(tmp_path, make_args, words):
    (tmp_path / "a-file").write_text("not a folder")
    done, seconds = demo(*NEVER_ENDS, *make_args(tmp_path), cwd=tmp_path, timeout=30)
    assert_one_line_refusal(done, *words)
    assert "Training" not in done.stdout
    assert seconds < 5, f"took {seconds:.1f} s"  # about 0.4 s; the margin is for busy machines


def test_missing_matplotlib_is_refused_before_training(tmp_path):
    args = ["demo", *NEVER_ENDS, "--out", str(tmp_path), "--no-progress"]
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_MATPLOTLIB, *args], capture_output=True, text=True, timeout=30
    )
    assert_one_line_refusal(done, "micrograd[plot]")


# ----------------------------------------------------- no tracebacks
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_diverging_run_ends_with_a_clear_message(tmp_path, activation):
    done, _ = demo("--lr", "1e308", "--activation", activation, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "diverged" in lines[0] and "smaller learning rate" in lines[0]


def test_ctrl_c_prints_one_line_and_exits_130(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "micrograd", "demo", *NEVER_ENDS, "--no-progress"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell that starts jobs in the background ignores SIGINT for them, and the
        # child would inherit that: give it the default, as a terminal would.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout.readline().startswith("Training")  # training has started
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)  # seconds at most; the margin is for load
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["micrograd demo: interrupted"]


# ------------------------------------------- what it writes, and where
def test_default_output_folder_is_micrograd_demo_in_the_current_folder(tmp_path):
    done, _ = demo("--steps", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "micrograd-demo"
    for name in ("input_dataset.png", "classified_dataset.png"):
        assert (folder / name).read_bytes()[:4] == b"\x89PNG"
        assert f"Wrote {os.path.join('micrograd-demo', name)}" in done.stdout
    assert not (tmp_path / "intuition").exists(), "the course's folder is never created"


def test_the_reported_accuracy_is_the_saved_final_model_on_all_points(tmp_path):
    from micrograd.datasets import make_moons, signed_labels
    from micrograd.nn import MLP
    from micrograd.training import evaluate

    model_path = tmp_path / "model.json"
    args = ["--steps", "30", "--batch-size", "10", "--hidden", "8", "--out", str(tmp_path)]
    done, _ = demo(*args, "--save-model", str(model_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {model_path}" in done.stdout
    model = MLP(2, [8, 1])
    model.load(model_path)
    assert set(json.loads(model_path.read_text())) == set(model.state_dict())
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    final = evaluate(model, X, signed_labels(y), loss="svm", alpha=1e-4)
    line = next(s for s in done.stdout.splitlines() if s.startswith("Final loss"))
    assert line.startswith(f"Final loss {final.loss:.6f}, training accuracy {final.accuracy:.0%}")
    assert "all 100 points" in line


def test_the_picture_title_quotes_the_final_model(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    import micrograd.viz
    from micrograd.cli import main

    titles = []
    real = micrograd.viz.plot_decision_boundary

    def spy(*args, **kwargs):
        titles.append(kwargs["title"])
        return real(*args, **kwargs)

    monkeypatch.setattr(micrograd.viz, "plot_decision_boundary", spy)
    assert main(["demo", "--steps", "1", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    accuracy = out.split("training accuracy ")[1].split("%")[0]
    assert titles == [f"Decision boundary after 1 step (accuracy {accuracy}% on all 100 points)"]


def test_the_course_images_come_from_regenerate_py(monkeypatch):
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    script = root / "intuition" / "regenerate.py"
    spec = importlib.util.spec_from_file_location("regenerate", script)
    regenerate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regenerate)
    command = regenerate.demo_command()
    assert command[1:4] == ["-m", "micrograd", "demo"]
    assert command[command.index("--out") + 1] == str(root / "intuition" / "images")
    calls = []
    monkeypatch.setattr(regenerate.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    assert regenerate.main(["images"]) == 0
    assert calls == [command]


def test_help_shows_a_plain_percent_sign(tmp_path):
    done = subprocess.run([sys.executable, "-m", "micrograd", "demo", "--help"],
                          capture_output=True, text=True, cwd=tmp_path)  # fmt: skip
    assert "100% training accuracy" in " ".join(done.stdout.split())


def test_a_write_failure_after_training_is_one_line(tmp_path):
    resource = pytest.importorskip("resource")

    def small_files_only():  # in the child: writes past 2 KB fail as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    done = subprocess.run(
        [sys.executable, "-m", "micrograd", "demo", "--steps", "1", "--no-progress"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, preexec_fn=small_files_only,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write" in lines[0], done.stderr


@pytest.mark.parametrize("seed", ["-5", str(2**32), "x"])
def test_a_seed_out_of_range_is_refused_before_any_work(tmp_path, seed):
    done, _ = demo("--seed", seed, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "--seed" in done.stderr
    assert not (tmp_path / "micrograd-demo").exists()
