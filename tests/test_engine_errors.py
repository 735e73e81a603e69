"""Every bad input raises a typed error whose message names the problem and the fix."""

from __future__ import annotations

import pytest

from micrograd.engine import Value, weighted_sum

INF = float("inf")

# (what goes wrong, the exception, words its message must contain)
BAD_INPUTS = [
    (lambda: Value("3"), TypeError, ["'3'", "float("]),
    (lambda: Value(Value(2)), TypeError, ["got a Value", ".data"]),
    (lambda: Value(1 + 2j), TypeError, ["complex", "(1+2j)", "real"]),
    (lambda: Value(None), TypeError, ["NoneType", "expected a number"]),
    (lambda: Value([1.0]), TypeError, ["list", "expected a number"]),
    (lambda: Value(2) + "x", TypeError, ["'x'", "+"]),
    (lambda: "x" + Value(2), TypeError, ["'x'"]),
    (lambda: Value(2) * None, TypeError, ["None", "*"]),
    (lambda: Value(2) ** "2", TypeError, ["'2'"]),
    (lambda: Value(0.0).log(), ValueError, ["log", "0.0", "positive"]),
    (lambda: Value(-1.0).log(), ValueError, ["log", "-1.0", "positive"]),
    (lambda: Value(-2.0) ** 0.5, ValueError, ["-2.0", "non-integer", "abs()"]),
    (lambda: Value(-2.0) ** Value(0.5), ValueError, ["-2.0", "positive"]),
    (lambda: (-2.0) ** Value(0.5), ValueError, ["-2.0", "positive"]),
    (lambda: Value(1.0) / Value(0.0), ZeroDivisionError, ["division by zero", "epsilon"]),
    (lambda: Value(1.0) / 0, ZeroDivisionError, ["division by zero", "epsilon"]),
    (lambda: 1 / Value(0.0), ZeroDivisionError, ["division by zero", "epsilon"]),
    (lambda: Value(0.0) ** -1, ZeroDivisionError, ["0.0", "division by zero"]),
    (lambda: Value(1000.0).exp(), OverflowError, ["exp", "1000.0", "overflow"]),
    (lambda: Value(10.0) ** 400, OverflowError, ["10.0", "overflow"]),
    (lambda: Value(-4.0).sqrt(), ValueError, ["sqrt", "-4.0", "negative"]),
    (lambda: Value(float("nan")), ValueError, ["NaN"]),
    (lambda: Value(INF) - Value(INF), ValueError, ["NaN", "inf"]),
    (lambda: Value(INF) * 0, ValueError, ["NaN"]),
    (lambda: Value(INF).tanh() * Value(INF) / Value(INF), ValueError, ["NaN"]),
    (lambda: weighted_sum([Value(1.0)], [1.0, 2.0], Value(0.0)), ValueError, ["1 weights", "2"]),
    (lambda: weighted_sum([1.0], [Value(1.0)], 0), TypeError, ["weight", "Value(1.0)"]),
    (lambda: weighted_sum(5, [1.0], 0), TypeError, ["weights", "int"]),
]


@pytest.mark.parametrize(
    "bad, error, words", BAD_INPUTS, ids=[f"case{i}" for i in range(len(BAD_INPUTS))]
)
def test_bad_input_raises_a_helpful_typed_error(bad, error, words):
    with pytest.raises(error) as caught:
        bad()
    message = str(caught.value)
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} missing from: {message}"


def test_a_numpy_array_gets_a_hint_to_use_item():
    np = pytest.importorskip("numpy", reason="NumPy is needed to make an array")
    with pytest.raises(TypeError, match=r"array\.item\(\)"):
        Value(np.array([1.0]))
    with pytest.raises(TypeError, match=r"array\.item\(\)"):
        np.array([1.0, 2.0]) * Value(3.0)  # not an object array of Values built silently
    with pytest.raises(TypeError, match="complex"):
        Value(np.complex128(1 + 2j))
