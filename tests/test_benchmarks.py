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
