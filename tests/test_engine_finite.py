"""The finite-number policy: every data, local derivative and gradient is a finite float.

An operation whose result or local derivative would overflow raises
OverflowError naming the operation and its operands; a leaf that is not
finite is refused; and backward() never hands out an inf or a NaN gradient.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_engine_graphs import graphs

from micrograd.engine import Value, value_sum, weighted_sum
from micrograd.optim import SGD


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan, 1e400])
def test_a_leaf_must_be_finite(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


@pytest.mark.parametrize(
    ("make", "op"),
    [
        (lambda: Value(1e308) * 10, r"\*\(1e\+308, 10.0\)"),
        (lambda: Value(1e308) + Value(1e308), r"\+\(1e\+308, 1e\+308\)"),
        (lambda: Value(-1e308) - Value(1e308), r"-\(-1e\+308, 1e\+308\)"),
        (lambda: Value(1.0) / Value(1e-310), r"/\(1.0, 1e-310\)"),
        (lambda: 10 ** Value(400.0), r"\*\*"),
        (lambda: Value(1e200) ** 2, r"\*\*"),
        (lambda: Value(1000.0).exp(), r"exp"),
        (lambda: Value(1e-310).log(), r"log\(1e-310\)"),
        (lambda: Value(-1e308).leaky_relu(100.0), r"leaky_relu"),
        (lambda: weighted_sum([Value(1e308)], [Value(10.0)], 0.0), r"Σw·x\+b"),
        (lambda: value_sum([Value(1e308), Value(1e308)]), r"sum"),
    ],
)
def test_overflow_raises_naming_the_operation(make, op):
    with pytest.raises(OverflowError, match=op):
        make()


def test_an_infinite_local_derivative_is_refused_before_it_becomes_nan():
    """The issue's example: relu(log(1e-310)) had a NaN gradient, then a NaN weight."""
    x = Value(1e-310)
    with pytest.raises(OverflowError, match="local derivative"):
        x.log().relu()


def test_a_gradient_that_overflows_raises_and_names_where():
    x = Value(1e-300)
    y = (x * 1e300) * 1e10  # finite all the way, but dy/dx = 1e310
    with pytest.raises(OverflowError, match="backward"):
        y.backward()


def test_gradients_that_cancel_to_nan_are_caught():
    x = Value(1e-300)
    y = (x * 1e300) * 1e10 + (x * -1e300) * 1e10  # inf - inf in x.grad
    with pytest.raises(OverflowError, match="gradient"):
        y.backward()


def test_an_optimiser_never_writes_nan_into_a_weight():
    w = Value(1e-310)
    with pytest.raises(OverflowError):
        loss = w.log().relu()
        loss.backward()
        SGD([w], lr=0.1).step()
    assert w.data == 1e-310


def test_a_user_op_that_returns_inf_is_refused():
    a = Value(2.0)
    with pytest.raises(OverflowError, match="cube"):
        Value(math.inf, (a,), "cube")
    with pytest.raises(ValueError, match="NaN"):
        Value(math.nan, (a,), "cube")
    with pytest.raises(OverflowError, match="local derivative"):
        Value(8.0, (a,), "cube", _local=(math.inf,))


@given(graph=graphs(), scale=st.sampled_from([1.0, 1e100, 1e200, 1e300, 1e-300]))
def test_backward_never_produces_nan_from_finite_inputs(graph, scale):
    """Random graphs, their leaves scaled towards overflow: either a clear error, or
    every data and gradient finite."""
    try:
        leaves = [Value(x * scale) for x in graph.leaves]
        out = graph.build("micrograd", leaves)
        out.backward()
    except (OverflowError, ValueError, ZeroDivisionError) as error:
        assert str(error)  # a message, never a bare exception
        return
    for node in out.topological_order():
        assert math.isfinite(node.data) and math.isfinite(node.grad)
        assert all(math.isfinite(d) for d in node._local or ())


def test_a_weighted_sum_whose_overflows_cancel_is_an_overflow_not_a_nan():
    with pytest.raises(OverflowError, match="Σw·x"):
        weighted_sum([Value(1e308), Value(1e308)], [10.0, -10.0], 0.0)


def test_a_long_list_of_operands_is_shortened_in_the_message():
    with pytest.raises(OverflowError) as error:
        weighted_sum([Value(1e308)] * 40, [10.0] * 40, 0.0)
    assert "more" in str(error.value) and len(str(error.value)) < 400


def test_a_backward_that_overflows_leaves_every_gradient_as_it_was():
    x, w = Value(1e-300), Value(2.0)
    x.grad, w.grad = 0.25, -1.0
    y = (x * 1e300) * 1e10 + w * w
    with pytest.raises(OverflowError):
        y.backward()
    assert (x.grad, w.grad) == (0.25, -1.0)
    assert all(math.isfinite(v.grad) for v in y.topological_order())


def test_a_huge_int_is_refused_with_context():
    with pytest.raises(OverflowError, match="too large"):
        Value(10**400)
    with pytest.raises(OverflowError, match="too large"):
        Value(1.0) + 10**400


def test_the_sum_of_nothing_is_a_zero_leaf():
    total = value_sum([])
    assert total.data == 0.0 and total._children == ()
    total.backward()
    assert total.grad == 1.0


def test_division_that_overflows_names_the_result_not_the_slope():
    with pytest.raises(OverflowError, match=r"= inf overflows"):
        Value(1e308) / Value(0.1)
