"""draw_dot's layout, read off the rendered SVG as a reader sees it.

Two faults the course pictures had at 900 px: edge labels of edges converging
on one node ran into each other ("∂=-1.0000∂=-0.2683"), and the two hidden
neurons of a tiny network were drawn in swapped order (neuron 2 on the left).
"""

from __future__ import annotations

import html
import random
import re

import pytest

from micrograd.engine import Value
from micrograd.nn import MLP
from micrograd.viz import draw_dot

pytest.importorskip("pygraphviz", reason="the Graphviz layout needs pygraphviz")

TEXT = re.compile(
    r'<text[^>]*text-anchor="(?P<anchor>\w+)" x="(?P<x>[-\d.]+)" y="(?P<y>[-\d.]+)"'
    r'[^>]*font-size="(?P<size>[\d.]+)"[^>]*>(?P<text>[^<]*)</text>'
)
GROUP = re.compile(r'<g id="(?:node|edge)\d+" class="(?P<kind>node|edge)">(?P<body>.*?)</g>', re.S)
EM = 0.56  # Helvetica's average advance for digits and signs, in ems (a slight overestimate)


def text_boxes(svg: str, kind: str) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of every text drawn in the SVG's ``kind`` groups."""
    boxes = []
    for group in GROUP.finditer(svg):
        if group["kind"] != kind:
            continue
        for t in TEXT.finditer(group["body"]):
            text = html.unescape(t["text"]).strip()
            size, x, y = float(t["size"]), float(t["x"]), float(t["y"])
            width = len(text) * EM * size
            left = {"middle": x - width / 2, "start": x, "end": x - width}[t["anchor"]]
            boxes.append((text, left, y - 0.8 * size, left + width, y + 0.2 * size))
    return boxes


def touching_labels(svg: str, gap: float = 2.0) -> list[tuple[str, str]]:
    """Pairs of edge labels closer than ``gap`` points side by side, on the same line."""
    boxes = [b for b in text_boxes(svg, "edge") if b[0]]
    pairs = []
    for i, (s1, l1, t1, r1, b1) in enumerate(boxes):
        for s2, l2, t2, r2, b2 in boxes[i + 1 :]:
            if l1 < r2 + gap and l2 < r1 + gap and t1 < b2 and t2 < b1:
                pairs.append((s1, s2))
    return pairs


def x_of(svg: str, label: str) -> float:
    """The horizontal centre of the value box whose first field is ``label``."""
    for text, left, _, right, _ in text_boxes(svg, "node"):
        if text == label:
            return (left + right) / 2
    raise AssertionError(f"no box labelled {label!r} in the picture")


def tiny_network(fused: bool = True) -> Value:
    """The course's exercise 5: MLP(2, [2, 1]) with tanh, hidden outputs labelled h1, h2."""
    random.seed(1337)
    net = MLP(2, [2, 1], activation="tanh", fused=fused)
    for name, p in net.named_parameters():
        p.label = name.replace("layers.", "L").replace("neurons.", "n")
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    hidden = net.layers[0](x)
    for k, h in enumerate(hidden, start=1):
        h.label = f"h{k}"
    out = net.layers[1](hidden)
    out.label = "ŷ"
    out.backward()
    return out


def lecture_graph() -> Value:
    a, b, c, f = (Value(v, label=n) for v, n in [(2.0, "a"), (-3.0, "b"), (10.0, "c"), (-2.0, "f")])
    e = a * b
    d = e + c
    L = d * f
    L.label = "L"
    L.backward()
    return L


GRAPHS = {
    "tiny network, fused": lambda: tiny_network(True),
    "tiny network, unfused": lambda: tiny_network(False),
    "lecture graph": lecture_graph,
}


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
@pytest.mark.parametrize("name", GRAPHS)
def test_edge_labels_do_not_touch(name, rankdir):
    svg = draw_dot(GRAPHS[name](), rankdir=rankdir, engine="graphviz").pipe("svg").decode()
    assert text_boxes(svg, "edge"), "the picture has no ∂ labels to check"
    assert touching_labels(svg) == [], f"{name}, {rankdir}: labels run into each other"


def test_the_notebook_width_layout_keeps_labels_apart():
    drawing = draw_dot(tiny_network(), max_width=900, engine="graphviz")
    assert drawing.spec.rankdir == "TB"  # the layout the course shows
    assert touching_labels(drawing.pipe("svg").decode()) == []


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
@pytest.mark.parametrize("fused", [True, False])
def test_hidden_neurons_are_drawn_in_input_order(fused, rankdir):
    svg = draw_dot(tiny_network(fused), rankdir=rankdir, engine="graphviz").pipe("svg").decode()
    if rankdir == "TB":
        assert x_of(svg, "h1") < x_of(svg, "h2"), "neuron 1 should be left of neuron 2"
    else:
        tops = {t: top for t, _, top, _, _ in text_boxes(svg, "node")}
        assert tops["h1"] < tops["h2"], "neuron 1 should be above neuron 2"


def test_inputs_are_drawn_in_the_order_they_are_used():
    a, b = Value(1.0, label="first"), Value(2.0, label="second")
    out = a - b
    out.backward()
    svg = draw_dot(out, rankdir="TB", engine="graphviz").pipe("svg").decode()
    assert x_of(svg, "first") < x_of(svg, "second")


def test_hidden_grads_are_drawn_as_a_question_mark():
    out = tiny_network()
    x1 = next(v for v in out.topological_order() if v.label == "x1")
    drawing = draw_dot(out, hide_grads=[x1], engine="graphviz")
    box = next(n for n in drawing.spec.nodes if n.fields[0] == "x1")
    assert box.fields[-1] == "grad ?" and box.fill == "#ffffff"
    svg = drawing.pipe("svg").decode()
    assert f"grad {x1.grad:.4f}" not in svg  # the answer is nowhere in the picture
    assert "grad 1.0000" in svg  # the others still are
    assert "left for you to work out" in drawing.source


def test_hiding_a_value_outside_the_graph_is_refused():
    with pytest.raises(ValueError, match="inside the drawn graph"):
        draw_dot(tiny_network(), hide_grads=[Value(1.0)], engine="graphviz")
