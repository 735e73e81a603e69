"""``plot_dataset``: a 2-D classification dataset as coloured points."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from micrograd.viz import palette
from micrograd.viz.mpl import (
    axes_or_new,
    check_points,
    class_ids,
    closed_on_error,
    decorate,
    label_name,
)


def plot_dataset(
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    ax: Any = None,
    title: str | None = None,
    *,
    size: float = 28.0,
    legend: bool = True,
) -> Any:
    """Scatter the points of ``X`` coloured by class ``y`` (0..k-1 or -1/+1); returns the Axes.

    Equal aspect, so circles look round and distances look like distances.
    """
    points = check_points(X, y)
    ids, labels = class_ids(y)
    given = ax
    ax = axes_or_new(ax, points)
    with closed_on_error(ax, ours=given is None):
        for k, label in enumerate(labels):
            xs = [p[0] for p, c in zip(points, ids) if c == k]
            ys = [p[1] for p, c in zip(points, ids) if c == k]
            ax.scatter(xs, ys, s=size, color=palette.class_color(k), edgecolors="white",
                       linewidths=0.6, label=label_name(label), zorder=3)  # fmt: skip
        ax.set_aspect("equal", adjustable="datalim")
        decorate(ax, title, "x₁", "x₂")
        if legend:
            ax.legend(loc="best", fontsize=9, framealpha=0.85)
    return ax
