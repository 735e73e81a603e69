import math
import random

import pytest

from micrograd.engine import Value
from micrograd.errors import ShapeError
from micrograd.losses import (
    accuracy,
    bce_with_logits,
    cross_entropy,
    l2_regularization,
    mse_loss,
    svm_loss,
)


def values(numbers):
    return [Value(x) for x in numbers]


def grads_and_numeric(loss_of_floats, xs, eps=1e-6):
    """Backward gradients of loss_of_floats(Values) next to central differences."""
    leaves = values(xs)
    loss_of_floats(leaves).backward()
    numeric = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        up[i] += eps
        down[i] -= eps
        f_up = loss_of_floats(values(up)).data
        f_down = loss_of_floats(values(down)).data
        numeric.append((f_up - f_down) / (2 * eps))
    return [v.grad for v in leaves], numeric


def assert_grads_match(loss_of_floats, xs):
    analytic, numeric = grads_and_numeric(loss_of_floats, xs)
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-6)


# ---------------------------------------------------------------- values
def test_svm_loss_is_the_classic_demo_expression_float_for_float():
    rng = random.Random(0)
    scores = values(rng.uniform(-2, 2) for _ in range(50))
    labels = [rng.choice([-1.0, 1.0]) for _ in range(50)]
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
    expected = sum(losses) * (1.0 / len(losses))
    assert svm_loss(scores, labels).data == expected.data  # exactly


def test_svm_loss_value_by_hand():
    # margins 1 - y*s: 1 - 2 = -1 -> 0; 1 - (-0.5) = 1.5; 1 - (-1)(0.25) = 1.25
    loss = svm_loss(values([2.0, -0.5, 0.25]), [1, 1, -1])
    assert loss.data == pytest.approx((0 + 1.5 + 1.25) / 3)


def test_l2_regularization_is_alpha_times_sum_of_squares():
    params = values([0.5, -1.5, 2.0])
    expected = 1e-4 * sum(p * p for p in params)
    reg = l2_regularization(params, 1e-4)
    assert reg.data == expected.data
    reg.backward()
    assert [p.grad for p in params] == pytest.approx([2e-4 * p.data for p in params])


def test_mse_loss_value():
    assert mse_loss(values([1.0, 2.0, 4.0]), [1.0, 0.0, 1.0]).data == pytest.approx((0 + 4 + 9) / 3)
    assert mse_loss([0.5], [Value(1.5)]).data == pytest.approx(1.0)


def naive_bce(z, t):
    s = 1 / (1 + math.exp(-z))
    return -(t * math.log(s) + (1 - t) * math.log(1 - s))


def test_bce_with_logits_value_against_the_textbook_formula():
    zs = [-3.0, -0.2, 0.0, 0.7, 4.0]
    ts = [0, 1, 1, 0, 1]
    expected = sum(naive_bce(z, t) for z, t in zip(zs, ts)) / len(zs)
    assert bce_with_logits(values(zs), ts).data == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("z", [1000.0, -1000.0, 40.0, -40.0, 745.5])
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_bce_with_logits_is_stable_for_huge_logits(z, t):
    zv = Value(z)
    loss = bce_with_logits([zv], [t])
    wrong_side = (z > 0) != (t > 0.5)
    assert loss.data == pytest.approx(abs(z) if wrong_side else 0.0, abs=1e-15)
    loss.backward()
    sigmoid = 1.0 if z > 0 else 0.0
    assert zv.grad == pytest.approx(sigmoid - t, abs=1e-15)


def test_bce_with_logits_gradient_at_zero_is_one_half_minus_target():
    for t in (0.0, 1.0, 0.25):
        z = Value(0.0)
        bce_with_logits([z], [t]).backward()
        assert z.grad == 0.5 - t


def test_cross_entropy_value_against_log_softmax():
    logits = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]]
    classes = [0, 2]
    expected = 0.0
    for zs, c in zip(logits, classes):
        expected += -(zs[c] - math.log(sum(math.exp(z) for z in zs)))
    loss = cross_entropy([values(zs) for zs in logits], classes)
    assert loss.data == pytest.approx(expected / 2, rel=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    zs = values([1000.0, -1000.0, 999.0])
    loss = cross_entropy([zs], [2])
    assert loss.data == pytest.approx(1.0 + math.log1p(math.exp(-1.0)))
    loss.backward()
    softmax = [1 / (1 + math.exp(-1)), 0.0, math.exp(-1) / (1 + math.exp(-1))]
    assert [z.grad for z in zs] == pytest.approx([softmax[0], 0.0, softmax[2] - 1])


# -------------------------------------------------- gradients vs finite differences
XS = [0.3, -1.2, 2.0, -0.4, 0.9, 0.05]


def test_svm_gradient():
    labels = [1, -1, 1, 1, -1, -1]
    assert_grads_match(lambda v: svm_loss(v, labels), XS)


def test_mse_gradient():
    targets = [1.0, 0.0, -1.0, 2.0, 0.5, 0.0]
    assert_grads_match(lambda v: mse_loss(v, targets), XS)


def test_bce_gradient():
    targets = [1, 0, 0, 1, 0.3, 1]
    assert_grads_match(lambda v: bce_with_logits(v, targets), XS)


def test_cross_entropy_gradient():
    classes = [2, 0]
    assert_grads_match(lambda v: cross_entropy([v[:3], v[3:]], classes), XS)


def test_l2_gradient():
    assert_grads_match(lambda v: l2_regularization(v, 0.3), XS)


# ------------------------------------------------------------ against torch
def test_losses_match_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    z = torch.tensor(XS, dtype=torch.float64, requires_grad=True)

    def check(ours, theirs):
        leaves = values(XS)
        loss = ours(leaves)
        loss.backward()
        z.grad = None
        ref = theirs(z)
        ref.backward()
        assert loss.data == pytest.approx(ref.item(), rel=1e-12, abs=1e-15)
        assert [v.grad for v in leaves] == pytest.approx(z.grad.tolist(), rel=1e-12, abs=1e-15)

    t01 = [1.0, 0.0, 0.0, 1.0, 0.3, 1.0]
    pm1 = [1.0, -1.0, 1.0, 1.0, -1.0, -1.0]
    check(
        lambda v: bce_with_logits(v, t01),
        lambda z: F.binary_cross_entropy_with_logits(z, torch.tensor(t01, dtype=torch.float64)),
    )
    check(
        lambda v: mse_loss(v, t01), lambda z: F.mse_loss(z, torch.tensor(t01, dtype=torch.float64))
    )
    check(
        lambda v: svm_loss(v, pm1),
        lambda z: torch.relu(1 - torch.tensor(pm1, dtype=torch.float64) * z).mean(),
    )
    check(
        lambda v: cross_entropy([v[:3], v[3:]], [2, 0]),
        lambda z: F.cross_entropy(z.view(2, 3), torch.tensor([2, 0])),
    )


# ----------------------------------------------------------------- accuracy
def test_accuracy_for_signed_binary_and_multiclass_labels():
    scores = values([0.5, -0.2, 0.1, -3.0])
    assert accuracy(scores, [1, -1, -1, -1]) == 0.75
    assert accuracy(scores, [1, 0, 0, 0]) == 0.75
    assert accuracy([0.9, 0.2], [1, 1], threshold=0.5) == 0.5
    multi = [values([0.1, 2.0, -1.0]), [3.0, 1.0, 0.0], values([0.0, 0.0, 5.0])]
    assert accuracy(multi, [1, 0, 0]) == pytest.approx(2 / 3)


# ------------------------------------------------------------------- errors
LOSSES = [
    lambda s, t: svm_loss(s, t),
    lambda s, t: mse_loss(s, t),
    lambda s, t: bce_with_logits(s, t),
    lambda s, t: accuracy(s, t),
]


@pytest.mark.parametrize("loss", LOSSES)
def test_length_mismatch_is_a_shape_error(loss):
    with pytest.raises(ShapeError, match="2 model outputs but 3 targets"):
        loss(values([0.1, 0.2]), [1, 1, 1])


@pytest.mark.parametrize("loss", [*LOSSES, cross_entropy])
def test_empty_input_is_refused(loss):
    with pytest.raises(ValueError, match="no samples"):
        loss([], [])


def test_bad_targets_are_refused():
    with pytest.raises(ValueError, match="signed_labels"):
        svm_loss(values([0.1, 0.2]), [0, 1])
    with pytest.raises(ValueError, match="between 0 and 1"):
        bce_with_logits(values([0.1]), [-1])
    with pytest.raises(ValueError, match="class index 3"):
        cross_entropy([values([0.1, 0.2, 0.3])], [3])
    with pytest.raises(ShapeError, match="one output per class"):
        cross_entropy(values([0.1, 0.2]), [0, 1])
    with pytest.raises(ValueError, match="alpha"):
        l2_regularization(values([1.0]), -1.0)


def test_cross_entropy_accepts_numpy_class_indices():
    np = pytest.importorskip("numpy")
    logits = [values([0.1, 2.0]), values([1.0, -1.0])]
    assert cross_entropy(logits, np.array([1, 0])).data == cross_entropy(logits, [1, 0]).data
