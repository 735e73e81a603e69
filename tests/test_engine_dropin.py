"""Code written for the original micrograd runs unchanged on this engine.

Three patterns from real third-party code (forks' test suites, tutorials, the
lecture's notebooks) are checked exactly as they are written there: ``_prev``
is a set, an operation may be added with its own ``_backward`` closure, and a
Value takes attributes of your own. The last tests are the original project's
own engine tests, rewritten with the same assertions.
"""

from __future__ import annotations

import math
import tracemalloc

import lecture_ops
import pytest

from micrograd.engine import Value
from micrograd.nn import MLP


# ------------------------------------------------------------- _prev is a set
def test_prev_is_the_set_of_children():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    assert isinstance(c._prev, set)
    assert c._prev == {a, b}
    assert len((a + a)._prev) == 1
    assert Value(1.0)._prev == set()


def test_children_keep_order_and_every_use():
    a, b = Value(2.0), Value(-3.0)
    assert (a + a)._children == (a, a)
    assert (b * a)._children == (b, a)
    assert (b * a)._local == (2.0, -3.0)


def test_the_lectures_graph_tracing_works_on_prev():
    """The lecture's ``trace`` walks ``_prev`` recursively into sets of nodes and edges."""

    def trace(root):
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    a, b = Value(2.0), Value(-3.0)
    d = a * b + a
    nodes, edges = trace(d)
    assert len(nodes) == 4 and len(edges) == 4


# ------------------------------------------- operations with their own _backward
def test_the_lectures_tanh_pattern_gives_the_builtin_gradients():
    def build(tanh):
        x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
        b = Value(6.8813735870195432)
        n = x1 * w1 + x2 * w2 + b
        o = tanh(n)
        o.backward()
        return o.data, [v.grad for v in (x1, x2, w1, w2, b)]

    ours = build(lecture_ops.tanh)
    builtin = build(Value.tanh)
    assert ours[0] == pytest.approx(builtin[0], rel=1e-15)
    assert ours[1] == pytest.approx(builtin[1], rel=1e-12)
    assert ours[1][0] == pytest.approx(-1.5, rel=1e-6)  # the lecture's x1.grad


def test_the_lectures_neuron_walked_by_hand():
    """``o._backward()``, then each child's, in order, for both kinds of node."""
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    n = x1w1 + x2w2 + b
    o = lecture_ops.tanh(n)
    o.grad = 1.0
    o._backward()  # a closure of the lecture's
    assert n.grad == pytest.approx(0.5, rel=1e-6)
    for node in (n, n._children[0], x1w1, x2w2):  # built-in nodes
        node._backward()
    assert x1.grad == pytest.approx(-1.5, rel=1e-6)
    assert w1.grad == pytest.approx(1.0, rel=1e-6)
    assert x2.grad == pytest.approx(0.5, rel=1e-6)
    assert w2.grad == 0.0


def test_mixed_graph_reuses_nodes_through_both_kinds_of_op():
    a, b = Value(0.5), Value(-1.5)
    c = lecture_ops.mul(a, b)  # closure node, used twice below
    d = (c * a).tanh() + lecture_ops.exp(c) + lecture_ops.power(a + c, 2)
    d.backward()

    def f(x, y):
        c = x * y
        return math.tanh(c * x) + math.exp(c) + (x + c) ** 2

    h = 1e-6
    assert a.grad == pytest.approx((f(0.5 + h, -1.5) - f(0.5 - h, -1.5)) / (2 * h), rel=1e-6)
    assert b.grad == pytest.approx((f(0.5, -1.5 + h) - f(0.5, -1.5 - h)) / (2 * h), rel=1e-6)
    # backward() again starts the closure node from 0 as well: leaves double, as always.
    first = (a.grad, b.grad)
    d.backward()
    assert (a.grad, b.grad) == pytest.approx((2 * first[0], 2 * first[1]))


def test_an_op_without_backward_passes_nothing_on_like_the_original():
    a = Value(3.0)
    out = Value(a.data * 2, (a,), "double")  # no _backward given
    assert out._local is None
    out.backward()
    assert a.grad == 0.0


def test_a_custom_backward_replaces_a_builtin_step():
    a, b = Value(2.0), Value(3.0)
    c = a * b

    def wrong():  # "=" instead of "+=": the classic bug, on purpose
        a.grad = b.data * c.grad

    c._backward = wrong
    assert c._local is None
    (c + a).backward()
    assert a.grad == 3.0  # the direct use's 1.0 was overwritten: the bug shows
    assert b.grad == 0.0


def test_backward_must_be_callable():
    with pytest.raises(TypeError, match="function"):
        Value(1.0)._backward = 3


def test_children_must_be_values():
    with pytest.raises(TypeError, match="child"):
        Value(1.0, (2.0,), "+")


def test_children_may_be_a_set_as_in_the_original():
    a = Value(2.0)
    out = Value(4.0, {a}, "**2")
    assert out._children == (a,) and out._prev == {a}


# --------------------------------------------------------- your own attributes
def test_a_value_takes_new_attributes():
    v = Value(1.0)
    v.name = "x"
    v.label = "x"
    assert (v.name, v.label) == ("x", "x")
    assert Value(2.0).label == ""


def test_nodes_without_extra_attributes_stay_small():
    """``__dict__`` in the slots costs no dict per node until one is used."""
    x = Value(0.5)
    tracemalloc.start()
    v = x
    for _ in range(10_000):
        v = v + x
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert size / 10_000 < 200  # a dict per node would add about 100 bytes more


def test_repr_keeps_floats():
    """``data`` is always a float (see the Value docstring for why)."""
    assert repr(Value(4)) == "Value(data=4.0, grad=0.0)"
    assert type(Value(4).data) is float


# ------------------------------------------- the original project's engine tests
def test_sanity_check(torch_or_none):
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y
    assert ymg.data == -20.0
    assert xmg.grad == 46.0
    if torch_or_none is not None:
        torch = torch_or_none
        x = torch.Tensor([-4.0]).double()
        x.requires_grad = True
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        y = h + q + q * x
        y.backward()
        xpt, ypt = x, y
        assert ymg.data == ypt.data.item()
        assert xmg.grad == xpt.grad.item()


def test_more_ops(torch_or_none):
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g
    tol = 1e-6
    assert abs(gmg.data - 24.70408163265306) < tol
    assert abs(amg.grad - 138.83381924198252) < tol
    assert abs(bmg.grad - 645.5772594752187) < tol
    if torch_or_none is not None:
        torch = torch_or_none
        a = torch.Tensor([-4.0]).double()
        b = torch.Tensor([2.0]).double()
        a.requires_grad = True
        b.requires_grad = True
        c = a + b
        d = a * b + b**3
        c = c + c + 1
        c = c + 1 + c + (-a)
        d = d + d * 2 + (b + a).relu()
        d = d + 3 * d + (b - a).relu()
        e = c - d
        f = e**2
        g = f / 2.0
        g = g + 10.0 / f
        g.backward()
        apt, bpt, gpt = a, b, g
        assert abs(gmg.data - gpt.data.item()) < tol
        assert abs(amg.grad - apt.grad.item()) < tol
        assert abs(bmg.grad - bpt.grad.item()) < tol


def test_the_original_readme_example_trains():
    """The README of the original: a small MLP, called on a list of numbers."""
    model = MLP(2, [16, 16, 1])
    out = model([2.0, 3.0])
    out.backward()
    assert all(math.isfinite(p.grad) for p in model.parameters())


# ------------------------------------------------- more code from the wild
def test_a_fork_style_subclass_that_sets_its_own_fields():
    """Forks subclass Value and set data, grad, _backward, _prev and _op themselves."""

    class V(Value):
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0
            self._backward = lambda: None
            self._prev = set(_children)
            self._op = _op

        def __mul__(self, other):
            out = V(self.data * other.data, (self, other), "*")

            def _backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad

            out._backward = _backward
            return out

    a, b = V(2.0), V(3.0)
    out = a * b
    out.backward()
    assert [a.grad, b.grad] == [3.0, 2.0]
    assert out._prev == {a, b}


def test_prev_can_be_cleared_to_cut_a_graph():
    a = Value(2.0)
    b = a * a
    b._prev = set()
    assert b._children == () and b._prev == set()
    (b * 3.0).backward()
    assert a.grad == 0.0  # b is a leaf now: nothing flows past it


def test_pickled_and_copied_graphs_still_backpropagate():
    import copy
    import pickle
    import random

    random.seed(0)
    model = MLP(2, [3, 1])
    out = model([1.0, 2.0]) * 2.0
    clones = [pickle.loads(pickle.dumps(out)), copy.deepcopy(out)]

    def leaf_grads(root):
        root.backward()
        return sorted(v.grad for v in root.topological_order() if not v._children)

    expected = leaf_grads(out)
    for clone in clones:
        assert leaf_grads(clone) == expected
