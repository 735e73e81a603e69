import math

import pytest

from micrograd.engine import Value, value_sum
from micrograd.gradcheck import GradcheckError, GradcheckResult, gradcheck


def test_correct_gradients_pass():
    result = gradcheck(lambda v: (v[0] * v[1] + v[2].exp()).tanh() / v[1], [0.5, -1.5, 0.2])
    assert isinstance(result, GradcheckResult)
    assert result.ok and bool(result)
    assert result.max_abs_error < 1e-7
    assert len(result.analytic) == len(result.numeric) == 3


def test_analytic_and_numeric_are_the_true_derivatives():
    result = gradcheck(lambda v: v[0] ** 3 * v[1], [2.0, 0.5])
    assert result.analytic == [pytest.approx(3 * 4 * 0.5), pytest.approx(8.0)]
    assert result.numeric == pytest.approx([6.0, 8.0], rel=1e-8)
    assert result.inputs == [2.0, 0.5]


def broken_square(x: Value) -> Value:
    """x**2 with a wrong local derivative (x instead of 2x)."""
    return Value(x.data**2, (x,), "bad_square", _local=(x.data,))


def test_a_wrong_local_derivative_is_caught():
    result = gradcheck(lambda v: broken_square(v[0]) + v[1], [3.0, 1.0])
    assert not result.ok
    assert result.passed == [False, True]
    assert result.analytic[0] == 3.0
    assert result.numeric[0] == pytest.approx(6.0)
    assert result.max_abs_error == pytest.approx(3.0)
    assert result.max_rel_error == pytest.approx(0.5)
    assert "mismatch" in str(result) and "FAILED" in str(result)


def test_raise_on_failure_shows_the_table():
    with pytest.raises(GradcheckError, match="FAILED"):
        gradcheck(lambda v: broken_square(v[0]), [3.0], raise_on_failure=True)
    assert gradcheck(lambda v: v[0] * v[0], [3.0], raise_on_failure=True).ok


def test_inputs_are_left_untouched_and_labels_are_used():
    a = Value(1.5, label="a")
    b = Value(-0.5)
    a.grad = 7.0
    result = gradcheck(lambda v: v[0] * v[1], [a, b])
    assert (a.data, a.grad, b.grad) == (1.5, 7.0, 0.0)
    assert result.labels == ["a", "x[1]"]
    table = str(result)
    assert "backward()" in table and "OK" in table and " a " in table


def test_tolerances_decide():
    # Finite differences are never exact (error ~1e-10 here), so zero tolerance must fail.
    def f(v):
        return value_sum(x.tanh() for x in v)

    assert gradcheck(f, [0.1, 0.2, 0.3]).ok
    assert not gradcheck(f, [0.1, 0.2, 0.3], atol=0.0, rtol=0.0).ok


def test_stable_near_large_values():
    result = gradcheck(lambda v: (v[0] / 100).exp().log(), [50.0], eps=1e-4)
    assert result.ok
    assert result.analytic[0] == pytest.approx(0.01)
    assert math.isfinite(result.max_rel_error)


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda v: 3.0, "got float 3.0"),
        (lambda v: [v[0], v[0]], "value_sum"),
        (lambda v: None, "got NoneType"),
    ],
)
def test_f_must_return_a_value(f, message):
    with pytest.raises(TypeError, match=message):
        gradcheck(f, [1.0])


def test_bad_arguments():
    with pytest.raises(ValueError, match="empty"):
        gradcheck(lambda v: v[0], [])
    with pytest.raises(ValueError, match="eps"):
        gradcheck(lambda v: v[0], [1.0], eps=0.0)
    with pytest.raises(TypeError, match="gradcheck input"):
        gradcheck(lambda v: v[0], ["1.0"])
