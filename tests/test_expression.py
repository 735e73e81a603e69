"""micrograd.expression: the safe parser shared by `micrograd graph` and the playground."""

from __future__ import annotations

import pytest

from micrograd.expression import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    names_in,
    parse_expression,
)


def test_a_name_used_twice_is_one_leaf_with_both_gradients():
    L = parse_expression("a*b + a", {"a": 2.0, "b": -3.0})
    L.backward()
    leaves = {v.label: v for v in L.topological_order() if v.label}
    assert L.data == -4.0
    assert leaves["a"].grad == -2.0 and leaves["b"].grad == 2.0


def test_functions_and_constants():
    L = parse_expression("tanh(a*b + c) + 2**a - -1", {"a": 1, "b": 0.5, "c": 0})
    assert L.data == pytest.approx(0.46211715726000974 + 2 + 1)


@pytest.mark.parametrize(
    "text, message",
    [
        ("__import__('os')", "only these functions"),
        ("a.b", "attribute access"),
        ("a if b else c", "conditional"),
        ("a +", "not a valid expression"),
        ("a\x00b", "not a valid expression"),
        ("x" * (MAX_LENGTH + 1), f"keep it under {MAX_LENGTH}"),
        ("(" * 5000 + "a" + ")" * 5000, "keep it under"),
        ("-" * (MAX_DEPTH + 5) + "a", "nested too deeply"),
        ("(" * 300 + "a" + ")" * 300, "nested too deeply"),
        ("a\u200bb", "not a valid expression"),
        ("a\u202eb", "not a valid expression"),
    ],
)
def test_bad_text_is_an_expression_error_never_a_crash(text, message):
    with pytest.raises(ExpressionError, match=message):
        parse_expression(text, {"a": 1.0, "b": 1.0, "c": 1.0})
    if "only" not in message and "access" not in message and "conditional" not in message:
        with pytest.raises(ExpressionError, match=message):
            names_in(text)  # what cannot be read as an expression cannot name names either


def test_a_missing_value_names_the_name():
    with pytest.raises(ExpressionError, match="b=1.5") as caught:
        parse_expression("a*b", {"a": 1.0})
    assert caught.value.name == "b"


def test_names_are_read_as_python_reads_them():
    # Python folds look-alike letters (NFKC): the full-width ａ is the name a.
    assert names_in("\uff41 * b") == {"a", "b"}
    L = parse_expression("\uff41 * b", {"\uff41": 2.0, "b": 3.0})
    assert L.data == 6.0
    assert names_in("α*β + α") == {"α", "β"}


def test_engine_errors_pass_through():
    with pytest.raises(ZeroDivisionError):
        parse_expression("1/a", {"a": 0.0})
    with pytest.raises(ValueError, match="log"):
        parse_expression("log(a)", {"a": -1.0})


def test_not_text_is_refused():
    with pytest.raises(ExpressionError, match="text"):
        parse_expression(3, {})  # type: ignore[arg-type]
