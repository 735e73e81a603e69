"""``draw_dot``: a picture of a computation graph, as the micrograd tutorials draw it.

Two ways to render, chosen by ``engine``:

* ``'graphviz'``: pygraphviz, whose pip wheels include Graphviz (the best layout);
* ``'python'``: grandalf + matplotlib, pure Python, works everywhere;
* ``'auto'`` (default): Graphviz when pygraphviz imports, else pure Python.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Collection
from pathlib import Path

from micrograd import atomic
from micrograd.engine import Value
from micrograd.errors import MissingExtraError, require
from micrograd.viz.dot import to_dot
from micrograd.viz.spec import GraphSpec, build_spec, graph_nodes
from micrograd.viz.stepper import BackwardFrame, backward_steps, final_grad_scale

ENGINES = ("auto", "graphviz", "python")
FORMATS = ("svg", "png")


class GraphDrawing:
    """A drawn graph: shows inline in Jupyter, ``.source`` is DOT, ``.save()`` writes files."""

    def __init__(self, spec: GraphSpec, format: str, engine: str) -> None:
        self.spec = spec
        self.source = to_dot(spec)
        self.format = _check_format(format)
        self.engine = engine
        self._cache: dict[str, bytes] = {}

    def pipe(self, format: str | None = None) -> bytes:
        """The picture as bytes ('svg' or 'png'; default: the drawing's format)."""
        fmt = _check_format(format or self.format)
        if fmt not in self._cache:
            if self.engine == "graphviz":
                from micrograd.viz.render_graphviz import render_dot

                self._cache[fmt] = render_dot(self.source, fmt)
            else:
                from micrograd.viz.render_python import render_spec

                self._cache[fmt] = render_spec(self.spec, fmt)
        return self._cache[fmt]

    def save(self, path: str | Path) -> Path:
        """Write the picture; the suffix (.svg or .png) chooses the format."""
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise ValueError(f"save({str(path)!r}): end the file name in .svg or .png.")
        atomic.check_target(path)  # a bad path is refused before the drawing is made
        atomic.write_bytes(path, self.pipe(fmt))  # the old file survives any failure
        return Path(path)

    def render(
        self, filename: str = "graph", directory: str | Path | None = None, format=None
    ) -> str:
        """Write ``filename.<format>`` (like graphviz.Digraph.render) and return its path."""
        fmt = _check_format(format or self.format)
        target = Path(directory or ".") / f"{filename}.{fmt}"
        return str(self.save(target))

    def width_px(self) -> float:
        """The picture's width in CSS pixels (96 per inch), as a notebook shows the SVG."""
        head = self.pipe("svg")[:2000].decode("utf-8", "replace")
        match = re.search(r'<svg[^>]*?\swidth="([0-9.]+)(pt|px)?"', head)
        if match is None:
            return 0.0
        number, unit = float(match.group(1)), match.group(2) or "px"
        return number * 96 / 72 if unit == "pt" else number

    def _repr_svg_(self) -> str | None:
        return self.pipe("svg").decode("utf-8") if self.format == "svg" else None

    def _repr_png_(self) -> bytes | None:
        return self.pipe("png") if self.format == "png" else None

    def __repr__(self) -> str:
        values = sum(n.kind == "value" for n in self.spec.nodes)
        return f"<GraphDrawing of {values} values, engine={self.engine!r}>"


def draw_dot(
    root: Value | BackwardFrame,
    format: str = "svg",
    rankdir: str = "LR",
    *,
    show_local: bool = True,
    show_grad: bool = True,
    color_by_grad: bool = True,
    highlight: Value | None = None,
    step: int | None = None,
    engine: str = "auto",
    max_nodes: int | None = 200,
    legend: bool = True,
    grad_scale: float | None = None,
    max_width: float | None = None,
    hide_grads: Collection[Value] = (),
) -> GraphDrawing:
    """Draw the graph that computed ``root``: values as boxes, operations as ovals.

    Each box shows label | data | grad, filled red (grad > 0) or blue (grad < 0)
    in proportion to |grad|. Each edge into an operation is labelled with the
    local derivative ∂parent/∂child (``show_local``), so you can check the
    chain rule by eye. ``highlight`` marks a value and its paths to the output.
    ``step=k`` (or passing a frame from ``backward_steps``) draws the gradients
    after k steps of backpropagation, without changing any ``.grad``.
    ``grad_scale`` fixes the |grad| drawn darkest (default: the largest shown;
    for a backward frame, the largest once backward is done, so every frame of
    one graph uses the same colours).
    ``max_width`` (in CSS pixels, e.g. 900 for a notebook column): if the
    left-to-right picture is wider than that, it is laid out top to bottom with
    each box's fields stacked, so its labels stay readable rather than being
    shrunk to fit (``drawing.spec.rankdir`` says which layout was used).
    ``hide_grads`` (values of the graph) draws their grads as "grad ?", uncoloured:
    a picture to read while working those gradients out.
    Graphs with more than ``max_nodes`` values raise ``GraphTooLargeError``.
    """
    frame = root if isinstance(root, BackwardFrame) else None
    if frame is None and not isinstance(root, Value):
        raise TypeError(f"draw_dot expects a Value (or a backward frame), got {root!r}.")
    if step is not None:
        if frame is not None:
            raise ValueError("pass either a frame or step=, not both.")
        graph_nodes(root, max_nodes)  # refuse a huge graph before replaying it
        frame = _frame_at(root, step)
    value = frame.root if frame else root
    if max_width is not None and not max_width > 0:
        raise ValueError(f"max_width={max_width!r}: give a width in pixels, e.g. 900.")
    if frame is not None and grad_scale is None and color_by_grad:
        graph_nodes(value, max_nodes)  # refuse a huge graph before replaying it
        grad_scale = final_grad_scale(value) or None
    options = dict(
        show_local=show_local,
        show_grad=show_grad,
        color_by_grad=color_by_grad,
        grads=frame.grads if frame else None,
        highlight=highlight,
        current=frame.node if frame else None,
        max_nodes=max_nodes,
        legend=legend,
        grad_scale=grad_scale,
        hide_grads=tuple(hide_grads),
    )
    engine = resolve_engine(engine)
    drawing = _drawing(value, frame, rankdir, options, format, engine)
    if max_width is not None and rankdir in ("LR", "RL") and drawing.width_px() > max_width:
        # Top to bottom, with each box's fields stacked: long chains and wide
        # boxes stop adding up along the width.
        narrow = _drawing(value, frame, "TB", options, format, engine, stacked=True)
        if narrow.width_px() < drawing.width_px():
            drawing = narrow
    return drawing


def _drawing(value, frame, rankdir, options, format, engine, stacked=False) -> GraphDrawing:
    spec = build_spec(value, rankdir=rankdir, **options)
    if stacked:
        for node in spec.nodes:
            node.stacked = node.kind == "value"
    if frame is not None and options["legend"]:
        spec.legend.insert(0, frame.describe())
        if options["color_by_grad"]:
            spec.legend.append("colours: one scale for every step (the grads after backward)")
    return GraphDrawing(spec, format, engine)


def resolve_engine(engine: str) -> str:
    """'graphviz' or 'python', checking now that the needed extras are installed."""
    if engine not in ENGINES:
        raise ValueError(f"engine={engine!r}; choose one of {ENGINES}.")
    if engine == "auto":
        engine = "graphviz" if _importable("pygraphviz") else "python"
        if engine == "python" and not (_importable("grandalf") and _importable("matplotlib")):
            raise MissingExtraError(
                "Drawing graphs needs either pygraphviz (pip install 'micrograd[graphviz]') "
                "or grandalf and matplotlib (pip install 'micrograd[graph]')."
            )
    if engine == "graphviz":
        require("pygraphviz", extra="graphviz", purpose="Rendering graphs with Graphviz")
    else:
        require("grandalf", extra="graph", purpose="Drawing graphs without Graphviz")
        require("matplotlib", extra="graph", purpose="Drawing graphs without Graphviz")
    return engine


def _importable(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


def _frame_at(root: Value, step: int) -> BackwardFrame:
    last = None
    for frame in backward_steps(root):
        if frame.step == step:
            return frame
        last = frame
    raise ValueError(f"step={step}: this graph has steps 0 to {last.step}.")


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"format={format!r}; choose 'svg' or 'png'.")
    return format
