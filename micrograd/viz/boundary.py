"""``plot_decision_boundary``: what a classifier predicts everywhere in the plane.

Binary models (one output score) get a filled contour of the score, tinted
towards each class's colour, plus a black line where the score is 0: the
decision boundary. Multi-class models (one score per class) get the regions
where each class wins (argmax).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from micrograd.viz import palette
from micrograd.viz.data_plot import plot_dataset
from micrograd.viz.fastforward import batch_forward
from micrograd.viz.mpl import (
    axes_or_new,
    check_points,
    class_ids,
    closed_on_error,
    decorate,
    numpy,
)


@dataclass
class DecisionGrid:
    """Model outputs on a regular grid: ``scores[i][j]`` at ``(xs[j], ys[i])``.

    For one output a score per point; for several, a list of scores per point.
    """

    xs: list[float]
    ys: list[float]
    scores: list[list[Any]]

    @property
    def n_outputs(self) -> int:
        first = self.scores[0][0]
        return 1 if isinstance(first, float) else len(first)


MAX_AXIS_POINTS = 2000  # per axis: finer than any picture's pixels, 4 million in the grid


def grid_axis(lo: float, hi: float, resolution: int, step: float | None) -> list[float]:
    if step is not None:
        if not step > 0:
            raise ValueError(f"step={step}: the grid spacing must be positive, e.g. 0.25.")
        n = (hi - lo) / step + 1
        if not n <= MAX_AXIS_POINTS:  # also catches inf and nan
            raise ValueError(
                f"step={step}: that is about {n:,.0f} grid points per axis, and at most "
                f"{MAX_AXIS_POINTS:,} are drawn (finer than the picture's pixels); "
                "use a larger step."
            )
        n = int(n)
        return [lo + k * step for k in range(n + 1)]
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise TypeError(f"resolution={resolution!r}: give an int, e.g. resolution=100.")
    if resolution > MAX_AXIS_POINTS:
        raise ValueError(
            f"resolution={resolution:,}: at most {MAX_AXIS_POINTS:,} grid points per axis "
            "are drawn (finer than the picture's pixels); use a smaller resolution."
        )
    if resolution < 2:
        raise ValueError(f"resolution={resolution}: use at least 2 grid points per axis.")
    return [lo + (hi - lo) * k / (resolution - 1) for k in range(resolution)]


def decision_grid(
    model: Callable,
    X: Sequence[Sequence[float]],
    resolution: int = 100,
    step: float | None = None,
    margin: float = 0.5,
) -> DecisionGrid:
    """Evaluate ``model`` on a grid covering ``X`` plus ``margin`` on every side.

    ``step`` (grid spacing, like the original demo's 0.25) overrides ``resolution``
    (points per axis). MLPs are evaluated with plain floats (see ``fastforward``).
    """
    pts = check_points(X, [0] * len(X))
    if not pts:
        raise ValueError("X is empty: give at least one point to set the plot's range.")
    x_lo, x_hi = min(p[0] for p in pts) - margin, max(p[0] for p in pts) + margin
    y_lo, y_hi = min(p[1] for p in pts) - margin, max(p[1] for p in pts) + margin
    xs = grid_axis(x_lo, x_hi, resolution, step)
    ys = grid_axis(y_lo, y_hi, resolution, step)
    flat = batch_forward(model, [(x, y) for y in ys for x in xs])
    scores = [flat[i * len(xs) : (i + 1) * len(xs)] for i in range(len(ys))]
    return DecisionGrid(xs, ys, scores)


def check_finite(grid: DecisionGrid) -> None:
    """A ValueError when the model gave NaN or an infinity somewhere on the grid.

    Such a picture cannot be coloured (matplotlib would fail with a message
    about contour levels); the cause is nearly always a diverged model.
    """
    for i, row in enumerate(grid.scores):
        for j, score in enumerate(row):
            values = [score] if isinstance(score, float) else score
            bad = next((v for v in values if not math.isfinite(v)), None)
            if bad is not None:
                raise ValueError(
                    f"the model's score is {bad} at ({grid.xs[j]:.3g}, {grid.ys[i]:.3g}), "
                    "so its decision regions cannot be drawn. A model with non-finite "
                    "scores has diverged: train it again with a smaller learning rate."
                )


def draw_grid(ax: Any, grid: DecisionGrid, level: float = 0.0) -> Any:
    """Paint a DecisionGrid onto ``ax`` (shared with the training animation)."""
    check_finite(grid)
    np = numpy()
    xx, yy = np.meshgrid(grid.xs, grid.ys)
    if grid.n_outputs == 1:
        z = np.array(grid.scores, dtype=float) - level
        vmax = float(np.percentile(np.abs(z), 95)) or 1.0
        levels = np.linspace(-vmax, vmax, 64)
        ax.contourf(xx, yy, z, levels=levels, cmap=_binary_cmap(), extend="both", zorder=1)
        if z.min() < 0 < z.max():
            ax.contour(xx, yy, z, levels=[0.0], colors="black", linewidths=1.6, zorder=2)
        return _fit(ax, grid)
    scores = np.array(grid.scores, dtype=float)
    for c in range(grid.n_outputs):
        # How far class c is ahead of its best rival: > 0 exactly where c wins.
        lead = scores[:, :, c] - np.delete(scores, c, axis=2).max(axis=2)
        if lead.max() <= 0:
            continue
        color = palette.class_color(c)
        ax.contourf(xx, yy, lead, levels=[0.0, np.inf], colors=[color], alpha=0.28, zorder=1)
        if lead.min() < 0:
            ax.contour(xx, yy, lead, levels=[0.0], colors="black", linewidths=1.2, zorder=2)
    return _fit(ax, grid)


def _fit(ax: Any, grid: DecisionGrid) -> Any:
    ax.set_xlim(grid.xs[0], grid.xs[-1])
    ax.set_ylim(grid.ys[0], grid.ys[-1])
    return ax


def _binary_cmap() -> Any:
    """Class 0's colour (negative score) through white to class 1's (positive), pale."""
    from matplotlib.colors import LinearSegmentedColormap, to_rgb

    def pale(c: str, t: float = 0.55) -> tuple[float, ...]:
        return tuple(1 - t + t * v for v in to_rgb(c))

    colors = [pale(palette.class_color(0)), (1, 1, 1), pale(palette.class_color(1))]
    return LinearSegmentedColormap.from_list("micrograd_binary", colors)


def plot_decision_boundary(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    ax: Any = None,
    resolution: int = 100,
    step: float | None = None,
    title: str | None = None,
    *,
    margin: float = 0.5,
    level: float = 0.0,
) -> Any:
    """The model's decision regions with the data on top; returns the Axes.

    ``model`` is any callable taking ``[x1, x2]`` and returning a Value (binary:
    the boundary is where the score equals ``level``) or a list of Values (one
    score per class: each region is coloured by the winning class).
    """
    check_points(X, y)
    grid = decision_grid(model, X, resolution=resolution, step=step, margin=margin)
    ids, _ = class_ids(y)
    if grid.n_outputs > 1 and max(ids) >= grid.n_outputs:
        raise ValueError(
            f"y has {max(ids) + 1} classes but the model gives {grid.n_outputs} scores; "
            "give the last layer one output per class."
        )
    check_finite(grid)  # before a figure is made
    corners = [(grid.xs[0], grid.ys[0]), (grid.xs[-1], grid.ys[-1])]
    given = ax
    ax = axes_or_new(ax, corners)
    with closed_on_error(ax, ours=given is None):
        return _draw_boundary(ax, grid, X, y, level, title)


def _draw_boundary(ax: Any, grid: DecisionGrid, X, y, level: float, title: str | None) -> Any:
    draw_grid(ax, grid, level)
    plot_dataset(X, y, ax=ax, legend=False)
    handles, names = ax.get_legend_handles_labels()
    from matplotlib.lines import Line2D

    boundary = "score = 0" if level == 0 else f"score = {level:g}"
    handles.append(Line2D([], [], color="black", lw=1.4))
    names.append(f"boundary ({boundary})" if grid.n_outputs == 1 else "boundary")
    ax.legend(handles, names, loc="best", fontsize=9, framealpha=0.85)
    ax.set_xlim(grid.xs[0], grid.xs[-1])
    ax.set_ylim(grid.ys[0], grid.ys[-1])
    ax.set_aspect("equal", adjustable="box")
    decorate(ax, title, "x₁", "x₂")
    ax.grid(False)
    return ax
