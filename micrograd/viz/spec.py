"""Turn a ``Value`` graph into a drawing plan: boxes, operation nodes and edges.

Both renderers (Graphviz and the pure-Python one) draw from this plan, so the
two pictures always say the same thing. The plan is built from the values'
``data``, ``grad``, ``_children``, ``_local`` and ``_op``; nothing is changed.

Picture grammar, in the drawing direction (children towards parents):

    child value --[∂ = local derivative]--> (op) --> parent value

An edge is drawn once per use: ``a + a`` gives two edges from ``a`` to the
'+', each labelled with its own local derivative, and ``a.grad`` is their sum.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from micrograd.engine import Value
from micrograd.viz import palette

RANKDIRS = ("LR", "RL", "TB", "BT")


class GraphTooLargeError(ValueError):
    """The graph has more nodes than can be drawn readably.

    ``size`` is the number of values in the graph and ``limit`` the ``max_nodes``
    it exceeded, so a caller (the command line) can phrase its own hint.
    """

    def __init__(self, message: str, size: int = 0, limit: int = 0) -> None:
        super().__init__(message)
        self.size, self.limit = size, limit


@dataclass
class Node:
    id: str
    kind: str  # "value" (a box with label | data | grad) or "op" (a small oval)
    fields: tuple[str, ...]
    fill: str
    border: str = palette.EDGE
    bold: bool = False
    stacked: bool = False  # fields one above the other instead of side by side


@dataclass
class Edge:
    src: str
    dst: str
    label: str = ""
    color: str = palette.EDGE
    bold: bool = False
    width: float | None = None  # line width in points; None: normal (or bold)
    arrow: bool = True


@dataclass
class GraphSpec:
    nodes: list[Node]
    edges: list[Edge]
    rankdir: str = "LR"
    legend: list[str] = field(default_factory=list)
    root: str = ""  # id of the output value, used to rank the layout from the output back
    # Fixed (column, row) places, for pictures that are grids already (draw_neurons).
    grid: dict[str, tuple[int, int]] | None = None


def grid_columns(spec: GraphSpec) -> list[list[str]]:
    """Node ids per column of ``spec.grid``, each column in row order."""
    columns: dict[int, list[tuple[int, str]]] = {}
    for node_id, (col, row) in (spec.grid or {}).items():
        columns.setdefault(col, []).append((row, node_id))
    return [[n for _, n in sorted(columns[c])] for c in sorted(columns)]


def fmt(x: float) -> str:
    """Four decimals for everyday numbers, scientific notation for tiny or huge ones."""
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"{x:.4f}"
    return f"{x:.3e}"


def check_rankdir(rankdir: str) -> str:
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir={rankdir!r}; choose one of {RANKDIRS}.")
    return rankdir


def graph_nodes(root: Value, max_nodes: int | None) -> list[Value]:
    """All values under ``root`` (children first), refusing graphs too big to read."""
    order = root.topological_order()
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"this graph has {len(order)} values, more than max_nodes={max_nodes}, and would "
            "be unreadable. Draw a whole network with draw_neurons(model, x) instead, or pass "
            f"a larger limit, e.g. draw_dot(root, max_nodes={len(order)}).",
            len(order),
            max_nodes,
        )
    return order


def input_order(order: list[Value], root: Value) -> list[Value]:
    """``order`` rearranged so that each node's children come in the order it uses them.

    Still children first, but depth first from the output, first input first: the
    subgraph of a node's first input is listed before that of its second, and so
    on. Graphviz keeps nodes in the order they are listed where it can, so the
    hidden neuron 1 is drawn to the left of neuron 2, as in the formula.
    """
    known = set(order)
    placed: set[Value] = set()
    result: list[Value] = []
    stack: list[tuple[Value, int]] = [(root, 0)]
    while stack:  # iterative: a chain a million values deep must not hit the recursion limit
        node, k = stack.pop()
        children = node._children
        if k < len(children):
            stack.append((node, k + 1))
            child = children[k]
            if child not in placed and child in known:
                placed.add(child)  # placed now, listed once its own children are
                stack.append((child, 0))
        else:
            result.append(node)
    return result


def paths_to_output(order: list[Value], target: Value) -> set[Value]:
    """Every value on a path from ``target`` up to the output (``order`` is children first)."""
    on_path = {target}
    for node in order:
        if any(child in on_path for child in node._children):
            on_path.add(node)
    return on_path


def build_spec(
    root: Value,
    *,
    rankdir: str = "LR",
    show_local: bool = True,
    show_grad: bool = True,
    color_by_grad: bool = True,
    grads: Mapping[Value, float] | None = None,
    highlight: Value | None = None,
    current: Value | None = None,
    max_nodes: int | None = 200,
    legend: bool = True,
    grad_scale: float | None = None,
    hide_grads: Collection[Value] = (),
) -> GraphSpec:
    """The drawing plan for ``root``; ``grads`` overrides ``.grad`` (used by the stepper).

    ``hide_grads``: values whose grad is drawn as "grad ?" in a white box, so a
    picture can sit above an exercise that asks for exactly those gradients.

    ``grad_scale`` is the |grad| drawn darkest; by default the largest finite one in the graph.
    An edge from a node without local derivatives (a user op with its own
    ``_backward``, ``_local`` None) is drawn without a ∂ label.
    """
    order = input_order(graph_nodes(root, max_nodes), root)
    grad_of = grads.__getitem__ if grads is not None else (lambda v: v.grad)
    if grad_scale is not None and not 0 <= grad_scale < math.inf:
        raise ValueError(f"grad_scale={grad_scale!r}: give a positive finite number, or None.")
    scale = grad_scale or palette.grad_scale(grad_of(v) for v in order)
    ids = {v: f"v{i}" for i, v in enumerate(order)}
    if highlight is not None and highlight not in ids:
        raise ValueError(f"highlight={highlight!r} is not a value inside the drawn graph.")
    marked = paths_to_output(order, highlight) if highlight is not None else set()
    hidden = set(hide_grads)
    if not hidden <= set(ids):
        raise ValueError("hide_grads: every value in it must be inside the drawn graph.")

    nodes: list[Node] = []
    edges: list[Edge] = []
    for v in order:
        vid = ids[v]
        fields = ((v.label,) if v.label else ()) + (f"data {fmt(v.data)}",)
        if show_grad:
            fields += ("grad ?" if v in hidden else f"grad {fmt(grad_of(v))}",)
        fill = palette.grad_color(grad_of(v), scale) if color_by_grad else palette.VALUE_FILL
        if v in hidden:
            fill = palette.VALUE_FILL
        node = Node(vid, "value", fields, fill)
        if v in marked:
            node.border, node.bold = palette.HIGHLIGHT, True
        if v is current:
            node.border, node.bold = palette.CURRENT, True
        nodes.append(node)
        if not v._children:
            continue
        op_id = vid + "op"
        nodes.append(Node(op_id, "op", (v._op or "?",), palette.OP_FILL))
        into_path = v in marked and v is not highlight
        edges.append(Edge(op_id, vid, color=_edge_color(into_path, False), bold=into_path))
        locals_ = v._local if v._local is not None else (None,) * len(v._children)
        for child, local in zip(v._children, locals_):
            on_path = child in marked and v in marked
            edges.append(
                Edge(
                    ids[child],
                    op_id,
                    label=f"∂={fmt(local)}" if show_local and local is not None else "",
                    color=_edge_color(on_path, v is current),
                    bold=on_path or v is current,
                )
            )
    notes = _legend(show_local, show_grad, color_by_grad, scale) if legend else []
    if legend and show_local and any(v._local is None and v._children for v in order):
        notes.append("no ∂ on an edge: its op has its own _backward(), no stored local derivative")
    if legend and hidden and show_grad:
        notes.append("grad ?: left for you to work out")
    if legend and highlight is not None:
        name = f"'{highlight.label}'" if highlight.label else "the highlighted value"
        notes.append(f"orange: {name} and every path from it to the output")
    if legend and current is not None:
        notes.append("green: the node just processed and the edges its grad just flowed along")
    return GraphSpec(nodes, edges, check_rankdir(rankdir), notes, ids[root])


def _edge_color(on_path: bool, just_used: bool) -> str:
    if just_used:
        return palette.CURRENT
    return palette.HIGHLIGHT if on_path else palette.EDGE


def _legend(show_local: bool, show_grad: bool, color_by_grad: bool, scale: float) -> list[str]:
    lines = ["box: label | data | grad = d(output)/d(value)" if show_grad else "box: label | data"]
    if color_by_grad and scale > 0:
        lines.append(f"fill: red = grad > 0, blue = grad < 0, white = 0 (darkest = ±{fmt(scale)})")
    elif color_by_grad:
        lines.append("fill: every grad is 0 so far (call backward() to colour the boxes)")
    if show_local:
        lines.append("edge ∂ = local derivative ∂parent/∂child")
        lines.append("chain rule: grad(child) = Σ over its edges of ∂ × grad(parent)")
    return lines
