"""The network lab's close-ups, as JSON the page draws itself: a point, a neuron, whole sets.

* ``evaluate``: loss and accuracy on all the points of a set, with plain floats.
* ``point``: one point's way through the network (each neuron's input sum,
  output and the gradient of the point's loss with respect to it), and why
  the gradients are zero when they are.
* ``neuron``: one neuron's formula with its numbers, its weights, their
  gradients, and the change the optimiser will make at the next step.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Sequence

from micrograd.losses import accuracy, l2_regularization
from micrograd.training import LOSSES
from micrograd.viz.fastforward import float_columns


# ------------------------------------------------------------------ whole sets
def scores(model, X: Sequence) -> list:
    """The model's outputs for every point: a float each, or a list per point (classes)."""
    if not X:
        return []
    output = float_columns(model, X)[-1]
    return output[0] if len(output) == 1 else [list(row) for row in zip(*output)]


def _point_losses(outputs: list, y: Sequence, loss: str) -> list[float]:
    if loss == "svm":  # hinge: max(0, 1 - label*score), label -1/+1
        return [max(0.0, 1.0 - (1.0 if t == 1 else -1.0) * s) for s, t in zip(outputs, y)]
    losses = []  # softmax cross-entropy, with the largest score taken out first
    for row, t in zip(outputs, y):
        m = max(row)
        losses.append(math.log(sum(math.exp(z - m) for z in row)) + m - row[t])
    return losses


def evaluate(model, X: Sequence, y: Sequence, loss: str, *, strict: bool = True) -> tuple:
    """(mean data loss, accuracy) on every point of ``X``; a non-finite loss raises
    FloatingPointError (unless ``strict=False``), like the training loop's own check."""
    outputs = scores(model, X)
    try:
        total = sum(_point_losses(outputs, y, loss)) * (1.0 / len(X))
    except (OverflowError, ValueError):
        total = math.inf
    if strict and not math.isfinite(total):
        raise FloatingPointError(f"the loss on all {len(X)} points is {total}")
    labels = [1 if t == 1 else -1 for t in y] if loss == "svm" else list(y)
    return total, accuracy(outputs, labels)


def zero_loss_points(model, X: Sequence, y: Sequence, loss: str) -> list[int]:
    """Indices of the points whose loss is exactly 0: they pass back no gradient at all."""
    return [i for i, v in enumerate(_point_losses(scores(model, X), y, loss)) if v == 0.0]


# ------------------------------------------------------------------ one point
def point(model, x: Sequence[float], label: int, loss: str) -> dict:
    """One point through the network, with the gradients of its own loss (the model's
    gradients from the last training step are put back afterwards)."""
    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        model.zero_grad()
        layers, out = [], list(x)
        for layer in model.layers:
            inputs = [v.data if hasattr(v, "data") else v for v in out]
            result = layer(out)
            out = result if isinstance(result, list) else [result]
            pre = [
                sum(map(operator.mul, [w.data for w in n.w], inputs), n.b.data)
                for n in layer.neurons
            ]
            layers.append((pre, out))
        target = (1 if label == 1 else -1) if loss == "svm" else label
        score = out[0] if loss == "svm" else out
        value = LOSSES[loss]([score], [target])
        value.backward()
        answer_layers = [
            {
                "pre": pre,
                "out": [v.data for v in outs],
                "grad": [v.grad for v in outs],  # d(this point's loss) / d(neuron output)
                "weightGrads": [[*(w.grad for w in n.w), n.b.grad] for n in layer.neurons],
            }
            for (pre, outs), layer in zip(layers, model.layers)
        ]
    finally:
        for p, g in zip(params, saved):
            p.grad = g
    scores_out = score.data if loss == "svm" else [s.data for s in score]
    return {
        "x": list(x),
        "label": label,
        "score": scores_out,
        "loss": value.data,
        "layers": answer_layers,
        "zero": value.data == 0.0,
        "why": _why(loss, scores_out, target, value.data, answer_layers),
    }


def point_svg(model, x: Sequence[float], label: int, loss: str) -> str:
    """The older server-drawn picture of ``point`` (needs the drawing extras)."""
    from micrograd.viz.neurons import draw_neurons

    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        model.zero_grad()
        score = model(x)
        target = (1 if label == 1 else -1) if loss == "svm" else label
        LOSSES[loss]([score], [target]).backward()
        return draw_neurons(model, x, engine="auto").pipe("svg").decode()
    finally:
        for p, g in zip(params, saved):
            p.grad = g


def _why(loss: str, score, target: int, value: float, layers: list[dict]) -> str:
    """A sentence on this point's gradients: why they are zero, or where they stop."""
    if value == 0.0 and loss == "svm":
        margin = target * score
        return (
            f"label × score = {margin:.4g} ≥ 1: the point is classified right with room to "
            f"spare, so its hinge loss max(0, 1 − {margin:.4g}) is 0 and it sends back no "
            "gradient at all. Only points inside the margin or misclassified teach the network."
        )
    if value == 0.0:
        return "its loss is 0 (the model is certain and right), so every gradient is 0."
    dead = sum(1 for layer in layers[:-1] for g, o in zip(layer["grad"], layer["out"]) if o == 0)
    if dead:
        return (
            f"its loss is {value:.4g}, so gradients flow back; {dead} ReLU neuron(s) output 0 "
            "for this point and pass back no gradient to their weights (their slope is 0 there)."
        )
    return f"its loss is {value:.4g}, so every weight on its way gets a gradient."


# ------------------------------------------------------------------ one neuron
def neuron(run, layer: int, index: int) -> dict:
    """The neuron's formula with its numbers, weights, gradients and the optimiser's next step."""
    model = run.model
    n = model.layers[layer].neurons[index]
    sources = (
        [f"x{i + 1}" for i in range(len(n.w))]
        if layer == 0
        else [f"L{layer}·N{i + 1}" for i in range(len(n.w))]
    )
    nxt = _next_changes(run, [*n.w, n.b])
    weights = [
        {"from": s, "data": w.data, "grad": w.grad, "next": d}
        for s, w, d in zip(sources, n.w, nxt[:-1])
    ]
    weights.append({"from": "bias", "data": n.b.data, "grad": n.b.grad, "next": nxt[-1]})
    act = n.activation
    terms = " + ".join(f"{w.data:.3g}·{s}" for w, s in zip(n.w, sources))
    wrap = (lambda t: t) if act == "linear" else (lambda t: f"{act}({t})")
    return {
        "layer": layer,
        "index": index,
        "activation": act,
        "formula": wrap("w·x + b"),
        "formulaNumbers": wrap(f"{terms} + {n.b.data:.3g}"),
        "weights": weights,
        "optimizer": run.config.optimizer,
        "nextNote": (
            "next: the change the optimiser will make at the next step "
            f"({run.config.optimizer}, lr {run.schedule(run.steps):.3g}), from that step's "
            "gradient and the optimiser's memory."
        ),
    }


def _next_changes(run, params: list) -> list[float | None]:
    """How much the next training step will move each of ``params`` (None if it would fail).

    The gradient is computed as the next step will compute it (its batch, the
    L2 term), then put through the optimiser's rule with its current memory,
    without changing the optimiser or the model.
    """
    c, k, model = run.config, run.steps, run.model
    everything = model.parameters()
    saved = [p.grad for p in everything]
    try:
        n = len(run.X)
        batch = range(n)
        if 0 < c.batch < n:
            batch = random.Random(c.seed * 100_003 + k).sample(range(n), c.batch)
        if run.loss == "svm":
            out = [model(run.X[i]) for i in batch]
            targets = [1 if run.y[i] == 1 else -1 for i in batch]
        else:
            out = [model(run.X[i]) for i in batch]
            targets = [run.y[i] for i in batch]
        total = LOSSES[run.loss](out, targets) + l2_regularization(everything, c.l2)
        model.zero_grad()
        total.backward()
        grads = [p.grad for p in params]
    except (ArithmeticError, ValueError):
        return [None] * len(params)
    finally:
        for p, g in zip(everything, saved):
            p.grad = g
    opt, lr = run.optimizer, run.schedule(k)
    position = {id(p): i for i, p in enumerate(opt.params)}
    changes = []
    for p, g in zip(params, grads):
        i = position[id(p)]
        if c.optimizer == "adam":
            b1, b2 = opt.betas
            t = opt.t + 1
            m = b1 * opt.m[i] + (1 - b1) * g
            v = b2 * opt.v[i] + (1 - b2) * g * g
            step = lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + opt.eps)
        else:
            velocity = opt.velocity[i]
            if opt.momentum:
                g = g if velocity is None else opt.momentum * velocity + g
            step = lr * g
        changes.append(-step)
    return changes
