"""The autograd engine: a scalar ``Value`` that remembers how it was computed.

Every arithmetic operation on a ``Value`` returns a new ``Value`` that keeps

* ``_prev``:  the values it was computed from (its children in the graph), and
* ``_local``: the local derivative d(out)/d(child) for each of those children,
  worked out right here, at forward time, next to the formula it differentiates.

``backward()`` then walks the graph from the output to the leaves and applies
the chain rule along every edge::

    child.grad += local_derivative * node.grad

That one line is all of backpropagation. The ``+=`` is what makes a value that
is used more than once (``a + a``, ``x * x``, a diamond) collect the gradient
from every path it feeds.

Why store numbers instead of a ``_backward`` closure per node, as the original
micrograd does? A closure that refers back to its own node makes a reference
cycle, so every graph must be freed by Python's cyclic garbage collector, which
ends up costing most of the run time. Plain numbers make no cycles: a graph is
freed as soon as the last name pointing at it goes away. A consequence, shared
with PyTorch: the local derivatives are fixed when the node is built, so
changing ``leaf.data`` after the forward pass does not change what
``backward()`` computes. Build the graph again instead.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Iterator, Sequence

Number = int | float


def _as_float(data: object, context: str) -> float:
    """Turn an int, float, bool or NumPy scalar into a float, or say clearly why not."""
    if isinstance(data, Value):
        raise TypeError(
            f"{context}: got a Value ({data!r}) where a plain number belongs. "
            "Pass the Value itself to the operation, or its number as `.data`."
        )
    if isinstance(data, numbers.Real) and not isinstance(data, str):
        return float(data)
    if getattr(data, "shape", None) == () and hasattr(data, "item"):
        # A NumPy scalar that numbers.Real does not list (numpy.bool_), or a 0-d array.
        data = data.item()
        if isinstance(data, bool | int | float):
            return float(data)
    if isinstance(data, complex | numbers.Complex):
        raise TypeError(
            f"{context}: got the complex number {data!r}. "
            "Value holds real numbers only; use .real or abs() first."
        )
    hint = f" Convert it first, e.g. float({data!r})." if isinstance(data, str) else ""
    if hasattr(data, "item") and hasattr(data, "shape"):
        hint = " For a one-element array, pass `array.item()`."
    raise TypeError(
        f"{context}: expected a number (int, float, bool or NumPy scalar), "
        f"got {type(data).__name__} {data!r}.{hint}"
    )


class Value:
    """A scalar that records the computation graph as you compute with it.

    Attributes keep the names the original micrograd used, so tutorials and
    drawing code that read them work unchanged:

    * ``data``  the number,
    * ``grad``  d(output)/d(this value), filled in by ``backward()``,
    * ``_prev`` the children this value was computed from (a tuple),
    * ``_op``   the name of the operation that made it ('+', '*', 'tanh', ...),
    * ``label`` an optional name, shown when the graph is drawn,

    plus ``_local``, the local derivative of this value with respect to each
    child in ``_prev``, in the same order.
    """

    __slots__ = ("data", "grad", "_children", "_local", "_op", "label")
    # Tell NumPy to leave operators to Value: `numpy.float64(2) * Value(3)` is
    # a Value, and `array * Value(3)` raises TypeError instead of quietly
    # building an array of Values.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Number,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
        _local: tuple[float, ...] = (),
    ) -> None:
        if type(data) is not float:
            data = _as_float(data, f"Value({data!r})")
        if data != data:  # only NaN is unequal to itself
            operands = ", ".join(repr(c.data) for c in _children)
            raise ValueError(
                f"{_op or 'Value'}({operands}) is not a number (NaN). "
                "Check the inputs for inf or an undefined operation."
            )
        if len(_local) != len(_children):
            raise ValueError(
                f"Value with op {_op!r} has {len(_children)} children but "
                f"{len(_local)} local derivatives; give one `_local` per child."
            )
        self.data = data
        self.grad = 0.0
        self._children = _children
        self._local = _local
        self._op = _op
        self.label = label

    @property
    def _prev(self) -> set[Value]:
        """The children as a set, exactly as the original micrograd keeps them."""
        return set(self._children)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _wrap(other: Operand, op: str) -> Value:
        """A number on either side of an operator becomes a constant leaf."""
        if isinstance(other, Value):
            return other
        return Value(_as_float(other, f"Value {op} {other!r}"))

    # ---------------------------------------------------------- arithmetic
    def __add__(self, other: Operand) -> Value:
        other = self._wrap(other, "+")
        # d(a+b)/da = 1, d(a+b)/db = 1
        return Value(self.data + other.data, (self, other), "+", _local=(1.0, 1.0))

    def __mul__(self, other: Operand) -> Value:
        other = self._wrap(other, "*")
        # d(a*b)/da = b, d(a*b)/db = a
        return Value(self.data * other.data, (self, other), "*", _local=(other.data, self.data))

    def __sub__(self, other: Operand) -> Value:
        other = self._wrap(other, "-")
        # d(a-b)/da = 1, d(a-b)/db = -1
        return Value(self.data - other.data, (self, other), "-", _local=(1.0, -1.0))

    def __truediv__(self, other: Operand) -> Value:
        other = self._wrap(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(
                f"Value({a}) / Value({b}): division by zero. "
                "Add a small epsilon to the denominator if it can reach 0."
            )
        q = a / b
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2, taken as -(a/b)/b: squaring a tiny b
        # first would underflow to 0 and divide by zero.
        return Value(q, (self, other), "/", _local=(1.0 / b, -q / b))

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return Value(-self.data, (self,), "neg", _local=(-1.0,))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        k = _as_float(other, f"Value ** {other!r}")
        x = self.data
        if x < 0 and not k.is_integer():
            raise ValueError(
                f"Value({x}) ** {k}: a negative base to a non-integer power is "
                "not a real number. Use abs() first, or an integer exponent."
            )
        if x == 0 and k < 1 and k != 0:
            kind = "division by zero" if k < 0 else "an infinite slope"
            raise ZeroDivisionError(
                f"Value(0.0) ** {k}: {kind} at 0. Keep the base away from 0, e.g. (x + 1e-12) ** k."
            )
        out = _checked_pow(x, k)
        # d(x^k)/dx = k * x^(k-1)
        local = 0.0 if k == 0 else k * _checked_pow(x, k - 1)
        return Value(out, (self,), f"**{_short(k)}", _local=(local,))

    def _pow_value(self, exponent: Value) -> Value:
        """x ** y where the exponent is a Value too, so y gets a gradient as well."""
        x, y = self.data, exponent.data
        if x < 0:
            raise ValueError(
                f"Value({x}) ** Value({y}): with a Value exponent the base must be "
                "positive, because d(x^y)/dy = x^y * log(x). For a constant "
                "exponent, write x ** 2.0 with a plain number."
            )
        if x == 0 and y < 1:
            raise ZeroDivisionError(
                f"Value(0.0) ** Value({y}): the slope is infinite at a base of 0 "
                "for exponents below 1. Keep the base away from 0."
            )
        out = _checked_pow(x, y)
        dx = y * _checked_pow(x, y - 1)
        dy = out * math.log(x) if x > 0 else 0.0  # x^y*log(x) -> 0 as x -> 0
        # d(x^y)/dx = y * x^(y-1), d(x^y)/dy = x^y * log(x)
        return Value(out, (self, exponent), "**", _local=(dx, dy))

    # Numbers on the left: 2 + v, 2 * v, 2 - v, 2 / v, 2 ** v
    def __radd__(self, other: Number) -> Value:
        return self._wrap(other, "+") + self

    def __rmul__(self, other: Number) -> Value:
        return self._wrap(other, "*") * self

    def __rsub__(self, other: Number) -> Value:
        return self._wrap(other, "-") - self

    def __rtruediv__(self, other: Number) -> Value:
        return self._wrap(other, "/") / self

    def __rpow__(self, other: Number) -> Value:
        return self._wrap(other, "**") ** self

    # ------------------------------------------------------ functions of x
    def exp(self) -> Value:
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp(Value({self.data})) overflows a float (the limit is about exp(709)). "
                "Scale the input down, or use a numerically stable formula."
            ) from None
        # d(e^x)/dx = e^x
        return Value(out, (self,), "exp", _local=(out,))

    def log(self) -> Value:
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log(Value({x})): log is defined only for positive numbers. "
                "Clamp the input, e.g. log(x + 1e-12), or check where it went negative."
            )
        # d(log x)/dx = 1/x
        return Value(math.log(x), (self,), "log", _local=(1.0 / x,))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        # d(tanh x)/dx = 1 - tanh(x)^2
        return Value(t, (self,), "tanh", _local=(1.0 - t * t,))

    def sigmoid(self) -> Value:
        x = self.data
        # Two forms of 1/(1+e^-x), so exp never sees a large positive number.
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))
        return Value(s, (self,), "sigmoid", _local=(s * (1.0 - s),))

    def relu(self) -> Value:
        x = self.data
        # d(relu x)/dx = 1 where x > 0, else 0
        return Value(x if x > 0 else 0.0, (self,), "ReLU", _local=(1.0 if x > 0 else 0.0,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        x = self.data
        # d/dx = 1 where x > 0, else slope
        return Value(
            x if x > 0 else slope * x, (self,), "leaky_relu", _local=(1.0 if x > 0 else slope,)
        )

    def __abs__(self) -> Value:
        x = self.data
        # d|x|/dx = sign(x), taken as 0 at x = 0 (as PyTorch does)
        sign = 1.0 if x > 0 else -1.0 if x < 0 else 0.0
        return Value(abs(x), (self,), "abs", _local=(sign,))

    def sqrt(self) -> Value:
        x = self.data
        if x < 0:
            raise ValueError(f"sqrt(Value({x})): no real square root of a negative number.")
        if x == 0:
            raise ZeroDivisionError(
                "sqrt(Value(0.0)): the slope of sqrt is infinite at 0. "
                "Use sqrt(x + 1e-12) if x can reach 0."
            )
        r = math.sqrt(x)
        # d(sqrt x)/dx = 1 / (2 sqrt x)
        return Value(r, (self,), "sqrt", _local=(0.5 / r,))

    # ------------------------------------------------------------ backward
    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its children.

        A depth-first walk with an explicit stack instead of recursion, so a
        chain a million nodes deep needs no raised recursion limit. Each stack
        entry is a node and an iterator over its children not yet looked at.
        """
        order: list[Value] = []
        visited: set[Value] = {self}
        stack: list[tuple[Value, Iterator[Value]]] = [(self, iter(self._children))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in visited:
                    visited.add(child)
                    if child._children:  # go down into the first new child
                        stack.append((child, iter(child._children)))
                        break
                    order.append(child)  # a leaf has nothing to wait for
            else:  # all children are in the order: now the node can follow
                stack.pop()
                order.append(node)
        return order

    def backward(self) -> None:
        """Fill in ``grad`` of every value this one depends on: d(self)/d(value).

        Interior nodes (those with children) start from 0 on every call; leaves
        keep what they had and add to it. So calling ``backward()`` twice
        doubles the leaves' gradients, just as in PyTorch: reset them with
        ``zero_grad()`` (or ``p.grad = 0``) before each training step.
        """
        order = self.topological_order()
        for node in order:
            if node._children:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):  # from the output back to the leaves
            node._backward()

    def _backward(self) -> None:
        """One step of the chain rule: pass this node's grad on to its children.

        ``backward()`` calls it on every node, output first. You can also call
        it by hand, node by node, as the original micrograd lecture does.
        """
        for child, local in zip(self._children, self._local):
            child.grad += local * self.grad  # the chain rule


Operand = Value | int | float  # what an operator accepts on either side


def weighted_sum(weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand) -> Value:
    """``bias + w1*x1 + w2*x2 + ...`` as a single graph node with many children.

    This is what a neuron computes before its activation. Written with ``*``
    and ``+`` it makes two nodes per input; here it makes one, whose edges
    carry the local derivatives d/dw_i = x_i, d/dx_i = w_i and d/db = 1.
    The numbers are identical (the sum is taken in the same order), but the
    graph is many times smaller, which makes training many times faster.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs; "
            "they must have the same length."
        )
    bias = Value._wrap(bias, "weighted_sum bias")
    input_edges = [x for x in inputs if isinstance(x, Value)]
    if not input_edges:  # plain numbers (a network's first layer) are constants: no edges to them
        xs = [x if type(x) is float else _as_float(x, "weighted_sum input") for x in inputs]
    else:
        if len(input_edges) < len(inputs):  # a mix: the numbers become constant leaves
            input_edges = [x if isinstance(x, Value) else Value(x) for x in inputs]
        xs = [x.data for x in input_edges]
    ws = [w.data for w in weights]
    total = bias.data
    for w, x in zip(ws, xs):
        total += w * x
    # Local derivatives: d/db = 1, d/dw_i = x_i, d/dx_i = w_i.
    children = (bias, *weights, *input_edges)
    local = (1.0, *xs, *(ws if input_edges else ()))
    return Value(total, children, "Σw·x+b", _local=local)


def value_sum(values: Iterable[Operand]) -> Value:
    """``v1 + v2 + ...`` as one node; each edge's local derivative is 1.

    Same numbers as the built-in ``sum(values)``, without a chain of
    intermediate '+' nodes.
    """
    total = 0.0
    children: list[Value] = []
    for v in values:
        v = Value._wrap(v, "sum")
        total += v.data
        children.append(v)
    return Value(total, tuple(children), "sum", _local=(1.0,) * len(children))


def _checked_pow(x: float, k: float) -> float:
    try:
        result = x**k
    except OverflowError:
        raise OverflowError(
            f"{x} ** {k} overflows a float. Scale the base or exponent down."
        ) from None
    if isinstance(result, complex):  # cannot happen after the checks above
        raise ValueError(f"{x} ** {k} is not a real number.")
    return result


def _short(k: float) -> str:
    """2.0 -> '2', 0.5 -> '0.5': exponents read better in op names."""
    return str(int(k)) if k.is_integer() and abs(k) < 1e15 else repr(k)
