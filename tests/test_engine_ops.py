"""Every row of the op table, checked against three oracles.

For each op and many valid inputs (drawn by Hypothesis from the row's domain)
the value and the gradient of every Value argument must match

* central finite differences of micrograd's own forward pass,
* sympy's exact derivative of the same formula,
* PyTorch's float64 autograd (skipped when PyTorch is not installed).

Nothing here names a particular op: add a row to ``optable.OPS`` and it is
tested here automatically.
"""

from __future__ import annotations

import functools

import oracles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from optable import OPS, Op

from micrograd.engine import Value

ROWS = pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
# Each row is one small function, and there are three tests per row: a quarter
# of the profile's examples per test keeps the whole table quick.
PER_ROW = settings(max_examples=max(10, settings().max_examples // 4))


@functools.cache
def _symbolic(op: Op):
    """The row's sympy formula, differentiated once per row."""
    n_numbers = len(op.args) - len(op.value_args)
    return oracles.symbolic(
        lambda leaves, numbers: op.call(op.sympy, leaves, numbers), len(op.value_args), n_numbers
    )


def every_row(test):
    """Run ``test(op, data)`` for every row, with Hypothesis drawing the inputs."""
    return ROWS(PER_ROW(given(data=st.data())(test)))


def _draw_and_run(op: Op, data) -> tuple[list, list, float, list[float]]:
    """Valid inputs for the row, split into Values and numbers, and micrograd's answer."""
    inputs = data.draw(op.inputs(), label="inputs")
    values, numbers = op.split(inputs)
    value, grads = oracles.micrograd(lambda leaves: op.call(op.micrograd, leaves, numbers), values)
    return values, numbers, value, grads


@every_row
def test_gradient_matches_finite_differences(op: Op, data):
    values, numbers, value, grads = _draw_and_run(op, data)

    def forward(point: list[float]) -> float:
        return op.call(op.micrograd, [Value(x) for x in point], numbers).data

    fd_value, fd_grads = oracles.finite_differences(forward, values)
    assert value == fd_value
    scale = max(1.0, abs(value))
    assert grads == pytest.approx(fd_grads, rel=1e-6, abs=1e-6 * scale)


@every_row
def test_value_and_gradient_match_sympy(op: Op, data):
    values, numbers, value, grads = _draw_and_run(op, data)
    exact_value, exact_grads = _symbolic(op)(values, numbers)
    assert value == pytest.approx(exact_value, rel=1e-12, abs=1e-14)
    assert grads == pytest.approx(exact_grads, rel=1e-10, abs=1e-12)


@every_row
def test_value_and_gradient_match_torch(torch, op: Op, data):
    values, numbers, value, grads = _draw_and_run(op, data)
    torch_value, torch_grads = oracles.torch64(
        torch, lambda leaves: op.call(op.torch, leaves, numbers), values
    )
    assert value == pytest.approx(torch_value, rel=1e-12, abs=1e-14)
    assert grads == pytest.approx(torch_grads, rel=1e-10, abs=1e-12)


def test_the_table_covers_every_operation_of_value():
    """A new public method of Value needs a row (or a place in the exempt list)."""
    attributes = {"data", "grad", "label"}
    exempt = {"backward", "topological_order"}
    methods = {name for name in dir(Value) if not name.startswith("_")} - attributes - exempt
    names = " ".join(op.name for op in OPS)
    assert {m for m in methods if m not in names} == set(), "add rows to tests/optable.py"
    for symbol in ("+", "-", "*", "/", "**"):
        for row in (f"Value {symbol} Value", f"Value {symbol} number", f"number {symbol} Value"):
            assert row in names or symbol == "**", row
    assert {"weighted_sum of Values", "value_sum", "-Value", "abs"} <= {op.name for op in OPS}
