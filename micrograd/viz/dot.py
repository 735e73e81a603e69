"""Write a drawing plan (``GraphSpec``) as Graphviz DOT source text."""

from __future__ import annotations

from micrograd.viz import palette
from micrograd.viz.spec import GraphSpec, Node, grid_columns

FONT = "Helvetica,Arial,sans-serif"


def to_dot(spec: GraphSpec) -> str:
    """DOT text for ``spec``: value boxes are records, operations are small ovals."""
    lines = [
        "digraph micrograd {",
        f"  graph [rankdir={spec.rankdir}, fontname={_q(FONT)}, fontsize=11, nodesep=0.25];",
        f"  node [fontname={_q(FONT)}, fontsize=12, color={_q(palette.EDGE)}];",
        f"  edge [fontname={_q(FONT)}, fontsize=10, arrowsize=0.7];",
    ]
    if spec.grid:  # keep each column in the given top-to-bottom order
        lines.append("  graph [ordering=out, ranksep=1.2, splines=line];")
        lines.append("  edge [tailport=e, headport=w];")
    for node in spec.nodes:
        lines.append(f"  {node.id} [{_node_attrs(node, spec.rankdir)}];")
    for column in grid_columns(spec):
        # An invisible chain inside the column fixes its order: Graphviz keeps the
        # tail of an edge within a rank before its head, whatever the other edges.
        chain = f" {' -> '.join(column)} [style=invis];" if len(column) > 1 else ""
        lines.append("  { rank=same; " + " ".join(column) + ";" + chain + " }")
    spine = _spine(spec) if spec.rankdir in ("TB", "BT") and not spec.grid else set()
    for i, e in enumerate(spec.edges):
        attrs = [f"color={_q(e.color)}"]
        if i in spine:
            attrs.append("weight=10")
        if e.label:
            # Graphviz reserves exactly the label's width beside its edge, so labels of
            # edges converging on one node end up touching ("∂=-1.0000∂=-0.2683"):
            # a space on either side keeps a gap between neighbours.
            attrs.append(f"label={_q(' ' + e.label + ' ')}")
            attrs.append(f"fontcolor={_q(palette.TEXT)}")
        if e.width is not None:
            attrs.append(f"penwidth={e.width:.2f}")
        elif e.bold:
            attrs.append("penwidth=2.5")
        if not e.arrow:
            attrs.append("arrowhead=none")
        lines.append(f"  {e.src} -> {e.dst} [{', '.join(attrs)}];")
    if spec.legend:
        text = "".join(_escape(line) + "\\l" for line in spec.legend)
        lines.append(f'  label="{text}"; labelloc=b; labeljust=l;')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _spine(spec: GraphSpec) -> set[int]:
    """Edges between computed values and their operations (not from leaves).

    Top to bottom, Graphviz centres each operation between its inputs, so a
    long chain drifts sideways by half a box per step and the picture grows
    wide. Heavier edges keep the chain of computed values straight and let the
    leaves (weights, constants) sit beside it.
    """
    kind = {n.id: n.kind for n in spec.nodes}
    computed = {e.dst for e in spec.edges if kind.get(e.src) == "op"}
    return {i for i, e in enumerate(spec.edges) if kind.get(e.src) == "op" or e.src in computed}


def _node_attrs(node: Node, rankdir: str) -> str:
    attrs = [f"style=filled, fillcolor={_q(node.fill)}"]
    if node.kind == "value":
        body = " | ".join(_escape_record(f) for f in node.fields)
        # In a left-right layout a record's top-level fields stack vertically;
        # braces turn them back into one horizontal row.
        row = (rankdir in ("LR", "RL")) != node.stacked
        label = f"{{ {body} }}" if row else body
        attrs.append(f"shape=record, label={_q(label)}")
    else:
        attrs.append(f"shape=ellipse, height=0.3, margin=0.04, label={_q(node.fields[0])}")
    if node.bold:
        attrs.append(f"color={_q(node.border)}, penwidth=3")
    return ", ".join(attrs)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _escape_record(text: str) -> str:
    """Record labels give {, }, |, < and > a meaning; a value's own label must not."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def _q(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'
