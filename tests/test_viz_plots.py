"""plot_dataset and plot_decision_boundary draw valid pictures, fast and exactly."""

import io
import random

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from micrograd.engine import Value  # noqa: E402
from micrograd.errors import ShapeError  # noqa: E402
from micrograd.nn import MLP, Layer, Neuron  # noqa: E402
from micrograd.viz import decision_grid, plot_dataset, plot_decision_boundary  # noqa: E402
from micrograd.viz.fastforward import batch_forward, float_forward  # noqa: E402

X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.2], [0.5, -1.0], [1.5, 1.5], [-0.5, -0.5]]
Y = [0, 1, 0, 1, 1, 0]


def png_of(ax) -> Image.Image:
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png")
    plt.close(ax.figure)
    buf.seek(0)
    return Image.open(buf)


def test_plot_dataset_draws_one_coloured_group_per_class():
    ax = plot_dataset(X, Y, title="toy")
    assert ax.get_title() == "toy"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    assert len(ax.collections) == 2
    assert png_of(ax).size[0] > 100


def test_plot_dataset_accepts_signed_labels_and_given_axes():
    fig, ax = plt.subplots()
    out = plot_dataset(X, [2 * v - 1 for v in Y], ax=ax)
    assert out is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class -1", "class 1"]
    plt.close(fig)


def test_bad_data_is_named():
    with pytest.raises(ShapeError, match=r"X\[1\]"):
        plot_dataset([[0.0, 1.0], [2.0]], [0, 1])
    with pytest.raises(ShapeError, match="6 points but y has 5"):
        plot_dataset(X, Y[:5])


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("fused", [True, False])
def test_fast_float_evaluation_is_bit_identical_to_the_graph(activation, fused):
    random.seed(3)
    model = MLP(2, [6, 5, 3], activation=activation, fused=fused)
    rng = random.Random(0)
    points = [[rng.uniform(-4, 4), rng.uniform(-4, 4)] for _ in range(300)]
    expected = [[v.data for v in model(p)] for p in points]
    assert batch_forward(model, points) == expected
    assert [float_forward(model, p) for p in points] == expected


def test_fast_evaluation_covers_layers_neurons_and_plain_callables():
    points = [[0.3, -0.7], [2.0, 1.0]]
    neuron, layer = Neuron(2, activation="tanh"), Layer(2, 3)
    assert batch_forward(neuron, points) == [neuron(p).data for p in points]
    assert batch_forward(layer, points) == [[v.data for v in layer(p)] for p in points]

    def model(p):
        return Value(p[0]) * p[1]

    assert batch_forward(model, points) == [-0.21, 2.0]


def test_decision_grid_step_and_resolution():
    model = MLP(2, [4, 1])
    grid = decision_grid(model, X, resolution=30)
    assert len(grid.xs) == 30 and len(grid.scores) == 30 and len(grid.scores[0]) == 30
    assert grid.xs[0] == pytest.approx(-1.5) and grid.xs[-1] == pytest.approx(2.0)
    coarse = decision_grid(model, X, step=0.25)
    assert coarse.xs[1] - coarse.xs[0] == pytest.approx(0.25)
    assert coarse.scores[3][5] == model([coarse.xs[5], coarse.ys[3]]).data
    with pytest.raises(ValueError, match="step"):
        decision_grid(model, X, step=0)


def test_binary_boundary_has_filled_scores_and_the_zero_line():
    model = lambda p: Value(p[0]) + p[1] - 0.5  # noqa: E731  (a plain callable)
    ax = plot_decision_boundary(model, X, Y, resolution=40, title="binary")
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names == ["class 0", "class 1", "boundary (score = 0)"]
    assert png_of(ax).mode in ("RGBA", "RGB")


def test_multiclass_boundary_colours_the_winning_class():
    random.seed(0)
    model = MLP(2, [8, 3])
    y3 = [0, 1, 2, 1, 2, 0]
    ax = plot_decision_boundary(model, X, y3, resolution=40)
    assert "boundary" in [t.get_text() for t in ax.get_legend().get_texts()]
    png_of(ax)
    with pytest.raises(ValueError, match="3 classes but the model gives 2"):
        plot_decision_boundary(MLP(2, [4, 2]), X, y3, resolution=10)


def test_plots_without_matplotlib_name_the_plot_extra(monkeypatch):
    import sys

    from micrograd.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(MissingExtraError, match=r"micrograd\[plot\]"):
        plot_dataset(X, Y)
