"""Every 🔁 experiment of notebooks 1 and 2, run as the prose suggests, says what the prose says.

Each test runs the notebook's own code cells (not a copy) up to the experiment,
with the suggested value substituted, and checks the claim the text around it
makes, number for number. The notebooks themselves run in ``test_notebooks.py``.
"""

from __future__ import annotations

import importlib
import linecache
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

INTUITION = Path(__file__).resolve().parent.parent / "intuition"


def _notebook(name: str):
    return nbformat.read(INTUITION / name, as_version=4)


def _markdown(nb, marker: str) -> str:
    """The one markdown cell that contains ``marker``."""
    hits = [c.source for c in nb.cells if c.cell_type == "markdown" and marker in c.source]
    assert len(hits) == 1, f"{len(hits)} markdown cells contain {marker!r}"
    return hits[0]


def run_until(name: str, marker: str, change: tuple[str, str] | None = None) -> dict:
    """Run the code cells of notebook ``name`` up to the first one containing ``marker``.

    ``change`` = (old, new) replaces text in that last cell: the 🔁 suggestion,
    substituted as a learner would type it. Returns the notebook's namespace.
    """
    nb = _notebook(name)
    namespace: dict = {"display": lambda *args, **kwargs: None, "__name__": "__notebook__"}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        last = marker in source
        if last and change:
            assert change[0] in source, f"the cell no longer holds {change[0]!r}"
            source = source.replace(*change)
        source = "\n".join("" if line.startswith("%") else line for line in source.splitlines())
        filename = f"<{name} cell {nb.cells.index(cell)}>"
        # as in Jupyter: the cell's source can be read back (inspect.getsource), which is
        # how an empty @your_code exercise is recognised
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        exec(compile(source, filename, "exec"), namespace)
        if last:
            return namespace
    raise AssertionError(f"no code cell of {name} contains {marker!r}")


@pytest.fixture(autouse=True)
def notebook_session(monkeypatch):
    """What a kernel started in intuition/ has: its modules, no widgets, figures off screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(INTUITION)
    monkeypatch.syspath_prepend(str(INTUITION))
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` fails: static page
    monkeypatch.delenv("MICROGRAD_STRICT_CHECKS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    yield
    plt.close("all")


# ------------------------------------------------------------ notebook 1, basics
BASICS = "micrograd_basics.ipynb"


def test_basics_moving_the_tangent_prints_the_slope_at_each_stop():
    ns = run_until(
        BASICS,
        "stops = [",
        change=("stops = [-1.8, -0.5, 1.0, 1.8]", "stops = [-1.0, 0.0, 1.0, 2.0]"),
    )
    titles = [ax.get_title() for ax in ns["axes"]]
    slopes = [float(t.split("slope ")[1]) for t in titles]
    assert [t.split(":")[0] for t in titles] == ["x = -1.0", "x = +0.0", "x = +1.0", "x = +2.0"]
    assert slopes == pytest.approx([0.0, -3.0, 0.0, 9.0], abs=0.006), titles  # 3x² - 3


def test_basics_a_step_with_the_gradient_and_a_huge_step_against_it_do_what_the_text_says():
    ns = run_until(BASICS, "def step_and_compare(lr):")
    prose = _markdown(_notebook(BASICS), "step_and_compare(-0.01)")
    after, predicted = ns["step_and_compare"](-0.01)
    assert after > ns["L"].data  # L grows
    assert f"{after:.2f}" in prose and f"{predicted:.2f}" in prose, (after, predicted)
    after, predicted = ns["step_and_compare"](3.0)
    assert after > ns["L"].data  # against the gradient, and yet larger
    assert f"+{after:.0f}" in prose and f"{predicted:.0f}" in prose, (after, predicted)


def test_basics_calling_the_learners_backward_twice_gives_four_times_the_library_two(capsys):
    ns = run_until(BASICS, "def backward_twice():")
    assert ns["backward_twice"]() == 24.0
    out = capsys.readouterr().out
    assert (
        "one backward(): a.grad = 6.0" in out and "library, two:              a.grad = 12.0" in out
    )
    prose = _markdown(_notebook(BASICS), "Your engine gives **four** times")
    assert "$24$" in prose


def test_basics_the_buggy_backward_keeps_one_path():
    ns = run_until(BASICS, "def y_of(run_backward):")
    assert ns["y_of"](ns["buggy_backward"]) == 2.0 and ns["y_of"](ns["backward"]) == 5.0


# ----------------------------------------------------- notebook 2, intermediate
INTERMEDIATE = "micrograd_intermediate.ipynb"


def _numbers_in_title(title: str) -> dict[str, float]:
    """``∂o/∂x = 1.410,   ∂o/∂w = ...`` -> {"∂o/∂x": 1.41, ...}, from a neuron panel's title."""
    pairs = [p.split(" = ") for p in title.split("\n")[1].split(",")]
    return {name.strip(): float(value) for name, value in pairs}


def test_intermediate_one_neuron_panels_show_the_gradients_the_text_quotes():
    ns = run_until(
        INTERMEDIATE,
        "settings = [",
        change=('{"w": 4.0, "x": 0.2},  # steep', '{"w": 4.0, "x": 0.2}, {"w": 4.0, "x": 0.6},  #'),
    )
    panels = [_numbers_in_title(ax.get_title()) for ax in ns["axes"]]
    default, saturated, steep, further, relu = (p["∂o/∂x"] for p in panels)
    prose = _markdown(_notebook(INTERMEDIATE), "### 🔁 Try this: one neuron, live")
    assert f"${steep:.3f}$" in prose and f"${default:.3f}$" in prose
    assert f"about ${steep / default:.1f}$ times" in prose  # 2.6, not "several"
    assert f"${further:.3f}$" in prose and further < 0.1 * steep  # nearly flat, a little further
    assert f"${saturated:.3f}$" in prose and saturated < 0.01  # saturated: nearly 0
    assert set(panels[-1].values()) == {0.0}  # a ReLU below its corner passes nothing


def test_intermediate_learning_rate_runs_do_what_the_text_says():
    ns = run_until(INTERMEDIATE, "def train_from_scratch(")
    verdicts = {
        (lr, zero): ns["verdict"](ns["train_from_scratch"](lr, zero)) for lr, zero in ns["runs"]
    }
    assert verdicts[(0.01, True)].startswith("crawls")
    assert verdicts[(0.1, True)] == "falls smoothly"
    assert verdicts[(0.5, True)] == "jumps up first, then comes down"  # overshoots, then settles
    assert verdicts[(1.0, True)] == "blows up"
    assert verdicts[(0.1, False)].startswith("goes down, but bounces up")
    with_zero, without = ns["train_from_scratch"](0.1), ns["train_from_scratch"](0.1, False)
    assert without[-1] > 5 * with_zero[-1]  # without zero_grad it does not settle as low


def test_intermediate_your_micrograd_trains_exactly_like_the_library(capsys):
    ns = run_until(INTERMEDIATE, "def my_training_step(")
    assert ns["gap"] < 1e-12
    prose = _markdown(_notebook(INTERMEDIATE), "The two columns agree to every printed digit")
    assert prose
    table = capsys.readouterr().out.split("step | your micrograd | the library")[1]
    rows = [line.split(" | ") for line in table.splitlines() if line.count(" | ") == 2]
    assert len(rows) == 5
    for step, mine, library in rows:
        assert mine.strip() == library.strip(), (step, mine, library)


def _run_fresh(name: str, marker: str) -> str:
    """``run_until`` in a fresh interpreter, as a new kernel runs it; returns what it printed.

    For measurements of memory and of the garbage collector, which a long test
    session (pytest's own objects included) would disturb.
    """
    script = (
        "import sys, matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt; "
        "plt.show = lambda *a, **k: None; sys.modules['ipywidgets'] = None; "
        f"sys.path[:0] = [{str(INTUITION)!r}, {str(Path(__file__).parent)!r}]; "
        f"import test_course_experiments_bi as t; t.run_until({name!r}, {marker!r})"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MICROGRAD_STRICT_CHECKS", "CI")}
    env["PYTHONPATH"] = os.pathsep.join([str(INTUITION.parent), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=INTUITION, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_intermediate_the_tour_quotes_the_measured_bytes_and_cycles():
    out = _run_fresh(INTERMEDIATE, "def chain(kind, n=20_000):")
    rows = {}
    for line in out.splitlines():
        parts = [p.strip() for p in line.split(" | ")]
        if len(parts) == 3 and parts[1].isdigit():
            rows[parts[0]] = (int(parts[1]), parts[2])
    library, tiny, closures = rows["library Value"], rows["your TinyValue"], rows["closures"]
    prose = _markdown(_notebook(INTERMEDIATE), "A library node takes")
    assert f"takes {library[0]} bytes" in prose and f"node {tiny[0]}," in prose
    assert f"closure node {closures[0]}," in prose
    assert f"{closures[0] / library[0]:.0f}" == "3" and "three\ntimes the library's" in prose
    assert library[1] == tiny[1] == "0" and f"has {closures[1]} objects" in prose


def test_intermediate_the_tour_names_only_what_the_library_has():
    """The tour of engine.py points at fields and methods: they must be there, doing that."""
    from micrograd import MLP, Value

    prose = _markdown(_notebook(INTERMEDIATE), "What the library adds, and why")
    for module in ("edges", "finite", "original"):
        assert f"`{module}.py`" in prose
        importlib.import_module(f"micrograd.{module}")
    for slot in ("_a", "_da", "_b", "_db"):
        assert f"`{slot}`" in prose and slot in Value.__slots__, slot
    a, b = Value(2.0), Value(-3.0)
    product = a * b
    assert product._children == (a, b) and product._local == (-3.0, 2.0)  # built on request
    assert callable(Value.topological_order) and callable(Value.backward)
    x = Value(1e-300)
    doubled = x * 1e308 + x * 1e308  # finite forward, but its gradient overflows
    with pytest.raises(OverflowError):
        doubled.backward()
    assert x.grad == 0.0  # "a backward() that overflows puts the gradients back"
    with pytest.raises(OverflowError):
        Value(1e308) * 10  # "an operation whose result overflows ... raises an error"
    neuron_graph = MLP(16, [1], output_activation="tanh")([0.5] * 16)
    assert len(neuron_graph.topological_order()) == 16 + 1 + 1 + 1  # the fused weighted sum
