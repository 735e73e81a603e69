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
    assert src.count("->") == 2 * 4 + 4 * 3 + 3 * 1  # one edge per weight
    assert 'label="x1 = 0.5000"' in src


def test_without_input_the_boxes_have_no_outputs():
    src = draw_neurons(trained_a_bit()).source
    assert "out " not in src and "grad b" in src


def test_layer_view_has_one_box_per_layer():
    src = draw_neurons(trained_a_bit(), [0.5, 1.0], per="layer").source
    assert "layer 1: 4 × relu" in src and "layer 3: 1 × linear" in src
    assert "zero for this x:" in src
    assert src.count("->") == 2 + 1 + 1


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
