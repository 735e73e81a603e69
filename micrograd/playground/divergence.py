"""When training blows up: what left the finite range, where it started, and what to lower.

A learner who breaks training on purpose (a huge learning rate, a strong L2
penalty) should get a lesson rather than a stack trace. ``diagnose`` looks at
the run at the moment it failed and at the history of each layer's largest
gradient, and answers in plain JSON: the step, whether the loss or a gradient
(or a weight's update) stopped being a finite number, which layer's gradient
grew first, what to lower, and a safer setting the page can apply at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from micrograd.playground.settings import Config

GROWTH = 100.0  # a layer's largest |grad| this many times its first value counts as blown up


def layer_peaks(model) -> list[float]:
    """Each layer's largest |gradient| (weights and biases) after a backward pass."""
    return [
        max(abs(p.grad) if math.isfinite(p.grad) else math.inf for p in layer.parameters())
        for layer in model.layers
    ]


def what_overflowed(message: str) -> str:
    """``"gradient"``, ``"update"`` or ``"loss"``, from the engine's or optimiser's message.

    The engine refuses every non-finite number where it appears: in backward()
    for a gradient, in the optimiser for an update, in the forward pass (or the
    training loop's check of the loss) otherwise.
    """
    if "backward()" in message or "gradient" in message:
        return "gradient"
    if "update" in message:
        return "update"
    return "loss"


def first_blown_layer(peaks: Sequence[Sequence[float]]) -> tuple[int | None, float | None]:
    """(layer index, growth) of the layer whose largest |grad| grew ``GROWTH``-fold first.

    ``peaks[k][i]`` is layer i's largest |grad| at step k. Ties go to the
    larger growth; if no layer grew that much, the layer that grew most.
    """
    if not peaks:
        return None, None
    first = [max(v, 1e-12) for v in peaks[0]]
    best: tuple | None = None
    for k, row in enumerate(peaks):
        for i, v in enumerate(row):
            growth = v / first[i] if math.isfinite(v) else math.inf
            if growth >= GROWTH and (best is None or (k, -growth) < best[:2]):
                best = (k, -growth, i)
        if best is not None:
            break
    if best is not None:
        return best[2], -best[1]
    last = peaks[-1]
    growths = [v / f for v, f in zip(last, first)]
    i = max(range(len(growths)), key=growths.__getitem__)
    return i, growths[i]


def _nice(x: float, low: float = 1e-5) -> float:
    """One significant digit: 0.1, 0.03, 0.0001."""
    return max(low, float(f"{x:.0e}"))


def diagnose(config: Config, step: int, what: str, layer: int | None, growth: float | None,
             cause: str, lr: float | None = None) -> dict:  # fmt: skip
    """The answer the page shows when training stops at ``step`` because ``what`` overflowed.

    ``what`` is ``"loss"``, ``"gradient"`` or ``"update"``; ``layer`` is 0-based;
    ``lr`` is the learning rate of that step (the schedule's), ``config.lr`` by default.
    """
    lr = config.lr if lr is None else lr
    l2 = config.l2
    # With plain SGD the L2 term alone multiplies every weight by (1 - 2·lr·α) each step:
    # at 2·lr·α >= 1 the weights flip sign and grow, whatever the data say.
    l2_overshoots = config.optimizer != "adam" and l2 > 0 and 2 * lr * l2 >= 1
    lower = ["l2", "lr"] if l2_overshoots else ["lr"]
    if step == 0 and what == "loss":
        lower.append("init")
    safer = replace(config, l2=Config().l2) if l2_overshoots else replace(config, lr=_nice(lr / 10))
    where = {
        "loss": "the forward pass overflowed, so the loss left the finite range",
        "gradient": "a gradient left the finite range",
        "update": "a weight's update left the finite range",
    }[what]
    parts = [f"Training stopped at step {step}: {where}."]
    if layer is not None and growth is not None:
        grew = "became infinite" if math.isinf(growth) else f"grew {growth:.3g}-fold"
        parts.append(f"Layer {layer + 1}'s gradient blew up first (its largest |grad| {grew}).")
    if l2_overshoots:
        parts.append(
            f"With L2 α = {l2:g} and learning rate {lr:.3g} at this step, the L2 pull 2·lr·α = "
            f"{2 * lr * l2:.3g} is 1 or more: each step overshoots zero and the weights grow. "
            "Lower L2 (or the learning rate)."
        )
    else:
        parts.append("The steps are too large for this problem: lower the learning rate.")
    if "init" in lower:
        parts.append("It failed before any update, so the initial weights may be too large.")
    changed = ", ".join(
        f"{name} {getattr(safer, name):g}"
        for name in ("lr", "l2")
        if getattr(safer, name) != getattr(config, name)
    )
    parts.append(f"Reset with a safer setting ({changed}) to train again.")
    return {
        "step": step,
        "what": what,
        "layer": None if layer is None else layer + 1,
        "growth": growth if growth is not None and math.isfinite(growth) else None,
        "lower": lower,
        "safer": safer.to_json(),
        "cause": cause,
        "message": " ".join(parts),
    }
