"""micrograd.torch: the same network in PyTorch, and the same gradients.

Most tests need PyTorch (the ``torch`` fixture skips them with a reason when
it is missing); the missing-PyTorch errors are tested by hiding it.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from micrograd import nn
from micrograd.errors import MissingExtraError, ShapeError
from micrograd.losses import mse_loss, svm_loss
from micrograd.nn import MLP, Layer, Module, Neuron
from micrograd.optim import SGD, Adam
from micrograd.torch import (
    TORCH_ACTIVATIONS,
    compare_with_torch,
    from_torch,
    to_torch,
)
from micrograd.training import LOSSES

ACTIVATION_NAMES = sorted(nn.ACTIVATIONS)


def _model(nin: int, nouts: list[int], seed: int = 0, **kwargs) -> MLP:
    random.seed(seed)
    return MLP(nin, nouts, bias_init="uniform", **kwargs)


def _points(n: int, nin: int, seed: int = 1) -> list[list[float]]:
    rng = random.Random(seed)
    return [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]


def _labels(loss: str, n: int, k: int, seed: int = 2) -> list:
    """Labels as each loss in micrograd.losses takes them."""
    rng = random.Random(seed)

    def one():
        if loss == "svm":
            return rng.choice([-1.0, 1.0])
        if loss == "bce":
            return rng.choice([0.0, 1.0, rng.random()])
        return rng.uniform(-3, 3)

    if loss == "cross_entropy":
        return [rng.randrange(k) for _ in range(n)]
    return [one() if k == 1 else [one() for _ in range(k)] for _ in range(n)]


def _outputs(model: Module, x: list[float]) -> list[float]:
    out = model(x)
    return [v.data for v in out] if isinstance(out, list) else [out.data]


# ------------------------------------------------------------ without PyTorch
@pytest.mark.parametrize(
    "call",
    [
        lambda: to_torch(MLP(2, [1])),
        lambda: from_torch(object()),
        lambda: compare_with_torch(MLP(2, [1]), [[0.0, 1.0]], [1.0]),
    ],
    ids=["to_torch", "from_torch", "compare_with_torch"],
)
def test_without_pytorch_each_function_says_pip_install_torch(monkeypatch, call):
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    with pytest.raises(MissingExtraError, match=r"pip install torch$"):
        call()


def test_importing_the_bridge_does_not_import_pytorch_or_hide_it():
    code = (
        "import sys, micrograd.torch as bridge\n"
        "assert 'torch' not in sys.modules, 'imported too early'\n"
        "import torch\n"
        "assert torch is not bridge and hasattr(torch, 'tensor'), torch\n"
        "net = bridge.to_torch(bridge.MLP(2, [1]))\n"
        "assert type(net) is torch.nn.Sequential\n"
    )
    pytest.importorskip("torch", reason="PyTorch is an optional oracle: pip install torch")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ------------------------------------------------------------ to_torch / from_torch
def test_every_activation_of_nn_has_a_pytorch_layer(torch):
    assert set(TORCH_ACTIVATIONS) == set(nn.ACTIVATIONS)
    for layer in TORCH_ACTIVATIONS.values():
        assert layer is None or issubclass(getattr(torch.nn, layer), torch.nn.Module)


def test_to_torch_builds_linear_layers_in_float64_with_the_same_numbers(torch):
    model = _model(2, [16, 16, 1])
    net = to_torch(model)
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    for layer, linear in zip(model.layers, net[::2]):
        assert linear.weight.dtype == torch.float64
        for j, neuron in enumerate(layer.neurons):
            assert [w.data for w in neuron.w] == linear.weight[j].tolist()
            assert neuron.b.data == linear.bias[j].item()


def test_to_torch_leaves_pytorchs_random_stream_alone(torch):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    to_torch(_model(4, [8, 8, 1]))
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("activation", ACTIVATION_NAMES)
def test_round_trip_gives_identical_parameters_and_outputs(torch, activation, fused):
    model = _model(3, [5, 4, 2], activation=activation, output_activation=activation, fused=fused)
    net = to_torch(model)
    back = from_torch(net, fused=fused)
    assert back.state_dict() == model.state_dict()
    assert repr(back) == repr(model)  # the same activations, layer by layer
    X = _points(20, 3)
    with torch.no_grad():
        theirs = net(torch.tensor(X, dtype=torch.float64)).tolist()
    for x, t in zip(X, theirs):
        ours = _outputs(model, x)
        assert _outputs(back, x) == ours
        assert ours == pytest.approx(t, rel=1e-12, abs=1e-12)


def test_a_layer_and_a_neuron_go_to_pytorch_too(torch):
    random.seed(3)
    for model in (Layer(3, 4, activation="tanh"), Neuron(3, activation="sigmoid")):
        net = to_torch(model)
        x = _points(1, 3)[0]
        with torch.no_grad():
            theirs = net(torch.tensor(x, dtype=torch.float64)).tolist()
        assert _outputs(model, x) == pytest.approx(theirs, rel=1e-12)


def test_from_torch_reads_float32_exactly_mixed_activations_and_keeps_random_alone(torch):
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 3),
        torch.nn.Tanh(),
        torch.nn.Linear(3, 3),
        torch.nn.ReLU(),
        torch.nn.Identity(),
        torch.nn.Linear(3, 1),
        torch.nn.Sigmoid(),
    )
    state = random.getstate()
    model = from_torch(net)
    assert random.getstate() == state
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "relu", "sigmoid"]
    assert model.layers[0].neurons[1].w[0].data == net[0].weight[1, 0].item()  # float32, exactly
    x = [0.25, -1.5]
    with torch.no_grad():
        theirs = net(torch.tensor(x)).item()
    assert model(x).data == pytest.approx(theirs, rel=1e-6)


def test_from_torch_takes_a_lone_linear_layer(torch):
    model = from_torch(torch.nn.Linear(3, 2, dtype=torch.float64))
    assert isinstance(model, MLP)
    assert len(model.layers) == 1
    assert model.layers[0].neurons[0].activation == "linear"


def test_from_torch_refuses_what_micrograd_has_not_and_names_the_layer(torch):
    nn_ = torch.nn
    cases = [
        (
            nn_.Sequential(nn_.Linear(2, 4), nn_.Dropout(0.5), nn_.Linear(4, 1)),
            ValueError,
            r"1 \(Dropout",
        ),
        (nn_.Sequential(nn_.Linear(2, 4), nn_.LeakyReLU()), ValueError, r"1 \(LeakyReLU"),
        (nn_.Sequential(nn_.Linear(2, 4, bias=False)), ValueError, "0 .*no bias.*bias=True"),
        (nn_.Sequential(nn_.ReLU(), nn_.Linear(2, 1)), ValueError, "0 .*before any Linear"),
        (nn_.Sequential(nn_.Linear(2, 4), nn_.ReLU(), nn_.Tanh()), ValueError, "2 .*after another"),
        (nn_.Sequential(nn_.Linear(2, 4), nn_.Linear(3, 1)), ShapeError, "1 .*3 inputs.*4 outputs"),
        (nn_.Sequential(nn_.Sequential(nn_.Linear(2, 1))), ValueError, "0 \\(Sequential"),
        (nn_.Sequential(), ValueError, "no Linear layer"),
        (nn_.Conv1d(1, 1, 3), TypeError, "got a Conv1d.*Sequential of Linear"),
    ]
    for module, error, message in cases:
        with pytest.raises(error, match=message):
            from_torch(module)


def test_from_torch_refuses_weights_that_are_not_finite(torch):
    net = torch.nn.Sequential(torch.nn.Linear(2, 1))
    with torch.no_grad():
        net[0].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match="Linear layer 0 holds inf or NaN"):
        from_torch(net)


def test_to_torch_refuses_other_modules_and_mixed_layers(torch):
    class Twice(Module):
        pass

    with pytest.raises(TypeError, match="Twice is not an MLP, Layer or Neuron"):
        to_torch(Twice())
    model = _model(2, [3, 1])
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match=r"layers\.0 use different activations \['relu', 'tanh'\]"):
        to_torch(model)


# ------------------------------------------------------------ compare_with_torch
def test_every_training_loss_has_a_pytorch_twin(torch):
    from micrograd.torch import _torch_losses

    assert set(_torch_losses(torch)) == set(LOSSES)


@st.composite
def cases(draw):
    loss = draw(st.sampled_from(sorted(LOSSES)))
    nin = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 5), max_size=2))
    k = draw(st.integers(2 if loss == "cross_entropy" else 1, 3))
    kwargs = {
        "activation": draw(st.sampled_from(ACTIVATION_NAMES)),
        "output_activation": draw(st.sampled_from(ACTIVATION_NAMES)),
        "fused": draw(st.booleans()),
    }
    n = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    return loss, nin, [*hidden, k], kwargs, n, seed


@given(case=cases())
def test_gradients_agree_with_pytorch_for_random_mlps_activations_and_losses(torch, case):
    loss, nin, sizes, kwargs, n, seed = case
    model, X = _model(nin, sizes, seed, **kwargs), _points(n, nin, seed)
    y = _labels(loss, n, sizes[-1], seed)
    report = compare_with_torch(model, X, y, loss=loss)
    assert report.ok, report.table(max_rows=None)
    for d in report.differences:  # relatively close, or rounding around an exact 0
        assert d.rel_diff < 1e-9 or d.abs_diff < 1e-14, report.table(max_rows=None)
    assert list(report.gradients) == [name for name, _ in model.named_parameters()]
    for name, p in model.named_parameters():  # the model's own grads are this pass's
        assert report.gradients[name].micrograd == p.grad


def test_numpy_inputs_and_labels_give_the_same_report(torch):
    np = pytest.importorskip("numpy")
    model = _model(2, [4, 3])
    X, y = _points(10, 2), _labels("cross_entropy", 10, 3)
    as_lists = compare_with_torch(model, X, y, loss="cross_entropy")
    as_arrays = compare_with_torch(model, np.array(X), np.array(y), loss="cross_entropy")
    assert as_arrays == as_lists
    assert as_lists.ok


def test_one_input_models_take_a_list_of_numbers(torch):
    report = compare_with_torch(_model(1, [3, 1]), [0.5, -1.0, 2.0], [1.0, 2.0, 3.0])
    assert report.ok
    assert report.samples == 3


def test_a_loss_function_can_be_passed_instead_of_its_name(torch):
    model, X = _model(2, [4, 1]), _points(6, 2)
    y = _labels("svm", 6, 1)
    assert compare_with_torch(model, X, y, loss=svm_loss).loss_name == "svm"
    assert compare_with_torch(model, X, y, loss=mse_loss).loss_name == "mse"


def test_a_weight_changed_on_one_side_is_reported_as_different(torch):
    model, X = _model(2, [6, 6, 1], activation="tanh"), _points(12, 2)
    y = _labels("svm", 12, 1)
    net = to_torch(model)
    with torch.no_grad():
        net[2].weight[3, 1] += 0.05  # layers.1.neurons.3.w.1, in PyTorch only
    report = compare_with_torch(model, X, y, loss="svm", torch_model=net)
    assert not report.ok
    assert report.loss in report.mismatches
    assert report.gradients["layers.1.neurons.3.w.1"].micrograd != 0
    assert report.max_rel_diff > 1e-4
    text = repr(report)
    assert text.count("<-- differs") >= 2
    assert "DIFFERENT" in text
    assert "differs" not in repr(compare_with_torch(model, X, y, loss="svm"))

    untouched = to_torch(_model(2, [6, 6, 1], activation="tanh"))
    model.layers[0].neurons[0].b.data += 0.05  # now in micrograd only
    assert not compare_with_torch(model, X, y, loss="svm", torch_model=untouched).ok


def test_the_report_reads_as_a_table_by_parameter_name(torch):
    model, X = _model(2, [2, 1]), _points(4, 2)
    report = compare_with_torch(model, X, _labels("mse", 4, 1))
    lines = repr(report).splitlines()
    assert lines[0] == (
        "micrograd vs PyTorch (float64): MLP 2 -> 2 -> 1 (relu, linear), loss 'mse' on 4 samples"
    )
    assert lines[1].split() == ["micrograd", "PyTorch", "abs", "diff", "rel", "diff"]
    assert lines[2].split()[0] == "loss"
    assert lines[3] == "gradients of the 9 parameters:"
    assert [line.split()[0] for line in lines[4:-1]] == [n for n, _ in model.named_parameters()]
    assert lines[-1].startswith("the same: all 10 numbers agree within rtol=1e-09")
    assert report.loss.micrograd == pytest.approx(report.loss.pytorch, rel=1e-12)
    html = report._repr_html_()
    assert "<table" in html and "layers.1.neurons.0.b" in html and "the same" in html


def test_a_big_report_shows_the_largest_differences_and_keeps_them_all(torch):
    model = _model(2, [16, 16, 1])
    report = compare_with_torch(model, _points(5, 2), _labels("svm", 5, 1), loss="svm")
    assert len(report.gradients) == 337
    text = repr(report)
    assert "the 20 largest differences of 337 parameters" in text
    assert len(text.splitlines()) == 4 + 20 + 1
    assert len(report.table(max_rows=None).splitlines()) == 4 + 337 + 1
    assert report.worst.rel_diff == report.max_rel_diff


def test_a_float32_pytorch_model_is_named_in_the_report(torch):
    model, X = _model(2, [4, 1], activation="tanh"), _points(8, 2)
    report = compare_with_torch(model, X, _labels("mse", 8, 1), torch_model=to_torch(model).float())
    assert report.dtype == "float32"
    assert not report.ok
    assert "PyTorch computed in float32" in report.summary()


def test_compare_with_torch_explains_bad_input(torch):
    model, X = _model(2, [3, 1]), _points(4, 2)
    y = _labels("mse", 4, 1)
    cases = [
        (lambda: compare_with_torch(model, X, y, loss="hinge"), ValueError, "loss='hinge'"),
        (
            lambda: compare_with_torch(model, X, [0, 1, 0, 1], loss="svm"),
            ValueError,
            "signed_labels",
        ),
        (
            lambda: compare_with_torch(model, X, [0, 1, 0, 1], loss="cross_entropy"),
            ShapeError,
            "one output per class",
        ),
        (
            lambda: compare_with_torch(model, [[1.0, 2.0, 3.0]], [1.0]),
            ShapeError,
            "takes 2 inputs, but X\\[0\\] has 3",
        ),
        (lambda: compare_with_torch(model, X, y[:3]), ShapeError, "4 points in X but 3 labels"),
        (lambda: compare_with_torch(model, [], []), ValueError, "X is empty"),
        (lambda: compare_with_torch(model, X, 1.0), TypeError, "y must be a list"),
        (lambda: compare_with_torch(model, [["a", 1.0]], [1.0]), TypeError, "X\\[0\\]"),
        (
            lambda: compare_with_torch(_model(2, [3, 2]), X, y),
            ShapeError,
            "y\\[0\\] must be a list of 2",
        ),
        (
            lambda: compare_with_torch(model, X, y, torch_model=to_torch(_model(2, [4, 1]))),
            ShapeError,
            "torch_model is 2 -> 4 -> 1, but the model is 2 -> 3 -> 1",
        ),
        (lambda: compare_with_torch(object(), X, y), TypeError, "object is not an MLP"),
        (lambda: compare_with_torch(model, X, y, rtol=-1), ValueError, "rtol=-1 must be"),
        (lambda: compare_with_torch(model, X, y, atol="0"), TypeError, "atol"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


# ------------------------------------------------------------ optimisers
OPTIMISERS = {
    "sgd": (lambda p: SGD(p, lr=0.05), lambda t, p: t.optim.SGD(p, lr=0.05)),
    "momentum": (
        lambda p: SGD(p, lr=0.05, momentum=0.9),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "nesterov": (
        lambda p: SGD(p, lr=0.03, momentum=0.9, nesterov=True),
        lambda t, p: t.optim.SGD(p, lr=0.03, momentum=0.9, nesterov=True),
    ),
    "weight decay": (
        lambda p: SGD(p, lr=0.05, momentum=0.5, weight_decay=0.01),
        lambda t, p: t.optim.SGD(p, lr=0.05, momentum=0.5, weight_decay=0.01),
    ),
    "adam": (lambda p: Adam(p, lr=0.01), lambda t, p: t.optim.Adam(p, lr=0.01)),
    "adam weight decay": (
        lambda p: Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
        lambda t, p: t.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05),
    ),
}


@pytest.mark.parametrize("which", list(OPTIMISERS))
def test_optimisers_follow_torch_optim_step_for_step(torch, which):
    ours_for, theirs_for = OPTIMISERS[which]
    model, X = _model(2, [5, 5, 1], activation="tanh"), _points(16, 2)
    y = _labels("mse", 16, 1)
    net = to_torch(model)
    ours, theirs = ours_for(model.parameters()), theirs_for(torch, net.parameters())
    for step in range(50):
        # One backward pass on both sides, then one step each. The two roundings differ
        # by about 1e-16 per step; the learning rates are small enough that training is
        # stable, so that difference does not grow (at lr=0.1, plain SGD doubles it every
        # step after step 30, which says nothing about the optimiser).
        report = compare_with_torch(model, X, y, loss="mse", torch_model=net)
        assert report.ok, f"step {step}\n{report}"
        ours.step()
        theirs.step()
        expected = from_torch(net).state_dict()
        assert model.state_dict() == pytest.approx(expected, rel=1e-9, abs=1e-12), f"step {step}"
    start = compare_with_torch(_model(2, [5, 5, 1], activation="tanh"), X, y)
    assert report.loss.micrograd < start.loss.micrograd  # and it did learn something


def test_rounding_around_an_exact_zero_gradient_is_explained(torch):
    # A case Hypothesis found: the bias's gradient is exactly 0 in exact arithmetic;
    # PyTorch gets 0, we get ±5.6e-17 (the sign depends on the order in which the
    # engine adds up the contributions). A relative difference of 100%, and nothing at all.
    model = _model(1, [1], 2135, activation="linear", fused=False)
    report = compare_with_torch(model, _points(6, 1, 2135), _labels("svm", 6, 1, 2135), "svm")
    grad = report.gradients["layers.0.neurons.0.b"]
    assert grad.pytorch == 0.0 and 0 < grad.abs_diff < 1e-15 and grad.rel_diff == 1.0
    assert report.ok
    assert re.search(
        r"\(layers\.0\.neurons\.0\.b, -?5\.6e-17 against 0\.0e\+00: rounding around a "
        r"gradient that is exactly 0\)$",
        report.summary(),
    )


def test_the_readme_example_runs_and_says_the_same(torch, capsys):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## From micrograd to PyTorch", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.strip().splitlines()) == 6
    exec(code, {})
    printed = capsys.readouterr().out
    assert "of 337 parameters" in printed
    assert "the same: all 338 numbers agree" in printed


def test_a_layer_and_a_neuron_compare_by_their_own_parameter_names(torch):
    random.seed(4)
    X = _points(5, 3)
    neuron_report = compare_with_torch(Neuron(3, activation="tanh"), X, _labels("mse", 5, 1))
    assert list(neuron_report.gradients) == ["w.0", "w.1", "w.2", "b"]
    layer_report = compare_with_torch(
        Layer(3, 2), X, _labels("cross_entropy", 5, 2), "cross_entropy"
    )
    assert list(layer_report.gradients)[:2] == ["neurons.0.w.0", "neurons.0.w.1"]
    assert neuron_report.ok and layer_report.ok


def test_a_torch_model_without_gradients_is_explained(torch):
    model = _model(2, [3, 1], activation="tanh")
    net = to_torch(model).requires_grad_(False)
    X, y = _points(4, 2), _labels("mse", 4, 1)
    with pytest.raises(ValueError, match="requires_grad"):
        compare_with_torch(model, X, y, loss="mse", torch_model=net)
    with torch.inference_mode(), pytest.raises(RuntimeError, match="inference_mode"):
        compare_with_torch(model, X, y, loss="mse")
