"""Watch a decision boundary take shape during training, as an animated GIF.

A ``BoundaryRecorder`` is a training callback: ``train(..., callbacks=[rec])``
calls ``rec(step, model, history)`` after every update, and every ``every``
steps it evaluates the model on a grid (fast: plain floats, no graph).
``animate(rec, "boundary.gif")`` turns the snapshots into a GIF that also
shows inline in a notebook. ``animate_training`` does both in one call.
``animate_backward`` makes a GIF of backpropagation itself, one frame per
``backward_steps`` frame.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from micrograd import atomic
from micrograd.errors import require
from micrograd.viz import palette
from micrograd.viz.boundary import DecisionGrid, check_finite, decision_grid, draw_grid
from micrograd.viz.data_plot import plot_dataset
from micrograd.viz.mpl import check_points, decorate, figure_size, pyplot


@dataclass
class Snapshot:
    """The model after the update of ``step`` (-1: before training), and how it did then.

    ``loss`` and ``accuracy`` are measured on the recorder's points with the
    very model whose boundary ``grid`` holds, so a frame's caption describes
    the picture in that frame.
    """

    step: int  # -1 = before training
    grid: DecisionGrid
    loss: float | None = None
    accuracy: float | None = None
    points: int | None = None

    @property
    def caption(self) -> str:
        done = self.step + 1
        text = "before training" if self.step < 0 else f"after {done} step{'s' * (done != 1)}"
        if self.loss is not None:
            text += f" · loss {self.loss:.3f}"
        if self.accuracy is not None:
            text += f" · accuracy {100 * self.accuracy:.0f}%"
            if self.points is not None:
                text += f" on all {self.points} points"
        return text


class BoundaryRecorder:
    """A ``callback(step, model, history)`` that keeps the decision grid every ``every`` steps.

    ``at`` (a collection of step numbers) records at those steps instead: a boundary
    changes fastest at the start, so an animation wants its frames dense early.

    Each snapshot also measures the model it draws on ``X, y`` (accuracy, and
    the loss when it is known: ``loss=``/``alpha=``, or what ``train`` used,
    read from the history). The history's own numbers are not used: they
    describe a batch before its update, not the boundary after it.
    """

    def __init__(
        self,
        X: Sequence[Sequence[float]],
        y: Sequence[float],
        every: int = 10,
        resolution: int = 60,
        margin: float = 0.5,
        *,
        loss: str | None = None,
        alpha: float = 0.0,
        at: Collection[int] | None = None,
    ) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every={every!r}: record every N steps with N a positive int.")
        if at is not None and not all(isinstance(k, int) and k >= 0 for k in at):
            raise ValueError(f"at={at!r}: give the steps to record as whole numbers from 0.")
        self.at = None if at is None else frozenset(at)
        check_points(X, y)
        self.X, self.y = [list(p) for p in X], list(y)
        self.every, self.resolution, self.margin = every, resolution, margin
        self.objective = (loss, alpha) if loss is not None else None
        self.snapshots: list[Snapshot] = []

    def __call__(self, step: int, model: Callable, history: Any = None) -> None:
        if (step in self.at) if self.at is not None else (step % self.every == 0):
            self.snapshot(model, step, history)

    def snapshot(self, model: Callable, step: int, history: Any = None) -> None:
        """Record the model now (also usable by hand, e.g. before or after training)."""
        from micrograd.training import evaluate, score

        if self.objective is None and getattr(history, "objective", None) is not None:
            self.objective = history.objective
        grid = decision_grid(model, self.X, resolution=self.resolution, margin=self.margin)
        if self.objective is not None:
            loss_name, alpha = self.objective
            result = evaluate(model, self.X, self.y, loss=loss_name, alpha=alpha)
            loss, accuracy = result.loss, result.accuracy
        else:
            loss, accuracy = None, score(model, self.X, self.y)
        self.snapshots.append(Snapshot(step, grid, loss, accuracy, len(self.X)))


class GifAnimation:
    """A GIF in memory: shows inline in Jupyter, ``.save(path)`` writes it.

    ``history`` holds what ``train`` returned, when the GIF came from ``animate_training``.
    """

    def __init__(
        self, gif: bytes, path: Path | None = None, history: Any = None, alt: str = "animation"
    ) -> None:
        self.gif, self.path, self.history, self.alt = gif, path, history, alt

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the GIF atomically: the old file at ``path`` survives any failure."""
        atomic.write_bytes(path, self.gif)
        return Path(path)

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.gif).decode("ascii")
        return f'<img src="data:image/gif;base64,{data}" alt="{self.alt}"/>'

    def __repr__(self) -> str:
        where = f" saved at {self.path}" if self.path else ""
        return f"<GifAnimation: GIF of {len(self.gif)} bytes{where}>"


def animate(
    recorder: BoundaryRecorder,
    path: str | os.PathLike[str] | None = None,
    *,
    fps: int = 4,
    dpi: int = 90,
    title: str | None = "decision boundary during training",
    colors: int | None = None,
) -> GifAnimation:
    """Render the recorder's snapshots as a GIF (written to ``path`` if given).

    ``colors`` (2 to 256) limits each frame's palette: a few dozen colours keep the
    shading and make a wide GIF several times smaller, which matters in a notebook
    saved with its outputs.
    """
    if colors is not None and not (isinstance(colors, int) and 2 <= colors <= 256):
        raise ValueError(f"colors={colors!r}: give a number of colours from 2 to 256.")
    if not recorder.snapshots:
        raise ValueError(
            "animate: the recorder has no snapshots yet. Pass it to train(..., callbacks="
            "[recorder]) or call recorder.snapshot(model, step) first."
        )
    require("PIL", extra="anim", purpose="Saving GIF animations")
    if path is not None:
        atomic.check_target(path)  # refuse a bad path before the frames are drawn
    for snap in recorder.snapshots:  # matplotlib would hide this error behind its own
        try:
            check_finite(snap.grid)
        except ValueError as exc:
            raise ValueError(f"animate: at step {snap.step}, {exc}") from None
    mpl_anim = require("matplotlib.animation", extra="anim", purpose="Animations")
    plt = pyplot()
    first = recorder.snapshots[0].grid
    width, height = figure_size([(first.xs[0], first.ys[0]), (first.xs[-1], first.ys[-1])], 1.3)
    fig, ax = plt.subplots(figsize=(width, height))
    # Fixed margins (in inches) instead of a layout engine: every frame keeps the same
    # frame, and rendering is several times faster.
    fig.subplots_adjust(left=0.6 / width, right=1 - 0.15 / width, bottom=0.5 / height,
                        top=1 - 0.7 / height)  # fmt: skip

    def draw(k: int) -> list:
        snap = recorder.snapshots[k]
        ax.clear()
        draw_grid(ax, snap.grid)
        plot_dataset(recorder.X, recorder.y, ax=ax)
        ax.set_xlim(snap.grid.xs[0], snap.grid.xs[-1])
        ax.set_ylim(snap.grid.ys[0], snap.grid.ys[-1])
        ax.set_aspect("equal", adjustable="box")
        decorate(ax, None, "x₁", "x₂")
        ax.grid(False)
        ax.set_title(f"{title}\n{snap.caption}" if title else snap.caption, fontsize=11)
        return []

    try:
        anim = mpl_anim.FuncAnimation(fig, draw, frames=len(recorder.snapshots), blit=False)
        with _file_to_write(path) as out:  # the GIF writer wants a file name
            anim.save(out, writer=mpl_anim.PillowWriter(fps=fps), dpi=dpi)
            if colors is not None:
                _reduce_palette(out, colors)
            gif = out.read_bytes()
    finally:
        plt.close(fig)  # the figure is ours, not the caller's: never leave it open
    target = Path(path) if path is not None else None
    return GifAnimation(gif, target, alt="decision boundary during training")


@contextlib.contextmanager
def _file_to_write(path: str | os.PathLike[str] | None) -> Iterator[Path]:
    """A scratch file that replaces ``path`` atomically at the end, or is thrown away."""
    if path is not None:
        with atomic.replacing(path) as tmp:
            yield tmp
        return
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder) / "animation.gif"


def _reduce_palette(path: Path, colors: int) -> None:
    """Re-encode the GIF at ``path`` with at most ``colors`` colours per frame.

    Octree quantisation keeps small areas of a strong colour (the data points) in
    their own colour; median cut gives the large pale areas all the entries.
    """
    from PIL import Image, ImageSequence

    with Image.open(path) as gif:
        duration = gif.info.get("duration", 250)
        frames = [
            frame.convert("RGB").quantize(colors=colors, method=Image.Quantize.FASTOCTREE)
            for frame in ImageSequence.Iterator(gif)
        ]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:],
                   duration=duration, loop=0, optimize=True)  # fmt: skip


def animate_training(
    model: Callable,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    path: str | os.PathLike[str] | None = None,
    *,
    every: int = 10,
    resolution: int = 50,
    fps: int = 4,
    **train_kwargs: Any,
) -> GifAnimation:
    """Train with ``micrograd.training.train`` and return the boundary's evolution as a GIF.

    Extra keyword arguments go to ``train`` (loss, steps, lr, ...); the returned
    animation's ``.history`` is what ``train`` returned.
    """
    from micrograd.training import train

    objective = (train_kwargs.get("loss", "svm"), train_kwargs.get("alpha", 1e-4))
    recorder = BoundaryRecorder(
        X, y, every=every, resolution=resolution, loss=objective[0], alpha=objective[1]
    )
    recorder.snapshot(model, -1)
    callbacks = [*train_kwargs.pop("callbacks", ()), recorder]
    history = train(model, X, y, callbacks=callbacks, **train_kwargs)
    last = history.step[-1] if history.step else -1
    if recorder.snapshots[-1].step != last:
        recorder.snapshot(model, last, history)
    result = animate(recorder, path, fps=fps)
    result.history = history
    return result


def animate_backward(
    root: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    seconds_per_step: float = 1.2,
    engine: str = "auto",
    **draw_kwargs: Any,
) -> GifAnimation:
    """A GIF of gradients filling in from the output to the leaves (nothing is mutated).

    Each frame is ``draw_dot(frame, format='png', ...)`` for a frame of
    ``backward_steps(root)``; extra keyword arguments go to ``draw_dot``. All
    frames share one colour scale, the final gradients' largest |grad|, and a
    graph larger than ``max_nodes`` (default 200) is refused before any work.
    """
    from micrograd.viz.graph import draw_dot
    from micrograd.viz.spec import graph_nodes
    from micrograd.viz.stepper import backward_steps

    graph_nodes(root, draw_kwargs.get("max_nodes", 200))
    if path is not None:
        atomic.check_target(path)  # refuse a bad path before the frames are drawn
    image = require("PIL.Image", extra="anim", purpose="Saving GIF animations")
    frames = list(backward_steps(root))  # they share one record of changes: O(n) memory
    # One colour scale for the whole film: the final gradients' largest |grad|.
    scale = palette.grad_scale(frames[-1].grads.values())
    draw_kwargs.setdefault("grad_scale", scale or None)
    pictures = []
    for frame in frames:
        png = draw_dot(frame, format="png", engine=engine, **draw_kwargs).pipe("png")
        pictures.append(image.open(io.BytesIO(png)).convert("RGB"))
    # Numbers of different widths can change the layout a little: pad to one size.
    size = (max(p.width for p in pictures), max(p.height for p in pictures))
    canvases = []
    for p in pictures:
        canvas = image.new("RGB", size, "white")
        canvas.paste(p, (0, 0))
        canvases.append(canvas)
    buf = io.BytesIO()
    duration = [int(1000 * seconds_per_step)] * (len(canvases) - 1) + [3000]  # linger at the end
    canvases[0].save(buf, format="GIF", save_all=True, append_images=canvases[1:],
                   duration=duration, loop=0)  # fmt: skip
    animation = GifAnimation(buf.getvalue(), None, alt="backpropagation, one node at a time")
    if path is not None:
        animation.path = animation.save(path)
    return animation
