"""Draw a ``GraphSpec`` with pure Python: grandalf lays it out, matplotlib paints it.

For computers without Graphviz. Two choices make it look close to Graphviz:

* Rank from the output backwards: the layout runs from the output value, so a
  constant lands in the column right next to the operation that uses it,
  instead of in the leftmost column with the inputs.
* Attach edges to the sides of boxes facing the next column, and route long
  edges through grandalf's bend points, so lines do not cut through boxes.

All sizes are in points (1/72 inch) and the figure is made exactly as large as
the layout, so text always fits its box at any graph size.
"""

from __future__ import annotations

import io

from micrograd.errors import require
from micrograd.viz import palette
from micrograd.viz.spec import GraphSpec, Node, grid_columns

FONT_SIZE = 10.0
CHAR_W = 0.61 * FONT_SIZE  # DejaVu Sans Mono advance width
PAD = 6.0
BOX_H = 2.1 * FONT_SIZE
ROW_H = 1.7 * FONT_SIZE  # one field of a stacked box
LABEL_CHAR_W = 0.6 * 8.5  # edge labels are 8.5 pt DejaVu Sans
SIBLING_GAP = 14.0
MARGIN = 12.0
LEGEND_LINE = 13.0


class _View:
    """Box size for grandalf; it writes the laid-out centre into ``xy``."""

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h, self.xy = w, h, (0.0, 0.0)


class _Route:
    """grandalf calls ``setpath`` with the bend points of a laid-out edge."""

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[tuple[float, float]]) -> None:
        self.points = [tuple(p) for p in points]


def field_widths(node: Node) -> list[float]:
    return [len(f) * CHAR_W + 2 * PAD for f in node.fields]


def node_size(node: Node) -> tuple[float, float]:
    """(width, height) in points of the node as drawn."""
    if node.kind == "value" and node.stacked:
        return max(field_widths(node)), ROW_H * len(node.fields)
    if node.kind == "value":
        return sum(field_widths(node)), BOX_H
    return max(len(node.fields[0]) * CHAR_W + 2.5 * PAD, 30.0), 1.7 * FONT_SIZE


def parallel_edges(spec: GraphSpec) -> dict[tuple[str, str], list[int]]:
    """Edge indices per (src, dst) pair; more than one where a child is used twice (a + a)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, e in enumerate(spec.edges):
        groups.setdefault((e.src, e.dst), []).append(i)
    return groups


def fan_in(spec: GraphSpec) -> dict[str, int]:
    """How many edges arrive at each node."""
    counts: dict[str, int] = {}
    for e in spec.edges:
        counts[e.dst] = counts.get(e.dst, 0) + 1
    return counts


def grid_layout(spec: GraphSpec) -> dict[str, tuple[float, float]]:
    """Centres for a spec with fixed (column, row) places: columns left to right, centred."""
    sizes = {n.id: node_size(n) for n in spec.nodes}
    pos, x = {}, 0.0
    for ids in grid_columns(spec):
        width = max(sizes[n][0] for n in ids)
        pitch = max(sizes[n][1] for n in ids) + SIBLING_GAP
        for k, n in enumerate(ids):
            pos[n] = (x + width / 2, ((len(ids) - 1) / 2 - k) * pitch)
        x += width + 90.0
    return pos


def layout(spec: GraphSpec) -> tuple[dict[str, tuple[float, float]], dict[int, list]]:
    """Centres of nodes, and bend points per edge index, in drawing coordinates."""
    if spec.grid:
        return grid_layout(spec), {}
    gg = require("grandalf.graphs", extra="graph", purpose="Drawing graphs without Graphviz")
    gl = require("grandalf.layouts", extra="graph", purpose="Drawing graphs without Graphviz")
    across = spec.rankdir in ("LR", "RL")
    verts = {}
    for n in spec.nodes:
        w, h = node_size(n)
        v = gg.Vertex(n.id)
        # grandalf stacks ranks top to bottom; for a left-right picture swap w and h.
        v.view = _View(h, w) if across else _View(w, h)
        verts[n.id] = v
    groups = parallel_edges(spec)
    routes: dict[int, _Route] = {}
    layout_edges = []
    for (src, dst), (first, *_) in groups.items():  # a + a: lay out one edge, draw both
        edge = gg.Edge(verts[dst], verts[src])  # reversed: the output is rank 0
        edge.view = routes.setdefault(first, _Route())
        layout_edges.append(edge)
    graph = gg.Graph(list(verts.values()), layout_edges)
    for comp in graph.C:
        sug = gl.SugiyamaLayout(comp)
        sug.xspace, sug.yspace = SIBLING_GAP, rank_gap(spec)
        roots = [v for v in comp.sV if v.data == spec.root] or None
        sug.init_all(roots=roots)
        sug.draw()
    pos = {nid: _orient(v.view.xy, spec.rankdir) for nid, v in verts.items()}
    bends = {}
    for first, *others in groups.values():
        route = [_orient(p, spec.rankdir) for p in routes[first].points[1:-1]][::-1]
        for i in (first, *others):
            bends[i] = route
    return pos, bends


def rank_gap(spec: GraphSpec) -> float:
    """Room between ranks: for the ∂ labels, and more where many edges converge."""
    crowd = 10.0 * max(max(fan_in(spec).values(), default=0) - 2, 0)
    if spec.rankdir in ("TB", "BT"):
        return 42.0 + crowd
    longest = max((len(e.label) for e in spec.edges), default=0)
    return max(40.0, longest * LABEL_CHAR_W + 30.0) + crowd


def _orient(xy: tuple[float, float], rankdir: str) -> tuple[float, float]:
    """grandalf's (across, rank-depth) to picture coordinates; depth grows towards the leaves."""
    x, y = xy
    return {"LR": (-y, -x), "RL": (y, -x), "TB": (x, y), "BT": (x, -y)}[rankdir]


def render_spec(spec: GraphSpec, fmt: str, dpi: int = 100) -> bytes:
    """SVG or PNG bytes of ``spec``."""
    require("matplotlib", extra="graph", purpose="Drawing graphs without Graphviz")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    pos, bends = layout(spec)
    sizes = {n.id: node_size(n) for n in spec.nodes}
    bend_points = [p for points in bends.values() for p in points]
    xs = [pos[i][0] + s * sizes[i][0] / 2 for i in pos for s in (-1, 1)]
    ys = [pos[i][1] + s * sizes[i][1] / 2 for i in pos for s in (-1, 1)]
    xs += [x for x, _ in bend_points] or [0.0]
    ys += [y for _, y in bend_points] or [0.0]
    legend_h = LEGEND_LINE * len(spec.legend) + (8 if spec.legend else 0)
    legend_w = max((len(t) * 0.55 * 9 for t in spec.legend), default=0.0)
    x0, x1 = min(xs) - MARGIN, max(max(xs) + MARGIN, min(xs) - MARGIN + legend_w + 2 * MARGIN)
    y0, y1 = min(ys) - MARGIN - legend_h, max(ys) + MARGIN
    fig = Figure(figsize=((x1 - x0) / 72, (y1 - y0) / 72))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    ends = _spread_ends(spec, pos, sizes, bends)
    groups, arrivals = parallel_edges(spec), fan_in(spec)
    for i in range(len(spec.edges)):
        _draw_edge(ax, spec, i, pos, sizes, bends.get(i, []), ends.get(i), groups, arrivals)
    for n in spec.nodes:
        _draw_node(ax, n, pos[n.id])
    for k, line in enumerate(spec.legend):
        ax.text(x0 + MARGIN, y0 + legend_h - 4 - LEGEND_LINE * (k + 0.5), line, fontsize=9,
                va="center", ha="left", color=palette.TEXT)  # fmt: skip
    buf = io.BytesIO()
    # The same graph gives the same bytes: no date in the SVG, and clip-path ids
    # from a fixed salt instead of a random one (PNGs are already reproducible).
    metadata = {"Date": None} if fmt == "svg" else None
    with rc_context({"svg.hashsalt": "micrograd"}):
        # "tight" grows the picture to anything drawn outside the nodes' box (bowed edges, labels)
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor="white", bbox_inches="tight",
                    pad_inches=0.1, metadata=metadata)  # fmt: skip
    return buf.getvalue()


def _draw_node(ax, node: Node, centre: tuple[float, float]) -> None:
    from matplotlib.patches import Ellipse, Rectangle

    x, y = centre
    w, h = node_size(node)
    lw = 2.5 if node.bold else 0.9
    if node.kind == "op":
        ax.add_patch(Ellipse((x, y), w, h, fc=node.fill, ec=node.border, lw=lw, zorder=3))
        ax.text(x, y, node.fields[0], ha="center", va="center", fontsize=FONT_SIZE,
                family="monospace", color=palette.TEXT, zorder=4)  # fmt: skip
        return
    left = x - w / 2
    ax.add_patch(Rectangle((left, y - h / 2), w, h, fc=node.fill, ec=node.border, lw=lw, zorder=3))
    if node.stacked:
        for k, text in enumerate(node.fields):
            top = y + h / 2 - k * ROW_H
            if k:
                ax.plot([left, left + w], [top, top], color=palette.EDGE, lw=0.7, zorder=4)
            ax.text(x, top - ROW_H / 2, text, ha="center", va="center", fontsize=FONT_SIZE,
                    family="monospace", color=palette.TEXT, zorder=4)  # fmt: skip
        return
    for k, (text, fw) in enumerate(zip(node.fields, field_widths(node))):
        if k:
            ax.plot([left, left], [y - h / 2, y + h / 2], color=palette.EDGE, lw=0.7, zorder=4)
        ax.text(left + fw / 2, y, text, ha="center", va="center", fontsize=FONT_SIZE,
                family="monospace", color=palette.TEXT, zorder=4)  # fmt: skip
        left += fw


def _draw_edge(ax, spec: GraphSpec, i: int, pos, sizes, bend, end, groups, arrivals) -> None:
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path

    e = spec.edges[i]
    start = _side(pos[e.src], sizes[e.src], spec.rankdir, leaving=True)
    end = end or _side(pos[e.dst], sizes[e.dst], spec.rankdir, leaving=False)
    twins = groups[(e.src, e.dst)]
    points = [start, *bend, end]
    lw = e.width if e.width is not None else 2.2 if e.bold else 1.0
    arrowstyle = "-|>" if e.arrow else "-"
    style = dict(arrowstyle=arrowstyle, mutation_scale=10, color=e.color, lw=lw, zorder=2)
    k = twins.index(i) - (len(twins) - 1) / 2  # 0 unless the same child is used twice
    align = dict(ha="center", va="center")
    if k and not bend:  # a + a: bow the two edges apart, each label outside its curve
        arrow = FancyArrowPatch(start, end, connectionstyle=f"arc3,rad={0.9 * k}", **style)
        mid = _arc_mid(start, end, 0.9 * k)
        chord = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        ox, oy = mid[0] - chord[0], mid[1] - chord[1]
        if abs(ox) > abs(oy):
            align["ha"] = "left" if ox > 0 else "right"
        else:
            align["va"] = "bottom" if oy > 0 else "top"
    else:
        if k:  # a long a + a: run the two edges side by side
            dx, dy = (0, 7 * k) if spec.rankdir in ("LR", "RL") else (7 * k, 0)
            points = [(x + dx, y + dy) for x, y in points]
        codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 1)
        arrow = FancyArrowPatch(path=Path(points, codes), **style)
        mid = _label_spot(points[-2], points[-1], k, near_start=arrivals[e.dst] > 2)
    ax.add_patch(arrow)
    if e.label:
        box = dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.85)
        ax.text(*mid, e.label, fontsize=8.5, color=palette.TEXT, zorder=5, bbox=box, **align)


def _spread_ends(spec: GraphSpec, pos, sizes, bends) -> dict[int, tuple[float, float]]:
    """Fan the arrow heads of many edges into one oval across its side, in source order.

    Without this, every edge into an n-ary node ('Σw·x+b', 'sum') ends at the same point.
    """
    across = 1 if spec.rankdir in ("LR", "RL") else 0  # the coordinate along the side
    incoming: dict[str, list[int]] = {}
    for i, e in enumerate(spec.edges):
        incoming.setdefault(e.dst, []).append(i)
    ends = {}
    for dst, edges in incoming.items():
        if len(edges) < 2 or dst not in pos:
            continue

        def approach(i: int) -> float:  # where the edge comes from, along the side
            last = bends[i][-1] if bends.get(i) else pos[spec.edges[i].src]
            return last[across]

        edges = sorted(edges, key=approach)
        (cx, cy), (w, h) = pos[dst], sizes[dst]
        half = (h if across else w) / 2
        step = min(1.6 * half / (len(edges) - 1), 7.0)
        for k, i in enumerate(edges):
            offset = (k - (len(edges) - 1) / 2) * step
            # a point on the oval's boundary at that offset, on the side facing the leaves
            depth = ((w if across else h) / 2) * (1 - min(abs(offset) / half, 1) ** 2) ** 0.5
            x, y = _side((cx, cy), (0.0, 0.0), spec.rankdir, leaving=False)
            if across:
                ends[i] = (x + (-depth if spec.rankdir == "LR" else depth), y + offset)
            else:
                ends[i] = (x + offset, y + (depth if spec.rankdir == "TB" else -depth))
    return ends


def _label_spot(a, b, k: float, near_start: bool = False) -> tuple[float, float]:
    """Where an edge's ∂ label goes on the segment a -> b.

    Near the arrow's end, where it is clear whose edge it is; twins one behind
    the other. When many edges converge on one node their ends crowd together,
    so there the labels sit near the start instead, where the edges are apart.
    """
    (ax0, ay0), (bx, by) = a, b
    length = max(((bx - ax0) ** 2 + (by - ay0) ** 2) ** 0.5, 1e-9)
    if near_start:
        back = length - min(0.35 * length, 60.0)
    else:
        back = min(length * 0.5, 55.0) * (1.0 + (k + 0.5 if k else 0.0))
    back = min(back, 0.9 * length)
    return bx - (bx - ax0) * back / length, by - (by - ay0) * back / length


def _side(centre, size, rankdir: str, leaving: bool) -> tuple[float, float]:
    """Where an edge meets a box: the side facing the output (leaving) or the leaves."""
    (x, y), (w, h) = centre, size
    sign = 1 if leaving else -1
    return {
        "LR": (x + sign * w / 2, y),
        "RL": (x - sign * w / 2, y),
        "TB": (x, y - sign * h / 2),
        "BT": (x, y + sign * h / 2),
    }[rankdir]


def _arc_mid(start, end, rad: float) -> tuple[float, float]:
    """Midpoint of matplotlib's arc3 curve (a quadratic Bézier) from start to end."""
    (x0, y0), (x1, y1) = start, end
    dx, dy = x1 - x0, y1 - y0
    return ((x0 + x1) / 2 + rad * dy / 2, (y0 + y1) / 2 - rad * dx / 2)
