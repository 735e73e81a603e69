"""Evaluate a network with plain floats: the same arithmetic, no graph.

Plotting a decision boundary needs the model at ten thousand grid points and
never needs gradients. Building ``Value`` graphs there would be wasted work, so
for ``Neuron``, ``Layer`` and ``MLP`` we walk the layers with floats, doing the
exact operations ``weighted_sum`` and the activations do, in the same order,
which gives bit-for-bit the same numbers (the tests check this). Any other
model is simply called.

``batch_forward`` does the same for many points at once with NumPy arrays:
element by element, a float64 multiply or add is the same IEEE operation as
Python's, and tanh/sigmoid still go through ``math``, so the numbers stay
identical while the grid takes a fraction of the time.

``float_columns`` is the same walk for many points in plain Python, one list
per neuron: no NumPy, so it also runs where NumPy is not installed (the
playground, and a browser running Python without it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from micrograd.engine import Value
from micrograd.errors import require
from micrograd.nn import ACTIVATIONS, MLP, Layer, Neuron

_FLOAT_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "relu": lambda x: x if x > 0 else 0.0,
    "tanh": math.tanh,
    "linear": lambda x: x,
}


def _activation(name: str) -> Callable[[float], float]:
    if name in _FLOAT_ACTIVATIONS:
        return _FLOAT_ACTIVATIONS[name]
    return lambda x: ACTIVATIONS[name](Value(x)).data  # e.g. sigmoid: reuse the engine's formula


def _neuron(neuron: Neuron, x: Sequence[float]) -> float:
    total = neuron.b.data
    for w, xi in zip(neuron.w, x):
        total += w.data * xi
    return _activation(neuron.activation)(total)


def _layer(layer: Layer, x: Sequence[float]) -> list[float]:
    return [_neuron(n, x) for n in layer.neurons]


def layer_outputs(model: MLP, x: Sequence[float]) -> list[list[float]]:
    """Each layer's outputs for one input point, as floats."""
    out, outputs = [float(v) for v in x], []
    for layer in model.layers:
        out = _layer(layer, out)
        outputs.append(out)
    return outputs


def batch_forward(model: Callable, points: Sequence[Sequence[float]]) -> list:
    """``float_forward`` for every point: a float or a list of floats per point."""
    if not isinstance(model, Neuron | Layer | MLP):
        return [float_forward(model, p) for p in points]
    if isinstance(model, Neuron):
        np = require("numpy", extra="plot", purpose="Evaluating a model on a grid")
        return _column_neuron(np, model, _columns(np, points)).tolist()
    columns = layer_columns(model, points)[-1]
    if len(columns) == 1:
        return columns[0].tolist()
    np = require("numpy", extra="plot", purpose="Evaluating a model on a grid")
    return np.stack(columns, axis=1).tolist()


def layer_columns(model: Layer | MLP, points: Sequence[Sequence[float]]) -> list[list]:
    """Every layer's outputs: per layer, one NumPy array per neuron (over the points)."""
    np = require("numpy", extra="plot", purpose="Evaluating a model on a grid")
    columns = _columns(np, points)
    outputs = []
    for layer in model.layers if isinstance(model, MLP) else [model]:
        columns = [_column_neuron(np, n, columns) for n in layer.neurons]
        outputs.append(columns)
    return outputs


def float_columns(model: Layer | MLP, points: Sequence[Sequence[float]]) -> list[list[list[float]]]:
    """Every layer's outputs in plain floats: per layer, one list per neuron (over the points).

    The same sums in the same order as ``weighted_sum`` (the bias, then each
    weight times its input, left to right), so the numbers are the ones
    ``model(x)`` computes. Overflow gives inf or nan
    rather than an exception: a picture of a diverged network is still a picture.
    """
    columns = [[float(p[i]) for p in points] for i in range(len(points[0]))] if points else []
    outputs = []
    for layer in model.layers if isinstance(model, MLP) else [model]:
        outputs.append([_float_neuron_column(neuron, columns) for neuron in layer.neurons])
        columns = outputs[-1]
    return outputs


def _float_neuron_column(neuron: Neuron, columns: list[list[float]]) -> list[float]:
    """One neuron over all points, input by input: ``((b + w0·x0) + w1·x1) + ...``.

    A list comprehension per input costs far less than a call per point.
    """
    totals = [neuron.b.data] * len(columns[0]) if columns else []
    for w, column in zip(neuron.w, columns):
        weight = w.data
        totals = [t + weight * x for t, x in zip(totals, column)]
    return _float_activation_list(neuron.activation, totals)


def _float_activation_list(name: str, totals: list[float]) -> list[float]:
    if name == "relu":
        return [v if v > 0 else 0.0 for v in totals]
    if name == "linear":
        return totals
    if name == "tanh":
        return [math.tanh(v) for v in totals]
    if name == "sigmoid":
        return [_sigmoid(v) for v in totals]
    f = _activation(name)
    return [f(v) for v in totals]


def _sigmoid(x: float) -> float:
    """The engine's two-form sigmoid, so exp never sees a large positive number."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _columns(np, points: Sequence[Sequence[float]]) -> list:
    return [np.array([float(p[i]) for p in points]) for i in range(len(points[0]))]


def _column_neuron(np, neuron: Neuron, columns: list) -> object:
    total = np.full(len(columns[0]), neuron.b.data)
    for w, x in zip(neuron.w, columns):
        total = total + w.data * x
    if neuron.activation == "relu":
        return np.where(total > 0, total, 0.0)
    if neuron.activation == "linear":
        return total
    f = _activation(neuron.activation)
    return np.array([f(v) for v in total.tolist()])


def float_forward(model: Callable, x: Sequence[float]) -> float | list[float]:
    """``model(x)`` as float(s): a float for one output, a list for several."""
    if isinstance(model, Neuron):
        return _neuron(model, [float(v) for v in x])
    if isinstance(model, Layer | MLP):
        out = [float(v) for v in x]
        for layer in model.layers if isinstance(model, MLP) else [model]:
            out = _layer(layer, out)
        return out[0] if len(out) == 1 else out
    result = model(list(x))
    if isinstance(result, Value | int | float):
        return float(result.data if isinstance(result, Value) else result)
    return [float(v.data if isinstance(v, Value) else v) for v in result]
