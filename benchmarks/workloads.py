"""The timed workloads, run in a subprocess against whichever ``micrograd`` is on the path.

``run.py`` starts this file once per measurement, with ``PYTHONPATH`` pointing at
either this repository or the isolated reference install, so the two
``micrograd`` packages never share a process. Every workload uses only the API
both engines have (``Value``, ``MLP``, ``+ * relu``, ``backward``,
``parameters``, ``zero_grad``), so both run the very same program on the very
same numbers.

Usage: ``python workloads.py WORKLOAD PARAMS.json`` prints one JSON object.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import tracemalloc

# Imported here, before any timer starts: whichever micrograd PYTHONPATH points at.
from micrograd.engine import Value
from micrograd.nn import MLP

DEMO_SEED = 1337
ALPHA = 1e-4


def _lr(k: int, steps: int = 100) -> float:
    """The classic demo's schedule, 1.0 - 0.9*k/100."""
    return 1.0 - 0.9 * k / steps


def _graph_size(root) -> int:
    """Count the nodes under ``root`` without recursion (``_prev``: both engines have it)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


# ------------------------------------------------------------ the classic demo
def _demo_model():
    random.seed(DEMO_SEED)
    return MLP(2, [16, 16, 1])


def _demo_loss(model, X, y):
    """SVM max-margin loss + L2, written exactly as the classic demo writes it."""
    inputs = [list(map(Value, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
    return data_loss + reg_loss, accuracy


def demo(params: dict) -> dict:
    """100 (or ``steps``) full-batch SGD steps on two moons; returns the time and every loss."""
    X, y, steps = params["X"], params["y"], params["steps"]
    model = _demo_model()
    losses, accuracies = [], []
    start = time.perf_counter()
    for k in range(steps):
        total_loss, acc = _demo_loss(model, X, y)
        model.zero_grad()
        total_loss.backward()
        lr = _lr(k)
        for p in model.parameters():
            p.data -= lr * p.grad
        losses.append(total_loss.data)
        accuracies.append(acc)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "losses": losses, "accuracy": accuracies}


def tutorial(params: dict) -> dict:
    """The original project's demo notebook, step for step as it is written there.

    NumPy arrays go in (so NumPy scalars reach the engine), the loss is built
    with the built-in ``sum``, and the decision boundary is drawn by calling
    ``model`` on every point of a 0.25 mesh, a graph per point.
    """
    import numpy as np

    X = np.array(params["X"])
    y = np.array(params["y"]).astype(int)  # -1 / +1, as the notebook's y*2 - 1
    model = _demo_model()

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss

    losses = []
    start = time.perf_counter()
    for k in range(params["steps"]):
        total_loss = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(float(total_loss.data))
    trained = time.perf_counter()
    h = 0.25
    x_min, x_max = X[:, 0].min() - 1, X[:, 0].max() + 1
    y_min, y_max = X[:, 1].min() - 1, X[:, 1].max() + 1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, h), np.arange(y_min, y_max, h))
    Xmesh = np.c_[xx.ravel(), yy.ravel()]
    inputs = [list(map(Value, xrow)) for xrow in Xmesh]
    scores = list(map(model, inputs))
    boundary = [bool(s.data > 0) for s in scores]
    done = time.perf_counter()
    return {
        "step_seconds": (trained - start) / params["steps"],
        "grid_seconds": done - trained,
        "losses": losses,
        "boundary": boundary,
    }


def grid(params: dict) -> dict:
    """``model(x)`` with a full graph per grid point, as the classic demo draws its boundary."""
    model = _demo_model()
    points = params["points"]
    start = time.perf_counter()
    inputs = [list(map(Value, row)) for row in points]
    scores = [s.data for s in map(model, inputs)]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "scores": scores}


def grid_fast(params: dict) -> dict:
    """The no-graph float path, if this engine offers one (ours only)."""
    try:
        from micrograd.viz.fastforward import float_forward  # used by plot_decision_boundary
    except ImportError:
        return {"skipped": "no float fast path (micrograd.viz.fastforward) in this engine"}
    model = _demo_model()
    start = time.perf_counter()
    scores = [float_forward(model, row) for row in params["points"]]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "scores": scores}


# -------------------------------------------------- graph-building throughput
def _wide(leaves: list[float]):
    """A balanced tree: pairs of values become ``(a + b).relu()`` until one is left."""
    level = [Value(x) for x in leaves]
    while len(level) > 1:
        nxt = [(a + b).relu() for a, b in zip(level[::2], level[1::2])]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _tree(leaves: list[float]):
    """A balanced binary tree: pairs of values become ``a + b`` and ``a * b`` in turn."""
    level = [Value(x) for x in leaves]
    while len(level) > 1:
        pairs = zip(level[::2], level[1::2])
        nxt = [a * b if i % 2 else a + b for i, (a, b) in enumerate(pairs)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _chain(depth: int):
    """``v = v + x`` ``depth`` times: a graph ``depth`` nodes deep."""
    x = Value(0.5)
    v = x
    for _ in range(depth):
        v = v + x
    return v


def throughput(params: dict) -> dict:
    """Nodes built per second and nodes backpropagated per second, over ``copies`` graphs."""
    kind, size, copies = params["kind"], params["size"], params["copies"]
    leaves = [((i * 7919) % 1000) / 1000.0 - 0.5 for i in range(size)]
    build = backward = 0.0
    nodes = 0
    for _ in range(copies):
        t0 = time.perf_counter()
        root = {"wide": _wide, "tree": _tree}[kind](leaves) if kind != "chain" else _chain(size)
        t1 = time.perf_counter()
        root.backward()
        t2 = time.perf_counter()
        build += t1 - t0
        backward += t2 - t1
        nodes += _graph_size(root)
        del root
    return {"nodes": nodes, "build_seconds": build, "backward_seconds": backward}


def deep_chain(params: dict) -> dict:
    """Build and backpropagate one chain ``depth`` nodes deep; report the error if any."""
    depth = params["depth"]
    t0 = time.perf_counter()
    x = Value(0.5)
    root = x
    for _ in range(depth):
        root = root + x
    t1 = time.perf_counter()
    try:
        root.backward()
    except RecursionError as e:
        return {"error": f"RecursionError: {e}", "build_seconds": t1 - t0}
    t2 = time.perf_counter()  # x is the shared leaf: d(root)/dx = depth + 1
    return {"build_seconds": t1 - t0, "backward_seconds": t2 - t1, "x_grad": x.grad}


def memory(params: dict) -> dict:
    """Bytes per graph node (tracemalloc): the graph itself, and the peak during backward."""
    kind = params["kind"]
    if kind == "demo":
        model = _demo_model()
        X, y = params["X"], params["y"]
    else:
        leaves = [((i * 7919) % 1000) / 1000.0 - 0.5 for i in range(params["size"])]
    tracemalloc.start()
    root = _demo_loss(model, X, y)[0] if kind == "demo" else _wide(leaves)
    graph_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    root.backward()
    _, peak_bytes = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    nodes = _graph_size(root)
    return {"nodes": nodes, "graph_bytes": graph_bytes, "peak_bytes": peak_bytes}


# ------------------------------------------------------------------ PyTorch
def _torch_init():
    """The demo's initial weights, drawn in MLP(2, [16, 16, 1])'s order: w's, then b = 0."""
    random.seed(DEMO_SEED)
    layers = []
    for nin, nout in ((2, 16), (16, 16), (16, 1)):
        w = [[random.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
        layers.append((w, [0.0] * nout))
    return layers


def torch_batched(params: dict) -> dict:
    """The demo as a tensor library runs it: one float64 matrix product per layer."""
    try:
        import torch
    except ImportError:
        return {"skipped": "torch is not installed"}
    X = torch.tensor(params["X"], dtype=torch.float64)
    y = torch.tensor(params["y"], dtype=torch.float64).reshape(-1, 1)
    weights = []
    for w, b in _torch_init():
        weights.append(torch.tensor(w, dtype=torch.float64, requires_grad=True))
        weights.append(torch.tensor(b, dtype=torch.float64, requires_grad=True))
    losses = []
    start = time.perf_counter()
    for k in range(params["steps"]):
        h = X
        for i in range(0, len(weights), 2):
            h = h @ weights[i].T + weights[i + 1]
            if i < len(weights) - 2:
                h = h.relu()
        data_loss = (1 - y * h).relu().sum() * (1.0 / len(y))
        reg_loss = ALPHA * sum((p * p).sum() for p in weights)
        total = data_loss + reg_loss
        for p in weights:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in weights:
                p -= _lr(k) * p.grad
        losses.append(total.item())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "losses": losses}


def torch_scalar(params: dict) -> dict:
    """The demo written micrograd-style in PyTorch: every weight a 0-d float64 tensor."""
    try:
        import torch
    except ImportError:
        return {"skipped": "torch is not installed"}

    def scalar(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    layers = [
        ([[scalar(v) for v in row] for row in w], [scalar(v) for v in b]) for w, b in _torch_init()
    ]
    parameters = [p for w, b in layers for row, bias in zip(w, b) for p in (*row, bias)]
    X = [[torch.tensor(v, dtype=torch.float64) for v in row] for row in params["X"]]
    losses = []
    start = time.perf_counter()
    for k in range(params["steps"]):
        scores = []
        for row in X:
            h = row
            for i, (w, b) in enumerate(layers):
                out = [sum((wi * xi for wi, xi in zip(ws, h)), bias) for ws, bias in zip(w, b)]
                h = out if i == len(layers) - 1 else [o.relu() for o in out]
            scores.append(h[0])
        hinge = [(1 + -yi * si).relu() for yi, si in zip(params["y"], scores)]
        total = sum(hinge) * (1.0 / len(hinge)) + ALPHA * sum(p * p for p in parameters)
        for p in parameters:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in parameters:
                p -= _lr(k) * p.grad
        losses.append(total.item())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "losses": losses}


WORKLOADS = {
    f.__name__: f
    for f in (
        demo,
        tutorial,
        grid,
        grid_fast,
        throughput,
        deep_chain,
        memory,
        torch_batched,
        torch_scalar,
    )
}

if __name__ == "__main__":
    name, params_path = sys.argv[1], sys.argv[2]
    with open(params_path, encoding="utf-8") as f:
        result = WORKLOADS[name](json.load(f))
    if "micrograd" in sys.modules:  # lets run.py check that the intended engine ran
        result["engine"] = os.path.dirname(sys.modules["micrograd"].__file__)
    json.dump(result, sys.stdout)
