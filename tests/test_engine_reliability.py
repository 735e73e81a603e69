"""The engine under stress: threads, deep copies, failing backward steps, cycles and
numbers assigned by hand. Each of these once gave a silent wrong answer or a crash."""

from __future__ import annotations

import copy
import pickle
import threading

import pytest

from micrograd.engine import Value, weighted_sum
from micrograd.errors import ShapeError


def _chain(depth: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    v = x
    for _ in range(depth):
        v = v * 1.0 + x
    return x, v


# ---------------------------------------------------------------- threads
def test_two_threads_on_one_graph_add_exactly_two_passes():
    for _trial in range(10):
        x, root = _chain(3000)
        barrier = threading.Barrier(2)

        def run(barrier=barrier, root=root):
            barrier.wait()
            root.backward()

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert x.grad == 2 * 3001.0


# ------------------------------------------------------ copying and pickling
@pytest.mark.parametrize("depth", [1, 150, 300, 20_000])
def test_deep_graphs_pickle_and_deepcopy_without_recursion(depth):
    x, root = _chain(depth)
    for clone in (pickle.loads(pickle.dumps(root)), copy.deepcopy(root)):
        clone.backward()
        leaves = [v for v in clone.topological_order() if not v._children and v.label == "x"]
        assert len(leaves) == 1 and leaves[0].grad == depth + 1.0


def test_a_100000_deep_graph_pickles_at_the_normal_recursion_limit():
    x, root = _chain(100_000)
    clone = pickle.loads(pickle.dumps(root, protocol=pickle.HIGHEST_PROTOCOL))
    assert clone.data == root.data


def test_nodes_shared_by_two_pickled_roots_stay_one_node():
    a = Value(2.0, label="a")
    left, right = a * 3.0, a + 1.0
    l2, r2, a2 = pickle.loads(pickle.dumps((left, right, a)))
    assert l2._children[0] is a2 and r2._children[0] is a2
    l3, r3 = copy.deepcopy([left, right])
    assert l3._children[0] is r3._children[0]


def test_labels_attributes_and_protocol_zero_survive_pickling():
    a = Value(2.0, label="a")
    a.note = "mine"
    b = (a * a).tanh()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        b2 = pickle.loads(pickle.dumps(b, protocol=protocol))
        (a2,) = {c for c in b2._children[0]._children}
        assert (a2.label, a2.note, b2._op, b2.data) == ("a", "mine", "tanh", b.data)


def test_shallow_copy_shares_the_children():
    a = Value(2.0)
    b = a * 3.0
    c = copy.copy(b)
    assert c is not b and c._children == b._children and c.data == 6.0


# --------------------------------------------- a backward() that fails midway
def test_an_exception_in_a_backward_of_your_own_puts_every_gradient_back():
    a, b = Value(2.0), Value(3.0)
    a.grad, b.grad = 0.25, 0.5
    mid = a * b
    out = Value(mid.data, (mid,), "boom")

    def _backward():
        mid.grad += out.grad
        raise RuntimeError("half way")

    out._backward = _backward
    root = out + a  # a gets a contribution before the failing step
    with pytest.raises(RuntimeError, match="half way"):
        root.backward()
    assert (a.grad, b.grad, mid.grad, out.grad) == (0.25, 0.5, 0.0, 0.0)


# ------------------------------------------------------------------ cycles
def test_a_cycle_built_through_prev_is_refused_naming_a_node():
    a = Value(1.0, label="a")
    b = a * 2.0
    b.label = "b"
    c = b + 1.0
    b._prev = {c}  # b now depends on c, which depends on b
    b._backward = lambda: None
    with pytest.raises(ValueError, match="cycle"):
        c.backward()
    with pytest.raises(ValueError, match="cycle"):
        c.topological_order()


def test_rewiring_without_a_cycle_still_works():
    a = Value(1.0)
    b = a * 2.0
    b._prev = set()
    (b * 3.0).backward()
    assert a.grad == 0.0


# --------------------------------------------------- numbers assigned by hand
def test_nan_assigned_to_data_is_named_not_blamed_on_an_overflow():
    v = Value(1.0, label="v")
    v.data = float("nan")
    with pytest.raises(ValueError, match=r"\.data of the node 'v' is nan.*by hand"):
        v + 1


def test_text_assigned_to_data_is_named():
    v = Value(1.0, label="v")
    v.data = "3"
    with pytest.raises(TypeError, match=r"\.data of the node 'v' is str '3'"):
        v * 2
    with pytest.raises(TypeError, match=r"\.data of the node 'v'"):
        2 + v


def test_nan_assigned_to_grad_is_named_before_backward_blames_a_slope():
    a = Value(2.0, label="a")
    a.grad = float("nan")
    with pytest.raises(ValueError, match=r"\.grad of 'a' was already nan"):
        (a * 3.0).backward()
    assert a.grad != a.grad  # put back as it was


# ------------------------------------------------ forward-only roots at zero
@pytest.mark.parametrize(
    "make",
    [
        lambda x: x**0.5,
        lambda x: x.sqrt(),
        lambda x: (x * x + x * x) ** 0.5,
        lambda x: x ** Value(0.5),
    ],
)
def test_a_root_at_zero_computes_and_refuses_only_its_gradient(make):
    x = Value(0.0, label="x")
    y = make(x)
    assert y.data == 0.0
    with pytest.raises(OverflowError, match=r"infinite slope.*1e-12"):
        y.backward()
    assert x.grad == 0.0


def test_a_root_away_from_zero_differentiates():
    x = Value(4.0)
    y = x.sqrt() + x**0.5
    y.backward()
    assert x.grad == 0.5


# ------------------------------------------------------------ weighted_sum
def test_weighted_sum_takes_generators_and_refuses_mismatches_as_shape_errors():
    ws = [Value(1.0), Value(2.0)]
    assert weighted_sum(ws, (x for x in [3.0, 4.0]), 0.5).data == 11.5
    with pytest.raises(ShapeError, match="2 weights but 3 inputs"):
        weighted_sum(ws, [1.0, 2.0, 3.0], 0.0)


def test_an_array_of_values_times_a_value_says_what_to_do():
    np = pytest.importorskip("numpy")
    with pytest.raises(TypeError, match="holds Values"):
        np.array([Value(1.0), Value(2.0)]) * Value(3.0)


def test_a_step_on_a_parameter_set_to_nan_by_hand_says_so_not_lower_the_lr():
    from micrograd.optim import SGD

    w = Value(1.0)
    (w * 2.0).backward()
    w.data = float("nan")
    with pytest.raises(ValueError, match="assigned it by hand") as caught:
        SGD([w], lr=0.1).step()
    assert "learning rate" not in str(caught.value)


# ---------------------------------------------------- found by a stranger's review
def _lecture_tanh(x: Value) -> Value:
    import math

    t = math.tanh(x.data)
    out = Value(t, (x,), "tanh")

    def _backward():
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def test_a_graph_with_a_closure_of_its_own_refuses_to_be_copied():
    a, b = Value(2.0), Value(-0.5)
    L = _lecture_tanh(a * b) * a
    for copier in (copy.deepcopy, copy.copy, lambda g: pickle.loads(pickle.dumps(g))):
        with pytest.raises((TypeError, pickle.PicklingError, AttributeError)):
            copier(L._children[0] if copier is copy.copy else L)
    with pytest.raises(TypeError, match="_backward function of its own"):
        copy.deepcopy(L)


def test_a_failed_backward_puts_interior_gradients_back_exactly():
    a = Value(0.5)
    h = a * 3.0
    L = h.tanh()
    L.backward()
    grads = (a.grad, h.grad, L.grad)
    boom = Value(L.data, (L,), "boom")

    def _backward():
        raise RuntimeError("boom")

    boom._backward = _backward
    with pytest.raises(RuntimeError):
        boom.backward()
    assert (a.grad, h.grad, L.grad) == grads


def test_backward_from_a_leaf_adds_one_as_every_leaf_does():
    x = Value(3.0)
    x.grad = 5.0
    x.backward()
    x.backward()
    assert x.grad == 7.0  # as PyTorch: a leaf accumulates


def test_huge_integers_are_overflow_errors_not_digit_limit_errors():
    huge = 10**5000
    for make in (lambda: Value(huge), lambda: Value(1.0) + huge, lambda: Value(2.0) ** huge):
        with pytest.raises(OverflowError, match="too large"):
            make()


def test_a_nan_input_to_a_network_is_named_as_the_input():
    import random

    from micrograd.nn import MLP

    model = MLP(2, [3, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match="input 0 is nan"):
        model([float("nan"), 1.0])


def test_a_slope_that_overflows_names_the_operation_not_an_inner_power():
    with pytest.raises(OverflowError, match=r"\*\*-1\(1e-200\): its local derivative"):
        Value(1e-200) ** -1


def test_setting_prev_to_the_same_children_keeps_the_gradients():
    p, q = Value(2.0), Value(3.0)
    r = p * q
    r._prev = {p, q}
    r.backward()
    assert (p.grad, q.grad) == (3.0, 2.0)


def test_a_grad_set_to_text_by_hand_is_named():
    a = Value(2.0, label="a")
    a.grad = "x"
    with pytest.raises(TypeError, match=r"\.grad of 'a' was str 'x'"):
        (a * 3.0 + a).backward()


def test_pickle_works_after_a_deepcopy_that_failed_halfway():
    x, root = _chain(3000)
    root._children[0].lock = threading.Lock()  # deepcopy cannot copy a lock
    try:
        copy.deepcopy(root)
    except TypeError as exc:
        kept = exc  # held, as a REPL holds the last exception
    del root._children[0].lock
    clone = pickle.loads(pickle.dumps(root._children[0]))
    assert clone.data == root._children[0].data
    del kept
