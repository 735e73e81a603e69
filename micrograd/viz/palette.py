"""One palette for every picture, so colours mean the same thing everywhere.

Pure Python (no matplotlib), because graph drawings need colours even when
they are rendered by Graphviz alone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# Class colours for scatter plots and decision regions (colour-blind friendly, Okabe-Ito).
CLASS_COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]

# Diverging map for gradients: blue = negative, near-white = zero, red = positive.
# The ends are light enough that black text stays readable on top of them.
NEGATIVE = (103, 169, 207)  # #67a9cf
NEUTRAL = (247, 247, 247)  # #f7f7f7
POSITIVE = (239, 138, 98)  # #ef8a62

OP_FILL = "#ececec"  # the small operation nodes
VALUE_FILL = "#ffffff"  # value boxes when colouring by grad is off
EDGE = "#555555"
HIGHLIGHT = "#e6a100"  # a highlighted node and its paths to the output
CURRENT = "#2ca02c"  # the node the backward stepper just processed
TEXT = "#222222"
NOT_A_NUMBER = "#bdbdbd"  # a NaN gradient: grey, on no side of the diverging map

# Lines in plots (loss, accuracy, learning rate, gradient flow).
LINE_COLORS = {"loss": "#D55E00", "accuracy": "#0072B2", "lr": "#009E73", "grad": "#CC79A7"}


def class_color(k: int) -> str:
    """The colour of class ``k`` (cycling if there are more classes than colours)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def grad_color(grad: float, scale: float) -> str:
    """Hex colour for ``grad`` on a diverging map where ``±scale`` is the darkest.

    The intensity is linear in ``|grad| / scale``, so equal colours mean equal
    gradients across the whole drawing. Any float is accepted: beyond ``scale``
    (infinity included) is the darkest shade, and NaN, which has no sign, is grey.
    """
    if grad != grad:
        return NOT_A_NUMBER
    if grad == 0 or not scale > 0:
        return _hex(NEUTRAL)
    ratio = abs(grad) / scale if math.isfinite(scale) else 0.0
    t = min(ratio, 1.0) if ratio == ratio else 1.0  # inf / inf is NaN: the darkest
    end = POSITIVE if grad > 0 else NEGATIVE
    return _hex(tuple(round(n + (e - n) * t) for n, e in zip(NEUTRAL, end)))


def grad_scale(grads: Iterable[float]) -> float:
    """The |grad| to draw darkest: the largest finite one (0.0 if there is none)."""
    return max((abs(g) for g in grads if math.isfinite(g)), default=0.0)


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb)
