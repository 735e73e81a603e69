"""Every 🔁 experiment of notebooks 1 and 2, run as the prose suggests, says what the prose says.

Each test runs the notebook's own code cells (not a copy) up to the experiment,
with the suggested value substituted, and checks the claim the text around it
makes, number for number. The notebooks themselves run in ``test_notebooks.py``.
"""

from __future__ import annotations

import linecache
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
