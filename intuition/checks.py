"""What each code-writing exercise of the course is checked against.

Each ``*_test(...)`` returns a test for ``selfcheck.check_code``: a function that
takes the learner's function and returns None when it is right, or one sentence
saying what is wrong. The oracle is always the library: its ``Value`` and
``backward()``, ``micrograd.gradcheck`` (finite differences), its ``Neuron``
and its ``SGD``.

``SLIPS`` (at the end) lists, for each exercise, the typical mistakes and the
hint that speaks to each: a wrong number for a number exercise, a function
written with that mistake for a code exercise. ``selfcheck`` tries them before
it falls back on the exercise's general hint, and in strict mode checks that
every slip fails and is recognised as itself. Each notebook has its own section
of the table; add a section for a new notebook at the end.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from selfcheck import Slip

from micrograd import MLP, Neuron, Value
from micrograd.gradcheck import gradcheck
from micrograd.losses import mse_loss
from micrograd.optim import SGD

Test = Callable[[Callable], "str | None"]


def _close(a: float, b: float, tol: float = 1e-9) -> bool:
    return isinstance(a, int | float) and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _plural(n: int, word: str, plural: str = "") -> str:
    """``1 input``, ``2 inputs``: a count with its noun."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def _name(v) -> str:
    """A value as an error message names it: by its label, else by how it was made."""
    label = getattr(v, "label", "")
    if label:
        return label
    op = getattr(v, "_op", "")
    made = f"the {op!r} node" if op else "an unlabelled leaf"
    return f"{made} (data {getattr(v, 'data', '?')!r})"


class ReferenceTinyValue:
    """Notebook 1's TinyValue as the course means it (+ and *, local derivatives stored).

    The checks build their graphs with it when the learner's class is not the
    thing being checked.
    """

    def __init__(self, data, children=(), op="", local=(), label=""):
        self.data, self.grad, self.label = data, 0.0, label
        self._children, self._local, self._op = children, local, op

    def __add__(self, other):
        return type(self)(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        return type(self)(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __repr__(self):
        return f"TinyValue({self.label or '?'}: data={self.data}, grad={self.grad})"


# ------------------------------------------------------------- notebook 1
def _expressions(V: type) -> list[tuple[str, Callable[[], tuple]]]:
    """Small graphs built from + and * only, in any Value-like class ``V``."""

    def running_example():
        a, b, c, f = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c"), V(-2.0, label="f")
        e = a * b
        d = e + c
        L = d * f
        e.label, d.label, L.label = "e", "d", "L"
        return L, [a, b, c, f]

    def used_twice():
        x, y, z = V(3.0, label="x"), V(-1.0, label="y"), V(2.0, label="z")
        xy = x * y
        s = xy + z
        g = s * x
        xy.label, s.label, g.label = "x·y", "x·y + z", "g"
        return g, [x, y, z]

    def a_plus_a():
        a = V(3.0, label="a")
        b = a + a
        b.label = "b"
        return b, [a]

    return [
        ("L = (a·b + c)·f", running_example),
        ("g = (x·y + z)·x", used_twice),
        ("b = a + a", a_plus_a),
    ]


def _reachable(root) -> list:
    seen, stack = {id(root): root}, [root]
    while stack:
        for child in stack.pop()._children:
            if id(child) not in seen:
                seen[id(child)] = child
                stack.append(child)
    return list(seen.values())


def topological_order_test(V: type = ReferenceTinyValue) -> Test:
    """The order holds every value of the graph once, each after all of its children."""

    def test(topological_order: Callable) -> str | None:
        for name, build in _expressions(V):
            root, _ = build()
            order = topological_order(root)
            if not isinstance(order, list):
                return f"for {name} it returned {type(order).__name__}, not a list of values"
            everything = _reachable(root)
            if len(order) != len(everything) or {id(v) for v in order} != {
                id(v) for v in everything
            }:
                return (
                    f"for {name} the graph has {_plural(len(everything), 'value')}, each to be "
                    f"listed once, but your list has {_plural(len(order), 'entry', 'entries')}"
                )
            place = {id(v): i for i, v in enumerate(order)}
            for v in order:
                for child in v._children:
                    if place[id(child)] > place[id(v)]:
                        return f"for {name}, {_name(v)} comes before its child {_name(child)}"
        return None

    return test


def backward_test(V: type = ReferenceTinyValue) -> Test:
    """Every gradient equals the library's ``backward()`` on the same expression."""

    def test(backward: Callable) -> str | None:
        for (name, build), (_, build_library) in zip(_expressions(V), _expressions(Value)):
            root, leaves = build()
            backward(root)
            lib_root, lib_leaves = build_library()
            lib_root.backward()
            if not _close(root.grad, 1.0):
                return f"for {name} the output's grad is {root.grad!r}; the seed must be 1.0"
            for mine, theirs in zip(leaves, lib_leaves):
                if not _close(mine.grad, theirs.grad):
                    return (
                        f"for {name}, d/d{mine.label} came out {mine.grad!r}, "
                        f"but the library says {theirs.grad!r}"
                    )
        return None

    return test


# the two operations of TinyValue: name -> (Python's method, the float it computes, local)
TINY_OPS: dict[str, tuple[str, Callable, Callable]] = {
    "tiny_add": ("__add__", lambda x, y: x + y, lambda x, y: (1.0, 1.0)),
    "tiny_mul": ("__mul__", lambda x, y: x * y, lambda x, y: (y, x)),
}


def tiny_op_test(name: str) -> Test:
    """TinyValue's ``__add__`` or ``__mul__`` (``name`` is "tiny_add" or "tiny_mul").

    The learner's method goes into a TinyValue of the checks' own. The result
    must hold the right data, both children in order and, for each, the local
    derivative that nudging measures; then ``backward()`` through graphs that
    use it must give the library's gradients.
    """
    method, forward, _ = TINY_OPS[name]
    sign = {"__add__": "+", "__mul__": "*"}[method]

    def test(op: Callable) -> str | None:
        V = type("TinyValue", (ReferenceTinyValue,), {method: op})
        for x0, y0 in [(2.0, -3.0), (4.0, 10.0), (-1.5, 0.5)]:
            x, y = V(x0, label="x"), V(y0, label="y")
            out = op(x, y)
            where = f"for x {sign} y with x = {x0:g}, y = {y0:g}"
            if not hasattr(out, "_local"):
                return f"{where} it returned {out!r}; return a new TinyValue"
            if out.data != forward(x0, y0):
                return f"{where} the data is {out.data!r}; it should be {forward(x0, y0)!r}"
            children = tuple(getattr(out, "_children", ()))
            if len(children) != 2 or children[0] is not x or children[1] is not y:
                named = [_name(c) for c in children]
                return f"{where} the children are {named}; they should be [x, y], in that order"
            local = tuple(out._local)
            measured = [
                gradcheck(lambda v: forward(v[0], v[1]), [x0, y0]).numeric[i] for i in (0, 1)
            ]
            if len(local) != 2 or not all(_close(g, m, 1e-6) for g, m in zip(local, measured)):
                shown = ", ".join(f"{m:.6g}" for m in measured)
                return f"{where} _local is {local!r}, but nudging x and y measures ({shown})"
        add = op if method == "__add__" else ReferenceTinyValue.__add__
        mul = op if method == "__mul__" else ReferenceTinyValue.__mul__
        for expression, build in _explicit_expressions(V, add, mul):
            root, leaves = build()
            solutions_backward(root)
            lib_root, lib_leaves = dict(_expressions(Value))[expression]()
            lib_root.backward()
            for mine, theirs in zip(leaves, lib_leaves):
                if not _close(mine.grad, theirs.grad):
                    return (
                        f"for {expression}, d/d{mine.label} came out {mine.grad!r}, "
                        f"but the library says {theirs.grad!r}"
                    )
        return None

    return test


def _explicit_expressions(V: type, add: Callable, mul: Callable) -> list:
    """``_expressions``, with every + and * an explicit call of ``add`` and ``mul``.

    The learner's method may build its result as their own class, whose other
    operator is their other (perhaps still wrong) method; calling both
    explicitly keeps the check of one method independent of the other.
    """

    def running_example():
        a, b, c, f = V(2.0, label="a"), V(-3.0, label="b"), V(10.0, label="c"), V(-2.0, label="f")
        return mul(add(mul(a, b), c), f), [a, b, c, f]

    def used_twice():
        x, y, z = V(3.0, label="x"), V(-1.0, label="y"), V(2.0, label="z")
        return mul(add(mul(x, y), z), x), [x, y, z]

    def a_plus_a():
        a = V(3.0, label="a")
        return add(a, a), [a]

    return [
        ("L = (a·b + c)·f", running_example),
        ("g = (x·y + z)·x", used_twice),
        ("b = a + a", a_plus_a),
    ]


class ReferenceClosureValue:
    """The original lecture's form: each result carries a ``_backward`` function.

    Only ``+`` is written here; the exercise writes ``*`` in the same form.
    """

    def __init__(self, data, children=(), op="", label=""):
        self.data, self.grad, self.label = data, 0.0, label
        self._children, self._op = children, op
        self._backward = lambda: None  # a leaf passes nothing on

    def __add__(self, other):
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def backward(self):
        import solutions

        self.grad = 1.0
        for node in reversed(solutions.topological_order(self)):
            node._backward()


def closure_mul_test() -> Test:
    """``__mul__`` in the closure form: backward() through it gives the library's gradients."""

    def test(mul: Callable) -> str | None:
        V = type("ClosureValue", (ReferenceClosureValue,), {"__mul__": mul})
        x, y = V(2.0, label="x"), V(-3.0, label="y")
        out = mul(x, y)
        if getattr(out, "data", None) != -6.0:
            return f"x * y with x = 2, y = -3 gave {out!r}; its data should be -6.0"
        if not callable(getattr(out, "_backward", None)):
            return "the product has no _backward function to call"
        for expression, build in _expressions(V):
            root, leaves = build()
            root.backward()
            lib_root, lib_leaves = dict(_expressions(Value))[expression]()
            lib_root.backward()
            for mine, theirs in zip(leaves, lib_leaves):
                if not _close(mine.grad, theirs.grad):
                    return (
                        f"for {expression}, d/d{mine.label} came out {mine.grad!r}, "
                        f"but the library says {theirs.grad!r}"
                    )
        return None

    return test


def solutions_backward(root) -> None:
    """The course's ``backward()`` (from solutions.py), for checks of other pieces."""
    import solutions

    solutions.backward(root)


# ------------------------------------------------------------- notebook 2
# name of the op -> (apply it to a Value-like x, where to check it)
OPERATIONS: dict[str, tuple[Callable, list[float]]] = {
    "x ** 3": (lambda x: x**3, [-1.5, 0.5, 2.0]),
    "x ** -2": (lambda x: x**-2, [-1.5, 0.5, 2.0]),
    "exp(x)": (lambda x: x.exp(), [-1.0, 0.0, 1.7]),
    "tanh(x)": (lambda x: x.tanh(), [-2.0, 0.3, 1.0]),
    "relu(x)": (lambda x: x.relu(), [-1.3, 0.4, 2.5]),
}


# the exercise -> the operations whose local derivative it writes
LOCAL_DERIVATIVE_OPS: dict[str, list[str]] = {
    "pow_local": ["x ** 3", "x ** -2"],
    "exp_local": ["exp(x)"],
    "tanh_local": ["tanh(x)"],
    "relu_local": ["relu(x)"],
}


def tiny_value_with(local_functions: dict[str, Callable]) -> type:
    """Notebook 2's TinyValue, its four local derivatives taken from ``local_functions``.

    A function missing from the dict is taken from ``solutions.py``, so one
    exercise can be checked while the others are still empty.
    """
    import solutions

    def local(name: str) -> Callable:
        return local_functions.get(name) or solutions.FUNCTIONS[name]

    class TinyValue(ReferenceTinyValue):
        def __pow__(self, k):
            out = self.data**k
            return TinyValue(out, (self,), f"**{k}", (local("pow_local")(self.data, k, out),))

        def exp(self):
            out = math.exp(self.data)
            return TinyValue(out, (self,), "exp", (local("exp_local")(self.data, out),))

        def tanh(self):
            out = math.tanh(self.data)
            return TinyValue(out, (self,), "tanh", (local("tanh_local")(self.data, out),))

        def relu(self):
            out = max(0.0, self.data)
            return TinyValue(out, (self,), "relu", (local("relu_local")(self.data, out),))

        def backward(self):
            solutions.backward(self)

    return TinyValue


def local_derivative_test(name: str) -> Test:
    """The local derivative ``name`` (say ``"tanh_local"``) gives what ``gradcheck`` measures.

    The learner's function is wired into a TinyValue of the checks' own, run
    through ``backward()`` at a few points, and compared with finite differences.
    """

    def test(local_function: Callable) -> str | None:
        V = tiny_value_with({name: local_function})
        for op in LOCAL_DERIVATIVE_OPS[name]:
            apply, points = OPERATIONS[op]
            for x0 in points:
                x = V(x0)
                out = apply(x)
                local = out._local[0]
                if not isinstance(local, int | float) or isinstance(local, bool):
                    return f"{op} at x = {x0}: your function returned {local!r}, not a number"
                out.backward()
                numeric = gradcheck(lambda v, apply=apply: apply(v[0]), [x0]).numeric[0]
                if not _close(x.grad, numeric, 1e-5):
                    return (
                        f"{op} at x = {x0}: backward() gives {x.grad!r}, but nudging x "
                        f"(gradcheck) measures {numeric:.6g}"
                    )
        return None

    return test


def neuron_test() -> Test:
    """``neuron(xs, ws, b)`` agrees with the library's tanh ``Neuron``: output and gradients."""

    def test(neuron: Callable) -> str | None:
        rng = random.Random(7)
        for n_inputs in (1, 2, 5):
            xs0 = [rng.uniform(-2, 2) for _ in range(n_inputs)]
            ws0 = [rng.uniform(-1, 1) for _ in range(n_inputs)]
            b0 = rng.uniform(-1, 1)
            xs, ws, b = [Value(x) for x in xs0], [Value(w) for w in ws0], Value(b0)
            out = neuron(xs, ws, b)
            if not isinstance(out, Value):
                return f"it returned {type(out).__name__}; return the neuron's output, a Value"
            lib = Neuron(n_inputs, activation="tanh")
            lib.load_state_dict({**{f"w.{i}": w for i, w in enumerate(ws0)}, "b": b0})
            lib_xs = [Value(x) for x in xs0]
            lib_out = lib(lib_xs)
            if not _close(out.data, lib_out.data):
                return (
                    f"with {_plural(n_inputs, 'input')} the output is {out.data:.6g}, "
                    f"but tanh(w·x + b) is {lib_out.data:.6g}"
                )
            out.backward()
            lib_out.backward()
            pairs = [*zip(ws, lib.w), (b, lib.b), *zip(xs, lib_xs)]
            if not all(_close(m.grad, t.grad) for m, t in pairs):
                return (
                    f"with {_plural(n_inputs, 'input')} the output is right but a gradient is not"
                )
        return None

    return test


class ReferenceNeuron:
    """Notebook 2's MyNeuron: its weights, its bias, and the course's neuron() to run them."""

    def __init__(self, nin, value=Value):
        self.w = [value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = value(random.uniform(-1, 1))

    def __call__(self, xs):
        import solutions

        return solutions.neuron(xs, self.w, self.b)

    def parameters(self):
        return [*self.w, self.b]


class ReferenceLayer:
    """Notebook 2's MyLayer, its ``__call__`` written as the course means it."""

    def __init__(self, nin, nout, value=Value):
        self.neurons = [ReferenceNeuron(nin, value) for _ in range(nout)]

    def __call__(self, xs):
        import solutions

        return solutions.layer_call(self, xs)

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class ReferenceMLP:
    """Notebook 2's MyMLP, its methods written as the course means them."""

    def __init__(self, nin, nouts, value=Value):
        sizes = [nin, *nouts]
        self.layers = [ReferenceLayer(sizes[i], sizes[i + 1], value) for i in range(len(nouts))]

    def __call__(self, xs):
        import solutions

        return solutions.mlp_call(self, xs)

    def parameters(self):
        import solutions

        return solutions.mlp_parameters(self)


def _library_copy(neurons: list, sizes: list[int]) -> MLP:
    """The library's all-tanh MLP with the same weights as ``neurons`` (a flat list, in order)."""
    lib = MLP(sizes[0], sizes[1:], activation="tanh", output_activation="tanh")
    state = {}
    for (name, _), value in zip(lib.named_parameters(), [p for n in neurons for p in [*n.w, n.b]]):
        state[name] = value.data
    lib.load_state_dict(state)
    return lib


def _compare_outputs(mine, theirs: list, what: str) -> str | None:
    """``mine`` (a Value or a list of them) against the library's list of outputs."""
    if len(theirs) == 1:
        if isinstance(mine, list):
            return f"{what}: one neuron, and it returned a list; return that neuron's Value itself"
        mine = [mine]
    if not isinstance(mine, list) or len(mine) != len(theirs):
        got = _plural(len(mine), "output") if isinstance(mine, list) else repr(mine)
        return f"{what}: expected a list of {_plural(len(theirs), 'output')}, got {got}"
    for i, (m, t) in enumerate(zip(mine, theirs)):
        if not _close(getattr(m, "data", m), t.data):
            return f"{what}: output {i} is {getattr(m, 'data', m)!r}, expected {t.data!r}"
    return None


def layer_call_test() -> Test:
    """``MyLayer.__call__`` runs every neuron on the same inputs, as the library's Layer does."""

    def test(call: Callable) -> str | None:
        rng_state = random.getstate()
        try:
            random.seed(11)
            for nin, nout in [(3, 4), (2, 1), (4, 2)]:
                layer = type("MyLayer", (ReferenceLayer,), {"__call__": call})(nin, nout)
                lib = _library_copy(layer.neurons, [nin, nout])
                xs = [random.uniform(-2, 2) for _ in range(nin)]
                what = f"a layer of {_plural(nout, 'neuron')} on {_plural(nin, 'input')}"
                problem = _compare_outputs(call(layer, xs), _as_list(lib(xs)), what)
                if problem:
                    return problem
        finally:
            random.setstate(rng_state)
        return None

    return test


def _as_list(out) -> list:
    return out if isinstance(out, list) else [out]


def mlp_call_test() -> Test:
    """``MyMLP.__call__`` feeds each layer the outputs of the one before, as the library's MLP."""

    def test(call: Callable) -> str | None:
        rng_state = random.getstate()
        try:
            random.seed(12)
            for nin, nouts in [(3, [4, 4, 1]), (2, [3, 2]), (1, [1])]:
                mlp = type("MyMLP", (ReferenceMLP,), {"__call__": call})(nin, nouts)
                neurons = [n for layer in mlp.layers for n in layer.neurons]
                lib = _library_copy(neurons, [nin, *nouts])
                xs = [random.uniform(-2, 2) for _ in range(nin)]
                what = f"MyMLP({nin}, {nouts})"
                problem = _compare_outputs(call(mlp, xs), _as_list(lib(xs)), what)
                if problem:
                    return problem
        finally:
            random.setstate(rng_state)
        return None

    return test


def mlp_parameters_test() -> Test:
    """``MyMLP.parameters`` lists every weight and bias once, in the library's order."""

    def test(parameters: Callable) -> str | None:
        rng_state = random.getstate()
        try:
            random.seed(13)
            for nin, nouts in [(3, [4, 4, 1]), (2, [3, 2])]:
                mlp = type("MyMLP", (ReferenceMLP,), {"parameters": parameters})(nin, nouts)
                expected = [p for layer in mlp.layers for n in layer.neurons for p in [*n.w, n.b]]
                got = parameters(mlp)
                what = f"MyMLP({nin}, {nouts})"
                if not isinstance(got, list) or not all(hasattr(p, "data") for p in got):
                    return f"{what}: expected one flat list of Values, got {_describe(got)}"
                if len(got) != len(expected):
                    return (
                        f"{what} has {_plural(len(expected), 'parameter')}, "
                        f"your list has {_plural(len(got), 'entry', 'entries')}"
                    )
                if any(p is not q for p, q in zip(got, expected)):
                    return f"{what}: the right number of parameters, but not the network's own"
        finally:
            random.setstate(rng_state)
        return None

    return test


def _describe(x) -> str:
    if isinstance(x, list) and x and isinstance(x[0], list):
        return f"a list of {_plural(len(x), 'list')}"
    return type(x).__name__


def training_step_test() -> Test:
    """``training_step(model, X, targets, lr)`` moves every weight exactly as the library does."""

    def test(training_step: Callable) -> str | None:
        X = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0]]
        targets = [1.0, -1.0, -1.0]
        mine = MLP(3, [4, 1], activation="tanh", rng=random.Random(5))  # leaves random alone
        theirs = MLP(3, [4, 1], activation="tanh", rng=random.Random(6))  # then copied from mine
        theirs.load_state_dict(mine.state_dict())
        opt = SGD(theirs.parameters(), lr=0.05)
        for step in range(3):  # three steps: forgetting zero_grad() shows from the second on
            loss = training_step(mine, X, targets, 0.05)
            expected = mse_loss([theirs(x) for x in X], targets)
            opt.zero_grad()
            expected.backward()
            opt.step()
            got = getattr(loss, "data", loss)
            if not _close(got, expected.data):
                return f"step {step}: it returned the loss {got!r}, expected {expected.data!r}"
            for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
                if not _close(p.data, q.data):
                    return f"after step {step}, {name} is {p.data:.6g}, not {q.data:.6g}"
        return None

    return test


# The check of each code exercise, as its notebook calls it: the tests run every solution
# and every listed slip through these. A notebook's section below adds its own entries.
CODE_TESTS: dict[str, Callable[[], Test]] = {
    "tiny_add": lambda: tiny_op_test("tiny_add"),
    "tiny_mul": lambda: tiny_op_test("tiny_mul"),
    "topological_order": topological_order_test,
    "backward": backward_test,
    "closure_mul": closure_mul_test,
    **{name: (lambda n=name: local_derivative_test(n)) for name in LOCAL_DERIVATIVE_OPS},
    "neuron": neuron_test,
    "MyLayer.__call__": layer_call_test,
    "MyMLP.__call__": mlp_call_test,
    "MyMLP.parameters": mlp_parameters_test,
    "training_step": training_step_test,
}


# ====================================================================================
# Typical slips: for each exercise, the mistakes a learner makes most, each with the
# hint that speaks to that mistake. Numbers are written the way the slip computes them.
# ====================================================================================


# ---- notebook 1, code slips
def _add_copied_from_mul(self, other):
    return type(self)(self.data + other.data, (self, other), "+", (other.data, self.data))


def _add_without_children(self, other):
    return type(self)(self.data + other.data)


def _mul_own_factor(self, other):
    return type(self)(self.data * other.data, (self, other), "*", (self.data, other.data))


def _mul_copied_from_add(self, other):
    return type(self)(self.data * other.data, (self, other), "*", (1.0, 1.0))


def _mul_without_children(self, other):
    return type(self)(self.data * other.data)


def _topological_order_children_last(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            order.append(node)  # before its children: the slip
            for child in node._children:
                visit(child)

    visit(root)
    return order


def _topological_order_without_seen(root):
    order = []

    def visit(node):
        for child in node._children:
            visit(child)
        order.append(node)

    visit(root)
    return order


def _backward_overwrites(root):
    import solutions

    root.grad = 1.0
    for node in reversed(solutions.topological_order(root)):
        for child, local in zip(node._children, node._local):
            child.grad = local * node.grad


def _backward_without_seed(root):
    import solutions

    for node in reversed(solutions.topological_order(root)):
        for child, local in zip(node._children, node._local):
            child.grad += local * node.grad


def _backward_leaves_first(root):
    import solutions

    root.grad = 1.0
    for node in solutions.topological_order(root):
        for child, local in zip(node._children, node._local):
            child.grad += local * node.grad


# ---- notebook 2, code slips
def _pow_forgot_minus_one(x, k, out):
    return k * x**k


def _pow_forgot_k(x, k, out):
    return x ** (k - 1)


def _exp_returns_input(x, out):
    return x


def _tanh_of_the_input(x, out):
    return 1 - x**2


def _tanh_forgot_square(x, out):
    return 1 - out


def _relu_returns_value(x, out):
    return out


def _relu_always_one(x, out):
    return 1.0


def _neuron_forgot_tanh(xs, ws, b):
    total = b
    for w, x in zip(ws, xs):
        total = total + w * x
    return total


def _neuron_forgot_bias(xs, ws, b):
    total = ws[0] * xs[0]
    for w, x in zip(ws[1:], xs[1:]):
        total = total + w * x
    return total.tanh()


def _step_without_zero_grad(model, X, targets, lr):
    loss = mse_loss([model(x) for x in X], targets)
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def _step_uphill(model, X, targets, lr):
    loss = mse_loss([model(x) for x in X], targets)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data += lr * p.grad
    return loss


def _step_zero_grad_after_backward(model, X, targets, lr):
    loss = mse_loss([model(x) for x in X], targets)
    loss.backward()
    model.zero_grad()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def _closure_mul_overwrites(self, other):
    out = type(self)(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad = other.data * out.grad
        other.grad = self.data * out.grad

    out._backward = _backward
    return out


def _closure_mul_own_factor(self, other):
    out = type(self)(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += self.data * out.grad
        other.grad += other.data * out.grad

    out._backward = _backward
    return out


def _closure_mul_not_attached(self, other):
    out = type(self)(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    return out  # forgot: out._backward = _backward


def _layer_always_a_list(self, xs):
    return [n(xs) for n in self.neurons]


def _layer_first_neuron_only(self, xs):
    return self.neurons[0](xs)


def _mlp_no_chaining(self, xs):
    out = xs
    for layer in self.layers:
        out = layer(xs)  # every layer reads the network's input
    return out


def _mlp_first_layer_only(self, xs):
    return self.layers[0](xs)


def _mlp_parameters_per_layer(self):
    return [layer.parameters() for layer in self.layers]


def _mlp_parameters_weights_only(self):
    return [w for layer in self.layers for n in layer.neurons for w in n.w]


SLIPS: dict[str, list[Slip]] = {
    # ---------------------------------------------------------- notebook 1, basics
    "f'(0)": [
        Slip("the height, not the slope", 0**3 - 3 * 0 + 1,
             "that is f(0), the height of the curve at 0. The question is its slope: use f'(x)."),
        Slip("sign", 3.0,
             "right size, wrong sign. At x = 0 the term 3x² is 0: what is left, with its sign?"),
    ],
    "∂(x·y)/∂x": [
        Slip("its own factor", 4.0,
             "that is x itself. Nudging x is scaled by what x is multiplied with."),
        Slip("the product", 4.0 * -1.5,
             "that is p = x·y, the value. The derivative asks how fast p moves as x moves."),
        Slip("sign", 1.5, "right size, wrong sign: y is negative."),
    ],
    "dL/dc": [
        Slip("the local derivative only", 1.0,
             "1 is the local derivative of + toward c. The chain rule multiplies it by the "
             "gradient that reached the + node from above."),
        Slip("sign", 2.0, "right size, wrong sign: which sign does d.grad have?"),
    ],
    "dL/da": [
        Slip("the local derivative only", -3.0,
             "-3 is the local derivative of e = a·b toward a. Multiply it by what reached e "
             "from above: the chain rule."),
        Slip("its own factor", 2.0 * -2.0,
             "that is a × e.grad, which is b's gradient: toward a, a * node passes on the "
             "*other* factor."),
        Slip("sign", 6.0 * -1,
             "right size, wrong sign: both factors are negative, so what is their product's sign?"),
    ],
    "a after one step": [
        Slip("with the gradient", 2.0 + 0.01 * 6.0,
             "you stepped *with* the gradient, which makes L larger. Descent steps against it."),
        Slip("forgot the learning rate", 2.0 - 6.0,
             "the whole gradient is far too big a step: it is scaled by the learning rate first."),
        Slip("only the step", 0.01 * 6.0,
             "that is the size of the step; the question asks where a ends up after it."),
    ],
    "dg/dx": [
        Slip("only the outer use of x", 3 * -1 + 2,
             "that counts only the x in the outer product. x is used twice: a gradient comes "
             "back along each use, and the two add up."),
        Slip("only the inner use of x", -1 * 3,
             "that counts only the x inside x·y. x is used twice: add what comes back along "
             "the outer use."),
        Slip("sign", 4.0, "right size, wrong sign: check the sign of each term."),
    ],
    "dy/dx": [
        Slip("only the x·x paths", 2 * 2,
             "that is d(x·x)/dx alone. The last + x is a third use of x: one more path."),
        Slip("x·x counted once", 2 + 1,
             "x·x uses x twice, so it gives two paths, not one."),
        Slip("the buggy class's answer", 2.0,
             "that is what the buggy class says, which is the point: it keeps only the last path "
             "it visits. Count every use of x."),
    ],
    "a.grad after backward() twice": [
        Slip("twice the gradient", 6.0 * 2,
             "that would hold if every node but the leaves started the second call from 0. "
             "Which grads does your backward() reset, and which does it only add to?"),
        Slip("unchanged", 6.0,
             "backward() never sets a leaf's grad back to 0: the second call adds to it."),
    ],
    "topological_order": [
        Slip("children after the node", _topological_order_children_last,
             "you append a node before visiting its children. Visit all of a node's children "
             "first, then append the node."),
        Slip("no seen set", _topological_order_without_seen,
             "a value used twice is listed twice. Remember which nodes you have visited."),
    ],
    "backward": [
        Slip("= instead of +=", _backward_overwrites,
             "a value used twice loses one path's gradient: each edge must *add* its part."),
        Slip("no seed", _backward_without_seed,
             "every gradient stays 0: something must start the chain. What is dL/dL?"),
        Slip("leaves first", _backward_leaves_first,
             "you visit the leaves first, before the gradient has reached them. Walk the order "
             "backwards, from the output."),
    ],
    "tiny_add": [
        Slip("copied from *", _add_copied_from_mul,
             "those are the local derivatives of a product. Nudge x by 1 in x + y: how much "
             "does the sum move?"),
        Slip("no children", _add_without_children,
             "the result must remember where it came from: pass (self, other) as its children."),
    ],
    "tiny_mul": [
        Slip("its own factor", _mul_own_factor,
             "each factor got its own value. Nudge x in x·y: the product moves by y per unit."),
        Slip("copied from +", _mul_copied_from_add,
             "1 and 1 are the local derivatives of a sum. For a product, nudge x by 1: how much "
             "does x·y move?"),
        Slip("no children", _mul_without_children,
             "the result must remember where it came from: pass (self, other) as its children."),
    ],
    "closure_mul": [
        Slip("= instead of +=", _closure_mul_overwrites,
             "a value used in two products loses one: _backward must *add* to each grad."),
        Slip("its own factor", _closure_mul_own_factor,
             "each factor got its own value. Nudge x in x·y: the product moves by y per unit."),
        Slip("never attached", _closure_mul_not_attached,
             "the gradient stops at the product: the function you wrote is never called. "
             "backward() calls whatever the result holds as its _backward."),
    ],
    # ---------------------------------------------------- notebook 2, intermediate
    "d(4/x)/dx at x = 2": [
        Slip("sign", 1.0, "right size, wrong sign: does 4/x grow or shrink as x grows?"),
        Slip("forgot the square", -4 / 2,
             "4/x is 4·x⁻¹: the power rule brings down the -1 *and* lowers the power by one."),
        Slip("the value", 4 / 2, "that is 4/x itself; the question asks for its slope."),
    ],
    "do/dn": [
        Slip("forgot the square", 1 - 0.4621,
             "the derivative of tanh is 1 minus the *square* of its output."),
        Slip("the square only", 0.4621**2, "that is o²; the slope of tanh is 1 minus it."),
        Slip("the output", 0.4621, "that is o itself; the question asks for tanh's slope at n."),
    ],
    "do/dw1": [
        Slip("forgot ∂n/∂w1", 0.7864,
             "that is do/dn. The chain rule goes one edge further: how does n move with w1?"),
        Slip("the weight instead of the input", 0.5 * 0.7864,
             "that multiplies by w1, which gives x1's gradient. In w1·x1, nudging w1 is scaled "
             "by the *other* factor."),
        Slip("∂n/∂w1 only", 2.0,
             "that is ∂n/∂w1; now carry it through the tanh, the other link of the chain."),
    ],
    "sigmoid'(0)": [
        Slip("σ instead of σ′", 0.5, "that is σ(0), the value. The slope is σ·(1 - σ)."),
        Slip("tanh's slope", 1.0, "that is tanh's slope at 0; the sigmoid is flatter."),
    ],
    "tanh' where tanh = 0.6": [
        Slip("forgot the square", 1 - 0.6, "the slope is 1 minus the *square* of the output."),
        Slip("0.6 as the input", 1 - math.tanh(0.6) ** 2,
             "0.6 is the output o, not the input n: 1 - o² needs no tanh of anything."),
        Slip("the square only", 0.6**2, "that is o²; the slope is 1 minus it."),
    ],
    "∂(u/v)/∂v": [
        Slip("the numerator's edge", 1 / 3.71828,
             "that is ∂q/∂u = 1/v, the other edge. The question is the edge from v."),
        Slip("sign", 1.71828 / 3.71828**2,
             "right size, wrong sign: a bigger denominator makes the fraction smaller."),
        Slip("forgot the square", -1.71828 / 3.71828, "u/v is u·v⁻¹: mind the power rule on v."),
    ],
    "values in the graph of a fused 16-input neuron": [
        Slip("the parameters only", 16 + 1,
             "the parameters are leaves; the operations make values too: which ones?"),
        Slip("one node short", 16 + 1 + 1,
             "there are two operations after the parameters: the weighted sum, and the tanh."),
        Slip("the inputs as leaves", 16 + 16 + 1 + 1 + 1,
             "the inputs are plain numbers here: the fused node keeps them as numbers on its "
             "edges, not as values of the graph."),
    ],
    "parameters of MLP(2, [16, 16, 1])": [
        Slip("forgot the biases", 2 * 16 + 16 * 16 + 16 * 1,
             "each neuron has a bias too, besides one weight per input."),
        Slip("counted neurons", 16 + 16 + 1,
             "that counts neurons. Each neuron holds several parameters."),
        Slip("forgot the output layer", (2 + 1) * 16 + (16 + 1) * 16,
             "the output neuron has its own weights and bias."),
    ],
    "w after one step": [
        Slip("with the gradient", 0.278854 + 0.1 * -0.115651,
             "you stepped *with* the gradient. Descent subtracts lr × gradient, and this "
             "gradient is negative: what does subtracting a negative number do?"),
        Slip("forgot the learning rate", 0.278854 - -0.115651,
             "the whole gradient is too big a step: scale it by the learning rate."),
    ],
    "pow_local": [
        Slip("forgot the - 1", _pow_forgot_minus_one,
             "the power rule lowers the power by one: x³ has slope 3x², not 3x³."),
        Slip("forgot the k", _pow_forgot_k,
             "the power rule also brings the old power down in front: x³ has slope 3·x²."),
    ],
    "exp_local": [
        Slip("returned the input", _exp_returns_input,
             "that is x. Which function is its own slope? Its value is already in `out`."),
    ],
    "tanh_local": [
        Slip("used the input", _tanh_of_the_input,
             "1 - (·)² takes tanh's *output*, `out`, not its input x."),
        Slip("forgot the square", _tanh_forgot_square, "1 minus the *square* of the output."),
    ],
    "relu_local": [
        Slip("returned the value", _relu_returns_value,
             "that is relu(x), the value. Its slope is 1 or 0: which where?"),
        Slip("always 1", _relu_always_one,
             "below 0 relu is flat: nudging x there changes nothing."),
    ],
    "neuron": [
        Slip("forgot the tanh", _neuron_forgot_tanh,
             "the weighted sum is only the first half of a neuron: it goes through tanh."),
        Slip("forgot the bias", _neuron_forgot_bias, "the sum starts from the bias b."),
    ],
    "MyLayer.__call__": [
        Slip("always a list", _layer_always_a_list,
             "a layer of one neuron returns that neuron's Value, not a list of one, so that "
             "a network's last layer gives a number you can call backward() on."),
        Slip("one neuron only", _layer_first_neuron_only,
             "a layer runs *every* one of its neurons on the same inputs."),
    ],
    "MyMLP.__call__": [
        Slip("no chaining", _mlp_no_chaining,
             "every layer read the network's input. Each layer reads the outputs of the "
             "layer before it."),
        Slip("first layer only", _mlp_first_layer_only,
             "the input must go through *all* the layers, one after another."),
    ],
    "MyMLP.parameters": [
        Slip("a list per layer", _mlp_parameters_per_layer,
             "an optimiser wants one flat list of Values, not one list per layer."),
        Slip("weights only", _mlp_parameters_weights_only,
             "the biases are parameters too: learning moves them as well."),
    ],
    "training_step": [
        Slip("forgot zero_grad()", _step_without_zero_grad,
             "right at the first step, wrong from the second: gradients accumulate, so each "
             "step must start them from zero."),
        Slip("stepped uphill", _step_uphill,
             "every weight moves the wrong way: descent goes *against* the gradient."),
        Slip("zero_grad() after backward()", _step_zero_grad_after_backward,
             "no weight moves: you zeroed the gradients after computing them, not before."),
    ],
}  # fmt: skip


# =====================================================================================
# Notebooks 3 (advanced) and 4 (demo): their code exercises and their slips.
# =====================================================================================
from micrograd.losses import accuracy as _accuracy  # noqa: E402
from micrograd.losses import l2_regularization as _l2  # noqa: E402
from micrograd.losses import svm_loss as _svm  # noqa: E402
from micrograd.optim import linear_decay as _linear_decay  # noqa: E402


def _values(numbers) -> list:
    return [Value(float(x)) for x in numbers]


def _loss_and_grads(fn: Callable, make: Callable) -> tuple:
    """Run ``fn`` on fresh Values from ``make()``; its loss and the gradients of those Values."""
    leaves, args = make()
    out = fn(*args)
    if not isinstance(out, Value):
        return f"it returned {type(out).__name__}; return the loss as one Value", None, None
    out.backward()
    return None, out.data, [v.grad for v in leaves]


def _compare_loss(fn: Callable, library: Callable, cases: list, what: str) -> str | None:
    """``fn`` and ``library`` on the same cases: the same loss and the same gradients."""
    for case in cases:
        problem, mine, my_grads = _loss_and_grads(fn, case)
        if problem:
            return problem
        _, theirs, their_grads = _loss_and_grads(library, case)
        size = case.__doc__
        if not _close(mine, theirs, 1e-9):
            return f"for {size}, your {what} is {mine:.6g}; it should be {theirs:.6g}"
        for k, (g, h) in enumerate(zip(my_grads, their_grads)):
            if not _close(g, h, 1e-9):
                return f"for {size}, the gradient on input {k + 1} is {g:.6g}, not {h:.6g}"
    return None


def _mse_cases() -> list:
    rng = random.Random(3)
    cases = []
    for n in (1, 3, 5):
        preds = [rng.uniform(-2, 2) for _ in range(n)]
        targets = [rng.uniform(-2, 2) for _ in range(n)]

        def case(preds=preds, targets=targets):
            leaves = _values(preds)
            return leaves, (leaves, targets)

        case.__doc__ = _plural(n, "prediction")
        cases.append(case)
    return cases


def mse_test() -> Test:
    """``my_mse(predictions, targets)`` gives the library's ``mse_loss``: value and gradients."""
    return lambda fn: _compare_loss(fn, mse_loss, _mse_cases(), "loss")


def _hinge_cases() -> list:
    rng = random.Random(5)
    cases = []
    for n, m in ((1, 2), (4, 3), (6, 5)):
        scores = [rng.uniform(-2, 2) for _ in range(n)]
        labels = [rng.choice([-1.0, 1.0]) for _ in range(n)]
        params = [rng.uniform(-3, 3) for _ in range(m)]

        def case(scores=scores, labels=labels, params=params):
            s, p = _values(scores), _values(params)
            return s + p, (s, labels, p, 0.01)

        case.__doc__ = f"{_plural(n, 'score')} and {_plural(m, 'parameter')} (α = 0.01)"
        cases.append(case)
    return cases


def _hinge_l2_library(scores, labels, params, alpha):
    return _svm(scores, labels) + _l2(params, alpha)


def hinge_l2_test() -> Test:
    """``hinge_l2(scores, labels, params, alpha)``: the demo's loss, value and gradients."""
    return lambda fn: _compare_loss(fn, _hinge_l2_library, _hinge_cases(), "loss")


def _l2_cases() -> list:
    cases = []
    for params in ([0.5, -1.0, 2.0], [3.0], [-0.2, 0.7, 1.5, -2.5]):

        def case(params=params):
            p = _values(params)
            return p, (p, 1e-3)

        case.__doc__ = f"{_plural(len(params), 'parameter')} (α = 0.001)"
        cases.append(case)
    return cases


def l2_penalty_test() -> Test:
    """``l2_penalty(params, alpha)`` gives the library's ``l2_regularization``."""
    return lambda fn: _compare_loss(fn, _l2, _l2_cases(), "penalty")


def _numeric_target(v: list[float]) -> float:
    return v[0] * v[1] + math.tanh(v[0]) - v[1] ** 3 + 0.5 * v[2]


def numeric_gradient_test() -> Test:
    """``numeric_gradient(f, xs)``: central differences, as close to backward() as they get."""

    def test(fn: Callable) -> str | None:
        xs = [0.3, -0.7, 1.2]
        before = list(xs)
        got = fn(_numeric_target, xs)
        if xs != before:
            return "it changed the list xs it was given; nudge a copy, or put each value back"
        if not isinstance(got, list | tuple) or len(got) != len(xs):
            return f"it returned {got!r}; return a list with one slope per input ({len(xs)})"
        a, b, c = (Value(x) for x in before)
        (a * b + a.tanh() - b**3 + 0.5 * c).backward()
        for k, (mine, exact) in enumerate(zip(got, (a.grad, b.grad, c.grad))):
            if not _close(float(mine), exact, 1e-5):
                return f"the slope for input {k + 1} is {mine:.6g}; backward() says {exact:.6g}"
        return None

    return test


class ReferenceDual:
    """A number a + a'ε: its value and its slope with respect to one chosen input."""

    def __init__(self, value, slope=0.0):
        self.value, self.slope = value, slope


def dual_mul_test() -> Test:
    """``dual_mul(a, b)``: (a + a'ε)(b + b'ε) = ab + (a'b + ab')ε, checked on a few pairs."""

    def test(fn: Callable) -> str | None:
        for (a, da), (b, db) in (((2.0, 1.0), (3.0, 0.0)), ((-1.5, 0.5), (0.4, 2.0))):
            out = fn(ReferenceDual(a, da), ReferenceDual(b, db))
            if not isinstance(out, ReferenceDual):
                return "it must return a new Dual: type(self)(value, slope)"
            if not (_close(out.value, a * b) and _close(out.slope, da * b + a * db)):
                return (
                    f"({a} + {da}ε)·({b} + {db}ε) gave value {out.value:.6g} and slope "
                    f"{out.slope:.6g}; it should be {a * b:.6g} and {da * b + a * db:.6g}"
                )
        return None

    return test


def linear_decay_test() -> Test:
    """``my_linear_decay(start, end, steps)`` returns a schedule equal to the library's."""

    def test(fn: Callable) -> str | None:
        for start, end, steps in ((1.0, 0.1, 100), (0.5, 0.05, 40)):
            schedule = fn(start, end, steps)
            if not callable(schedule):
                return f"it returned {schedule!r}; return a function of the step number"
            library = _linear_decay(start, end, steps)
            for k in (0, 1, steps // 2, steps - 1, steps, steps + 10):
                mine = schedule(k)
                if not _close(mine, library(k), 1e-9):
                    return (
                        f"my_linear_decay({start}, {end}, {steps}) at step {k} gives {mine!r}; "
                        f"it should be {library(k):.6g}"
                    )
        return None

    return test


def accuracy_test() -> Test:
    """``accuracy_of(scores, classes)``: the fraction right, score > 0 meaning class 1."""

    def test(fn: Callable) -> str | None:
        cases = (
            ([0.5, -1.2, 2.0, -0.1], [1, 0, 0, 0]),
            ([-0.3, 0.8, 0.2, -2.0, 1.1], [0, 1, 0, 1, 1]),
            ([1.0, 2.0], [1, 1]),
        )
        for scores, classes in cases:
            mine, theirs = fn(scores, classes), _accuracy(scores, classes)
            if not _close(mine, theirs, 1e-12):
                return f"for scores {scores} and classes {classes} it gives {mine!r}, not {theirs}"
        return None

    return test


def _demo_step_run(step: Callable) -> tuple[list, list]:
    """Two steps of ``step`` on a small net: the two losses and the weights after."""
    from micrograd.datasets import make_moons, signed_labels

    X, y = make_moons(12, noise=0.1, seed=1)
    model = MLP(2, [4, 4, 1], rng=random.Random(11))
    losses = []
    for lr in (0.5, 0.4):
        loss = step(model, X, signed_labels(y), lr, 1e-3)
        losses.append(getattr(loss, "data", loss))
    return losses, [p.data for p in model.parameters()]


def _library_demo_step(model, X, labels, lr, alpha):
    from micrograd.training import train

    history = train(model, X, [int(t > 0) for t in labels], steps=1, lr=lr, alpha=alpha,
                    loss="svm", progress=False)  # fmt: skip
    return history.loss[0]


def demo_step_test() -> Test:
    """``demo_step(model, X, labels, lr, alpha)`` does one step exactly as ``train`` does."""

    def test(fn: Callable) -> str | None:
        mine, my_weights = _demo_step_run(fn)
        theirs, their_weights = _demo_step_run(_library_demo_step)
        for k, (a, b) in enumerate(zip(mine, theirs), start=1):
            if not isinstance(a, int | float) or not _close(a, b, 1e-9):
                return f"the loss at step {k} is {a!r}; train() computes {b:.6g}"
        if any(not _close(a, b, 1e-9) for a, b in zip(my_weights, their_weights)):
            moved = sum(not _close(a, b, 1e-9) for a, b in zip(my_weights, their_weights))
            return f"after two steps, {_plural(moved, 'weight')} differ from train()'s"
        return None

    return test


# ---- notebooks 3 and 4, code slips
def _mse_sum(preds, targets):
    return sum(((p - t) ** 2 for p, t in zip(preds, targets)), Value(0.0))


def _mse_no_square(preds, targets):
    return sum((p - t for p, t in zip(preds, targets)), Value(0.0)) * (1 / len(preds))


def _hinge_l2_sum(scores, labels, params, alpha):
    hinge = sum(((1 - y * s).relu() for s, y in zip(scores, labels)), Value(0.0))
    return hinge + alpha * sum((p * p for p in params), Value(0.0))


def _hinge_l2_no_square(scores, labels, params, alpha):
    hinge = sum(((1 - y * s).relu() for s, y in zip(scores, labels)), Value(0.0))
    return hinge * (1 / len(scores)) + alpha * sum(params, Value(0.0))


def _hinge_l2_no_clip(scores, labels, params, alpha):
    hinge = sum((1 - y * s for s, y in zip(scores, labels)), Value(0.0))
    return hinge * (1 / len(scores)) + alpha * sum((p * p for p in params), Value(0.0))


def _hinge_l2_sign(scores, labels, params, alpha):
    hinge = sum(((1 + y * s).relu() for s, y in zip(scores, labels)), Value(0.0))
    return hinge * (1 / len(scores)) + alpha * sum((p * p for p in params), Value(0.0))


def _hinge_l2_no_penalty(scores, labels, params, alpha):
    hinge = sum(((1 - y * s).relu() for s, y in zip(scores, labels)), Value(0.0))
    return hinge * (1 / len(scores))


def _l2_no_square(params, alpha):
    return alpha * sum(params, Value(0.0))


def _l2_no_alpha(params, alpha):
    return sum((p * p for p in params), Value(0.0))


def _numeric_over_eps(f, xs, eps=1e-6):
    slopes = []
    for k in range(len(xs)):
        up = list(xs)
        up[k] += eps
        down = list(xs)
        down[k] -= eps
        slopes.append((f(up) - f(down)) / eps)
    return slopes


def _numeric_in_place(f, xs, eps=1e-6):
    slopes = []
    for k in range(len(xs)):
        xs[k] += eps
        up = f(xs)
        xs[k] -= 2 * eps
        slopes.append((up - f(xs)) / (2 * eps))  # and xs[k] is left one nudge low
    return slopes


def _dual_mul_one_term(self, other):
    return type(self)(self.value * other.value, self.slope * other.value)


def _dual_mul_slopes(self, other):
    return type(self)(self.value * other.value, self.slope * other.slope)


def _decay_to_zero(start, end, steps):
    return lambda k: start * (1 - min(k, steps) / steps)


def _decay_one_step_early(start, end, steps):
    return lambda k: start - (start - end) * min(k, steps - 1) / (steps - 1)


def _decay_no_floor(start, end, steps):
    return lambda k: start - (start - end) * k / steps


def _accuracy_wrong_ones(scores, classes):
    return sum((s > 0) != (c == 1) for s, c in zip(scores, classes)) / len(scores)


def _accuracy_count(scores, classes):
    return sum((s > 0) == (c == 1) for s, c in zip(scores, classes))


def _demo_step_no_zero_grad(model, X, labels, lr, alpha):
    loss = _svm([model(x) for x in X], labels) + _l2(model.parameters(), alpha)
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def _demo_step_no_penalty(model, X, labels, lr, alpha):
    loss = _svm([model(x) for x in X], labels)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def _demo_step_uphill(model, X, labels, lr, alpha):
    loss = _svm([model(x) for x in X], labels) + _l2(model.parameters(), alpha)
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data += lr * p.grad
    return loss


SLIPS.update({
    # ------------------------------------------------------- notebook 3, advanced
    "output of the first neuron for x = (1, -2)": [
        Slip("x2 without its sign", 0.2355 * 1 + 0.0665 * 2,
             "x2 is -2: the second product w2·x2 is negative."),
        Slip("weights added, not multiplied", 0.2355 + 0.0665,
             "each weight multiplies its own input before anything is added."),
    ],
    "(a) mean hinge loss": [
        Slip("forgot the mean", 0.0 + 0.5 + 0.8,
             "that is the sum over the points; the loss is their mean."),
        Slip("no max(0, ·)", (1 - 2.0 + 0.5 + 0.8) / 3,
             "a point past the margin costs 0, not a negative amount: max(0, ·) clips it."),
        Slip("sign of the label", (max(0, 1 + 2.0) + max(0, 1 + 0.5) + max(0, 1 - 0.2)) / 3,
             "the margin is y·s: a label of -1 flips the sign of its score."),
    ],
    "(b) dL/dŷ for MSE": [
        Slip("forgot the 2", (0.5 - 1),
             "the square brings down a 2: the derivative of u² is 2u."),
        Slip("sign", 2 * (1 - 0.5),
             "right size, wrong sign: ŷ is below the target, so raising ŷ lowers the loss."),
        Slip("the loss itself", (0.5 - 1) ** 2,
             "that is the loss; the question asks how fast it changes with ŷ."),
    ],
    "(c) cross-entropy": [
        Slip("forgot the minus", math.log(math.exp(2) / (math.exp(2) + 1)),
             "a loss is never negative here: it is *minus* the log of a probability."),
        Slip("the probability", math.exp(2) / (math.exp(2) + 1),
             "that is p, the probability of the right class; the loss is -ln(p)."),
    ],
    "ŷ after one update": [
        Slip("with the gradient", 0.2 + 0.1 * (2 * (0.2 - 1)),
             "you stepped *with* the gradient, which makes the loss larger. Descent steps "
             "against it."),
        Slip("forgot the 2", 0.2 - 0.1 * (0.2 - 1),
             "the gradient of (ŷ - y)² is 2(ŷ - y): the square brings down a 2."),
        Slip("forgot the learning rate", 0.2 - 2 * (0.2 - 1),
             "the whole gradient is far too big a step: it is scaled by η first."),
    ],
    "w.grad at the third update": [
        Slip("only the last gradient", -0.1,
             "that is what zero_grad() would leave. Without it, backward() *adds* into w.grad."),
        Slip("only the first two", 0.2 + 0.1,
             "the third backward() has run too before the third update."),
    ],
    "dŷ/dx1": [
        Slip("one path only (neuron 1)", -0.6686 * (1 - 0.0512**2) * 0.2355,
             "x1 feeds *both* hidden neurons: add the term of the path through neuron 2."),
        Slip("one path only (neuron 2)", 0.6487 * (1 - 0.2965**2) * -0.2683,
             "x1 feeds *both* hidden neurons: add the term of the path through neuron 1."),
        Slip("forgot the tanh slopes", -0.6686 * 0.2355 + 0.6487 * -0.2683,
             "each path passes a tanh: multiply by its slope, 1 - h², as well."),
    ],
    "how many times too large x1.grad is": [
        Slip("not at all", 1.0,
             "the leaves were not fresh: the second backward() added to what the first left."),
    ],
    "(a) tanh'(2)": [
        Slip("forgot the square", 1 - math.tanh(2),
             "the slope is 1 minus the *square* of the output."),
        Slip("the value", math.tanh(2), "that is tanh(2) itself; the question asks for its slope."),
    ],
    "(b) fraction left after eight sigmoid layers": [
        Slip("σ instead of σ′", 0.5**8,
             "½ is σ(0), the sigmoid's value. Its slope there is σ(1 - σ), smaller."),
        Slip("added instead of multiplied", 8 / 4,
             "the chain rule multiplies the factors of the layers; it does not add them."),
        Slip("one factor too many", (1 / 4) ** 9,
             "eight layers, eight factors of ¼."),
    ],
    "my_mse": [
        Slip("forgot the mean", _mse_sum, "that is the sum of the squares; MSE takes their mean."),
        Slip("forgot the square", _mse_no_square,
             "errors of both signs cancel: square each one before averaging."),
    ],
    "hinge_l2": [
        Slip("forgot the mean", _hinge_l2_sum,
             "the hinge part is the *mean* over the points, not their sum."),
        Slip("forgot the square", _hinge_l2_no_square,
             "the penalty adds the *square* of every parameter, θ²."),
        Slip("no max(0, ·)", _hinge_l2_no_clip,
             "a point past the margin must cost 0: clip 1 - y·s at zero (.relu() does it)."),
        Slip("sign", _hinge_l2_sign, "the margin is y·s, and the hinge is max(0, 1 - y·s)."),
        Slip("no penalty", _hinge_l2_no_penalty, "add α times the sum of the squared parameters."),
    ],
    "numeric_gradient": [
        Slip("divided by ε", _numeric_over_eps,
             "the two nudges are 2ε apart, so the difference is divided by 2ε."),
        Slip("nudged xs itself", _numeric_in_place,
             "each nudge stays in the list you were given: nudge a copy, list(xs), instead."),
    ],
    "Dual.__mul__": [
        Slip("one term of the product rule", _dual_mul_one_term,
             "both factors can move: (ab)′ = a′b + ab′, two terms."),
        Slip("slopes multiplied", _dual_mul_slopes,
             "the ε² term is dropped, so the slope is a′b + ab′, not a′b′."),
    ],
    # ----------------------------------------------------------- notebook 4, demo
    "(a) hinge loss of one point": [
        Slip("sign of the label", max(0.0, 1 - 0.3),
             "the label is -1: y·s = -0.3, and 1 - (-0.3) is more than 1."),
        Slip("the margin term only", -1.0 * 0.3, "the hinge is max(0, 1 - y·s), not y·s."),
    ],
    "(b) L2 penalty": [
        Slip("forgot the square", 1e-4 * (0.5 - 1.0 + 2.0),
             "the penalty adds the *square* of each parameter."),
        Slip("forgot α", 0.5**2 + 1.0**2 + 2.0**2, "the sum of squares is multiplied by α."),
        Slip("absolute values", 1e-4 * (0.5 + 1.0 + 2.0),
             "that is an L1 penalty: L2 squares each parameter."),
    ],
    "(a) learning rate at step 75": [
        Slip("decays to 0", 1.0 - 75 / 100,
             "this schedule ends at 0.1, not 0: the rate falls by 0.9 over the 100 steps."),
        Slip("reaches 0.1 a step early", 1.0 - 0.9 * 75 / 99,
             "the rate falls by 0.9 over 100 steps: divide by 100, the number of steps."),
    ],
    "(b) w after one step": [
        Slip("forgot the 2 in 2αw", 0.5 - 0.1 * (0.2 + 0.01 * 0.5),
             "the derivative of αw² is 2αw: the square brings down a 2."),
        Slip("forgot the penalty", 0.5 - 0.1 * 0.2,
             "the penalty's gradient 2αw is added to the data-loss gradient."),
        Slip("with the gradient", 0.5 + 0.1 * (0.2 + 2 * 0.01 * 0.5),
             "descent steps *against* the gradient."),
    ],
    "test accuracy": [
        Slip("training accuracy", 27 / 30, "that is the training accuracy; count the test points."),
        Slip("the error rate", 52 / 400,
             "that is the fraction wrong; the question asks for the fraction right."),
        Slip("both sets together", (27 + 348) / 430,
             "training points do not count: only the 400 held-out points."),
    ],
    "l2_penalty": [
        Slip("forgot the square", _l2_no_square, "L2 adds the *square* of each parameter."),
        Slip("forgot α", _l2_no_alpha, "multiply the sum of squares by α."),
    ],
    "demo_step": [
        Slip("forgot zero_grad()", _demo_step_no_zero_grad,
             "right at the first step, wrong from the second: gradients add up, so each step "
             "starts them from zero."),
        Slip("no L2 penalty", _demo_step_no_penalty,
             "the demo's loss is the hinge *plus* the L2 penalty on the parameters."),
        Slip("stepped uphill", _demo_step_uphill, "descent moves *against* the gradient."),
    ],
    "my_linear_decay": [
        Slip("decays to 0", _decay_to_zero, "the rate ends at `end`, not at 0."),
        Slip("one step early", _decay_one_step_early,
             "the rate falls by (start - end)·k/steps: it reaches `end` at step `steps`."),
        Slip("never stops", _decay_no_floor, "after `steps` steps the rate stays at `end`."),
    ],
    "accuracy_of": [
        Slip("counted the wrong ones", _accuracy_wrong_ones,
             "that is the fraction wrong: count the points where the side matches the class."),
        Slip("a count, not a fraction", _accuracy_count, "divide by the number of points."),
    ],
})  # fmt: skip

# the checks of notebooks 3 and 4's code exercises, for the tests (see CODE_TESTS)
CODE_TESTS.update(
    {
        "my_mse": mse_test,
        "hinge_l2": hinge_l2_test,
        "l2_penalty": l2_penalty_test,
        "numeric_gradient": numeric_gradient_test,
        "Dual.__mul__": dual_mul_test,
        "my_linear_decay": linear_decay_test,
        "accuracy_of": accuracy_test,
        "demo_step": demo_step_test,
    }
)

# notebook 4's prediction: a batch of one point at the full batch's learning rate
SLIPS["accuracy after 100 updates on batches of 1"] = [
    Slip("as good as batches of 10", 0.97,
         "a step of 1.0 fits a batch of 10 points; on a single point, the same step follows "
         "that one point's push alone, and overshoots for all the others."),
]  # fmt: skip
