"""``plot_history``: loss, accuracy and learning rate over a training run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from micrograd.viz import palette
from micrograd.viz.mpl import closed_on_error, decorate, pyplot

PANELS = (("loss", "loss"), ("accuracy", "accuracy"), ("lr", "learning rate"))


def history_columns(history: Any) -> dict[str, list[float]]:
    """The lists step, loss, accuracy, lr (and data_loss, if any) from a History or a dict."""
    get = history.get if isinstance(history, Mapping) else lambda k: getattr(history, k, None)
    columns = {}
    for key in ("step", "loss", "accuracy", "lr", "data_loss"):
        values = get(key)
        columns[key] = [float(v) for v in values] if values is not None else []
    if not columns["loss"]:
        raise ValueError(
            "plot_history: the history has no 'loss' values. Pass the History that "
            "train() returns, or a dict with lists 'step', 'loss', 'accuracy', 'lr'."
        )
    if not columns["step"]:
        columns["step"] = [float(k) for k in range(len(columns["loss"]))]
    for key, values in columns.items():
        if values and len(values) != len(columns["step"]):
            raise ValueError(
                f"plot_history: '{key}' has {len(values)} entries but 'step' has "
                f"{len(columns['step'])}; every list needs one entry per step."
            )
    return columns


def plot_history(
    history: Any,
    fig: Any = None,
    *,
    title: str | None = None,
    log_loss: bool = False,
) -> Any:
    """One panel each for loss, accuracy and learning rate against step; returns the Figure.

    Panels whose list is empty are left out. ``log_loss`` puts the loss on a log scale.
    When the history also has ``data_loss`` (the loss without the L2 penalty), it is
    drawn dashed in the loss panel.
    """
    cols = history_columns(history)
    panels = [(k, name) for k, name in PANELS if cols[k]]
    ours = fig is None
    if ours:
        fig = pyplot().figure(figsize=(4.2 * len(panels), 3.4), layout="constrained")
    with closed_on_error(fig, ours):
        _draw_panels(fig, cols, panels, log_loss)
        if title:
            fig.suptitle(title, fontsize=13)
    return fig


def _draw_panels(fig: Any, cols: dict[str, list[float]], panels: list, log_loss: bool) -> None:
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (key, name) in zip(axes, panels):
        ax.plot(cols["step"], cols[key], color=palette.LINE_COLORS[key], lw=1.8, label=name)
        if key == "loss" and cols["data_loss"] and cols["data_loss"] != cols["loss"]:
            # train() adds an L2 penalty: show the data's share of the loss too
            ax.plot(cols["step"], cols["data_loss"], color=palette.LINE_COLORS[key], lw=1.2,
                    ls="--", label="data loss (without L2)")  # fmt: skip
            ax.legend(fontsize=9)
        last = f"{cols[key][-1]:.4g}"
        if key == "accuracy" and max(cols[key]) <= 1.0:  # a fraction: show percent
            ax.set_ylim(-0.02, 1.02)
            ax.yaxis.set_major_formatter(_percent())
            last = f"{100 * cols[key][-1]:.1f}%"
        decorate(ax, f"{name} (last: {last})", "step", name)
        if key == "loss" and log_loss:
            ax.set_yscale("log")


def _percent() -> Any:
    from matplotlib.ticker import PercentFormatter

    return PercentFormatter(xmax=1.0)
