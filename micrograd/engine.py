"""The autograd engine: a scalar ``Value`` that remembers how it was computed.

Every arithmetic operation on a ``Value`` returns a new ``Value`` that keeps

* ``_children``: the values it was computed from (its children in the graph), and
* ``_local``:    the local derivative d(out)/d(child) for each of those children,
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
import operator
from collections.abc import Callable, Iterable, Sequence

Number = int | float


def _as_float(data: object, context: str) -> float:
    """Turn an int, float, bool or NumPy scalar into a float, or say clearly why not."""
    if isinstance(data, Value):
        raise TypeError(
            f"{context}: got a Value ({data!r}) where a plain number belongs. "
            "Pass the Value itself to the operation, or its number as `.data`."
        )
    if isinstance(data, numbers.Real) and not isinstance(data, str):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(
                f"{context}: the number is too large for a float (the limit is about 1.8e308)."
            ) from None
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

    Attributes keep the names the original micrograd used, so tutorials,
    tests and drawing code written for it work unchanged:

    * ``data``  the number (always a finite float),
    * ``grad``  d(output)/d(this value), filled in by ``backward()``,
    * ``_prev`` the set of children this value was computed from,
    * ``_op``   the name of the operation that made it ('+', '*', 'tanh', ...),
    * ``label`` an optional name, shown when the graph is drawn,
    * ``_backward()`` this node's step of the chain rule, to call by hand.

    Our own additions, which the drawing code and the stepper read:

    * ``_children`` the children in order, once per use (``a + a`` lists ``a`` twice),
    * ``_local``    the local derivative d(self)/d(child) for each of ``_children``,
      or ``None`` for an operation defined by your own ``_backward`` function.

    Why is ``data`` always a float, so ``Value(4)`` prints as
    ``Value(data=4.0, grad=0.0)`` where the original printed ``data=4``? Every
    result, local derivative and gradient is then one type, which is what the
    finite-number checks and NumPy interop rely on, and ``Value(2) / Value(4)``
    never depends on whether the inputs were written as ints.
    """

    # How a node stores its edges. Most operations have one or two children, so
    # those live in slots of their own: child ``_a`` with local derivative
    # ``_da``, and ``_b`` with ``_db`` (``_b`` is None for one child). No tuple
    # is made per node, which is what makes building and freeing graphs fast.
    # A node with more children (weighted_sum, value_sum, an op of your own)
    # keeps them all as tuples: ``_a`` the children, ``_da`` their local
    # derivatives (None if it has its own _backward), and ``_b`` is ``_MANY``.
    # A leaf has ``_a`` None. ``_children`` and ``_local`` read any of these
    # as tuples, so nothing outside this file needs to know.
    #
    # "__dict__" lets a Value take attributes of your own (``v.name = "x"``,
    # ``v._backward = ...``) as any Python object does. The dict is only made
    # when first used, so the millions of nodes that never need one pay nothing.
    __slots__ = ("data", "grad", "_op", "_a", "_da", "_b", "_db", "__dict__")
    label = ""  # most values have no name: an instance gets one only when given one
    # Tell NumPy to leave operators to Value: `numpy.float64(2) * Value(3)` is
    # a Value, and `array * Value(3)` raises TypeError instead of quietly
    # building an array of Values.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
        _local: Sequence[float] | None = None,
    ) -> None:
        children = tuple(_children)
        for child in children:
            if not isinstance(child, Value):
                raise TypeError(
                    f"Value(..., _children=...): every child must be a Value, got "
                    f"{type(child).__name__} {child!r}."
                )
        if type(data) is not float:
            data = _as_float(data, f"Value({data!r})")
        if not math.isfinite(data):
            if children and data == data:  # inf, not nan
                raise _not_finite(_op or "Value", children, data)
            raise ValueError(
                f"Value({data}) is not a finite number{' (NaN)' if data != data else ''}. "
                "Every data, local derivative and "
                "gradient in micrograd is a finite float; use a large finite number "
                "(e.g. 1e300) instead, or find where the inf or nan came from."
            )
        if _local is not None:
            _local = tuple(_as_float(d, f"Value(..., _local={_local!r})") for d in _local)
            if len(_local) != len(children):
                raise ValueError(
                    f"Value with op {_op!r} has {len(children)} children but "
                    f"{len(_local)} local derivatives; give one `_local` per child."
                )
            _finite_local(_op, children, _local)
        # Without `_local`, an interior node is an operation written the original
        # way: its derivative is the `_backward` function you set on it next.
        self.data = data
        self.grad = 0.0
        self._op = _op
        if children:
            self._a, self._da, self._b = children, _local, _MANY
        else:
            self._a = None
        if label:
            self.label = label

    @property
    def _prev(self) -> set[Value]:
        """The children as a set, exactly as the original micrograd keeps them."""
        return set(self._children)

    @_prev.setter
    def _prev(self, children: Iterable[Value]) -> None:
        """Set the children, as code written for the original does (``v._prev = set()``
        cuts a node off its graph). Their local derivatives are not known, so the
        node's own ``_backward`` function does the work, as in the original."""
        children = tuple(children)
        if children:
            self._a, self._da, self._b = children, None, _MANY
        else:
            self._a = None

    @property
    def _children(self) -> tuple[Value, ...]:
        """The children in order, once per use: ``(a + a)._children == (a, a)``."""
        a = self._a
        if a is None:  # a leaf
            return ()
        b = self._b
        if b is _MANY:
            return a
        return (a,) if b is None else (a, b)

    @property
    def _local(self) -> tuple[float, ...] | None:
        """d(self)/d(child) for each of ``_children``; None for an op with its own _backward."""
        if self._a is None:  # a leaf
            return ()
        b = self._b
        if b is _MANY:
            return self._da
        return (self._da,) if b is None else (self._da, self._db)

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
        if not isinstance(other, Value):
            other = self._wrap(other, "+")
        # d(a+b)/da = 1, d(a+b)/db = 1
        return _binary("+", self.data + other.data, self, 1.0, other, 1.0)

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = self._wrap(other, "*")
        # d(a*b)/da = b, d(a*b)/db = a
        return _binary("*", self.data * other.data, self, other.data, other, self.data)

    def __sub__(self, other: Operand) -> Value:
        if not isinstance(other, Value):
            other = self._wrap(other, "-")
        # d(a-b)/da = 1, d(a-b)/db = -1
        return _binary("-", self.data - other.data, self, 1.0, other, -1.0)

    def __truediv__(self, other: Operand) -> Value:
        other = self._wrap(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(
                f"Value({a}) / Value({b}): division by zero. "
                "Add a small epsilon to the denominator if it can reach 0."
            )
        q = a / b
        if not math.isfinite(q):
            raise _not_finite("/", (self, other), q)
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2, taken as -(a/b)/b: squaring a tiny b
        # first would underflow to 0 and divide by zero.
        da, db = _finite_local("/", (self, other), (1.0 / b, -q / b))
        return _binary("/", q, self, da, other, db)

    def __neg__(self) -> Value:
        # d(-a)/da = -1
        return _unary("neg", -self.data, self, -1.0)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return self._pow_value(other)
        k = _as_float(other, f"Value ** {other!r}")
        if not math.isfinite(k):
            raise ValueError(f"Value ** {k}: the exponent must be a finite number.")
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
        op = f"**{_short(k)}"
        out = _checked_pow(x, k)
        # d(x^k)/dx = k * x^(k-1)
        local = 0.0 if k == 0 else k * _checked_pow(x, k - 1)
        return _unary(op, out, self, *_finite_local(op, (self,), (local,)))

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
        dx, dy = _finite_local("**", (self, exponent), (dx, dy))
        return _binary("**", out, self, dx, exponent, dy)

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
        return _unary("exp", out, self, out)

    def log(self) -> Value:
        x = self.data
        if x <= 0:
            raise ValueError(
                f"log(Value({x})): log is defined only for positive numbers. "
                "Clamp the input, e.g. log(x + 1e-12), or check where it went negative."
            )
        # d(log x)/dx = 1/x, which overflows for the tiniest x (below about 5.6e-309)
        return _unary("log", math.log(x), self, *_finite_local("log", (self,), (1.0 / x,)))

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        # d(tanh x)/dx = 1 - tanh(x)^2
        return _unary("tanh", t, self, 1.0 - t * t)

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

    def relu(self) -> Value:
        x = self.data
        # d(relu x)/dx = 1 where x > 0, else 0
        if x > 0:
            return _unary("ReLU", x, self, 1.0)
        return _unary("ReLU", 0.0, self, 0.0)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        slope = _as_float(slope, f"leaky_relu(slope={slope!r})")
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
        if x == 0:
            raise ZeroDivisionError(
                "sqrt(Value(0.0)): the slope of sqrt is infinite at 0. "
                "Use sqrt(x + 1e-12) if x can reach 0."
            )
        r = math.sqrt(x)
        # d(sqrt x)/dx = 1 / (2 sqrt x)
        return _unary("sqrt", r, self, 0.5 / r)

    # ------------------------------------------------------------ backward
    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its children.

        The leaves come first (they depend on nothing), then the interior nodes
        in the order ``backward()`` visits them, reversed.
        """
        interior, leaf_uses = _walk(self)
        return [*dict.fromkeys(leaf_uses), *interior]

    def backward(self) -> None:
        """Fill in ``grad`` of every value this one depends on: d(self)/d(value).

        Nodes are visited from the output back to the leaves, so each one has
        collected the gradient from every use before it passes it on. Interior
        nodes (those with children) start from 0 on every call; leaves keep what
        they had and add to it. So calling ``backward()`` twice doubles the
        leaves' gradients, just as in PyTorch: reset them with ``zero_grad()``
        (or ``p.grad = 0``) before each training step.
        """
        interior, leaf_uses = _walk(self)
        leaf_grads = list(map(_grad, leaf_uses))  # to undo a backward() that overflows
        for node in interior:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(interior):  # from the output back to the leaves
            # _chain_rule() below, written out for each way a node keeps its edges
            grad, a, b = node.grad, node._a, node._b
            if b is None:  # one child
                a.grad += node._da * grad
            elif b is not _MANY:  # two children
                a.grad += node._da * grad
                b.grad += node._db * grad
            elif node._da is None:  # an operation that brings its own _backward function
                node._backward()
            else:  # many children
                for child, d in zip(a, node._da):
                    child.grad += d * grad  # the chain rule
        _check_gradients(interior, leaf_uses, leaf_grads)

    def _chain_rule(self) -> None:
        """One step of the chain rule: pass this node's grad on to its children.

        This is ``_backward()`` for every built-in operation. ``backward()`` does
        the same for each node, output first; you can also call it by hand, node
        by node, as the original micrograd lecture does.
        """
        grad = self.grad
        for child, d in zip(self._children, self._local or ()):
            child.grad += d * grad

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's step of the chain rule, as a function to call: ``v._backward()``.

        For the built-in operations it is ``_chain_rule``. An operation written
        the original micrograd's way sets its own function here (see below).
        """
        own = self.__dict__.get("_backward_function")
        return own if own is not None else self._chain_rule

    @_backward.setter
    def _backward(self, function: Callable[[], None]) -> None:
        """Give this node its own backward step, as the original lecture teaches::

            out = Value(t, (self,), "tanh")
            def _backward():
                self.grad += (1 - t**2) * out.grad
            out._backward = _backward

        ``backward()`` then calls it for this node. Its local derivatives are no
        longer known as numbers, so ``_local`` becomes ``None``.
        """
        if not callable(function):
            raise TypeError(f"_backward must be a function of no arguments, got {function!r}.")
        self.__dict__["_backward_function"] = function
        if getattr(self, "_a", None) is not None:  # keep the children, forget the numbers
            self._a, self._da, self._b = self._children, None, _MANY


Operand = Value | int | float  # what an operator accepts on either side
_new_value = object.__new__


class _Many:
    """The marker in ``_b`` of a node whose children are all in ``_a`` (see Value.__slots__).

    One object, compared with ``is``; pickling and copying give back that same one.
    """

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_MANY"

    def __repr__(self) -> str:
        return "_MANY"


_MANY = _Many()
_JUST_VALUES, _JUST_FLOATS = {Value}, {float}
_grad = operator.attrgetter("grad")


# The three ways to make an interior node, used by every built-in operation.
# ``Value(...)`` checks what a user passes in; the operations already know
# their children are Values and their numbers floats, so these skip straight to
# filling in the slots. They only check that the result is finite.
def _unary(op: str, data: float, a: Value, da: float) -> Value:
    """A node with one child ``a``, whose local derivative is ``da``."""
    # Is `data` finite? inf - inf and nan - nan are nan, a finite number gives 0:
    # math.isfinite(data) says the same, but this runs for every node, and the
    # subtraction is cheaper than a function call.
    if data - data != 0.0:
        raise _not_finite(op, (a,), data)
    node = _new_value(Value)
    node.data, node.grad, node._op = data, 0.0, op
    node._a, node._da, node._b = a, da, None
    return node


def _binary(op: str, data: float, a: Value, da: float, b: Value, db: float) -> Value:
    """A node with children ``a`` and ``b``, and local derivatives ``da`` and ``db``."""
    if data - data != 0.0:
        raise _not_finite(op, (a, b), data)
    node = _new_value(Value)
    node.data, node.grad, node._op = data, 0.0, op
    node._a, node._da, node._b, node._db = a, da, b, db
    return node


def _many(op: str, data: float, children: tuple[Value, ...], local: tuple[float, ...]) -> Value:
    """A node with any number of children, and one local derivative for each."""
    if data - data != 0.0:
        raise _not_finite(op, children, data)
    node = _new_value(Value)
    node.data, node.grad, node._op = data, 0.0, op
    node._a, node._da, node._b = children, local, _MANY
    return node


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
    interior: list[Value] = []
    leaf_uses: list[Value] = []
    opened: set[Value] = set()
    stack: list[Value | None] = [root]
    # Short local names for the methods the loop calls on every node.
    push, pop, close, leaf = stack.append, stack.pop, interior.append, leaf_uses.append
    while stack:
        node = pop()
        if node is None:  # the marker: every child of the node below it is done
            close(pop())
        elif node not in opened:
            opened.add(node)
            push(node)
            push(None)
            a, b = node._a, node._b  # the node's children: see Value.__slots__
            if b is _MANY:
                children = a
            elif b is None:
                children = (a,)
            else:
                children = (a, b)
            for child in children:
                if child._a is None:
                    leaf(child)  # a leaf has nothing to wait for
                elif child not in opened:
                    push(child)
    return interior, leaf_uses


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
    if not isinstance(bias, Value):
        bias = Value._wrap(bias, "weighted_sum bias")
    return _weighted_node(weights, bias, *_neuron_inputs(inputs))


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
    total = bias.data
    for w, x in zip(ws, xs):  # left to right, exactly as sum() of the products would add
        total += w * x
    # Local derivatives: d/db = 1, d/dw_i = x_i, d/dx_i = w_i (when the inputs are Values).
    children = (bias, *weights, *input_edges)
    local = (1.0, *xs, *ws) if input_edges else (1.0, *xs)
    return _many("Σw·x+b", total, children, local)


def value_sum(values: Iterable[Operand]) -> Value:
    """``v1 + v2 + ...`` as one node; each edge's local derivative is 1.

    Same numbers as the built-in ``sum(values)``, without a chain of
    intermediate '+' nodes.
    """
    children = tuple(v if isinstance(v, Value) else Value._wrap(v, "sum") for v in values)
    if not children:  # the sum of nothing is 0, as sum([]) is
        return Value(0.0)
    total = 0.0
    for v in children:
        total += v.data
    return _many("sum", total, children, (1.0,) * len(children))


# --------------------------------------------------------- finite numbers
# The policy: every data, local derivative and gradient is a finite float. A
# result that would overflow raises OverflowError naming the operation, so an
# inf never travels on to become a NaN somewhere far from its cause.
def _describe(op: str, children: Sequence[Value]) -> str:
    """``op(2.0, -3.0)``: an operation and its operands, the first few of a long list."""
    numbers = [repr(c.data) for c in children[:4]]
    if len(children) > 4:
        numbers[3:] = [f"... {len(children) - 3} more"]
    return f"{op}({', '.join(numbers)})"


def _not_finite(op: str, children: Sequence[Value], data: float) -> OverflowError:
    """The error for an operation on finite numbers whose result is not finite.

    From finite inputs, a built-in operation can only get inf by overflowing, and
    NaN only from an overflow on the way (a weighted sum's inf + -inf).
    """
    return OverflowError(
        f"{_describe(op, children)} = {data} overflows a float (the limit is about 1.8e308). "
        "Scale the numbers down (inputs, weights or learning rate), or use a numerically "
        "stable formula."
    )


def _finite_local(op: str, children: tuple[Value, ...], local: tuple[float, ...]) -> tuple:
    """``local``, checked: the few operations whose slope can overflow call this."""
    for d in local:
        if not math.isfinite(d):
            raise OverflowError(
                f"{_describe(op, children)}: its local derivative {d} overflows a float. "
                "The slope is too steep here; keep the input away from where it blows up."
            )
    return local


def _check_gradients(interior: list[Value], leaf_uses: list[Value], before: list[float]) -> None:
    """Raise if any gradient of the last backward() is inf or nan, and undo it.

    One sum in C over every gradient is finite exactly when all of them are
    (an inf or nan anywhere makes it inf or nan), so the usual, finite case
    costs almost nothing. Only then are the nodes searched, output first, for
    the one where the overflow started; before raising, every leaf gets back
    the grad it had before this backward() and every interior node 0.
    """
    total = sum(map(_grad, interior), sum(map(_grad, leaf_uses)))
    if math.isfinite(total):
        return
    culprit = next(
        (node for node in (*reversed(interior), *leaf_uses) if not math.isfinite(node.grad)), None
    )
    if culprit is None:
        return  # all finite after all: only the sum itself overflowed
    error = _gradient_overflow(culprit)
    for node in interior:
        node.grad = 0.0
    for leaf, grad in zip(leaf_uses, before):
        leaf.grad = grad
    raise error


def _gradient_overflow(node: Value) -> OverflowError:
    return OverflowError(
        f"backward(): the gradient reaching {node!r} (op {node._op or 'leaf'!r}) is "
        f"{node.grad}, not a finite float. A local derivative times the gradient above it "
        "overflowed; scale the loss or the inputs down, or lower the learning rate."
    )


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
