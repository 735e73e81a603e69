"""Benchmark this engine against the reference micrograd 0.1.0 (and PyTorch, if installed).

    python benchmarks/run.py                 # full table; several minutes (the reference is slow)
    python benchmarks/run.py --quick         # tiny sizes, a few seconds
    python benchmarks/run.py --no-reference  # our engine only, no pip install needed

Every measurement runs in its own subprocess (``workloads.py``) with ``PYTHONPATH``
set to either this repository or the reference's own install folder, so the two
``micrograd`` packages never meet. Runs alternate between the engines; the table
shows medians. Both engines get the same Python-float data (passed as JSON), the
same seed and the same initial weights, and the script checks that they compute
the same losses. The table is printed and written to ``benchmarks/results.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "workloads.py"
REFERENCE = "micrograd==0.1.0"
TOLERANCE = 1e-12  # relative; the demo's losses must agree this closely


def _repository_module(name: str):
    """A module of this repository's micrograd (not whatever micrograd is installed)."""
    sys.path.insert(0, str(REPO))
    try:
        return __import__(f"micrograd.{name}", fromlist=["_"])
    finally:
        sys.path.remove(str(REPO))


def write_report(path: str | os.PathLike[str], text: str) -> None:
    """Write the results atomically: a failure never leaves a truncated results.md."""
    _repository_module("atomic").write_text(path, text)


# ------------------------------------------------------------------ inputs
def demo_data() -> tuple[list[list[float]], list[float]]:
    """The classic demo's 100 two-moons points and labels of -1.0 / +1.0, as Python floats."""
    sys.path.insert(0, str(REPO))
    try:
        from micrograd.datasets import make_moons, signed_labels
    finally:
        sys.path.remove(str(REPO))
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    return [[float(v) for v in row] for row in X], [float(v) for v in signed_labels(y)]


def mesh(
    X: list[list[float]], step: float | None = None, n: int | None = None
) -> list[list[float]]:
    """Grid points around the data, 1 beyond it on every side, row by row (like np.meshgrid).

    ``step=0.25`` is the classic demo's mesh (``np.arange(min - 1, max + 1, 0.25)``);
    ``n=100`` gives a 100 x 100 grid over the same square.
    """
    axes = []
    for column in zip(*X):
        lo, hi = min(column) - 1, max(column) + 1
        if step is not None:
            axes.append([lo + i * step for i in range(math.ceil((hi - lo) / step))])
        else:
            axes.append([lo + (hi - lo) * i / (n - 1) for i in range(n)])
    xs, ys = axes
    return [[x, y] for y in ys for x in xs]


# ------------------------------------------------------------ the engines
def ensure_reference(folder: Path) -> str | None:
    """Install micrograd 0.1.0 into its own folder if it is not there; None if that fails."""
    if (folder / "micrograd" / "engine.py").exists():
        return None
    print(f"installing {REFERENCE} into {folder} ...", flush=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
    done = subprocess.run(
        [*cmd, "--target", str(folder), REFERENCE], capture_output=True, text=True
    )
    if done.returncode != 0:
        return f"pip could not install {REFERENCE}: {done.stderr.strip().splitlines()[-1:]}"
    return None


def run_worker(name: str, params_file: Path, pythonpath: Path) -> dict:
    """One measurement in a fresh process; the result is the worker's JSON (or an error)."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    cmd = [sys.executable, str(WORKER), name, str(params_file)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}
    result = json.loads(done.stdout)
    engine = result.get("engine")
    if engine is not None and not Path(engine).resolve().is_relative_to(pythonpath.resolve()):
        raise RuntimeError(
            f"{name}: expected micrograd from {pythonpath}, the worker used {engine}"
        )
    return result


class Bench:
    """Runs each workload on both engines, alternating, and keeps every result."""

    def __init__(self, workdir: Path, reference: Path | None) -> None:
        self.workdir = workdir
        self.engines = {"ours": REPO}
        if reference is not None:
            self.engines["reference"] = reference

    def measure(
        self,
        name: str,
        params: dict,
        repeats: dict[str, int],
        overrides: dict[str, dict] | None = None,
    ) -> dict[str, list[dict]]:
        """``repeats[engine]`` runs per engine, in alternating order: A B, B A, A B, ...

        ``overrides[engine]`` changes some parameters for one engine, e.g. fewer
        steps for the slow reference: the per-step cost is what is compared.
        """
        files = {}
        for engine in self.engines:
            engine_params = {**params, **(overrides or {}).get(engine, {})}
            files[engine] = (
                self.workdir / f"{name}-{engine}-{len(list(self.workdir.iterdir()))}.json"
            )
            write_report(files[engine], json.dumps(engine_params))
        results: dict[str, list[dict]] = {
            engine: [] for engine in repeats if engine in self.engines
        }
        for r in range(max(repeats.values())):
            order = list(results) if r % 2 == 0 else list(reversed(results))
            for engine in order:
                if r < repeats[engine]:
                    print(f"  {name} [{engine}] run {r + 1}/{repeats[engine]}", flush=True)
                    results[engine].append(run_worker(name, files[engine], self.engines[engine]))
        return results


# ------------------------------------------------------------- reporting
def median(runs: list[dict], key: str) -> float | None:
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else None


def paired_ratios(ours: list[dict], ref: list[dict], key) -> list[float]:
    """How many times faster ours is, run by run: run i of each engine ran back to back."""
    return [key(r) / key(o) for o, r in zip(ours, ref) if key(o) and key(r)]


def fmt_spread(ratios: list[float]) -> str:
    """The median ratio and, in brackets, the range over the alternating pairs."""
    if not ratios:
        return "n/a"
    if len(ratios) == 1:
        return fmt_ratio(ratios[0])
    lo, hi = min(ratios), max(ratios)
    return f"{fmt_ratio(statistics.median(ratios))} ({fmt_ratio(lo)}–{fmt_ratio(hi)})"


def max_rel_diff(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / max(abs(y), 1e-300) for x, y in zip(a, b))


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    return f"{s:.3g} s" if s >= 0.01 else f"{s * 1000:.3g} ms"


def fmt_ratio(r: float | None) -> str:
    return "n/a" if r is None else f"{r:.1f}×" if r < 100 else f"{r:.0f}×"


def first_error(runs: list[dict]) -> str | None:
    return next(
        (
            run.get("error") or run.get("skipped")
            for run in runs
            if "error" in run or "skipped" in run
        ),
        None,
    )


def machine_info() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"
    )


def git_commit() -> str:
    done = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


# ---------------------------------------------------------------- the run
Row = list[str]  # workload, ours, reference, ratio, goal, check
HEADER = ["workload", "ours", "reference 0.1.0", "ours vs reference", "goal", "check"]


def speedup(ref: float | None, ours: float | None) -> str:
    return fmt_ratio(ref / ours if ref and ours else None)


def goal(ratios: list[float], times: float) -> str:
    """The goal for this row, and whether the median of this run's ratios met it."""
    mark = "" if not ratios else " ✓" if statistics.median(ratios) >= times else " ✗ (missed)"
    return f"≥ {times:g}×{mark}"


def bench_demo(bench: Bench, X, y, size: dict, repeats: dict) -> tuple[list[Row], list[float]]:
    """The classic demo's training loop, timed per step.

    Short runs alternate, so both engines see the same load on a shared machine:
    ours runs ``steps_per_run`` steps a run, the slow reference ``ref_steps``.
    Their losses are compared over the steps both ran; one more run of ours
    trains all ``steps`` steps, for the final loss and accuracy (and the
    PyTorch comparison below).
    """
    steps, per_run, ref_steps = size["steps"], size["steps_per_run"], size["ref_steps"]
    res = bench.measure(
        "demo", {"X": X, "y": y, "steps": per_run}, repeats, {"reference": {"steps": ref_steps}}
    )
    ours, ref = res["ours"], res.get("reference", [])
    per_step = lambda run: run.get("seconds", 0) / len(run.get("losses") or [1])  # noqa: E731
    ratios = paired_ratios(ours, ref, per_step)
    check = first_error(ref) or "reference not run"
    if ratios:
        n = min(per_run, ref_steps)
        worst = max(max_rel_diff(o["losses"][:n], r["losses"][:n]) for o in ours for r in ref)
        verdict = "agree" if worst <= TOLERANCE else "DIFFER"
        check = (
            f"losses {verdict} at the {n} steps both ran (max rel. diff {worst:.1e}, limit 1e-12)"
        )
    last = bench.measure("demo", {"X": X, "y": y, "steps": steps}, {"ours": 1})["ours"][0]
    same = last["losses"][:per_run] == ours[0]["losses"]
    final = (
        f"; a full run of {steps} steps: loss {last['losses'][-1]:.6g}, "
        f"accuracy {last['accuracy'][-1]:.0%}" + ("" if same else " (NOT REPRODUCIBLE)")
    )
    row = [
        f"demo training, per SGD step (runs of {per_run} steps for ours, {ref_steps} for the "
        "reference)",
        fmt_seconds(median([{"t": per_step(o)} for o in ours], "t")),
        fmt_seconds(median([{"t": per_step(r)} for r in ref], "t")),
        fmt_spread(ratios),
        goal(ratios, 60),
        check + final,
    ]
    return [row], last["losses"]


def bench_tutorial(bench: Bench, X, y, size: dict, repeats: dict) -> list[Row]:
    """The original project's demo notebook as it is written: NumPy arrays in, training,
    then the decision boundary through model(x). Estimated for its 100 steps."""
    # Both engines run the same steps, so the two decision boundaries can be compared.
    res = bench.measure("tutorial", {"X": X, "y": y, "steps": size["ref_steps"]}, repeats)
    ours, ref = res["ours"], res.get("reference", [])
    notebook = lambda run: 100 * run.get("step_seconds", 0) + run.get("grid_seconds", 0)  # noqa: E731
    ratios = paired_ratios(ours, ref, notebook)
    check = first_error(ref) or "reference not run"
    if ratios:
        n = min(len(ours[0]["losses"]), len(ref[0]["losses"]))
        worst = max_rel_diff(ours[0]["losses"][:n], ref[0]["losses"][:n])
        same = ours[0]["boundary"] == ref[0]["boundary"]
        check = f"losses agree to {worst:.1e}; decision boundary " + (
            "identical at every grid point" if same else "DIFFERS"
        )
    cell = lambda runs: (  # noqa: E731
        "n/a"
        if not runs or "step_seconds" not in runs[0]
        else f"{fmt_seconds(statistics.median(map(notebook, runs)))} "
        f"({fmt_seconds(statistics.median(r['step_seconds'] for r in runs))}/step, "
        f"grid {fmt_seconds(statistics.median(r['grid_seconds'] for r in runs))})"
    )
    return [
        [
            "the original `demo.ipynb` as written (NumPy inputs; 100 steps + boundary, "
            "estimated from the steps run)",
            cell(ours),
            cell(ref),
            fmt_spread(ratios),
            "",
            check,
        ]
    ]


def bench_grids(bench: Bench, X, n: int, repeats: dict) -> list[Row]:
    rows = []
    big = {engine: min(count, 3) for engine, count in repeats.items()}  # 20 s a reference run
    for label, points, runs in (
        ("0.25 mesh", mesh(X, step=0.25), repeats),
        (f"{n}×{n}", mesh(X, n=n), big),
    ):
        res = bench.measure("grid", {"points": points}, runs)
        ours, ref = res["ours"], res.get("reference", [])
        ratios = paired_ratios(ours, ref, lambda run: run.get("seconds"))
        check = first_error(ref) or "reference not run"
        if ratios:
            worst = max_rel_diff(ours[0]["scores"], ref[0]["scores"])
            check = f"same scores (max rel. diff {worst:.1e})"
        name = f"grid {label}, {len(points):,} points: `model(x)` per point, both"
        rows.append(
            [
                name,
                fmt_seconds(median(ours, "seconds")),
                fmt_seconds(median(ref, "seconds")),
                fmt_spread(ratios),
                goal(ratios, 60),
                check,
            ]
        )
        fast = bench.measure("grid_fast", {"points": points}, {"ours": repeats["ours"]})["ours"]
        fast_t, ref_t = median(fast, "seconds"), median(ref, "seconds")
        check = first_error(fast) or "no graph is built; " + (
            f"max rel. diff to `model(x)` {max_rel_diff(fast[0]['scores'], ours[0]['scores']):.1e}"
        )
        name = f"grid {label}: ours through the float fast path, reference `model(x)`"
        rows.append(
            [name, fmt_seconds(fast_t), fmt_seconds(ref_t), speedup(ref_t, fast_t), "", check]
        )
    return rows


def bench_throughput(bench: Bench, size: dict, repeats: dict) -> list[Row]:
    rows = []
    tree, chains = size["tree"], size["chain_copies"]
    shapes = (
        ("tree", tree, size["tree_copies"], f"balanced tree of + and * over {tree:,} leaves"),
        ("chain", size["chain"], chains, f"{chains} chains {size['chain']} deep"),
    )
    for kind, n, copies, shape in shapes:
        res = bench.measure("throughput", {"kind": kind, "size": n, "copies": copies}, repeats)
        for phase in ("build", "backward"):
            rate = lambda run: run["nodes"] / run[f"{phase}_seconds"] if "nodes" in run else None  # noqa: B023, E731
            ours, ref = res["ours"], res.get("reference", [])
            ratios = paired_ratios(ref, ours, rate)  # a rate: higher is faster
            rows.append(
                [
                    f"{phase} throughput, {shape}",
                    fmt_rate(statistics.median(map(rate, ours)) if ours else None),
                    fmt_rate(statistics.median(map(rate, ref)) if ref else None),
                    fmt_spread(ratios),
                    goal(ratios, 2) if phase == "backward" else "",
                    "nodes per second",
                ]
            )
    return rows


def fmt_rate(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:,.0f} nodes/s"


def bench_memory(bench: Bench, X, y, size: dict) -> list[Row]:
    """Bytes per node on a graph both engines build alike, and the whole demo-step graph.

    The demo's graph has far fewer (n-ary) nodes in our engine, so for it the
    ratio compares the whole graph, not bytes per node.
    """
    rows = []
    graphs = (
        ({"kind": "wide", "size": size["wide"]}, f"balanced tree over {size['wide']:,} leaves"),
        ({"kind": "demo", "X": X, "y": y}, "one demo step's loss graph"),
    )
    for params, label in graphs:
        res = bench.measure("memory", params, {"ours": 1, "reference": 1})
        cells, totals = {}, {}
        for engine, (run,) in res.items():
            if "nodes" not in run:
                cells[engine] = run.get("error", "failed")
                continue
            n, graph, peak = run["nodes"], run["graph_bytes"], run["peak_bytes"]
            totals[engine] = graph / n if params["kind"] == "wide" else graph
            cells[engine] = (
                f"{graph / n:.0f} B/node × {n:,} nodes = {graph / 1e6:.2f} MB "
                f"(peak in backward {peak / 1e6:.2f} MB)"
            )
        ratio = "n/a"
        if "ours" in totals and "reference" in totals:
            ratio = f"{totals['ours'] / totals['reference']:.2f} of it"
        target = "(whole graph)"
        if params["kind"] == "wide" and "reference" in totals:
            met = totals["ours"] <= totals["reference"] / 3
            target = "≤ 1/3 per node" + (" ✓" if met else " ✗ (missed)")
        rows.append(
            [
                f"memory, {label}",
                cells.get("ours", "n/a"),
                cells.get("reference", "n/a"),
                ratio,
                target,
                "tracemalloc",
            ]
        )
    return rows


def bench_deep(bench: Bench, depth: int) -> list[Row]:
    ours = bench.measure("deep_chain", {"depth": depth}, {"ours": 1})["ours"][0]
    ref = bench.measure("deep_chain", {"depth": 1000}, {"reference": 1}).get("reference")
    build, backward = ours.get("build_seconds"), ours.get("backward_seconds")
    ours_cell = ours.get("error") or f"build {fmt_seconds(build)}, backward {fmt_seconds(backward)}"
    ref_cell = "n/a" if not ref else ref[0].get("error", "ok").split(":")[0] + " at depth 1,000"
    check = f"x.grad = {ours.get('x_grad', 'n/a'):,.0f} (exact: {depth + 1:,})"
    met = " ✓" if ours.get("x_grad") == depth + 1 and depth >= 1_000_000 else ""
    return [
        [
            f"backward through a chain {depth:,} nodes deep",
            ours_cell,
            ref_cell,
            "",
            "1,000,000 deep" + met,
            check,
        ]
    ]


def bench_torch(bench: Bench, X, y, size: dict, repeats: int, our_losses: list[float]) -> list[Row]:
    rows = []
    variants = (
        ("torch_batched", size["steps"], repeats, "batched float64 tensors"),
        ("torch_scalar", size["torch_scalar_steps"], 1, "one 0-d float64 tensor per weight"),
    )
    for name, steps, n, label in variants:
        runs = bench.measure(name, {"X": X, "y": y, "steps": steps}, {"ours": n})["ours"]
        t = median(runs, "seconds")
        if t is None:
            rows.append([f"PyTorch, {label}", str(steps), first_error(runs) or "failed", "", ""])
            continue
        diff = max_rel_diff(runs[0]["losses"], our_losses[:steps])
        rows.append(
            [
                f"PyTorch, {label}",
                str(steps),
                fmt_seconds(t),
                f"{t / steps * 1000:.3g} ms",
                f"{diff:.1e}",
            ]
        )
    return rows


def table(header: list[str], rows: list[Row]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def sizes(args: argparse.Namespace) -> dict:
    if args.quick:
        return {
            "steps": 2,
            "steps_per_run": 2,
            "ref_steps": 1,
            "grid_n": 10,
            "wide": 1024,
            "tree": 1024,
            "tree_copies": 1,
            "chain": 900,
            "chain_copies": 2,
            "deep": 10_000,
            "torch_scalar_steps": 1,
        }
    return {
        "steps": args.steps,
        "steps_per_run": args.steps_per_run,
        "ref_steps": args.ref_steps,
        "grid_n": 50,
        "wide": 2**15,
        "tree": 2**14,
        "tree_copies": 3,
        "chain": 900,
        "chain_copies": 100,
        "deep": args.chain_depth,
        "torch_scalar_steps": args.torch_scalar_steps,
    }


def run(args: argparse.Namespace) -> str:
    """Every benchmark, then the markdown report."""
    size = sizes(args)
    X, y = demo_data()
    reference = None
    commit = git_commit()
    notes = [
        f"Ours: commit {commit}; reference: {REFERENCE} from PyPI, in its own folder.",
        "Data: micrograd.datasets.make_moons(n_samples=100, noise=0.1, seed=1337).",
    ]
    if not args.no_reference:
        folder = Path(args.reference_dir).resolve()
        problem = ensure_reference(folder)
        if problem:
            notes.append(f"Reference not run: {problem}")
        else:
            reference = folder
    both = {"ours": args.repeats, "reference": args.repeats}
    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench(Path(tmp), reference)
        rows, our_losses = bench_demo(bench, X, y, size, both)
        print(table(HEADER, rows), flush=True)  # partial results while the rest runs
        for section in (
            lambda: bench_tutorial(bench, X, y, size, {"ours": 3, "reference": 3}),
            lambda: bench_grids(bench, X, size["grid_n"], both),
            lambda: bench_throughput(bench, size, both),
            lambda: bench_memory(bench, X, y, size),
            lambda: bench_deep(bench, size["deep"]),
        ):
            new_rows = section()
            rows += new_rows
            print(table(HEADER, new_rows), flush=True)
        peers = [] if args.no_torch else bench_torch(bench, X, y, size, args.repeats, our_losses)
    if git_commit() != commit:
        notes.append(f"WARNING: the checkout changed during the run ({commit} -> {git_commit()}).")
    return render(rows, peers, notes, args)


def render(rows: list[Row], peers: list[Row], notes: list[str], args: argparse.Namespace) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = " ".join(["python", "benchmarks/run.py", *sys.argv[1:]])
    parts = [
        "# Benchmark results",
        "",
        f"- Date: {now}",
        f"- Machine: {machine_info()}",
        f"- Command: `{command}`",
        f"- Times are medians of {args.repeats} runs of each engine, alternating (ours, "
        "reference, reference, ours, ...), each in a fresh process. Ratios: how many times "
        "faster (or, for memory, how large) ours is, as the median over the back-to-back "
        "pairs of runs, with the range over the pairs in brackets.",
        *(f"- {note}" for note in notes),
        "",
        table(HEADER, rows),
    ]
    if peers:
        parts += [
            "",
            "What a tensor library does with the same demo (same data, same initial weights):",
            "",
            table(["PyTorch", "steps", "time", "per step", "loss vs ours (max rel. diff)"], peers),
        ]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one run each")
    parser.add_argument("--steps", type=int, default=100, help="demo SGD steps (default 100)")
    parser.add_argument(
        "--steps-per-run", type=int, default=20, help="demo steps per timed run of ours"
    )
    parser.add_argument(
        "--repeats", type=int, default=7, help="runs of each engine per workload (alternating)"
    )
    parser.add_argument(
        "--ref-steps", type=int, default=5, help="demo steps per run of the (slow) reference"
    )
    parser.add_argument("--chain-depth", type=int, default=1_000_000, help="the deep chain")
    parser.add_argument(
        "--torch-scalar-steps",
        type=int,
        default=5,
        help="steps for the slow one-tensor-per-weight PyTorch run",
    )
    parser.add_argument("--no-reference", action="store_true", help="run our engine only")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch runs")
    parser.add_argument(
        "--reference-dir",
        default=str(HERE / ".reference"),
        help="where micrograd 0.1.0 is (or will be pip-installed)",
    )
    parser.add_argument("--output", default=str(HERE / "results.md"), help="markdown file")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
    try:  # a long run must not end in a path that cannot be written
        _repository_module("atomic").check_target(args.output)
    except OSError as exc:
        parser.error(f"--output {args.output}: {exc.strerror or exc}")
    report = run(args)
    print(report)
    write_report(args.output, report)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
