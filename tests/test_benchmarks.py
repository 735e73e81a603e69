"""The benchmark script runs end to end at a tiny size, with no network and no reference install.

Nothing here is timed: the numbers it prints are not checked, only that every
workload ran and reported what it should.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load_run_module():
    spec = importlib.util.spec_from_file_location("benchmarks_run", BENCHMARKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_a_complete_table(tmp_path):
    out = tmp_path / "results.md"
    cmd = [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--no-reference", "--no-torch"]
    done = subprocess.run([*cmd, "--output", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = out.read_text(encoding="utf-8")
    assert report in done.stdout  # printed and written
    for workload in (
        "demo training, per SGD step (runs of 2 steps for ours, 1 for the reference)",
        "the original `demo.ipynb` as written",
        "grid 0.25 mesh",
        "build throughput",
        "backward throughput",
        "memory, one demo step",
        "chain 10,000 nodes deep",
    ):
        assert workload in report
    assert "x.grad = 10,001 (exact: 10,001)" in report
    assert "error" not in report.lower()
    # the classic demo's first two losses (same seed, same data, same init as the original)
    assert "a full run of 2 steps: loss 1.72359" in report


def test_the_mesh_is_the_classic_demos():
    run = _load_run_module()
    X, y = run.demo_data()
    assert len(X) == 100 and sorted(set(y)) == [-1.0, 1.0]
    assert all(type(v) is float for row in X for v in row)
    grid = run.mesh(X, step=0.25)
    assert len(grid) == 315  # what np.meshgrid(np.arange(min-1, max+1, 0.25), ...) gives
    assert grid[0] == [min(r[0] for r in X) - 1, min(r[1] for r in X) - 1]
    assert len(run.mesh(X, n=7)) == 49


def test_loss_comparison_catches_a_difference():
    run = _load_run_module()
    assert run.max_rel_diff([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert run.max_rel_diff([1.0, 2.0 + 1e-6], [1.0, 2.0]) > run.TOLERANCE


def test_an_unwritable_output_is_refused_before_the_long_run(tmp_path):
    cmd = [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--no-reference", "--no-torch"]
    done = subprocess.run(
        [*cmd, "--output", f"{tmp_path}/missing/"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "--output" in done.stderr and "names a folder" in done.stderr
    assert "demo" not in done.stdout, "nothing was measured"
    assert list(tmp_path.iterdir()) == []


def test_the_report_is_written_atomically(tmp_path):
    out = tmp_path / "results.md"
    out.write_text("old results\n" * 500, encoding="utf-8")
    script = f"""
import importlib.util, resource
spec = importlib.util.spec_from_file_location("run", {str(BENCHMARKS / "run.py")!r})
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)
run._repository_module("atomic")
resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
try:
    run.write_report({str(out)!r}, "new results\\n" * 1000)
except OSError as exc:
    print("refused", exc.filename)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"refused {out}"
    assert out.read_text(encoding="utf-8") == "old results\n" * 500
    assert [p.name for p in tmp_path.iterdir()] == ["results.md"]
