import math

import pytest

from micrograd.engine import Value
from micrograd.optim import SGD, Adam, constant, cosine_decay, linear_decay, step_decay

START = [0.5, -1.25, 2.0]


def quadratic_grads(params):
    """Gradients of sum(p^3/3 + p): p^2 + 1, different for every parameter."""
    for p in params:
        p.grad = p.data**2 + 1.0


def run(optimizer_factory, steps=5):
    params = [Value(x) for x in START]
    opt = optimizer_factory(params)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        assert all(p.grad == 0.0 for p in params)
        quadratic_grads(params)
        opt.step()
        history.append([p.data for p in params])
    return history


def test_plain_sgd_is_exactly_data_minus_lr_times_grad():
    params = [Value(x) for x in START]
    expected = list(START)
    opt = SGD(params, lr=0.3)
    for k in range(4):
        opt.lr = 1.0 - 0.9 * k / 100
        quadratic_grads(params)
        for i, p in enumerate(params):
            expected[i] -= opt.lr * p.grad
        opt.step()
        assert [p.data for p in params] == expected  # bit for bit


def test_sgd_momentum_by_hand():
    p = Value(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 2.0
    opt.step()  # v = 2
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0)
    p.grad = 1.0
    opt.step()  # v = 0.9*2 + 1 = 2.8
    assert p.data == pytest.approx(0.8 - 0.1 * 2.8)


def test_sgd_nesterov_and_weight_decay_by_hand():
    p = Value(2.0)
    opt = SGD([p], lr=0.1, momentum=0.5, weight_decay=0.1, nesterov=True)
    p.grad = 1.0
    opt.step()  # g = 1 + 0.2 = 1.2, v = 1.2, step = g + 0.5 v = 1.8
    assert p.data == pytest.approx(2.0 - 0.18)


def test_adam_first_step_is_lr_times_sign():
    # After bias correction, the first Adam step is lr * g/|g| (up to eps).
    params = [Value(1.0), Value(-3.0)]
    opt = Adam(params, lr=0.01)
    params[0].grad, params[1].grad = 5.0, -0.001
    opt.step()
    assert params[0].data == pytest.approx(1.0 - 0.01, abs=1e-9)
    assert params[1].data == pytest.approx(-3.0 + 0.01, abs=1e-7)


def test_adam_two_steps_by_hand():
    p = Value(0.0)
    opt = Adam([p], lr=0.1, betas=(0.5, 0.75), eps=0.0)
    p.grad = 1.0
    opt.step()
    p.grad = 3.0
    opt.step()
    m = 0.5 * 0.5 + 0.5 * 3.0  # 1.75
    v = 0.75 * 0.25 + 0.25 * 9.0  # 2.4375
    second = 0.1 * (m / (1 - 0.25)) / math.sqrt(v / (1 - 0.5625))
    assert p.data == pytest.approx(-0.1 - second)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda ps: SGD(ps, lr=0.1), lambda t, ps: t.optim.SGD(ps, lr=0.1)),
        (
            lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
            lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
        ),
        (
            lambda ps: SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
            lambda t, ps: t.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
        ),
        (lambda ps: Adam(ps, lr=0.01), lambda t, ps: t.optim.Adam(ps, lr=0.01)),
        (
            lambda ps: Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
            lambda t, ps: t.optim.Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        ),
    ],
)
def test_optimizers_match_torch(ours, theirs):
    torch = pytest.importorskip("torch")
    weights = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = theirs(torch, [weights])
    expected = []
    for _ in range(6):
        opt.zero_grad()
        (weights**3 / 3 + weights).sum().backward()
        opt.step()
        expected.append(weights.tolist())
    got = run(ours, steps=6)
    for ours_row, torch_row in zip(got, expected):
        assert ours_row == pytest.approx(torch_row, rel=1e-12, abs=1e-14)


def test_lr_is_settable_and_checked():
    opt = SGD([Value(1.0)])
    assert opt.lr == 0.1
    opt.lr = 0.5
    assert opt.lr == 0.5
    with pytest.raises(ValueError, match="lr=-1"):
        opt.lr = -1
    with pytest.raises(TypeError, match="lr"):
        Adam([Value(1.0)], lr="fast")


def test_bad_optimizer_arguments():
    with pytest.raises(ValueError, match="no parameters"):
        SGD([])
    with pytest.raises(TypeError, match="must be Values"):
        SGD([1.0])
    with pytest.raises(ValueError, match="momentum"):
        SGD([Value(1.0)], momentum=1.5)
    with pytest.raises(ValueError, match="nesterov"):
        SGD([Value(1.0)], nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam([Value(1.0)], betas=(0.9, 1.0))


# ----------------------------------------------------------------- schedules
def test_linear_decay_is_the_classic_demo_schedule_exactly():
    schedule = linear_decay(1.0, 0.1, 100)
    for k in range(100):
        assert schedule(k) == 1.0 - 0.9 * k / 100
    assert schedule(100) == schedule(500) == 0.1
    assert linear_decay() == schedule


def test_other_schedules():
    assert constant(0.3)(0) == constant(0.3)(99) == 0.3
    cos = cosine_decay(1.0, 0.0, 10)
    assert cos(0) == 1.0 and cos(5) == pytest.approx(0.5) and cos(10) == pytest.approx(0.0)
    assert cos(20) == cos(10)
    stairs = step_decay(1.0, 0.1, every=3)
    assert [stairs(k) for k in range(7)] == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01])
    assert repr(linear_decay()) == "linear_decay(start=1.0, end=0.1, steps=100)"


def test_bad_schedule_arguments():
    with pytest.raises(ValueError, match="steps=0"):
        linear_decay(1.0, 0.1, 0)
    with pytest.raises(ValueError, match="every"):
        step_decay(every=0)
    with pytest.raises(ValueError, match="step=-1"):
        cosine_decay()(-1)


# ----------------------------------------------------- never a NaN in a weight
@pytest.mark.parametrize("make", [SGD, lambda ps: SGD(ps, momentum=0.9), Adam])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_grad_changes_no_parameter_and_names_the_one_at_fault(make, bad):
    params = [Value(1.0), Value(2.0, label="w"), Value(3.0)]
    opt = make(params)
    for p in params:
        p.grad = 0.5
    params[1].grad = bad
    with pytest.raises(FloatingPointError, match=r"parameter 1 of 3 'w' has grad") as info:
        opt.step()
    assert isinstance(info.value, ArithmeticError)
    assert [p.data for p in params] == [1.0, 2.0, 3.0]


def test_an_update_that_overflows_changes_nothing_and_suggests_a_smaller_lr():
    params = [Value(1.0), Value(1e300)]
    opt = SGD(params, lr=1e300, momentum=0.5)
    params[0].grad, params[1].grad = 1.0, -1e10
    with pytest.raises(OverflowError, match="parameter 1 of 2.*smaller learning rate"):
        opt.step()
    assert [p.data for p in params] == [1.0, 1e300]
    assert opt.velocity == [None, None], "the momentum is not advanced by a refused step"


def test_adam_with_eps_zero_explains_a_zero_gradient_and_odd_betas_are_refused():
    p = Value(1.0)
    opt = Adam([p], eps=0.0)
    with pytest.raises(ZeroDivisionError, match="eps"):
        opt.step()  # p.grad is 0
    assert p.data == 1.0 and opt.t == 0
    with pytest.raises(ValueError, match="two numbers"):
        Adam([p], betas=(0.9,))


def test_adam_state_never_becomes_infinite():
    p = Value(1.0)
    opt = Adam([p])
    p.grad = 1e160
    with pytest.raises(OverflowError, match="squared gradient"):
        opt.step()
    assert p.data == 1.0 and opt.v == [0.0] and opt.t == 0


def test_an_optimiser_given_the_model_says_to_pass_its_parameters():
    from micrograd.nn import MLP

    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        SGD(MLP(2, [2, 1]), lr=0.1)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        SGD(3, lr=0.1)
