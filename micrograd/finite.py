"""Every number in a graph is a finite float: the checks, and what they say when they fail.

Why this module exists: a NaN is silent. An ``inf`` made by one overflowing
multiplication travels on, turns into a NaN three operations later
(``inf - inf``), and an optimiser finally writes that NaN into every weight,
far from the cause. So the engine refuses non-finite numbers where they are
made and names the operation that made them. The checks are kept here, out of
``engine.py``, so that the engine reads as the idea it implements; each
function is called from exactly the place in the engine that needs it.

The policy, in full:

* every ``data`` and every gradient is a finite float;
* every local derivative is finite too, except the slope of a root at 0
  (``sqrt(0)``, ``0 ** 0.5``): those values are well defined, so the forward
  pass is allowed, the infinite slope is recorded, and ``backward()`` raises
  (naming the node) only if it needs that slope;
* an operation whose result would overflow raises ``OverflowError`` naming the
  operation and its operands; ``Value(inf)`` and ``Value(nan)`` raise ``ValueError``;
* if a gradient overflows, ``backward()`` raises and puts every gradient back
  as it was before the call.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from micrograd.engine import Value

grad_of = operator.attrgetter("grad")


def as_float(data: object, context: str) -> float:
    """Turn an int, float, bool or NumPy scalar into a float, or say clearly why not."""
    if isinstance(data, numbers.Real) and not isinstance(data, str):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(
                f"{context}: the number is too large for a float (the limit is about 1.8e308)."
            ) from None
    if getattr(data, "shape", None) == () and hasattr(data, "item"):
        # A NumPy scalar that numbers.Real does not list (numpy.bool_), or a 0-d array.
        item = data.item()
        if isinstance(item, bool | int | float):
            return float(item)
    if _is_value(data):
        raise TypeError(
            f"{context}: got a Value ({data!r}) where a plain number belongs. "
            "Pass the Value itself to the operation, or its number as `.data`."
        )
    if isinstance(data, complex | numbers.Complex):
        raise TypeError(
            f"{context}: got the complex number {data!r}. "
            "Value holds real numbers only; use .real or abs() first."
        )
    hint = f" Convert it first, e.g. float({data!r})." if isinstance(data, str) else ""
    shape = getattr(data, "shape", None)
    if hasattr(data, "item") and shape is not None:
        if _holds_values(data):
            hint = (
                " This array holds Values: NumPy cannot combine it with a Value. Work "
                "element by element, e.g. [x * v for x in array], or np.array([...], "
                "dtype=object) on both sides."
            )
        else:
            hint = f" An array of shape {tuple(shape)} is not one number; for a "
            hint += "one-element array, pass `array.item()`."
    raise TypeError(
        f"{context}: expected a number (int, float, bool or NumPy scalar), "
        f"got {type(data).__name__} {_short_repr(data)}.{hint}"
    )


def _is_value(data: object) -> bool:
    """Is this a node of a graph? (Known by what it does: this module sits below the engine.)"""
    return hasattr(data, "_children") and hasattr(data, "backward") and hasattr(data, "grad")


def _holds_values(array: Any) -> bool:
    try:
        first = next(iter(array.flat), None)
    except (TypeError, AttributeError):
        return False
    return _is_value(first)


def _short_repr(data: object) -> str:
    text = shown(data)
    return text if len(text) <= 80 else text[:77] + "..."


def shown(number: object) -> str:
    """``repr(number)`` for a message, safe for an integer too long to print (4,300+ digits)."""
    if isinstance(number, int) and not isinstance(number, bool) and number.bit_length() > 200:
        digits = int(number.bit_length() * 0.30103) + 1
        return f"{'-' if number < 0 else ''}an integer of about {digits:,} digits"
    try:
        return repr(number)
    except ValueError:  # a type of its own that cannot print itself
        return f"a {type(number).__name__}"


def describe(op: str, children: Sequence[Value]) -> str:
    """``op(2.0, -3.0)``: an operation and its operands, the first few of a long list."""
    numbers_ = [repr(c.data) for c in children[:4]]
    if len(children) > 4:
        numbers_[3:] = [f"... {len(children) - 3} more"]
    return f"{op}({', '.join(numbers_)})"


def not_finite(op: str, children: Sequence[Value], data: float) -> ArithmeticError | TypeError:
    """The error for an operation whose result is not a finite float.

    From finite operands a built-in operation can only get inf by overflowing
    (and NaN only from an overflow on the way, a weighted sum's inf + -inf). An
    operand that is not finite itself was assigned to ``.data`` by hand.
    """
    for child in children:
        bad = assigned_data_problem(child)
        if bad:
            return bad
    return OverflowError(
        f"{describe(op, children)} = {data} overflows a float (the limit is about 1.8e308). "
        "Scale the numbers down (inputs, weights or learning rate), or use a numerically "
        "stable formula."
    )


def check_inputs(op: str, inputs: Sequence[float]) -> None:
    """Raise, naming it, if one of a neuron's inputs is not a finite number."""
    for i, x in enumerate(inputs):
        if x - x != 0.0:
            raise ValueError(
                f"{op}: input {i} is {x}, not a finite number: every number fed to a neuron "
                "must be finite. Check the data (a NaN or inf in X?)."
            )


def assigned_data_problem(node: Value) -> ArithmeticError | TypeError | None:
    """The error for a node whose ``.data`` was set by hand to something that is not a
    finite float (``v.data = float('nan')``, ``v.data = "3"``), or None if it is fine."""
    data = node.data
    name = f"'{node.label}'" if node.label else repr(node)
    if type(data) is not float and not isinstance(data, int | float):
        return TypeError(
            f"the .data of the node {name} is {type(data).__name__} {data!r}, not a number: "
            "something assigned it by hand. Assign a float, e.g. v.data = 3.0."
        )
    if not math.isfinite(data):
        return ValueError(
            f"the .data of the node {name} is {data}: a non-finite number was assigned to "
            "it by hand (v.data = ...). Every data in micrograd is a finite float."
        )
    return None


def explain_type_error(op: str, children: Sequence[Value], error: TypeError) -> TypeError:
    """A TypeError from inside an operation, explained if a ``.data`` was set to a non-number."""
    for child in children:
        bad = assigned_data_problem(child)
        if isinstance(bad, TypeError):
            return bad
    return error


def finite_slopes(op: str, children: Sequence[Value], *local: float) -> tuple[float, ...]:
    """``local``, checked: the few operations whose slope can overflow call this."""
    for d in local:
        if not math.isfinite(d):
            for child in children:
                bad = assigned_data_problem(child)
                if bad:
                    raise bad
    for d in local:
        if not math.isfinite(d):
            raise OverflowError(
                f"{describe(op, children)}: its local derivative {d} overflows a float. "
                "The slope is too steep here; keep the input away from where it blows up."
            )
    return local


def checked_pow(x: float, k: float) -> float:
    """``x ** k`` for a base and exponent already known to give a real number."""
    try:
        return x**k
    except OverflowError:
        raise OverflowError(
            f"{x} ** {k} overflows a float. Scale the base or exponent down."
        ) from None


class Snapshot:
    """Every gradient a backward() pass is about to change, so that a pass that
    fails (an overflow, an error in a ``_backward`` of your own, Ctrl-C) can put
    them all back exactly as they were."""

    __slots__ = ("interior", "leaf_uses", "interior_grads", "leaf_grads")

    def __init__(self, interior: list[Value], leaf_uses: list[Value]) -> None:
        self.interior, self.leaf_uses = interior, leaf_uses
        self.interior_grads = list(map(grad_of, interior))
        self.leaf_grads = list(map(grad_of, leaf_uses))

    def restore(self) -> None:
        for node, grad in zip(self.interior, self.interior_grads):
            node.grad = grad
        for leaf, grad in zip(self.leaf_uses, self.leaf_grads):
            leaf.grad = grad

    def explain(self, error: BaseException) -> BaseException:
        """A clearer error for a ``.grad`` that was not a number before the pass began."""
        if isinstance(error, TypeError):
            for node, grad in zip(self.leaf_uses, self.leaf_grads):
                if not isinstance(grad, int | float):
                    name = f"'{node.label}'" if node.label else repr(node)
                    return TypeError(
                        f"backward(): the .grad of {name} was {type(grad).__name__} {grad!r} "
                        "before backward() started, not a number: something assigned it by "
                        "hand. Set it to 0 (zero_grad()) first."
                    )
        return error


def check_gradients(interior: list[Value], leaf_uses: list[Value], before: Snapshot) -> None:
    """Raise if any gradient of the last backward() is inf or nan.

    One sum in C over the gradients is finite exactly when all of them are (an
    inf or nan anywhere makes it inf or nan), so the usual, finite case costs
    almost nothing. Only then are the nodes searched, output first, for where it
    started. The caller puts the gradients back (``Snapshot.restore``).
    """
    total = sum(map(grad_of, interior), sum(map(grad_of, leaf_uses)))
    if math.isfinite(total):
        return
    culprit = next(
        (node for node in (*reversed(interior), *leaf_uses) if not math.isfinite(node.grad)), None
    )
    if culprit is None:
        return  # all finite after all: only the sum itself overflowed
    raise _gradient_error(culprit, interior, leaf_uses, before.leaf_grads)


def _gradient_error(
    node: Value, interior: list[Value], leaf_uses: list[Value], before: list[float]
) -> ArithmeticError:
    for leaf, grad in zip(leaf_uses, before):
        if not math.isfinite(grad):
            name = f"'{leaf.label}'" if leaf.label else repr(leaf)
            return ValueError(
                f"backward(): the .grad of {name} was already {grad} before backward() "
                "started: a non-finite number was assigned to it by hand. Set it to 0 "
                "(zero_grad()) first."
            )
    for parent in interior:
        local = parent._local or ()
        if any(d in (math.inf, -math.inf) for d in local):
            return OverflowError(
                f"backward(): {describe(parent._op, parent._children)} has an infinite slope "
                "there (a root at 0), so the gradient through it is not a finite number. The "
                "value itself is fine; to differentiate it, keep the input away from 0, e.g. "
                "(x + 1e-12) ** 0.5 or (x*x + y*y + 1e-12) ** 0.5."
            )
    return OverflowError(
        f"backward(): the gradient reaching {node!r} (op {node._op or 'leaf'!r}) is "
        f"{node.grad}, not a finite float. A local derivative times the gradient above it "
        "overflowed; scale the loss or the inputs down, or lower the learning rate."
    )


def not_a_finite_value(data: float) -> ValueError:
    """``Value(inf)`` or ``Value(nan)``."""
    return ValueError(
        f"Value({data}) is not a finite number{' (NaN)' if data != data else ''}. "
        "Every data, local derivative and gradient in micrograd is a finite float; use a "
        "large finite number (e.g. 1e300) instead, or find where the inf or nan came from."
    )


def short_number(k: float) -> str:
    """2.0 -> '2', 0.5 -> '0.5': exponents read better in op names."""
    return str(int(k)) if k.is_integer() and abs(k) < 1e15 else repr(k)
