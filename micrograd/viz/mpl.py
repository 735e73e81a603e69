"""Shared matplotlib set-up: import it lazily, make or reuse Axes, and label them alike."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from micrograd import atomic
from micrograd.errors import ShapeError, require

TITLE_SIZE = 12
LABEL_SIZE = 10


def pyplot() -> Any:
    """``matplotlib.pyplot``, or a MissingExtraError naming the 'plot' extra."""
    return require("matplotlib.pyplot", extra="plot", purpose="Plotting")


def numpy() -> Any:
    return require("numpy", extra="plot", purpose="Plotting")


def save_figure(
    figure: Any, path: str | os.PathLike[str], *, close: bool = True, **savefig_kwargs: Any
) -> Path:
    """Write a matplotlib figure to ``path`` atomically, then close it (unless ``close=False``).

    ``figure.savefig(path)`` writes in place: a full disk or Ctrl-C halfway
    leaves a truncated picture where a good one was. This goes through
    ``micrograd.atomic`` instead, and the format comes from the suffix of
    ``path`` (not of the hidden temporary file). Closing frees the figure:
    pyplot keeps every open figure alive until it is closed.
    """
    try:
        fmt = savefig_kwargs.pop("format", None) or Path(path).suffix.lstrip(".").lower() or None
        with atomic.replacing(path) as tmp:
            figure.savefig(tmp, format=fmt, **savefig_kwargs)
    finally:
        if close:
            pyplot().close(figure)
    return Path(path)


def figure_size(points: Sequence[tuple[float, float]], extra: float = 0.9) -> tuple[float, float]:
    """(width, height) in inches for a plot shaped like the data, so no empty bands.

    ``extra`` is room for the title and axis labels.
    """
    width, height = 5.5, 5.0
    if points:
        dx = max(p[0] for p in points) - min(p[0] for p in points)
        dy = max(p[1] for p in points) - min(p[1] for p in points)
        if dx > 0 and dy > 0:
            height = min(max(4.6 * dy / dx, 2.8), 7.0) + extra
    return width, height


def axes_or_new(ax: Any = None, points: Sequence[tuple[float, float]] = ()) -> Any:
    """The given Axes, or a fresh one on a figure shaped like the data."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=figure_size(points), layout="constrained")
    return ax


@contextlib.contextmanager
def closed_on_error(ax_or_figure: Any, ours: bool) -> Iterator[None]:
    """Close the figure if the block fails and this call made it (``ours``).

    A plotting function returns the figure it made, so the caller closes it;
    when it fails halfway there is nothing to return, and pyplot would keep
    the half-drawn figure alive (and show it in a notebook) until the end.
    """
    try:
        yield
    except BaseException:
        if ours:
            pyplot().close(getattr(ax_or_figure, "figure", ax_or_figure))
        raise


def decorate(ax: Any, title: str | None, xlabel: str = "", ylabel: str = "") -> None:
    if title:
        ax.set_title(title, fontsize=TITLE_SIZE)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL_SIZE)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=LABEL_SIZE)
    ax.grid(True, color="#dddddd", lw=0.6, zorder=0)
    ax.set_axisbelow(True)


def check_points(X: Sequence[Sequence[float]], y: Sequence[float]) -> list[tuple[float, float]]:
    """Points as (x1, x2) float pairs, checking there is one label per point."""
    points = []
    for i, p in enumerate(X):
        try:
            x1, x2 = p
            points.append((float(x1), float(x2)))
        except (TypeError, ValueError):
            raise ShapeError(
                f"X[{i}] = {p!r}: each point must be a pair of two numbers [x1, x2]."
            ) from None
    if len(points) != len(y):
        raise ShapeError(f"X has {len(points)} points but y has {len(y)} labels; give one each.")
    return points


def class_ids(y: Sequence[float]) -> tuple[list[int], list[float]]:
    """Map labels (0/1/2..., or -1/+1) to 0..k-1 in sorted order; also return the labels."""
    labels = sorted({float(v) for v in y})
    index = {v: k for k, v in enumerate(labels)}
    return [index[float(v)] for v in y], labels


def label_name(label: float) -> str:
    return f"class {label:g}"
