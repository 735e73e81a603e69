"""Gradient flow across layers: where a deep network learns, and where it cannot.

``layer_stats`` summarises each layer after ``loss.backward()``: how large its
weight gradients are, and (given data) how its neurons behave: saturated
tanh/sigmoid units, whose slope is almost 0, and dead ReLUs, which output 0 for
every input and so pass back no gradient at all. ``plot_gradient_flow`` draws
it. In a deep saturated tanh network the first layers' gradients are orders of
magnitude smaller than the last layer's: the vanishing gradient problem.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from micrograd.nn import MLP
from micrograd.viz import palette
from micrograd.viz.fastforward import float_columns
from micrograd.viz.mpl import decorate, pyplot

SATURATED = 0.97  # |tanh| above this (or sigmoid within 0.015 of 0 or 1): slope < 0.06


@dataclass
class LayerStats:
    """What one layer looks like after a backward pass (activation fields need data)."""

    index: int
    activation: str
    n_neurons: int
    grads: list[float] = field(repr=False)  # every weight's gradient, for histograms
    grad_mean_abs: float
    act_mean: float | None = None
    act_std: float | None = None
    saturated_fraction: float | None = None  # of (neuron, input) pairs; tanh/sigmoid only
    dead_fraction: float | None = None  # of neurons that are 0 for every input; ReLU only

    @property
    def name(self) -> str:
        return f"layer {self.index + 1} ({self.activation})"


def layer_stats(model: MLP, X: Sequence[Sequence[float]] | None = None) -> list[LayerStats]:
    """Per-layer gradient and activation statistics; call after ``loss.backward()``.

    ``X`` (data points) adds activation mean/std, saturation and dead-ReLU fractions.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"layer_stats expects an MLP, got {type(model).__name__}.")
    stats = []
    for i, layer in enumerate(model.layers):
        grads = [w.grad for n in layer.neurons for w in n.w]
        activation = layer.neurons[0].activation
        stats.append(
            LayerStats(
                i, activation, len(layer.neurons), grads, sum(abs(g) for g in grads) / len(grads)
            )  # fmt: skip
        )
    if X:
        for s, columns in zip(stats, float_columns(model, X)):
            _add_activation_stats(s, columns)
    return stats


def _add_activation_stats(s: LayerStats, columns: list[list[float]]) -> None:
    """Plain floats: a diverging network gives inf or nan here, never an OverflowError."""
    values = [v for col in columns for v in col]
    n = len(values)
    s.act_mean = sum(values) / n
    s.act_std = math.sqrt(sum((v - s.act_mean) * (v - s.act_mean) for v in values) / n)
    if s.activation == "tanh":
        s.saturated_fraction = sum(abs(v) > SATURATED for v in values) / n
    elif s.activation == "sigmoid":
        s.saturated_fraction = sum(abs(2 * v - 1) > SATURATED for v in values) / n
    elif s.activation == "relu":
        s.dead_fraction = sum(not any(col) for col in columns) / len(columns)


def plot_gradient_flow(
    model_or_stats: MLP | Sequence[LayerStats],
    X: Sequence[Sequence[float]] | None = None,
    fig: Any = None,
    *,
    title: str | None = None,
) -> Any:
    """Three panels: mean |grad| per layer (log scale), grad histograms, dead/saturated units.

    Returns the Figure. Pass the model (after ``backward()``) and optionally data
    ``X``, or the list from ``layer_stats``.
    """
    stats = model_or_stats if isinstance(model_or_stats, list) else layer_stats(model_or_stats, X)
    if fig is None:
        fig = pyplot().figure(figsize=(13, 3.8), layout="constrained")
    ax_mean, ax_hist, ax_units = fig.subplots(1, 3)
    layers = [s.index + 1 for s in stats]

    means = [max(s.grad_mean_abs, 1e-30) for s in stats]  # log scale cannot show 0
    ax_mean.bar(layers, means, color=palette.LINE_COLORS["grad"], zorder=3)
    ax_mean.set_yscale("log")
    _log_ticks(ax_mean, means)
    ax_mean.set_xticks(layers)
    decorate(ax_mean, "mean |grad| of weights", "layer (input → output)", "mean |grad|")

    _grad_histograms(ax_hist, stats)

    _unit_bars(ax_units, stats, layers)
    if title:
        fig.suptitle(title, fontsize=13)
    return fig


def _unit_bars(ax: Any, stats: Sequence[LayerStats], layers: list[int]) -> None:
    """Dead ReLUs and saturated tanh/sigmoid units per layer (only the kinds present)."""
    kinds = [
        ("dead_fraction", "dead ReLU (0 for every input)", palette.CLASS_COLORS[1]),
        ("saturated_fraction", "saturated tanh/sigmoid (slope < 0.06)", palette.CLASS_COLORS[0]),
    ]
    present = [k for k in kinds if any(getattr(s, k[0]) is not None for s in stats)]
    width = 0.8 / max(len(present), 1)
    for j, (attr, label, color) in enumerate(present):
        offset = (j - (len(present) - 1) / 2) * width
        values = [getattr(s, attr) or 0.0 for s in stats]
        ax.bar([k + offset for k in layers], values, width=width, color=color, label=label,
               zorder=3)  # fmt: skip
    ax.set_ylim(0, 1.05)
    ax.set_xticks(layers)
    decorate(ax, "units that pass back ~no gradient", "layer", "fraction of units")
    if present:
        ax.legend(fontsize=8, loc="upper left")
    else:
        ax.text(0.5, 0.5, "pass X= (data) to measure", ha="center", va="center",
                transform=ax.transAxes, color="#777777")  # fmt: skip


def _log_ticks(ax: Any, values: Sequence[float]) -> None:
    """Readable ticks on a log axis, also when the values span less than two decades."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    if max(values) / min(values) < 100:
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _grad_histograms(ax: Any, stats: Sequence[LayerStats]) -> None:
    """log10 |grad| per layer as stacked outlines, so tiny and huge gradients both show."""
    cmap = pyplot().get_cmap("viridis")
    logs = [[math.log10(abs(g)) for g in s.grads if g != 0] for s in stats]
    flat = [v for layer in logs for v in layer]
    if not flat:
        ax.text(0.5, 0.5, "all gradients are 0", ha="center", transform=ax.transAxes)
        return
    lo, hi = min(flat), max(flat)
    bins = [lo + (hi - lo + 1e-9) * k / 30 for k in range(31)]
    for k, (s, values) in enumerate(zip(stats, logs)):
        color = cmap(k / max(len(stats) - 1, 1))
        ax.hist(values, bins=bins, histtype="step", lw=1.6, color=color, label=f"{s.index + 1}")
    decorate(ax, "distribution of weight grads", "log₁₀ |grad|", "count")
    ax.legend(title="layer", fontsize=7, title_fontsize=8, ncol=2, loc="upper left")
