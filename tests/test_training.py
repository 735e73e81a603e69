import math
import random

import pytest

from micrograd.datasets import make_blobs, make_moons, signed_labels
from micrograd.engine import Value
from micrograd.errors import ShapeError
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, linear_decay
from micrograd.training import History, StepRecord, classic_demo, predict, score, train


def small_problem(seed=5, n=30, sizes=(8, 1)):
    random.seed(seed)
    model = MLP(2, list(sizes))
    X, y = make_moons(n, noise=0.1, seed=seed)
    return model, X, y


def hand_written_demo_loop(model, X, y, steps, alpha=1e-4):
    """The classic demo's loop, spelled out with built-in sum, as in the original notebook."""
    losses_seen, accuracies = [], []
    for k in range(steps):
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        acc = [(yi > 0) == (si.data > 0) for yi, si in zip(y, scores)]
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses_seen.append(total_loss.data)
        accuracies.append(sum(acc) / len(acc))
    return losses_seen, accuracies


def test_train_matches_the_hand_written_demo_loop_exactly():
    model, X, y = small_problem()
    twin, _, _ = small_problem()
    history = train(model, X, y, steps=5, lr=linear_decay(1.0, 0.1, 100), progress=False)
    losses, accuracies = hand_written_demo_loop(twin, X, signed_labels(y), steps=5)
    assert history.loss == losses
    assert history.accuracy == accuracies
    assert [p.data for p in model.parameters()] == [p.data for p in twin.parameters()]
    assert history.step == [0, 1, 2, 3, 4]
    assert history.lr == [1.0 - 0.9 * k / 100 for k in range(5)]
    assert all(d < t for d, t in zip(history.data_loss, history.loss))  # L2 adds a bit


@pytest.mark.slow
def test_classic_demo_reproduces_the_famous_numbers():
    model, X, y = classic_demo()
    history = train(model, X, y, steps=100, lr=linear_decay(1.0, 0.1, 100), progress=False)
    assert history.loss[99] == pytest.approx(0.010978370135492719, rel=1e-12)
    assert history.accuracy[99] == 1.0
    assert history.final == StepRecord(99, history.loss[99], 0.0, 1.0, history.lr[99])
    assert score(model, X, y) == 1.0


def test_classic_demo_setup_leaves_the_global_rng_alone():
    random.seed(7)
    expected = random.random()
    random.seed(7)
    model, X, y = classic_demo()
    assert random.random() == expected
    assert len(model.parameters()) == 337
    assert len(X) == len(y) == 100 and set(y) == {-1.0, 1.0}
    random.seed(1337)
    assert [p.data for p in model.parameters()] == [
        p.data for p in MLP(2, [16, 16, 1]).parameters()
    ]


def test_float_lr_and_default_optimizer_is_plain_sgd():
    model, X, y = small_problem()
    twin, _, _ = small_problem()
    train(model, X, y, steps=1, lr=0.5, alpha=0.0, progress=False)
    ys = signed_labels(y)
    loss = sum((1 + -t * twin(x)).relu() for x, t in zip(X, ys)) * (1.0 / len(X))
    loss = loss + 0.0 * sum(p * p for p in twin.parameters())
    loss.backward()
    assert [p.data for p in model.parameters()] == [
        p.data - 0.5 * p.grad for p in twin.parameters()
    ]


def test_given_optimizer_keeps_its_own_lr_unless_told():
    model, X, y = small_problem()
    opt = Adam(model.parameters(), lr=0.02)
    history = train(model, X, y, steps=3, optimizer=opt, progress=False)
    assert history.lr == [0.02] * 3 and opt.t == 3
    history = train(model, X, y, steps=2, optimizer=opt, lr=0.5, progress=False)
    assert history.lr == [0.5, 0.5]


def test_minibatches_are_seeded_and_sized():
    runs = []
    for seed in (1, 1, 2):
        model, X, y = small_problem()
        runs.append(train(model, X, y, steps=4, batch_size=8, seed=seed, progress=False).loss)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    model, X, y = small_problem()
    full = train(model, X, y, steps=4, progress=False).loss
    assert full != runs[0]
    assert all(
        acc * 8 == round(acc * 8)
        for acc in train(model, X, y, steps=3, batch_size=8, progress=False).accuracy
    )


@pytest.mark.parametrize("loss", ["svm", "bce", "mse"])
def test_every_binary_loss_learns(loss):
    model, X, y = small_problem(n=40, sizes=(16, 16, 1))
    history = train(model, X, y, loss=loss, steps=25, lr=0.1, progress=False)
    assert history.loss[-1] < 0.7 * history.loss[0]
    assert history.accuracy[-1] >= 0.7  # chance is 0.5


def test_cross_entropy_learns_three_blobs():
    random.seed(0)
    model = MLP(2, [8, 3])
    X, y = make_blobs(n_samples=30, noise=0.3, centers=3, seed=0)
    history = train(model, X, y, loss="cross_entropy", steps=20, lr=0.2, progress=False)
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.accuracy[-1] == 1.0
    assert all(len(s) == 3 for s in predict(model, X))


def test_mse_accuracy_for_regression_targets_is_nan():
    model, X, _ = small_problem()
    history = train(model, X, [x[0] for x in X], loss="mse", steps=2, lr=0.01, progress=False)
    assert math.isnan(history.accuracy[0])


def test_callbacks_see_every_step_and_can_stop():
    model, X, y = small_problem()
    seen = []

    def watch(step, m, history):
        seen.append((step, m is model, len(history)))

    def stop_at_two(step, m, history):
        return step == 2

    history = train(model, X, y, steps=10, callbacks=[watch, stop_at_two], progress=False)
    assert seen == [(0, True, 1), (1, True, 2), (2, True, 3)]
    assert len(history) == 3


def test_log_every_prints(capsys):
    model, X, y = small_problem()
    train(model, X, y, steps=5, log_every=2, progress=False)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["step 0", "step 2", "step 4"]
    assert "loss" in lines[0] and "accuracy" in lines[0]


def test_progress_bar_and_tqdm_disable(capsys, monkeypatch):
    pytest.importorskip("tqdm")
    model, X, y = small_problem()
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    train(model, X, y, steps=2)
    assert "training" in capsys.readouterr().err
    monkeypatch.setenv("TQDM_DISABLE", "1")
    train(model, X, y, steps=2)
    assert capsys.readouterr().err == ""


def test_predict_and_score():
    model, X, y = small_problem()
    scores = predict(model, X)
    assert scores == [model(x).data for x in X]
    assert all(type(s) is float for s in scores)
    assert score(model, X, y) == sum((s > 0) == (t > 0) for s, t in zip(scores, y)) / len(y)


def test_history_helpers():
    history = History()
    assert history.final is None and "no steps" in str(history)
    history.append(StepRecord(0, 0.5, 0.4, 0.75, 0.1))
    assert history.final.loss == 0.5 and history.accuracy == [0.75]
    assert "0.500000" in str(history) and "75.0%" in str(history)


def test_bad_arguments():
    model, X, y = small_problem()
    with pytest.raises(ShapeError, match="30 points in X but 29 labels"):
        train(model, X, y[:-1], progress=False)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        train(model, X, y, loss="hinge", progress=False)
    with pytest.raises(ValueError, match="steps=0"):
        train(model, X, y, steps=0, progress=False)
    with pytest.raises(ValueError, match="batch_size=31"):
        train(model, X, y, batch_size=31, progress=False)
    with pytest.raises(ShapeError, match="cross_entropy"):
        train(model, X, y, loss="cross_entropy", steps=1, progress=False)
    with pytest.raises(ShapeError, match="3 outputs"):
        train(MLP(2, [3]), X, y, loss="svm", steps=1, progress=False)
    with pytest.raises(ValueError, match="lr=-1"):
        train(model, X, y, lr=-1.0, progress=False)
    with pytest.raises(ValueError, match="label 2"):
        train(model, X, [2] * 30, progress=False)
    with pytest.raises(ValueError, match="empty"):
        train(model, [], [], progress=False)


def test_optimizer_argument_is_used():
    model, X, y = small_problem()
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, X, y, steps=2, optimizer=opt, progress=False)
    assert all(v is not None for v in opt.velocity)


# ------------------------------------------- what History records, and when
def test_history_records_the_batch_before_the_update_and_evaluation_the_final_model():
    from micrograd.training import evaluate

    model, X, y = small_problem()
    history = train(model, X, y, steps=3, progress=False)
    # The entries come from each step's forward pass, before its update:
    # step k+1 of a longer run starts from the model after step k.
    model4, _, _ = small_problem()
    longer = train(model4, X, y, steps=4, progress=False)
    assert longer.loss[:3] == history.loss
    final = history.evaluation
    assert (final.loss, final.accuracy) == (longer.loss[3], longer.accuracy[3])
    assert final == evaluate(model, X, y, loss="svm", alpha=1e-4)
    assert final.points == len(X)
    assert "trained model on all 30 points" in str(history)


def test_with_minibatches_the_evaluation_is_on_all_points_not_the_last_batch():
    model, X, y = small_problem(n=60)
    history = train(model, X, y, steps=30, batch_size=10, lr=0.5, progress=False)
    assert history.evaluation.accuracy == score(model, X, y)
    assert history.evaluation.points == 60
    assert history.objective == ("svm", 1e-4)


def test_a_diverging_run_raises_diverged_error_suggesting_a_smaller_lr():
    from micrograd.training import DivergedError

    _, X, y = small_problem()
    random.seed(3)
    model = MLP(2, [8, 1], activation="tanh")  # tanh: hidden values stay in [-1, 1]
    with pytest.raises(DivergedError, match=r"smaller learning rate") as info:
        train(model, X, y, steps=20, lr=1e308, progress=False)
    assert isinstance(info.value, ArithmeticError)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_tqdm_imported_with_tqdm_disable_set_still_shows_a_bar_once_it_is_unset():
    # tqdm reads TQDM_DISABLE when it is imported; our check happens at each call.
    import os
    import subprocess
    import sys

    pytest.importorskip("tqdm")
    code = (
        "import os, random\n"
        "import tqdm.auto\n"  # imported while TQDM_DISABLE=1
        "del os.environ['TQDM_DISABLE']\n"
        "from micrograd.nn import MLP\n"
        "from micrograd.training import train\n"
        "random.seed(0)\n"
        "train(MLP(2, [2, 1]), [[0.0, 1.0], [1.0, 0.0]], [1, -1], steps=2)\n"
    )
    env = {**os.environ, "TQDM_DISABLE": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "training" in done.stderr
