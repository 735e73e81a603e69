"""Independent answers to check the engine against.

Each oracle takes ``build``, a function from a list of leaves to an output, and
the point (a list of floats) to evaluate at. It makes leaves of its own kind
(micrograd Values, sympy symbols, torch tensors or plain floats), builds the
output and returns ``(value, [d value / d leaf for each leaf])``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import sympy

from micrograd.engine import Value

Point = Sequence[float]
Answer = tuple[float, list[float]]


def micrograd(build: Callable[[list[Value]], Value], point: Point) -> Answer:
    """The engine under test: forward, then ``backward()``."""
    leaves = [Value(x) for x in point]
    out = build(leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def exact(x: float) -> sympy.Expr:
    """A float (or int) as the sympy number of exactly the same value."""
    return sympy.Integer(x) if isinstance(x, int) else sympy.Float(x, 30)


def symbolic(build: Callable[..., Any], n_leaves: int, n_numbers: int = 0):
    """Exact derivatives: ``sympy.diff`` of the formula, evaluated to 30 digits.

    ``build(leaves, numbers)`` gets sympy symbols for both; the leaves are
    differentiated, the numbers are only filled in. Differentiating once and
    compiling the result (``lambdify`` to mpmath) makes each evaluation cheap.
    Returns ``at(point, numbers=()) -> (value, grads)``.
    """
    leaves = sympy.symbols(f"x:{n_leaves}", real=True)
    numbers = sympy.symbols(f"k:{n_numbers}", real=True)
    expr = sympy.sympify(build(list(leaves), list(numbers)))
    formulas = [expr, *(sympy.diff(expr, leaf) for leaf in leaves)]
    compiled = sympy.lambdify([*leaves, *numbers], formulas, "mpmath")

    def at(point: Point, numbers: Sequence[float] = ()) -> Answer:
        exact = [k if isinstance(k, int) else mpmath.mpf(k) for k in (*point, *numbers)]
        with mpmath.workdps(30):
            results = compiled(*exact)
        for r in results:
            if isinstance(r, mpmath.mpc):
                raise AssertionError(f"sympy gives {r} (not a real number) for {expr} at {point}")
        value, *grads = (float(r) for r in results)
        return value, grads

    return at


def torch64(torch: Any, build: Callable[[list[Any]], Any], point: Point) -> Answer:
    """PyTorch's autograd in float64 (pass the imported module)."""
    leaves = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in point]
    out = build(leaves)
    out.backward()
    grads = [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]
    return out.item(), grads


def finite_differences(f: Callable[[list[float]], float], point: Point, h: float = 1e-6) -> Answer:
    """Central differences (f(x+h) - f(x-h)) / 2h, one leaf at a time.

    The step grows with |x| so that x + h differs from x in enough digits.
    """
    point = [float(x) for x in point]
    grads = []
    for i, x in enumerate(point):
        step = h * max(1.0, abs(x))
        up, down = list(point), list(point)
        up[i], down[i] = x + step, x - step
        grads.append((f(up) - f(down)) / (up[i] - down[i]))
    return f(point), grads
