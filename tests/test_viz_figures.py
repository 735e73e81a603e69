"""A plot that fails says why and leaves no half-drawn figure open; one it returns stays open."""

from __future__ import annotations

import random

import matplotlib
import pytest

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")  # no NumPy overflow noise
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from micrograd.nn import MLP  # noqa: E402
from micrograd.viz import (  # noqa: E402
    BoundaryRecorder,
    animate,
    plot_dataset,
    plot_decision_boundary,
    plot_gradient_flow,
    plot_history,
)

X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.2], [0.5, -1.0]]
Y = [0, 1, 0, 1]


@pytest.fixture
def no_new_figures():
    before = plt.get_fignums()
    yield
    left = [n for n in plt.get_fignums() if n not in before]
    plt.close("all") if left else None
    assert left == [], f"figures left open: {left}"


def _diverged() -> MLP:
    """Finite weights so large that the forward pass overflows to inf, then nan."""
    model = MLP(2, [4, 1], rng=random.Random(0))
    for p in model.parameters():
        p.data = 1e300
    return model


def test_a_diverged_model_is_named_not_a_contour_error(no_new_figures):
    with pytest.raises(ValueError, match=r"score is (inf|nan) at .*diverged.*smaller learning"):
        plot_decision_boundary(_diverged(), X, Y, resolution=10)


def test_animating_a_diverged_model_closes_its_figure(no_new_figures):
    from micrograd.viz.animation import Snapshot
    from micrograd.viz.boundary import decision_grid

    recorder = BoundaryRecorder(X, Y, resolution=6)
    grid = decision_grid(_diverged(), X, resolution=6)  # (its loss could not be measured)
    recorder.snapshots.append(Snapshot(0, grid, None, 0.5, len(X)))
    with pytest.raises(ValueError, match="diverged"):
        animate(recorder, dpi=30)


def test_gradient_flow_of_nothing_says_what_to_pass(no_new_figures):
    with pytest.raises(ValueError, match="no layers to show"):
        plot_gradient_flow([])


@pytest.mark.parametrize("plot", ["history", "gradient_flow", "dataset", "boundary"])
def test_a_failure_halfway_closes_the_figure_the_plot_made(no_new_figures, monkeypatch, plot):
    import micrograd.viz.mpl as mpl

    model = MLP(2, [3, 1], rng=random.Random(0))
    sum(model(x) for x in X).backward()
    calls = {
        "history": lambda: plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 1.0]}),
        "gradient_flow": lambda: plot_gradient_flow(model, X),
        "dataset": lambda: plot_dataset(X, Y),
        "boundary": lambda: plot_decision_boundary(model, X, Y, resolution=8),
    }

    def broken(ax, *args, **kwargs):
        raise RuntimeError("drawing failed")

    for module in ("history", "gradflow", "data_plot", "boundary"):
        monkeypatch.setattr(f"micrograd.viz.{module}.decorate", broken)
    assert mpl.decorate is not broken  # only the plotting modules see the failure
    with pytest.raises(RuntimeError, match="drawing failed"):
        calls[plot]()


def test_a_figure_given_by_the_caller_is_left_open_on_failure(monkeypatch):
    monkeypatch.setattr("micrograd.viz.history.decorate", lambda *a, **k: 1 / 0)
    fig = plt.figure()
    try:
        with pytest.raises(ZeroDivisionError):
            plot_history({"loss": [1.0]}, fig=fig)
        assert fig.number in plt.get_fignums(), "the caller's figure is the caller's to close"
    finally:
        plt.close(fig)


def test_a_plot_that_succeeds_returns_its_open_figure():
    fig = plot_history({"loss": [1.0, 0.5]})
    try:
        assert fig.number in plt.get_fignums()
    finally:
        plt.close(fig)
