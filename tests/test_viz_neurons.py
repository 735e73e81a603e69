"""draw_neurons: a whole network as one box per neuron or per layer."""

import random
import xml.etree.ElementTree as ET

import matplotlib
import pytest

matplotlib.use("Agg")

from micrograd.engine import value_sum  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.viz import GraphTooLargeError, draw_neurons  # noqa: E402


def trained_a_bit() -> MLP:
    random.seed(1)
    model = MLP(2, [4, 3, 1])
    X = [[0.5, 1.0], [-1.0, 0.3]]
    loss = value_sum([(model(x) - 1.0) ** 2 for x in X])
    loss.backward()
    return model


def test_one_box_per_neuron_with_output_and_grad_summary():
    model = trained_a_bit()
    x = [0.5, 1.0]
    drawing = draw_neurons(model, x)
    src = drawing.source
    n = model.layers[0].neurons[1]
    expected_out = max(0.0, n.b.data + n.w[0].data * 0.5 + n.w[1].data * 1.0)
    assert f"L1·N2 relu | out {expected_out:.4f} | grad b {n.b.grad:.4f}" in src
    assert src.count("relu |") == 7 and src.count("linear |") == 1
    weights = [ln for ln in src.splitlines() if "->" in ln and "rank=same" not in ln]
    assert len(weights) == 2 * 4 + 4 * 3 + 3 * 1  # one edge per weight
    assert 'label="x1 = 0.5000"' in src


def test_without_input_the_boxes_have_no_outputs():
    src = draw_neurons(trained_a_bit()).source
    assert "out " not in src and "grad b" in src


def test_layer_view_has_one_box_per_layer():
    src = draw_neurons(trained_a_bit(), [0.5, 1.0], per="layer").source
    assert "layer 1: 4 × relu" in src and "layer 3: 1 × linear" in src
    assert "zero for this x:" in src
    assert sum("->" in ln and "rank=same" not in ln for ln in src.splitlines()) == 2 + 1 + 1


@pytest.mark.parametrize("engine", ["graphviz", "python"])
@pytest.mark.parametrize("per", ["neuron", "layer"])
def test_both_engines_render(engine, per):
    drawing = draw_neurons(trained_a_bit(), [0.5, 1.0], per=per, engine=engine)
    ET.fromstring(drawing.pipe("svg"))
    assert drawing.pipe("png").startswith(b"\x89PNG")


def test_too_many_neurons_and_bad_arguments():
    big = MLP(2, [150, 100, 1])
    with pytest.raises(GraphTooLargeError, match="per='layer'"):
        draw_neurons(big)
    assert "layer 2: 100" in draw_neurons(big, per="layer").source
    with pytest.raises(ValueError, match="per="):
        draw_neurons(big, per="weight")
    with pytest.raises(TypeError, match="expects an MLP"):
        draw_neurons(big.layers[0])


def _box_tops(svg: str) -> dict[str, float]:
    """The top edge (SVG y) of every neuron box, by its name ('L2·N1')."""
    import re

    tops = {}
    for group in re.finditer(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S):
        name = re.search(r">(L\d+·N\d+) ", group.group(1))
        ys = [float(y) for y in re.findall(r'points="[-\d.]+,([-\d.]+)', group.group(1))]
        if name and ys:
            tops[name.group(1)] = min(ys)
    return tops


def test_strongest_keeps_each_neurons_largest_weights_only():
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    drawing = draw_neurons(model, strongest=3)
    edges = [e for e in drawing.spec.edges]
    for li, layer in enumerate(model.layers):
        for ni, n in enumerate(layer.neurons):
            into = [e for e in edges if e.dst == f"L{li}N{ni}"]
            assert len(into) == min(3, len(n.w))
            weakest_kept = min(e.width for e in into)
            drawn = sorted(abs(w.data) for w in n.w)[-len(into) :]
            assert weakest_kept == pytest.approx(
                0.3
                + 2.7
                * drawn[0]
                / max(abs(w.data) for layer in model.layers for m in layer.neurons for w in m.w)
            )
    assert "3 strongest weights" in drawing.source


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_strongest_must_be_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="whole number"):
        draw_neurons(MLP(2, [3, 1]), strongest=bad)


def test_each_layer_is_drawn_in_neuron_order_even_with_few_edges():
    pytest.importorskip("pygraphviz")
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    svg = draw_neurons(model, strongest=2, engine="graphviz").pipe("svg").decode()
    tops = _box_tops(svg)
    for layer in (1, 2):
        column = [tops[f"L{layer}·N{k}"] for k in range(1, 17)]
        assert column == sorted(column), f"layer {layer} is not drawn in neuron order"
