"""Corner cases of the engine that random inputs rarely hit."""

from __future__ import annotations

import math

import pytest

from micrograd.engine import Value, value_sum, weighted_sum


# ------------------------------------------------ gradient accumulation
def test_a_plus_a_collects_both_paths():
    a = Value(3.0)
    b = a + a
    b.backward()
    assert a.grad == 2.0


def test_x_times_x_gives_two_x():
    x = Value(-1.5)
    y = x * x
    y.backward()
    assert x.grad == 2 * -1.5


def test_diamond_sums_the_paths():
    a = Value(2.0)
    left, right = a * 3.0, a.tanh()  # a feeds two branches ...
    out = left * right  # ... that meet again
    out.backward()
    t = math.tanh(2.0)
    assert a.grad == pytest.approx(3.0 * t + 6.0 * (1 - t * t), rel=1e-15)
    assert left.grad == right.data and right.grad == left.data


def test_the_same_value_twice_in_one_n_ary_node():
    w = Value(0.5)
    x = Value(-2.0)
    out = weighted_sum([w, w], [x, w], Value(1.0))  # 1 + w*x + w*w
    out.backward()
    assert out.data == 1.0 + 0.5 * -2.0 + 0.25
    assert w.grad == -2.0 + 2 * 0.5
    assert x.grad == 0.5
    s = value_sum([x, x, x])
    s.backward()
    assert s.data == -6.0 and x.grad == 0.5 + 3.0


def test_weighted_sum_takes_a_plain_number_as_bias():
    w = Value(2.0)
    out = weighted_sum([w], [3.0], 1)
    out.backward()
    assert out.data == 7.0 and w.grad == 3.0
    assert out._children[0].data == 1.0  # the bias became a constant leaf


# --------------------------------------------------------- backward twice
def test_backward_twice_restarts_interior_nodes_and_accumulates_leaves():
    """Documented semantics (as in PyTorch): leaves add up, interior nodes start over.

    So a second ``backward()`` without ``zero_grad()`` doubles the leaves'
    gradients, while every interior gradient is the same as after the first.
    """
    x = Value(3.0)
    square = x * x
    y = square + x
    y.backward()
    assert (x.grad, square.grad, y.grad) == (7.0, 1.0, 1.0)
    y.backward()
    assert (x.grad, square.grad, y.grad) == (14.0, 1.0, 1.0)
    x.grad = 0.0  # what zero_grad() does
    y.backward()
    assert x.grad == 7.0


def test_backward_from_a_leaf_sets_its_grad_to_one():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


# ----------------------------------------------------------- saturation
@pytest.mark.parametrize("x", [-1000.0, 1000.0])
def test_sigmoid_and_tanh_saturate_without_overflow(x):
    s, t = Value(x).sigmoid(), Value(x).tanh()
    assert s.data == (1.0 if x > 0 else 0.0)
    assert t.data == math.copysign(1.0, x)
    s.backward()
    t.backward()
    assert s._local == (0.0,) and t._local == (0.0,)


def test_sigmoid_keeps_precision_for_large_negative_inputs():
    s = Value(-700.0).sigmoid()
    assert s.data == pytest.approx(math.exp(-700.0), rel=1e-12)
    assert s._local[0] == pytest.approx(math.exp(-700.0), rel=1e-12)


# -------------------------------------------------------- kinks at zero
@pytest.mark.parametrize(
    "make, value, grad",
    [
        (lambda v: v.relu(), 0.0, 0.0),
        (abs, 0.0, 0.0),
        (lambda v: v.leaky_relu(), 0.0, 0.01),
        (lambda v: v.leaky_relu(0.2), 0.0, 0.2),
    ],
    ids=["relu", "abs", "leaky_relu", "leaky_relu(0.2)"],
)
def test_kinks_at_zero_follow_pytorch(make, value, grad):
    x = Value(0.0)
    y = make(x)
    y.backward()
    assert (y.data, x.grad) == (value, grad)


def test_kinks_at_zero_match_torch_when_available(torch):
    for name in ("relu", "abs", "leaky_relu"):
        t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
        fn = torch.nn.functional.leaky_relu if name == "leaky_relu" else getattr(torch, name)
        fn(t).backward()
        x = Value(0.0)
        (abs(x) if name == "abs" else getattr(x, name)()).backward()
        assert x.grad == t.grad.item(), name


def test_relu_records_its_op_as_in_the_original():
    assert Value(1.0).relu()._op == "ReLU"


# ------------------------------------------------------ numbers either side
def test_division_by_a_number_on_either_side():
    x = Value(4.0)
    y = x / 2
    y.backward()
    assert (y.data, x.grad) == (2.0, 0.5)
    x = Value(4.0)
    y = 2 / x
    y.backward()
    assert (y.data, x.grad) == (0.5, -2.0 / 16.0)


def test_division_by_a_tiny_denominator_has_a_finite_gradient():
    """-a/b**2 must not square b first: 1e-162 squared underflows to 0."""
    a, b = Value(1e-200), Value(1e-162)
    q = a / b
    q.backward()
    assert q.data == pytest.approx(1e-38)
    assert b.grad == pytest.approx(-1e124)
    assert a.grad == pytest.approx(1e162)


def test_a_constant_becomes_a_leaf_in_the_graph():
    x = Value(1.0)
    for y, position in ((x + 2, 1), (2 + x, 0), (x * 2, 1), (2 ** Value(1.0), 0)):
        constant = y._children[position]
        assert constant._children == () and constant.data == 2.0


@pytest.mark.parametrize("kind", ["float64", "int64", "float32", "int32", "bool_"])
def test_numpy_scalar_on_either_side_gives_a_value(kind):
    np = pytest.importorskip("numpy", reason="NumPy is needed to make NumPy scalars")
    scalar = getattr(np, kind)(2)
    k = float(scalar)
    cases = [
        (lambda x: scalar * x, lambda x: x * scalar, k * 3.0, k),
        (lambda x: scalar + x, lambda x: x + scalar, k + 3.0, 1.0),
        (lambda x: scalar - x, lambda x: x - scalar, k - 3.0, -1.0),
        (lambda x: scalar / x, lambda x: x / scalar, k / 3.0, -k / 9.0),
        (lambda x: scalar**x, lambda x: x**scalar, k**3.0, k**3.0 * math.log(k)),
    ]
    for left, right, value, grad in cases:
        x = Value(3.0)
        y = left(x)
        assert type(y) is Value
        y.backward()
        assert y.data == pytest.approx(value) and x.grad == pytest.approx(grad)
        assert type(right(Value(3.0))) is Value
    assert Value(scalar).data == k


def test_bool_is_a_number():
    assert Value(True).data == 1.0 and Value(False).data == 0.0
    x = Value(2.0)
    assert (x * True).data == 2.0 and (True + x).data == 3.0


def test_repr_and_label():
    v = Value(2.5, label="w")
    assert repr(v) == "Value(data=2.5, grad=0.0)"
    assert v.label == "w" and Value(1.0).label == ""


def test_values_are_floats_whatever_number_type_goes_in():
    assert type(Value(3).data) is float
    assert type((Value(3) + 2).data) is float


# ---------------------------------------------------------- graph order
def test_topological_order_lists_each_node_once_after_its_children():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c + c
    order = e.topological_order()
    assert len(order) == len(set(map(id, order)))
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node._children:
            assert position[id(child)] < position[id(node)]
    assert order[-1] is e and {id(a), id(b)} <= position.keys()


def test_backward_by_hand_node_by_node_as_in_the_original_lecture():
    """Tutorials set ``o.grad = 1`` and call ``_backward()`` on each node themselves."""
    x1, x2 = Value(2.0), Value(0.0)
    w1, w2 = Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = n.tanh()
    o.grad = 1.0
    for node in (o, n, b, s, x1w1, x2w2, x1, w1, x2, w2):
        node._backward()
    by_hand = [x1.grad, w1.grad, x2.grad, w2.grad]
    assert by_hand == pytest.approx([-1.5, 1.0, 0.5, 0.0], abs=1e-12)
    for leaf in (x1, x2, w1, w2, b):
        leaf.grad = 0.0
    o.backward()
    assert [x1.grad, w1.grad, x2.grad, w2.grad] == by_hand
