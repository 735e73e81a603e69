"""One training loop, shared by the command line and the notebooks.

Every step does what the classic micrograd demo does, in the same order:

1. forward: score every sample of the batch with the model,
2. loss: the data loss (mean over the batch) plus an L2 penalty on the weights,
3. accuracy, read off the same scores,
4. ``zero_grad()``, then ``backward()``,
5. update every parameter with this step's learning rate.

``train`` returns a ``History`` of what happened at every step, ready to plot.

What is measured when, because the two are easy to mix up:

* ``history.loss[k]`` and ``history.accuracy[k]`` come from step k's own
  forward pass: the batch that step trained on, *before* its update. They cost
  nothing extra, and they are what the gradient of step k was computed from.
* ``history.evaluation`` is the trained model, *after* the last update, on
  *all* the points. Quote it as "the final loss and accuracy".

With mini-batches, or after a large last step, the two can differ a lot.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from micrograd.datasets import _check_count, make_moons, signed_labels
from micrograd.engine import Value, _as_float
from micrograd.errors import ShapeError
from micrograd.losses import (
    accuracy,
    bce_with_logits,
    cross_entropy,
    l2_regularization,
    mse_loss,
    svm_loss,
)
from micrograd.nn import MLP, Module
from micrograd.optim import SGD, Optimizer, Schedule

LOSSES: dict[str, Callable[[list, list], Value]] = {
    "svm": svm_loss,
    "mse": mse_loss,
    "bce": bce_with_logits,
    "cross_entropy": cross_entropy,
}


class StepRecord(NamedTuple):
    """What one training step measured on its batch, before its update."""

    step: int
    loss: float
    data_loss: float
    accuracy: float
    lr: float


class Evaluation(NamedTuple):
    """A model as it is now, on a whole set of points (no update, no gradient)."""

    loss: float  # data loss plus the L2 penalty
    data_loss: float
    accuracy: float
    points: int


@dataclass
class History:
    """One list per quantity, one entry per step: ``history.loss[k]`` is the loss at step k.

    Each entry is measured on step k's batch *before* its update (see the module
    docstring); ``evaluation`` is the final model on all points, set when
    ``train`` finishes. ``loss`` includes the L2 penalty; ``data_loss`` is the
    loss on the data alone. ``objective`` is the loss name and L2 strength
    ``train`` used, so the same measurement can be repeated (``evaluate``).
    """

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    data_loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    evaluation: Evaluation | None = None
    objective: tuple[str, float] | None = None

    def append(self, record: StepRecord) -> None:
        for name, value in record._asdict().items():
            getattr(self, name).append(value)

    def __len__(self) -> int:
        return len(self.step)

    @property
    def final(self) -> StepRecord | None:
        """The last step's record (``history.final.loss``), or None before any step."""
        if not self.step:
            return None
        return StepRecord(
            self.step[-1], self.loss[-1], self.data_loss[-1], self.accuracy[-1], self.lr[-1]
        )

    def __str__(self) -> str:
        last = self.final
        if last is None:
            return "History (no steps yet)"
        text = f"History of {len(self)} steps; last step {_describe(last)}"
        if self.evaluation is not None:
            e = self.evaluation
            text += (
                f"; trained model on all {e.points} points: loss {e.loss:.6f}, "
                f"accuracy {e.accuracy:.1%}"
            )
        return text


class DivergedError(ArithmeticError):
    """Training blew up: a number overflowed or stopped being finite.

    Almost always the learning rate is too large for the problem; the message says so.
    """


Callback = Callable[[int, Module, History], object]


def train(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    loss: str = "svm",
    steps: int = 100,
    lr: float | Schedule | None = None,
    optimizer: Optimizer | None = None,
    batch_size: int | None = None,
    alpha: float = 1e-4,
    seed: int = 0,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
    log_every: int | None = None,
) -> History:
    """Train ``model`` on points ``X`` with labels ``y``; return the ``History``.

    * ``loss``: 'svm' (labels 0/1 or -1/+1, one output), 'bce' (0/1, one
      output, a logit), 'mse' (any numbers, one output), or 'cross_entropy'
      (class indices, one output per class).
    * ``lr``: a number, or a schedule ``step -> lr`` such as
      ``linear_decay(1.0, 0.1, 100)`` (the classic demo). None means 1.0 for
      the default optimizer, or the optimizer's own ``lr``.
    * ``optimizer``: None for plain SGD (``p.data -= lr * p.grad``).
    * ``batch_size``: None trains on all points at every step; an int draws a
      random batch per step from ``random.Random(seed)``.
    * ``alpha``: strength of the L2 penalty ``alpha * sum(p*p)``.
    * ``callbacks``: each is called as ``callback(step, model, history)``
      after the update; returning ``True`` stops training early.
    * ``progress``: a tqdm bar if tqdm is installed (and ``TQDM_DISABLE`` is
      not set); ``log_every=N`` prints a line every N steps instead, which
      reads better in saved notebooks.

    When it finishes (or a callback stops it), ``history.evaluation`` holds the
    final model's loss and accuracy on all points: one more forward pass. A
    run whose numbers overflow raises ``DivergedError`` with the step and the
    learning rate; the model keeps the last finite weights.
    """
    if loss not in LOSSES:
        raise ValueError(f"train: unknown loss {loss!r}; choose one of {list(LOSSES)}.")
    X = _as_points(X)
    targets = _as_targets(loss, y)
    if len(X) != len(targets):
        raise ShapeError(f"train: {len(X)} points in X but {len(targets)} labels in y.")
    if not X:
        raise ValueError("train: X is empty; give at least one data point.")
    _check_count(steps, "steps", 1)
    if batch_size is not None:
        _check_count(batch_size, "batch_size", 1, len(X))
    if log_every is not None:
        _check_count(log_every, "log_every", 1)
    alpha = _as_float(alpha, "train alpha")
    schedule = lr if callable(lr) else None
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=1.0)
    if lr is not None and schedule is None:
        optimizer.lr = lr

    rng = random.Random(seed)
    params = model.parameters()
    history = History(objective=(loss, alpha))
    bar = _progress_bar(steps) if progress else None
    try:
        for k in range(steps):
            batch = range(len(X)) if batch_size is None else rng.sample(range(len(X)), batch_size)
            yb = [targets[i] for i in batch]
            if schedule is not None:
                optimizer.lr = schedule(k)
            try:
                scores = [_check_output(model(X[i]), loss) for i in batch]
                data_loss = LOSSES[loss](scores, yb)
                total_loss = data_loss + l2_regularization(params, alpha)
                if not math.isfinite(total_loss.data):
                    raise FloatingPointError(f"the loss is {total_loss.data}")
                acc = _accuracy(loss, scores, yb)
                model.zero_grad()
                total_loss.backward()
                record = StepRecord(k, total_loss.data, data_loss.data, acc, optimizer.lr)
                optimizer.step()
            except ArithmeticError as exc:
                raise _diverged(k, optimizer.lr, exc) from exc
            history.append(record)
            _report(record, bar, log_every, last=k == steps - 1)
            stops = [callback(k, model, history) is True for callback in callbacks]  # call all
            if any(stops):
                break
    finally:
        if bar is not None:
            bar.close()
    try:
        history.evaluation = _evaluate(model, X, targets, loss, alpha)
    except ArithmeticError as exc:
        raise _diverged(len(history) - 1, optimizer.lr, exc) from exc
    return history


def _diverged(step: int, lr: float, exc: BaseException) -> DivergedError:
    return DivergedError(
        f"training diverged at step {step} with learning rate {lr:g}: {str(exc).rstrip('.')}. "
        "The steps are too large for this problem; try a smaller learning rate "
        f"(e.g. {lr / 10:g})."
    )


def evaluate(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    *,
    loss: str = "svm",
    alpha: float = 1e-4,
) -> Evaluation:
    """The loss and accuracy of ``model`` as it is now, on all of ``(X, y)``.

    The same quantities ``train`` records per step, but for the whole set and
    with no update: this is the number to report for a trained model.
    """
    if loss not in LOSSES:
        raise ValueError(f"evaluate: unknown loss {loss!r}; choose one of {list(LOSSES)}.")
    X, targets = _as_points(X), _as_targets(loss, y)
    if len(X) != len(targets):
        raise ShapeError(f"evaluate: {len(X)} points in X but {len(targets)} labels in y.")
    if not X:
        raise ValueError("evaluate: X is empty; give at least one data point.")
    return _evaluate(model, X, targets, loss, _as_float(alpha, "evaluate alpha"))


def _evaluate(model: Module, X: list, targets: list, loss: str, alpha: float) -> Evaluation:
    scores = [_check_output(model(x), loss) for x in X]
    data_loss = LOSSES[loss](scores, targets)
    total = data_loss.data + l2_regularization(model.parameters(), alpha).data
    return Evaluation(total, data_loss.data, _accuracy(loss, scores, targets), len(X))


# ------------------------------------------------------------------- helpers
def predict(model: Module, X: Sequence[Sequence[float]]) -> list:
    """The model's raw scores for every point, as plain floats (no graph kept).

    One float per point for a one-output model, a list of floats per point otherwise.
    """
    out = []
    for x in _as_points(X):
        scores = model(x)
        out.append([s.data for s in scores] if isinstance(scores, list) else scores.data)
    return out


def score(
    model: Module, X: Sequence[Sequence[float]], y: Sequence[float], threshold: float = 0.0
) -> float:
    """Accuracy of ``model`` on ``(X, y)``: sign of the score (or argmax) against the label."""
    return accuracy(predict(model, X), list(y), threshold)


def classic_demo(seed: int = 1337) -> tuple[MLP, list[list[float]], list[float]]:
    """The classic micrograd demo's model and data: ``MLP(2, [16, 16, 1])`` and 100 moons.

    ``train(model, X, y, lr=linear_decay(1.0, 0.1, 100))`` then reproduces its
    run exactly. The weights are those Python's global ``random`` gives after
    ``random.seed(seed)``, as in the demo, but drawn from a ``random.Random(seed)``
    of their own: the global state is never touched, not even for a moment
    (another thread may be using it).
    """
    model = MLP(2, [16, 16, 1], rng=random.Random(seed))
    X, y = make_moons(n_samples=100, noise=0.1, seed=seed)
    return model, X, signed_labels(y)


def _as_points(X: Sequence[Sequence[float]]) -> list[list[float]]:
    """Plain Python floats: NumPy scalars would slow every operation down."""
    try:
        return [[_as_float(v, "train X") for v in row] for row in X]
    except TypeError as exc:
        raise TypeError(f"X must be a list of points, each a list of numbers: {exc}") from None


def _as_targets(loss: str, y: Sequence[float]) -> list:
    labels = list(y)
    if loss == "svm":
        return signed_labels(labels)
    if loss == "bce":
        return [1.0 if t > 0 else 0.0 for t in signed_labels(labels)]
    if loss == "cross_entropy":
        if any(int(t) != t for t in labels):
            raise ValueError("train: cross_entropy needs class indices 0, 1, 2, ... as labels.")
        return [int(t) for t in labels]
    return [_as_float(t, "train y") for t in labels]


def _check_output(out: Value | list[Value], loss: str) -> Value | list[Value]:
    """One output per sample for svm/bce/mse; one per class for cross_entropy."""
    many = isinstance(out, list)
    if many != (loss == "cross_entropy"):
        fix = (
            "give the model one output per class, e.g. MLP(2, [16, 3])"
            if loss == "cross_entropy"
            else "give the model one output (e.g. MLP(2, [16, 16, 1])) or use loss='cross_entropy'"
        )
        got = f"{len(out)} outputs" if many else "1 output"
        raise ShapeError(f"train: loss {loss!r} cannot use a model with {got} per sample; {fix}.")
    return out


def _accuracy(loss: str, scores: list, labels: list) -> float:
    if loss != "mse":
        return accuracy(scores, labels)
    kinds = set(labels)
    if kinds <= {-1.0, 1.0}:
        return accuracy(scores, labels)
    if kinds <= {0.0, 1.0}:
        return accuracy(scores, labels, threshold=0.5)
    return math.nan  # regression: there are no classes to get right


def _progress_bar(steps: int):
    """A tqdm bar when tqdm is installed and not switched off with TQDM_DISABLE; else None."""
    if os.environ.get("TQDM_DISABLE", "").lower() not in ("", "0", "false"):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None

    class QuietBar(tqdm):
        # No monitor thread: tqdm starts one per process and leaves it running after
        # the bar closes. It only tunes how often a stalled bar redraws, which a
        # training loop that updates every step does not need.
        monitor_interval = 0

    # disable=False: tqdm reads TQDM_DISABLE once, when it is imported, and would
    # otherwise ignore a variable that has changed since (we have just read it).
    return QuietBar(total=steps, desc="training", unit="step", disable=False)


def _describe(record: StepRecord) -> str:
    return f"loss {record.loss:.6f}, accuracy {record.accuracy:.1%}, lr {record.lr:.4g}"


def _report(record: StepRecord, bar, log_every: int | None, last: bool) -> None:
    if bar is not None:
        bar.update(1)
        bar.set_postfix(loss=f"{record.loss:.4f}", accuracy=f"{record.accuracy:.0%}")
    if log_every and (record.step % log_every == 0 or last):
        line = f"step {record.step}: {_describe(record)}"
        if bar is not None:
            bar.write(line)  # keeps the bar intact
        else:
            print(line)
