"""The autograd engine: a scalar ``Value`` that remembers how it was computed.

Every operation on a ``Value`` returns a new ``Value`` that keeps its children
(the values it was computed from) and, for each child, the local derivative
d(out)/d(child), worked out right beside the formula it differentiates.
``backward()`` then walks the graph from the output back to the leaves and
applies the chain rule along every edge::

    child.grad += local * node.grad

That line is all of backpropagation. The ``+=`` makes a value used more than
once (``a + a``, ``x * x``) collect the gradient from every path it feeds.

Storing numbers instead of a ``_backward`` closure per node (as the original
micrograd does) makes no reference cycles, so Python frees each graph as soon
as it is unused, and that makes training many times faster. As in PyTorch, the
local derivatives are fixed when a node is built: change ``leaf.data`` after the
forward pass and ``backward()`` still uses the old numbers; build the graph again.

This file tells the idea first. The details live after it, or in modules of
their own: how a node stores its edges (``edges.py``), the finite-number checks
(``finite.py``), the original micrograd's ``_prev``/``_backward`` (``original.py``)
and copying or pickling deep graphs (``pickling.py``).
"""

from __future__ import annotations

import math
import operator
import sys
import threading
from collections.abc import Iterable, Sequence

from micrograd import finite
from micrograd.edges import MANY, EdgeSlots
from micrograd.errors import ShapeError
from micrograd.finite import as_float as _as_float
from micrograd.original import LikeTheOriginal, Rewired
from micrograd.pickling import Picklable

Number = int | float


class Value(EdgeSlots, LikeTheOriginal, Picklable):
    """A number that remembers how it was computed.

    * ``data``  the number (always a finite float),
    * ``grad``  d(output)/d(this value), filled in by ``backward()``,
    * ``_children`` the values it was computed from, in order, once per use,
    * ``_local`` d(this value)/d(child) for each child: the local derivatives,
    * ``_op`` and ``label`` the operation that made it and a name, for drawing.

    ``_prev`` and ``_backward()`` work as in the original micrograd (``original.py``).
    ``data`` is always a float (``Value(4)`` prints ``data=4.0``), so every number
    in a graph has one type.
    """

    # The edges live in four slots, _a/_da and _b/_db: see edges.py for why.
    # "__dict__" lets a Value take attributes of your own (v.name = "x").
    __slots__ = ("data", "grad", "_op", "_a", "_da", "_b", "_db", "__dict__")
    label = ""  # most values have no name; one given is stored on the instance
    __array_ufunc__ = None  # NumPy leaves operators to Value: np.float64(2) * v is a Value

    def __init__(self, data: Number, _children: Iterable[Value] = (), _op: str = "",
                 label: str = "", _local: Sequence[float] | None = None) -> None:  # fmt: skip
        if type(data) is not float or data - data != 0.0 or _children or _local is not None:
            data, _children, _local = _checked_arguments(data, _children, _op, _local)
        self.data = data
        self.grad = 0.0
        self._op = _op
        self._set_children(_children, _local)  # no _local: the node's own _backward does it
        if label:
            self.label = label

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ------------------------------------------- operations and their local derivatives
    def __add__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "+")
        # d(a+b)/da = 1, d(a+b)/db = 1
        return _binary("+", _add(self, other), self, 1.0, other, 1.0)

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "*")
        # d(a*b)/da = b, d(a*b)/db = a
        return _binary("*", _mul(self, other), self, other.data, other, self.data)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        k, x = _exponent(self, other), self.data
        out = finite.checked_pow(x, k)
        # d(x^k)/dx = k * x^(k-1)
        return _unary(f"**{finite.short_number(k)}", out, self, _power_slope(self, k))

    def exp(self) -> Value:
        out = _exp(self)
        # d(e^x)/dx = e^x
        return _unary("exp", out, self, out)

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        # d(tanh x)/dx = 1 - tanh(x)^2
        return _unary("tanh", t, self, 1.0 - t * t)

    def relu(self) -> Value:
        x = self.data
        # d(relu x)/dx = 1 where x > 0, else 0
        if x > 0:
            return _unary("ReLU", x, self, 1.0)
        return _unary("ReLU", 0.0, self, 0.0)

    # ----------------------------------------------------------------- backward
    def backward(self) -> None:
        """Fill in ``grad`` of every value this one depends on: d(self)/d(value).

        Nodes are visited from the output back to the leaves, so each has
        collected the gradient from every use before passing it on. Interior
        nodes start from 0 on every call; leaves keep what they had and add to it,
        as in PyTorch: reset them with ``zero_grad()`` before each training step.
        If anything goes wrong on the way (an overflow, an error in a ``_backward``
        of your own, Ctrl-C), every gradient is put back as it was.
        """
        with _ONE_BACKWARD_AT_A_TIME:
            interior, leaf_uses = _walk(self)  # children before parents; leaves once per use
            before = finite.Snapshot(interior, leaf_uses)  # to put back if this pass fails
            for node in interior:
                node.grad = 0.0
            if interior:
                self.grad = 1.0  # the seed: d(self)/d(self)
            else:
                self.grad += 1.0  # a leaf keeps what it had and adds, as every leaf does
            try:
                for node in reversed(interior):  # from the output back to the leaves
                    grad, a, b = node.grad, node._a, node._b  # its children: see edges.py
                    if b is None:  # one child, a
                        a.grad += node._da * grad  # the chain rule: child.grad += local * node.grad
                    elif b is not MANY:  # two children, a and b: the same line for each
                        a.grad += node._da * grad
                        b.grad += node._db * grad
                    elif node._da is not None:  # many children, all in a
                        for child, local in zip(a, node._da):
                            child.grad += local * grad
                    else:  # an operation that brings its own _backward function
                        node._backward()
                finite.check_gradients(interior, leaf_uses, before)
            except BaseException as error:
                before.restore()
                clearer = before.explain(error)
                if clearer is error:
                    raise
                raise clearer from error

    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its children.

        The leaves come first (they depend on nothing), then the interior nodes
        in the order ``backward()`` visits them, reversed.
        """
        interior, leaf_uses = _walk(self)
        return [*dict.fromkeys(leaf_uses), *interior]

    # ------------------------------------------------------------ more operations
    def __sub__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "-")
        # d(a-b)/da = 1, d(a-b)/db = -1
        return _binary("-", _sub(self, other), self, 1.0, other, -1.0)

    def __truediv__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = _constant(other, "/")
        q, b = _divide(self, other), other.data
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 (taken as -(a/b)/b, so a tiny b cannot underflow)
        da, db = finite.finite_slopes("/", (self, other), 1.0 / b, -q / b)
        return _binary("/", q, self, da, other, db)

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return _unary("neg", -self.data, self, -1.0)

    def _pow_value(self, exponent: Value) -> Value:
        """x ** y where the exponent is a Value too, so y gets a gradient as well."""
        x, y = self.data, exponent.data
        _check_value_power(x, y)
        out = finite.checked_pow(x, y)
        # d(x^y)/dx = y * x^(y-1), d(x^y)/dy = x^y * log(x) (which tends to 0 as x -> 0)
        dx = _power_slope(self, y)
        (dy,) = finite.finite_slopes("**", (self, exponent), out * math.log(x) if x > 0 else 0.0)
        return _binary("**", out, self, dx, exponent, dy)

    def log(self) -> Value:
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log(Value({x})): log is defined only for positive numbers. "
                "Clamp the input, e.g. log(x + 1e-12), or check where it went negative."
            )
        # d(log x)/dx = 1/x, which overflows for the tiniest x (below about 5.6e-309)
        return _unary("log", math.log(x), self, *finite.finite_slopes("log", (self,), 1.0 / x))

    def sigmoid(self) -> Value:
        x = self.data
        # Two forms of 1/(1+e^-x), so exp never sees a large positive number.
        if x >= 0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x))
        return _unary("sigmoid", s, self, s * (1.0 - s))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        slope = _as_float(slope, f"leaky_relu(slope={finite.shown(slope)})")
        if not math.isfinite(slope):
            raise ValueError(f"leaky_relu(slope={slope}): the slope must be a finite number.")
        x = self.data
        # d/dx = 1 where x > 0, else slope
        if x > 0:
            return _unary("leaky_relu", x, self, 1.0)
        return _unary("leaky_relu", slope * x, self, slope)

    def __abs__(self) -> Value:
        x = self.data
        # d|x|/dx = sign(x), taken as 0 at x = 0 (as PyTorch does)
        sign = 1.0 if x > 0 else -1.0 if x < 0 else 0.0
        return _unary("abs", abs(x), self, sign)

    def sqrt(self) -> Value:
        x = self.data
        if x < 0:
            raise ValueError(f"sqrt(Value({x})): no real square root of a negative number.")
        r = math.sqrt(x)
        # d(sqrt x)/dx = 1 / (2 sqrt x): infinite at 0, where backward() would refuse it
        return _unary("sqrt", r, self, 0.5 / r if r else math.inf)

    # Numbers on the left: 2 + v, 2 * v, 2 - v, 2 / v, 2 ** v
    def __radd__(self, other: Number) -> Value:
        return _constant(other, "+") + self

    def __rmul__(self, other: Number) -> Value:
        return _constant(other, "*") * self

    def __rsub__(self, other: Number) -> Value:
        return _constant(other, "-") - self

    def __rtruediv__(self, other: Number) -> Value:
        return _constant(other, "/") / self

    def __rpow__(self, other: Number) -> Value:
        return _constant(other, "**") ** self

    @staticmethod
    def _wrap(other: Operand, op: str) -> Value:
        """A number on either side of an operator becomes a constant leaf."""
        return other if isinstance(other, Value) else _constant(other, op)


Operand = Value | int | float  # what an operator accepts on either side


# ------------------------------------------------------------ n-ary nodes
def weighted_sum(weights: Sequence[Value], inputs: Sequence[Operand], bias: Operand) -> Value:
    """``bias + w1*x1 + w2*x2 + ...`` as a single graph node with many children.

    This is what a neuron computes before its activation. Written with ``*``
    and ``+`` it makes two nodes per input; here it makes one, whose edges
    carry the local derivatives d/dw_i = x_i, d/dx_i = w_i and d/db = 1.
    The numbers are identical (the sum is taken in the same order), but the
    graph is many times smaller, which makes training many times faster.
    """
    weights, inputs = _as_sequence(weights, "weights"), _as_sequence(inputs, "inputs")
    if len(weights) != len(inputs):
        raise ShapeError(
            f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs; "
            "they must have the same length."
        )
    for w in weights:
        if not isinstance(w, Value):
            raise TypeError(
                f"weighted_sum: every weight must be a Value (it gets a gradient), got "
                f"{type(w).__name__} {w!r}. Wrap it: Value({w!r})."
            )
    if not isinstance(bias, Value):
        bias = _constant(bias, "weighted_sum bias")
    return _weighted_node(weights, bias, *_neuron_inputs(inputs))


def value_sum(values: Iterable[Operand]) -> Value:
    """``v1 + v2 + ...`` as one node; each edge's local derivative is 1.

    Same numbers as the built-in ``sum(values)``, without a chain of
    intermediate '+' nodes.
    """
    children = tuple(v if isinstance(v, Value) else _constant(v, "sum") for v in values)
    if not children:  # the sum of nothing is 0, as sum([]) is
        return Value(0.0)
    total = 0.0
    for v in children:
        total += v.data
    return _many("sum", total, children, (1.0,) * len(children))


def _neuron_inputs(inputs: Sequence[Operand]) -> tuple[Sequence[Value], Sequence[float]]:
    """A neuron's inputs as (the Values it has edges to, every input as a number).

    A layer calls this once for all of its neurons, which share their inputs.
    """
    kinds = set(map(type, inputs))
    if kinds == _JUST_VALUES:  # a hidden layer: every input is a node with an edge
        return inputs, [x.data for x in inputs]
    if kinds <= _JUST_FLOATS:  # a network's first layer: constants, no edges to them
        return (), inputs
    if any(isinstance(x, Value) for x in inputs):  # a mix: numbers become constant leaves
        edges = [Value._wrap(x, "weighted_sum input") for x in inputs]
        return edges, [x.data for x in edges]
    return (), [_as_float(x, "weighted_sum input") for x in inputs]  # ints, NumPy scalars...


def _weighted_node(
    weights: Sequence[Value], bias: Value, input_edges: Sequence[Value], xs: Sequence[float]
) -> Value:
    """The ``weighted_sum`` node, once its inputs are sorted out by ``_neuron_inputs``."""
    ws = [w.data for w in weights]
    if _SUM_ADDS_IN_ORDER:  # the loop below, in C
        total = sum(map(operator.mul, ws, xs), bias.data)
    else:
        total = bias.data
        for w, x in zip(ws, xs):  # left to right, as the original's sum() of products adds
            total += w * x
    if total - total != 0.0:  # inf or nan: a bad input, or an overflow
        finite.check_inputs("Σw·x+b", xs)
    # Local derivatives: d/db = 1, d/dw_i = x_i, d/dx_i = w_i (when the inputs are Values).
    children = (bias, *weights, *input_edges)
    local = (1.0, *xs, *ws) if input_edges else (1.0, *xs)
    return _many("Σw·x+b", total, children, local)


def _as_sequence(items: object, what: str) -> Sequence:
    if isinstance(items, Sequence) and not isinstance(items, str):
        return items
    if isinstance(items, Iterable) and not isinstance(items, str | bytes):
        return list(items)  # a generator, a NumPy array...
    raise TypeError(
        f"weighted_sum: {what} must be a list of numbers or Values, got "
        f"{type(items).__name__} {items!r}."
    )


# -------------------------------------------- how an operation makes its node
# Value(...) checks what a user passes in. The operations already know their
# children are Values and their numbers floats, so these fill in the slots
# directly (see edges.py) and only check that the result is finite: inf - inf
# and nan - nan are nan, a finite number gives 0, and that subtraction is
# cheaper than a call of math.isfinite on every node.
_new_value = object.__new__


def _unary(op: str, data: float, a: Value, da: float) -> Value:
    """A node with one child ``a``, whose local derivative is ``da``."""
    if data - data != 0.0:
        raise finite.not_finite(op, (a,), data)
    node = _new_value(Value)
    node.data, node.grad, node._op = data, 0.0, op
    node._a, node._da, node._b = a, da, None
    return node


def _binary(op: str, data: float, a: Value, da: float, b: Value, db: float) -> Value:
    """A node with children ``a`` and ``b``, and local derivatives ``da`` and ``db``."""
    if data - data != 0.0:
        raise finite.not_finite(op, (a, b), data)
    node = _new_value(Value)
    node.data, node.grad, node._op = data, 0.0, op
    node._a, node._da, node._b, node._db = a, da, b, db
    return node


def _many(op: str, data: float, children: tuple[Value, ...], local: tuple[float, ...]) -> Value:
    """A node with any number of children, and one local derivative for each."""
    if data - data != 0.0:
        raise finite.not_finite(op, children, data)
    node = _new_value(Value)
    node.data, node.grad, node._op = data, 0.0, op
    node._a, node._da, node._b = children, local, MANY
    return node


def _constant(number: object, op: str) -> Value:
    """A plain number beside an operator becomes a constant leaf."""
    return Value(_as_float(number, f"Value {op} {finite.shown(number)}"))


# The arithmetic of the four operators, with a clear message for a .data that was
# set by hand to something that is not a number (Python's own would blame a str).
def _add(a: Value, b: Value) -> float:
    try:
        return a.data + b.data
    except TypeError as error:
        raise finite.explain_type_error("+", (a, b), error) from None


def _mul(a: Value, b: Value) -> float:
    try:
        return a.data * b.data
    except TypeError as error:
        raise finite.explain_type_error("*", (a, b), error) from None


def _sub(a: Value, b: Value) -> float:
    try:
        return a.data - b.data
    except TypeError as error:
        raise finite.explain_type_error("-", (a, b), error) from None


def _divide(a: Value, b: Value) -> float:
    try:
        if b.data == 0.0:
            raise ZeroDivisionError(
                f"Value({a.data}) / Value({b.data}): division by zero. "
                "Add a small epsilon to the denominator if it can reach 0."
            )
        q = a.data / b.data
    except TypeError as error:
        raise finite.explain_type_error("/", (a, b), error) from None
    if q - q != 0.0:
        raise finite.not_finite("/", (a, b), q)
    return q


def _exp(x: Value) -> float:
    try:
        return math.exp(x.data)
    except OverflowError:
        raise OverflowError(
            f"exp(Value({x.data})) overflows a float (the limit is about exp(709)). "
            "Scale the input down, or use a numerically stable formula."
        ) from None


def _exponent(base: Value, exponent: object) -> float:
    """The number k of ``x ** k``, checked to give a real number at this x."""
    k = _as_float(exponent, f"Value ** {finite.shown(exponent)}")
    if not math.isfinite(k):
        raise ValueError(f"Value ** {k}: the exponent must be a finite number.")
    x = base.data
    if x < 0 and not k.is_integer():
        raise ValueError(
            f"Value({x}) ** {k}: a negative base to a non-integer power is "
            "not a real number. Use abs() first, or an integer exponent."
        )
    if x == 0 and k < 0:
        raise ZeroDivisionError(
            f"Value(0.0) ** {k}: division by zero at 0. Keep the base away from 0, "
            f"e.g. (x + 1e-12) ** {finite.short_number(k)}."
        )
    return k


def _power_slope(base: Value, k: float) -> float:
    """d(x^k)/dx = k * x^(k-1): infinite for 0 < k < 1 at x = 0 (a root there)."""
    x = base.data
    if k == 0:
        return 0.0
    if x == 0 and k < 1:
        return math.inf  # recorded; backward() refuses it only if it needs it
    try:
        slope = k * x ** (k - 1)
    except OverflowError:  # e.g. 1e-200 ** -1: its slope, -1e400, is past any float
        slope = -math.inf if k < 0 else math.inf
    (slope,) = finite.finite_slopes(f"**{finite.short_number(k)}", (base,), slope)
    return slope


def _check_value_power(x: float, y: float) -> None:
    if x < 0:
        raise ValueError(
            f"Value({x}) ** Value({y}): with a Value exponent the base must be "
            "positive, because d(x^y)/dy = x^y * log(x). For a constant "
            "exponent, write x ** 2.0 with a plain number."
        )
    if x == 0 and y < 0:
        raise ZeroDivisionError(
            f"Value(0.0) ** Value({y}): division by zero at a base of 0. Keep the base away from 0."
        )


def _checked_arguments(
    data: object, children: Iterable[Value], op: str, local: Sequence[float] | None
) -> tuple[float, tuple[Value, ...], tuple[float, ...] | None]:
    """What ``Value(...)`` was given, checked: a finite number, Values, one slope each."""
    children = tuple(children)
    for child in children:
        if not isinstance(child, Value):
            raise TypeError(
                f"Value(..., _children=...): every child must be a Value, got "
                f"{type(child).__name__} {child!r}."
            )
    if type(data) is not float:
        data = _as_float(data, f"Value({finite.shown(data)})")
    if not math.isfinite(data):
        if children and data == data:  # inf, not nan
            raise finite.not_finite(op or "Value", children, data)
        raise finite.not_a_finite_value(data)
    if local is not None:
        local = tuple(_as_float(d, f"Value(..., _local={local!r})") for d in local)
        if len(local) != len(children):
            raise ValueError(
                f"Value with op {op!r} has {len(children)} children but "
                f"{len(local)} local derivatives; give one `_local` per child."
            )
        finite.finite_slopes(op, children, *local)
    return data, children, local


# ------------------------------------------------------------- the walk
def _walk(root: Value) -> tuple[list[Value], list[Value]]:
    """The graph under ``root``: its interior nodes, each after all of its
    children, and its leaves, listed once for every edge that reaches them.

    A depth-first walk with an explicit stack instead of recursion, so a chain
    a million nodes deep needs no raised recursion limit. A node is pushed
    twice: first to open it (its children go on the stack above it), then,
    under a ``None`` marker, to close it once all of them are done.
    """
    if root._a is None:
        return [], [root]
    if Rewired.may_have_cycles:  # only a graph rewired through _prev can have one
        _refuse_cycles(root)
    interior: list[Value] = []
    leaf_uses: list[Value] = []
    opened: set[Value] = set()
    stack: list[Value | None] = [root]
    # Short local names for the methods the loop calls on every node.
    push, pop, close, mark = stack.append, stack.pop, interior.append, opened.add
    leaf = leaf_uses.append
    while stack:
        node = pop()
        if node is None:  # the marker: every child of the node below it is done
            close(pop())
        elif node not in opened:
            mark(node)
            push(node)
            push(None)
            a, b = node._a, node._b  # the node's children: see edges.py
            if b is MANY:
                for child in a:
                    if child._a is None:
                        leaf(child)  # a leaf has nothing to wait for
                    elif child not in opened:
                        push(child)
            else:  # one or two children, written out: most nodes have them
                if a._a is None:
                    leaf(a)
                elif a not in opened:
                    push(a)
                if b is not None:
                    if b._a is None:
                        leaf(b)
                    elif b not in opened:
                        push(b)
    return interior, leaf_uses


def _refuse_cycles(root: Value) -> None:
    """Raise if the graph under ``root`` loops back on itself (through ``_prev``)."""
    on_path: set[Value] = set()
    done: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            on_path.discard(node)
            done.add(node)
            continue
        if node in done:
            continue
        on_path.add(node)
        stack.append((node, True))
        for child in node._children:
            if child in on_path:
                name = f"'{child.label}'" if child.label else repr(child)
                raise ValueError(
                    f"the graph has a cycle: {name} (op {child._op or 'leaf'!r}) depends on "
                    "itself through _prev. A computation graph must not loop; set _prev "
                    "only to values computed before this one."
                )
            if child not in done:
                stack.append((child, False))


# One backward() at a time, in every thread: two passes at once over one graph
# would reset and add into the same gradients and mix their sums.
_ONE_BACKWARD_AT_A_TIME = threading.RLock()
_JUST_VALUES, _JUST_FLOATS = {Value}, {float}
# Before Python 3.12, sum() adds floats left to right in one double, exactly as a
# loop of `total += w * x` does. From 3.12 on it also compensates rounding errors,
# which is more accurate but would change the last bits against the original.
_SUM_ADDS_IN_ORDER = sys.version_info < (3, 12)
