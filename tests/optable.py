"""One table of operations, with their oracles and their valid inputs.

Each row names one thing the engine can compute and says how to compute it
three times over:

* with micrograd (the code under test),
* with sympy (an exact symbolic formula, which sympy differentiates for us),
* with PyTorch (an independent float64 autograd).

It also says which inputs are valid: one ``Arg`` per argument, with a range,
an optional gap around 0 (a pole or a kink) and whether the argument is a
``Value`` or a plain number. The generic tests in ``test_engine_ops.py`` and
the random graphs in ``test_engine_graphs.py`` run over every row, so adding
a row here adds its tests.

The column functions take their arguments in the order of ``args``: a Value
(or sympy symbol, or torch tensor) where the Arg is a Value, and a plain
number where it is a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import lecture_ops
import sympy
from hypothesis import strategies as st

from micrograd.engine import Value, value_sum, weighted_sum


@dataclass(frozen=True)
class Arg:
    """One argument of an op: where valid inputs lie, and how it is passed."""

    lo: float
    hi: float
    gap: float = 0.0  # keep |x| >= gap: away from a pole or a kink at 0
    number: bool = False  # passed as a plain number instead of a Value
    integer: bool = False  # drawn as a Python int

    def strategy(self) -> st.SearchStrategy[float]:
        if self.integer:
            base = st.integers(math.ceil(self.lo), math.floor(self.hi))
        else:
            base = st.floats(self.lo, self.hi, allow_nan=False, allow_infinity=False)
        return base.filter(lambda x: abs(x) >= self.gap) if self.gap else base

    def contains(self, x: float) -> bool:
        return self.lo <= x <= self.hi and abs(x) >= self.gap


@dataclass(frozen=True)
class Op:
    """A row of the table."""

    name: str
    micrograd: Callable[..., Value]
    sympy: Callable[..., Any]
    torch: Callable[..., Any]
    args: tuple[Arg, ...]

    def inputs(self) -> st.SearchStrategy[tuple[float, ...]]:
        """Valid inputs for every argument, Values and numbers alike."""
        return st.tuples(*(a.strategy() for a in self.args))

    @property
    def value_args(self) -> tuple[Arg, ...]:
        return tuple(a for a in self.args if not a.number)

    def split(self, inputs: Sequence[float]) -> tuple[list[float], list[float]]:
        """Inputs -> (those passed as Values, those passed as numbers)."""
        values = [x for a, x in zip(self.args, inputs) if not a.number]
        numbers = [x for a, x in zip(self.args, inputs) if a.number]
        return values, numbers

    def call(self, column: Callable[..., Any], values: Sequence[Any], numbers: Sequence[Any]):
        """Call one column with Values and numbers put back in argument order."""
        values, numbers = iter(values), iter(numbers)
        return column(*(next(numbers) if a.number else next(values) for a in self.args))


# ------------------------------------------------------------------ domains
X = Arg(-10.0, 10.0)  # anywhere, within reason
SMALL = Arg(-3.0, 3.0)  # where repeated use (powers, products) stays moderate
NONZERO = Arg(-5.0, 5.0, gap=0.1)  # a denominator, or away from a kink at 0
POSITIVE = Arg(0.1, 5.0)  # log, sqrt, the base of a real power


def number(arg: Arg) -> Arg:
    return replace(arg, number=True)


def _torch():
    import torch

    return torch


def _relu_sym(x):
    # Written with Abs rather than Piecewise: the derivative of a Piecewise
    # keeps branches that are never taken, such as 1/0 in d/dx 1/relu(x).
    return (x + sympy.Abs(x)) / 2


def _leaky_sym(x, slope=0.01):
    return (x + sympy.Abs(x)) / 2 + slope * (x - sympy.Abs(x)) / 2


def _sigmoid_sym(x):
    return 1 / (1 + sympy.exp(-x))


def _formula(name: str, f: Callable[..., Any], args: tuple[Arg, ...], micrograd=None) -> Op:
    """A row whose sympy and torch columns are the same formula, e.g. ``a + b``.

    The micrograd column is the same formula too, unless given.
    """
    return Op(name, micrograd or f, f, f, args)


def _both_sides(symbol: str, f: Callable[..., Any], left: Arg, right: Arg) -> list[Op]:
    """``a op b`` with Values on both sides, and with a plain number on either side."""
    return [
        _formula(f"Value {symbol} Value", f, (left, right)),
        _formula(f"Value {symbol} number", f, (left, number(right))),
        _formula(f"number {symbol} Value", f, (number(left), right)),
    ]


def _weighted_sum(w1, w2, x1, x2, b):
    return weighted_sum([w1, w2], [x1, x2], b)


def _neuron_formula(w1, w2, x1, x2, b):
    return b + w1 * x1 + w2 * x2


OPS: list[Op] = [
    *_both_sides("+", lambda a, b: a + b, X, X),
    *_both_sides("-", lambda a, b: a - b, X, X),
    *_both_sides("*", lambda a, b: a * b, X, X),
    *_both_sides("/", lambda a, b: a / b, X, NONZERO),
    _formula("-Value", lambda a: -a, (X,)),
    _formula("Value ** int", lambda a, k: a**k, (NONZERO, number(Arg(-3, 4, integer=True)))),
    _formula("Value ** float", lambda a, k: a**k, (POSITIVE, number(Arg(-2.5, 2.5)))),
    _formula("Value ** negative", lambda a, k: a**k, (POSITIVE, number(Arg(-3.0, -0.1)))),
    _formula("Value ** 0.5", lambda a: a**0.5, (POSITIVE,)),
    _formula("Value ** Value", lambda a, b: a**b, (POSITIVE, SMALL)),
    _formula("number ** Value", lambda a, b: a**b, (number(POSITIVE), SMALL)),
    Op("exp", lambda a: a.exp(), sympy.exp, lambda a: a.exp(), (X,)),
    Op("log", lambda a: a.log(), sympy.log, lambda a: a.log(), (Arg(0.01, 100.0),)),
    Op("tanh", lambda a: a.tanh(), sympy.tanh, lambda a: a.tanh(), (X,)),
    Op("sigmoid", lambda a: a.sigmoid(), _sigmoid_sym, lambda a: a.sigmoid(), (Arg(-30, 30),)),
    Op("relu", lambda a: a.relu(), _relu_sym, lambda a: a.relu(), (NONZERO,)),
    Op(
        "leaky_relu()",
        lambda a: a.leaky_relu(),
        _leaky_sym,
        lambda a: _torch().nn.functional.leaky_relu(a),
        (NONZERO,),
    ),
    Op(
        "leaky_relu(slope)",
        lambda a, s: a.leaky_relu(s),
        _leaky_sym,
        lambda a, s: _torch().nn.functional.leaky_relu(a, s),
        (NONZERO, number(Arg(0.0, 0.5))),
    ),
    Op("abs", abs, sympy.Abs, abs, (NONZERO,)),
    Op("sqrt", lambda a: a.sqrt(), sympy.sqrt, lambda a: a.sqrt(), (POSITIVE,)),
    _formula("weighted_sum of Values", _neuron_formula, (X,) * 5, micrograd=_weighted_sum),
    _formula(
        "weighted_sum of numbers",
        _neuron_formula,
        (X, X, number(X), number(X), X),
        micrograd=_weighted_sum,
    ),
    _formula(
        "weighted_sum of a Value and a number",
        _neuron_formula,
        (X, X, X, number(X), X),
        micrograd=_weighted_sum,
    ),
    _formula(
        "value_sum",
        lambda a, b, c: a + b + c,
        (X, X, X),
        micrograd=lambda a, b, c: value_sum([a, b, c]),
    ),
    _formula(
        "value_sum with a number",
        lambda a, k, b: a + k + b,
        (X, number(X), X),
        micrograd=lambda a, k, b: value_sum([a, k, b]),
    ),
]

# The lecture's way of adding an operation: a Value built with the
# three-argument constructor and given its own _backward closure.
OPS += [
    Op("lecture tanh", lecture_ops.tanh, sympy.tanh, lambda a: a.tanh(), (Arg(-5.0, 5.0),)),
    Op("lecture exp", lecture_ops.exp, sympy.exp, lambda a: a.exp(), (X,)),
    _formula("lecture Value * Value", lambda a, b: a * b, (X, X), micrograd=lecture_ops.mul),
    _formula(
        "lecture Value + number", lambda a, k: a + k, (X, number(X)), micrograd=lecture_ops.add
    ),
    _formula(
        "lecture Value ** int",
        lambda a, k: a**k,
        (NONZERO, number(Arg(-3, 4, integer=True))),
        micrograd=lecture_ops.power,
    ),
]

OPS_BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
assert len(OPS_BY_NAME) == len(OPS), "every row needs its own name"
