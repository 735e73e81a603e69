"""plot_history and the gradient-flow statistics and plot."""

import io
import random
from types import SimpleNamespace

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402

from micrograd.engine import value_sum  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.viz import layer_stats, plot_gradient_flow, plot_history  # noqa: E402

HISTORY = {"step": [0, 1, 2, 3], "loss": [2.0, 1.0, 0.5, 0.3], "accuracy": [0.5, 0.6, 0.8, 0.9],
           "lr": [1.0, 0.99, 0.98, 0.97]}  # fmt: skip
X = [[random.Random(k).uniform(-2, 2), random.Random(k + 100).uniform(-2, 2)] for k in range(30)]
Y = [1.0 if x1 * x2 > 0 else -1.0 for x1, x2 in X]


def valid_png(fig) -> Image.Image:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    buf.seek(0)
    im = Image.open(buf)
    im.verify()
    return im


def test_plot_history_accepts_a_dict_or_an_object_with_lists():
    fig = plot_history(HISTORY, title="run")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["loss (last: 0.3)", "accuracy (last: 90.0%)", "learning rate (last: 0.97)"]
    valid_png(fig)
    fig = plot_history(SimpleNamespace(step=[0, 1], loss=[1.0, 0.5], accuracy=[], lr=[]))
    assert len(fig.axes) == 1  # empty lists leave their panel out
    assert fig.axes[0].get_legend() is None
    plt.close(fig)


def test_plot_history_shows_the_data_loss_when_it_differs():
    fig = plot_history({**HISTORY, "data_loss": [1.5, 0.8, 0.4, 0.2]})
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["loss", "data loss (without L2)"]
    plt.close(fig)


def test_plot_history_rejects_unusable_input():
    with pytest.raises(ValueError, match="no 'loss'"):
        plot_history({"step": [0]})
    with pytest.raises(ValueError, match="'lr' has 2 entries"):
        plot_history({"step": [0, 1, 2], "loss": [1, 2, 3], "lr": [1, 2]})


def deep_network(activation: str) -> MLP:
    """Eight hidden layers; large biases push tanh units into their flat tails."""
    random.seed(0)
    model = MLP(2, [16] * 8 + [1], activation=activation, bias_init="uniform")
    for layer in model.layers:
        for n in layer.neurons:
            for w in n.w:
                w.data *= 0.5
            n.b.data *= 3.0
    loss = value_sum([(model(x) - t) ** 2 for x, t in zip(X, Y)]) * (1 / len(X))
    loss.backward()
    return model


def test_gradients_vanish_in_a_deep_saturated_tanh_network_but_not_in_relu():
    tanh = layer_stats(deep_network("tanh"), X)
    relu = layer_stats(deep_network("relu"), X)
    tanh_ratio = tanh[0].grad_mean_abs / tanh[-1].grad_mean_abs
    relu_ratio = relu[0].grad_mean_abs / relu[-1].grad_mean_abs
    assert tanh_ratio < 1e-2
    assert tanh_ratio < relu_ratio / 10
    assert max(s.saturated_fraction for s in tanh[:-1]) > 0.3
    assert all(s.dead_fraction is None for s in tanh)


def test_layer_stats_counts_dead_relus_and_activation_moments():
    model = MLP(2, [3, 1])
    neuron = model.layers[0].neurons[0]
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.0, 0.0, -1.0  # always 0: dead
    stats = layer_stats(model, X)
    assert stats[0].dead_fraction >= 1 / 3
    assert stats[0].act_std is not None and stats[1].dead_fraction is None  # linear output
    assert layer_stats(model)[0].act_mean is None  # no data, no activation statistics
    with pytest.raises(TypeError, match="expects an MLP"):
        layer_stats(model.layers[0])


def test_plot_gradient_flow_makes_three_panels():
    model = deep_network("relu")
    fig = plot_gradient_flow(model, X, title="relu")
    assert [ax.get_title() for ax in fig.axes][:3] == [
        "mean |grad| of weights",
        "distribution of weight grads",
        "units that pass back ~no gradient",
    ]
    valid_png(fig)
    valid_png(plot_gradient_flow(layer_stats(model)))


def test_gradient_spread_is_one_box_per_layer():
    """Nine overlaid histograms cannot be read: each layer gets its own box, at its number."""
    model = deep_network("relu")
    stats = layer_stats(model, X)
    middle = plot_gradient_flow(stats).axes[1]
    layers = [s.index + 1 for s in stats]
    assert [round(t) for t in middle.get_xticks()] == layers
    assert middle.get_ylabel() == "log₁₀ |grad|"
    assert len(middle.patches) == len(layers)  # one box patch per layer, no histogram bars
