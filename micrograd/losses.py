"""Loss functions: one number that says how wrong the model is.

Each loss takes the model's outputs (Values) and the true answers (plain
numbers) and returns a single ``Value``, the mean over the samples, built from
engine operations so that ``loss.backward()`` reaches every parameter.
``accuracy`` is the odd one out: a plain float for reading, not for training.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

from micrograd.engine import Operand, Value, _as_float, value_sum
from micrograd.errors import ShapeError


def _check_pair(name: str, outputs: Sequence, targets: Sequence) -> int:
    """Both lists must be non-empty and equally long; returns that length."""
    try:
        n_out, n_tgt = len(outputs), len(targets)
    except TypeError:
        raise TypeError(
            f"{name}: pass two lists (one entry per sample), got "
            f"{type(outputs).__name__} and {type(targets).__name__}."
        ) from None
    if n_out != n_tgt:
        raise ShapeError(
            f"{name}: {n_out} model outputs but {n_tgt} targets. "
            "Give exactly one target per sample."
        )
    if n_out == 0:
        raise ValueError(f"{name}: got no samples; the mean of nothing is undefined.")
    return n_out


def _mean(losses: Iterable[Value], n: int) -> Value:
    """Sum, then scale by 1/n: the classic demo's ``sum(losses) * (1.0 / len(losses))``."""
    return value_sum(losses) * (1.0 / n)


def _target(t: object, name: str) -> float:
    return _as_float(t, f"{name} target")


def mse_loss(predictions: Sequence[Operand], targets: Sequence[Operand]) -> Value:
    """Mean squared error: mean of ``(prediction - target)**2``. For regression."""
    n = _check_pair("mse_loss", predictions, targets)
    return _mean(((p - t) ** 2 for p, t in zip(predictions, targets)), n)


def svm_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """Mean max-margin ("hinge") loss for labels -1/+1: mean of ``relu(1 - label*score)``.

    A sample costs nothing once its score is on the right side by a margin of
    at least 1. Written with the same operations, in the same order, as the
    classic micrograd demo, so it gives the very same numbers.
    """
    n = _check_pair("svm_loss", scores, labels)
    ys = [_target(y, "svm_loss") for y in labels]
    if any(y not in (-1.0, 1.0) for y in ys):
        raise ValueError(
            f"svm_loss: labels must be -1 or +1, got {sorted(set(ys))[:5]}. "
            "Convert 0/1 classes with micrograd.datasets.signed_labels(y)."
        )
    return _mean(((1 + -y * s).relu() for y, s in zip(ys, scores)), n)


def bce_with_logits(logits: Sequence[Operand], targets: Sequence[float]) -> Value:
    """Binary cross-entropy on raw scores (logits) for 0/1 targets.

    Per sample, ``-[t log sigmoid(z) + (1-t) log(1 - sigmoid(z))]``. Built
    naively from ``sigmoid`` and ``log`` this breaks for large ``|z|``:
    ``sigmoid(40)`` rounds to exactly 1, and ``log(1 - 1)`` fails. The same
    loss can be written ``max(z, 0) - z*t + log(1 + exp(-|z|))``, where exp
    never sees a positive number. Its derivative is simply ``sigmoid(z) - t``.
    So each sample becomes one graph node: that stable value, with
    ``sigmoid(z) - t`` stored as the local derivative of its edge to ``z``
    (just as the engine stores one for ``tanh`` or ``exp``).
    """
    n = _check_pair("bce_with_logits", logits, targets)
    per_sample = []
    for z, t in zip(logits, targets):
        z = z if isinstance(z, Value) else Value(z)
        t = _target(t, "bce_with_logits")
        if not 0.0 <= t <= 1.0:
            raise ValueError(
                f"bce_with_logits: target {t!r} is not between 0 and 1. "
                "Use 0/1 class labels (not -1/+1) or probabilities."
            )
        x = z.data
        value = max(x, 0.0) - x * t + math.log1p(math.exp(-abs(x)))
        per_sample.append(Value(value, (z,), "bce", _local=(_sigmoid(x) - t,)))
    return _mean(per_sample, n)


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), in the form where exp cannot overflow."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def cross_entropy(
    logits_per_sample: Sequence[Sequence[Value]], class_indices: Sequence[int]
) -> Value:
    """Mean softmax cross-entropy for several classes: ``-log softmax(z)[class]``.

    ``logits_per_sample[i]`` is the model's list of k scores for sample i,
    ``class_indices[i]`` the right class (0 .. k-1). The log-softmax is
    ``z_c - log(sum_j exp(z_j))``; we first subtract the largest score ``m``
    (as a plain constant, which changes nothing mathematically) so that every
    exp sees a number <= 0 and cannot overflow, and the sum is at least 1.
    """
    n = _check_pair("cross_entropy", logits_per_sample, class_indices)
    per_sample = []
    for i, (zs, c) in enumerate(zip(logits_per_sample, class_indices)):
        if isinstance(zs, Value) or not isinstance(zs, Sequence) or len(zs) == 0:
            raise ShapeError(
                f"cross_entropy: sample {i} has {zs!r} where a list of class scores "
                "belongs; the model needs one output per class (e.g. MLP(2, [16, 3]))."
            )
        k = len(zs)
        if isinstance(c, bool) or not isinstance(c, numbers.Integral) or not 0 <= c < k:
            raise ValueError(
                f"cross_entropy: class index {c!r} of sample {i} is not an int in 0..{k - 1}."
            )
        zs = [z if isinstance(z, Value) else Value(z) for z in zs]
        m = max(z.data for z in zs)
        shifted = [z - m for z in zs]
        log_sum_exp = value_sum(s.exp() for s in shifted).log()
        per_sample.append(log_sum_exp - shifted[int(c)])
    return _mean(per_sample, n)


def l2_regularization(parameters: Iterable[Value], alpha: float) -> Value:
    """``alpha * sum(p*p)``: a penalty that keeps the weights small (weight decay)."""
    alpha = _as_float(alpha, "l2_regularization alpha")
    if not alpha >= 0:
        raise ValueError(f"l2_regularization: alpha={alpha!r} must be >= 0.")
    return alpha * value_sum(p * p for p in parameters)


def accuracy(
    scores: Sequence[Operand | Sequence[Operand]],
    labels: Sequence[float],
    threshold: float = 0.0,
) -> float:
    """The fraction of samples classified right, as a float in [0, 1].

    * One score per sample: the prediction is "positive" when
      ``score > threshold``; a label is positive when it is > 0. This works for
      -1/+1 and for 0/1 labels with raw scores (logits). For probabilities, as
      from a sigmoid output, pass ``threshold=0.5``.
    * A list of scores per sample: the prediction is the index of the largest
      score (argmax), compared with the class index.
    """
    n = _check_pair("accuracy", scores, labels)
    right = 0
    for s, label in zip(scores, labels):
        if isinstance(s, Sequence):
            values = [_data(v) for v in s]
            right += values.index(max(values)) == label
        else:
            right += (_data(s) > threshold) == (label > 0)
    return right / n


def _data(v: Operand) -> float:
    return v.data if isinstance(v, Value) else _as_float(v, "accuracy score")
