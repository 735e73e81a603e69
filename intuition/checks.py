"""What each code-writing exercise of the course is checked against.

Each ``*_test(...)`` returns a test for ``selfcheck.check_code``: a function that
takes the learner's function and returns None when it is right, or one sentence
saying what is wrong. The oracle is always the library: its ``Value`` and
``backward()``, ``micrograd.gradcheck`` (finite differences), its ``Neuron``
and its ``SGD``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from micrograd import MLP, Neuron, Value
from micrograd.gradcheck import gradcheck
from micrograd.losses import mse_loss
from micrograd.optim import SGD

Test = Callable[[Callable], "str | None"]


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return isinstance(a, int | float) and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# ------------------------------------------------------------- notebook 1
def _expressions(V: type) -> list[tuple[str, Callable[[], tuple]]]:
    """Small graphs built from + and * only, in any Value-like class ``V``."""

    def running_example():
        a, b, c, f = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c"), V(-2.0, label="f")
        return (a * b + c) * f, [a, b, c, f]

    def used_twice():
        x, y, z = V(3.0, label="x"), V(-1.0, label="y"), V(2.0, label="z")
        return (x * y + z) * x, [x, y, z]

    def a_plus_a():
        a = V(3.0, label="a")
        return a + a, [a]

    return [
        ("L = (a·b + c)·f", running_example),
        ("g = (x·y + z)·x", used_twice),
        ("b = a + a", a_plus_a),
    ]


def _reachable(root) -> list:
    seen, stack = {id(root): root}, [root]
    while stack:
        for child in stack.pop()._children:
            if id(child) not in seen:
                seen[id(child)] = child
                stack.append(child)
    return list(seen.values())


def topological_order_test(V: type) -> Test:
    """The order holds every value of the graph once, each after all of its children."""

    def test(topological_order: Callable) -> str | None:
        for name, build in _expressions(V):
            root, _ = build()
            order = topological_order(root)
            if not isinstance(order, list):
                return f"for {name} it returned {type(order).__name__}, not a list of values"
            everything = _reachable(root)
            if len(order) != len(everything) or {id(v) for v in order} != {
                id(v) for v in everything
            }:
                return (
                    f"for {name} the graph has {len(everything)} values, each to be listed "
                    f"once, but your list has {len(order)} entries"
                )
            place = {id(v): i for i, v in enumerate(order)}
            for v in order:
                for child in v._children:
                    if place[id(child)] > place[id(v)]:
                        return f"for {name}, {v} comes before its child {child}"
        return None

    return test


def backward_test(V: type) -> Test:
    """Every gradient equals the library's ``backward()`` on the same expression."""

    def test(backward: Callable) -> str | None:
        for (name, build), (_, build_library) in zip(_expressions(V), _expressions(Value)):
            root, leaves = build()
            backward(root)
            lib_root, lib_leaves = build_library()
            lib_root.backward()
            if not _close(root.grad, 1.0):
                return f"for {name} the output's grad is {root.grad!r}; the seed must be 1.0"
            for mine, theirs in zip(leaves, lib_leaves):
                if not _close(mine.grad, theirs.grad):
                    return (
                        f"for {name}, d/d{mine.label} came out {mine.grad!r}, "
                        f"but the library says {theirs.grad!r}"
                    )
        return None

    return test


# ------------------------------------------------------------- notebook 2
# name of the op -> (apply it to a Value-like x, where to check it)
OPERATIONS: dict[str, tuple[Callable, list[float]]] = {
    "x ** 3": (lambda x: x**3, [-1.5, 0.5, 2.0]),
    "x ** -2": (lambda x: x**-2, [-1.5, 0.5, 2.0]),
    "exp(x)": (lambda x: x.exp(), [-1.0, 0.0, 1.7]),
    "tanh(x)": (lambda x: x.tanh(), [-2.0, 0.3, 1.0]),
    "relu(x)": (lambda x: x.relu(), [-1.3, 0.4, 2.5]),
}


def local_derivative_test(V: type, ops: list[str]) -> Test:
    """Each of ``V``'s ``ops`` gives the gradient that finite differences (``gradcheck``) measure.

    The learner's function is already wired into ``V``; the test only runs ``V``.
    """

    def test(_local: Callable) -> str | None:
        for op in ops:
            apply, points = OPERATIONS[op]
            for x0 in points:
                x = V(x0)
                out = apply(x)
                out.backward()
                numeric = gradcheck(lambda v, apply=apply: apply(v[0]), [x0]).numeric[0]
                if not _close(out.data, apply(Value(x0)).data):
                    return f"{op} at x = {x0}: the value is {out.data!r}; it should not change"
                if not _close(x.grad, numeric, 1e-5):
                    return (
                        f"{op} at x = {x0}: backward() gives {x.grad!r}, but nudging x "
                        f"(gradcheck) measures {numeric:.6g}"
                    )
        return None

    return test


def neuron_test() -> Test:
    """``neuron(xs, ws, b)`` agrees with the library's tanh ``Neuron``: output and gradients."""

    def test(neuron: Callable) -> str | None:
        rng = random.Random(7)
        for n_inputs in (1, 2, 5):
            xs0 = [rng.uniform(-2, 2) for _ in range(n_inputs)]
            ws0 = [rng.uniform(-1, 1) for _ in range(n_inputs)]
            b0 = rng.uniform(-1, 1)
            xs, ws, b = [Value(x) for x in xs0], [Value(w) for w in ws0], Value(b0)
            out = neuron(xs, ws, b)
            if not isinstance(out, Value):
                return f"it returned {type(out).__name__}; return the neuron's output, a Value"
            lib = Neuron(n_inputs, activation="tanh")
            lib.load_state_dict({**{f"w.{i}": w for i, w in enumerate(ws0)}, "b": b0})
            lib_xs = [Value(x) for x in xs0]
            lib_out = lib(lib_xs)
            if not _close(out.data, lib_out.data):
                return (
                    f"with {n_inputs} inputs the output is {out.data:.6g}, but tanh(w·x + b) "
                    f"is {lib_out.data:.6g}"
                )
            out.backward()
            lib_out.backward()
            pairs = [*zip(ws, lib.w), (b, lib.b), *zip(xs, lib_xs)]
            if not all(_close(m.grad, t.grad) for m, t in pairs):
                return f"with {n_inputs} inputs the output is right but a gradient is not"
        return None

    return test


def training_step_test() -> Test:
    """``training_step(model, X, targets, lr)`` moves every weight exactly as the library does."""

    def test(training_step: Callable) -> str | None:
        X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0]]
        targets = [1.0, -1.0, -1.0]
        random.seed(5)
        mine = MLP(3, [4, 1], activation="tanh")
        theirs = MLP(3, [4, 1], activation="tanh")
        theirs.load_state_dict(mine.state_dict())
        opt = SGD(theirs.parameters(), lr=0.05)
        for step in range(3):  # three steps: forgetting zero_grad() shows from the second on
            loss = training_step(mine, X, targets, 0.05)
            expected = mse_loss([theirs(x) for x in X], targets)
            opt.zero_grad()
            expected.backward()
            opt.step()
            got = getattr(loss, "data", loss)
            if not _close(got, expected.data):
                return f"step {step}: it returned the loss {got!r}, expected {expected.data!r}"
            for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
                if not _close(p.data, q.data):
                    why = " (did you zero the gradients?)" if step else ""
                    return f"after step {step}, {name} is {p.data:.6g}, not {q.data:.6g}{why}"
        return None

    return test
