"""micrograd and PyTorch side by side: export, import, and gradients compared.

A learner who finishes the course moves on to PyTorch. These three functions
make that step something you can check rather than take on trust:

* ``to_torch(model)``: the same network as a ``torch.nn.Sequential`` of
  ``Linear`` and activation layers, in float64, with the same numbers:
  ``weight[j][i]`` is ``neurons[j].w[i]`` and ``bias[j]`` is ``neurons[j].b``.
* ``from_torch(module)``: the way back, for a ``Sequential`` of ``Linear``
  layers and the activations micrograd has.
* ``compare_with_torch(model, X, y, loss=...)``: one forward and backward
  pass on both sides, and a report of how far the loss and every gradient
  differ, by the names ``model.named_parameters()`` gives them.

PyTorch is optional: it is imported inside each function, and without it each
one raises ``MissingExtraError`` saying ``pip install torch``. (This module is
``micrograd.torch``; ``import torch`` inside it still finds the real PyTorch,
because imports are absolute.)
"""

from __future__ import annotations

import html
import math
import numbers
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from micrograd.engine import _as_float
from micrograd.errors import ShapeError, require
from micrograd.nn import MLP, Layer, Module, Neuron
from micrograd.training import LOSSES

if TYPE_CHECKING:
    import torch

# Our activation name -> the torch.nn layer that computes it (None: no layer at all).
TORCH_ACTIVATIONS: dict[str, str | None] = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "linear": None,
}


def _torch(who: str) -> Any:
    return require("torch", extra=None, purpose=f"micrograd.torch.{who}")


def _torch_losses(torch: Any) -> dict[str, Callable[[Any, Any], Any]]:
    """PyTorch's version of each loss in ``training.LOSSES``, same name, same mean."""
    F = torch.nn.functional
    return {
        "svm": lambda z, y: torch.relu(1 - y * z).mean(),  # PyTorch has no such loss: written out
        "mse": F.mse_loss,
        "bce": F.binary_cross_entropy_with_logits,
        "cross_entropy": F.cross_entropy,
    }


# ------------------------------------------------------------ the structure
class _Layer(NamedTuple):
    where: str  # how a message names it: 'layers.1', or 'the layer'
    neurons: list[Neuron]
    activation: str


def _layers(model: Module, who: str) -> list[_Layer]:
    """The model as layers of neurons, each layer with one activation, or a clear refusal."""
    if isinstance(model, MLP):
        layers = [(f"layers.{i}", layer.neurons) for i, layer in enumerate(model.layers)]
    elif isinstance(model, Layer):
        layers = [("the layer", model.neurons)]
    elif isinstance(model, Neuron):
        layers = [("the neuron", [model])]
    else:
        raise TypeError(
            f"{who}: {type(model).__name__} is not an MLP, Layer or Neuron. Those are what "
            "a PyTorch Sequential of Linear layers can stand for; build your model from them."
        )
    out = []
    for where, neurons in layers:
        activations = sorted({n.activation for n in neurons})
        if len(activations) > 1:
            raise ValueError(
                f"{who}: the neurons of {where} use different activations {activations}, "
                "but a PyTorch layer applies one activation to all of its outputs. "
                "Give every neuron of a layer the same activation."
            )
        nins = {len(n.w) for n in neurons}
        expected = len(out[-1].neurons) if out else None
        if len(nins) > 1 or (expected is not None and nins != {expected}):
            raise ShapeError(
                f"{who}: the neurons of {where} take {sorted(nins)} inputs"
                + (f", but the layer before has {expected} outputs." if expected else ".")
                + " Build the model with MLP(nin, [sizes]) so that the sizes fit."
            )
        if activations[0] not in TORCH_ACTIVATIONS:
            raise ValueError(
                f"{who}: {where} uses activation {activations[0]!r}, which has no PyTorch "
                f"layer here; use one of {sorted(TORCH_ACTIVATIONS)}."
            )
        out.append(_Layer(where, neurons, activations[0]))
    return out


def _torch_layers(torch: Any, module: Any, who: str) -> list[tuple[Any, str]]:
    """A Sequential as (Linear, activation name) pairs, or a refusal naming the layer."""
    nn = torch.nn
    if isinstance(module, nn.Linear):
        children = [("0", module)]
    elif isinstance(module, nn.Sequential):
        children = list(module.named_children())
    else:
        raise TypeError(
            f"{who}: got a {type(module).__name__}; micrograd reads a torch.nn.Sequential of "
            "Linear layers, each followed by ReLU, Tanh, Sigmoid or nothing."
        )
    activations = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
    layers: list[tuple[Any, str]] = []
    after_linear = False  # an activation must come right after a Linear layer
    for name, child in children:
        if isinstance(child, nn.Identity):
            continue
        if isinstance(child, nn.Linear):
            if child.bias is None:
                raise ValueError(
                    f"{who}: layer {name} ({child}) has no bias, but every micrograd neuron "
                    "has one. Build it with bias=True."
                )
            if layers and child.in_features != layers[-1][0].out_features:
                raise ShapeError(
                    f"{who}: layer {name} ({child}) takes {child.in_features} inputs, but the "
                    f"layer before it has {layers[-1][0].out_features} outputs."
                )
            layers.append((child, "linear"))
            after_linear = True
        elif type(child) in activations and after_linear:
            layers[-1] = (layers[-1][0], activations[type(child)])
            after_linear = False
        elif type(child) in activations:
            place = "after another activation" if layers else "before any Linear layer"
            raise ValueError(
                f"{who}: layer {name} ({child}) comes {place}; in micrograd each activation "
                "belongs to the Linear layer right before it."
            )
        else:
            raise ValueError(
                f"{who}: layer {name} ({child}) has no micrograd counterpart. micrograd's MLP "
                "is Linear layers with ReLU, Tanh, Sigmoid or no activation after each."
            )
    if not layers:
        raise ValueError(f"{who}: the Sequential holds no Linear layer; there is nothing to read.")
    return layers


def _sizes(nin: int, nouts: Sequence[int]) -> str:
    return " -> ".join(str(n) for n in (nin, *nouts))


# ------------------------------------------------------------ to and from
def to_torch(model: Module) -> torch.nn.Sequential:
    """The same network as a float64 ``torch.nn.Sequential``, with the same numbers.

    Each layer becomes ``Linear(nin, nout)`` with ``weight[j][i] = neurons[j].w[i]``
    and ``bias[j] = neurons[j].b``, followed by ``ReLU()``, ``Tanh()`` or
    ``Sigmoid()``, or by nothing for a linear layer (so the usual linear output
    layer is a bare ``Linear``). ``MLP(2, [16, 16, 1])`` becomes
    ``Sequential(Linear(2, 16), ReLU(), Linear(16, 16), ReLU(), Linear(16, 1))``.
    The result is a copy: training one does not change the other.
    A ``Layer`` or a lone ``Neuron`` works too (one ``Linear``).
    """
    torch = _torch("to_torch")
    modules = []
    for layer in _layers(model, "to_torch"):
        neurons = layer.neurons
        # skip_init: no random initial weights, so the user's torch.manual_seed stream is untouched.
        linear = torch.nn.utils.skip_init(
            torch.nn.Linear, len(neurons[0].w), len(neurons), dtype=torch.float64
        )
        with torch.no_grad():  # float64 on both ends: torch.tensor alone would round to float32
            weight = [[w.data for w in n.w] for n in neurons]
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor([n.b.data for n in neurons], dtype=torch.float64))
        modules.append(linear)
        activation = TORCH_ACTIVATIONS[layer.activation]
        if activation is not None:
            modules.append(getattr(torch.nn, activation)())
    return torch.nn.Sequential(*modules)


def from_torch(module: torch.nn.Module, *, fused: bool = True) -> MLP:
    """An ``MLP`` with the numbers and activations of a PyTorch ``Sequential``.

    The module must be ``Linear`` layers (with a bias), each followed by
    ``ReLU``, ``Tanh``, ``Sigmoid`` or nothing (``Identity`` is skipped); a
    lone ``Linear`` works too. Anything else raises an error naming the layer.
    Weights of any float dtype are read exactly as Python floats. ``fused``
    is passed on to ``MLP`` (False builds each neuron from ``*`` and ``+``).
    Python's global ``random`` state is left as it was.
    """
    torch = _torch("from_torch")
    layers = _torch_layers(torch, module, "from_torch")
    saved = random.getstate()  # MLP draws initial weights that we overwrite at once
    try:
        model = MLP(layers[0][0].in_features, [lin.out_features for lin, _ in layers], fused=fused)
    finally:
        random.setstate(saved)
    for i, (ours, (linear, activation)) in enumerate(zip(model.layers, layers)):
        weight = linear.weight.detach().cpu().double().tolist()
        bias = linear.bias.detach().cpu().double().tolist()
        if not all(math.isfinite(x) for row in [*weight, bias] for x in row):
            raise ValueError(
                f"from_torch: Linear layer {i} holds inf or NaN; micrograd needs finite numbers."
            )
        for neuron, row, b in zip(ours.neurons, weight, bias):
            for w, x in zip(neuron.w, row):
                w.data = x
            neuron.b.data = b
            neuron.activation = activation
            neuron.nonlin = activation != "linear"
    return model


# ------------------------------------------------------------ the report
class Difference(NamedTuple):
    """One number computed on both sides, and how far apart the two are."""

    name: str  # 'loss', or a parameter's name from model.named_parameters()
    micrograd: float
    pytorch: float
    abs_diff: float  # |micrograd - pytorch|
    rel_diff: float  # abs_diff / max(|micrograd|, |pytorch|); 0 when both are equal


def _difference(name: str, ours: float, theirs: float) -> Difference:
    gap = abs(ours - theirs)
    scale = max(abs(ours), abs(theirs))
    return Difference(name, ours, theirs, gap, gap / scale if gap else 0.0)


@dataclass(frozen=True)
class TorchComparison:
    """What ``compare_with_torch`` found: the loss and every gradient, on both sides.

    A number counts as the same when it is within ``rtol`` relative or
    ``atol`` absolute (``math.isclose``): the absolute floor is for gradients
    that are zero in exact arithmetic, where rounding leaves 1e-17 on one side
    and 0 on the other, a relative difference of 100%.
    """

    architecture: str  # e.g. 'MLP 2 -> 16 -> 16 -> 1 (relu, relu, linear)'
    loss_name: str  # 'svm', 'mse', 'bce' or 'cross_entropy'
    samples: int
    loss: Difference
    gradients: dict[str, Difference]  # in the order of model.named_parameters()
    rtol: float = 1e-9
    atol: float = 1e-12
    dtype: str = "float64"  # PyTorch's side; ours is always Python's float64

    @property
    def differences(self) -> list[Difference]:
        """The loss first, then every gradient."""
        return [self.loss, *self.gradients.values()]

    @property
    def max_abs_diff(self) -> float:
        return max(d.abs_diff for d in self.differences)

    @property
    def max_rel_diff(self) -> float:
        return max(d.rel_diff for d in self.differences)

    @property
    def worst(self) -> Difference:
        """The number with the largest relative difference (then the largest absolute one)."""
        return max(self.differences, key=lambda d: (d.rel_diff, d.abs_diff))

    def is_close(self, d: Difference) -> bool:
        return math.isclose(d.micrograd, d.pytorch, rel_tol=self.rtol, abs_tol=self.atol)

    @property
    def mismatches(self) -> list[Difference]:
        """Every number that differs by more than the tolerance."""
        return [d for d in self.differences if not self.is_close(d)]

    @property
    def ok(self) -> bool:
        """True when the loss and every gradient agree within the tolerance."""
        return not self.mismatches

    def summary(self) -> str:
        worst = self.worst
        if self.ok:
            near_zero = ""
            if worst.rel_diff > self.rtol:
                near_zero = (
                    f", {worst.micrograd:.1e} against {worst.pytorch:.1e}: rounding around "
                    "a gradient that is exactly 0"
                )
            return (
                f"the same: all {len(self.differences)} numbers agree within rtol={self.rtol:g} "
                f"(atol={self.atol:g}); the largest relative difference is "
                f"{worst.rel_diff:.1e} ({worst.name}{near_zero})"
            )
        hint = ""
        if self.dtype != "float64":
            hint = (
                f". PyTorch computed in {self.dtype}, whose rounding alone gives differences "
                "like these: compare with torch_model.double()"
            )
        return (
            f"DIFFERENT: {len(self.mismatches)} of {len(self.differences)} numbers differ by "
            f"more than rtol={self.rtol:g} (atol={self.atol:g}); the largest relative "
            f"difference is {worst.rel_diff:.1e} ({worst.name}){hint}"
        )

    def _shown(self, max_rows: int | None) -> tuple[list[Difference], str]:
        grads = list(self.gradients.values())
        if max_rows is None or len(grads) <= max_rows:
            return grads, f"gradients of the {len(grads)} parameters"
        worst = sorted(grads, key=lambda d: (d.rel_diff, d.abs_diff), reverse=True)[:max_rows]
        return worst, (
            f"gradients: the {max_rows} largest differences of {len(grads)} parameters "
            "(report.gradients has them all)"
        )

    def table(self, max_rows: int | None = 20) -> str:
        """The report as text; ``max_rows=None`` lists every parameter."""
        grads, title = self._shown(max_rows)
        width = max(len(d.name) for d in [self.loss, *grads])
        header = (
            f"{'':{width}}  {'micrograd':>22}  {'PyTorch':>22}  {'abs diff':>8}  {'rel diff':>8}"
        )

        def row(d: Difference) -> str:
            mark = "" if self.is_close(d) else "  <-- differs"
            return (
                f"{d.name:{width}}  {d.micrograd:>22.15g}  {d.pytorch:>22.15g}  "
                f"{d.abs_diff:>8.1e}  {d.rel_diff:>8.1e}{mark}"
            )

        lines = [
            f"micrograd vs PyTorch ({self.dtype}): {self.architecture}, "
            f"loss {self.loss_name!r} on {self.samples} samples",
            header,
            row(self.loss),
            title + ":",
            *(row(d) for d in grads),
            self.summary(),
        ]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        """The same table for Jupyter; numbers out of tolerance in red."""
        grads, title = self._shown(20)
        cell = "style='padding:1px 0.8em;text-align:right;font-family:monospace'"

        def row(d: Difference) -> str:
            style = "" if self.is_close(d) else " style='color:#b00020;font-weight:bold'"
            numbers = (
                f"{d.micrograd:.15g}",
                f"{d.pytorch:.15g}",
                f"{d.abs_diff:.1e}",
                f"{d.rel_diff:.1e}",
            )
            return (
                f"<tr{style}><td {cell.replace('right', 'left')}>{html.escape(d.name)}</td>"
                + "".join(f"<td {cell}>{x}</td>" for x in numbers)
                + "</tr>"
            )

        heading = html.escape(
            f"micrograd vs PyTorch ({self.dtype}): {self.architecture}, "
            f"loss {self.loss_name!r} on {self.samples} samples"
        )
        head = "".join(
            f"<th {cell}>{h}</th>" for h in ("", "micrograd", "PyTorch", "abs diff", "rel diff")
        )
        verdict = "color:#1b5e20" if self.ok else "color:#b00020;font-weight:bold"
        return (
            f"<div><p><b>{heading}</b></p><table><tr>{head}</tr>{row(self.loss)}"
            f"<tr><th colspan='5' style='text-align:left;padding-top:0.5em'>{html.escape(title)}"
            f"</th></tr>{''.join(row(d) for d in grads)}</table>"
            f"<p style='{verdict}'>{html.escape(self.summary())}</p></div>"
        )


# ------------------------------------------------------------ the comparison
def _loss_name(loss: str | Callable, who: str) -> str:
    """A name from ``training.LOSSES``; the loss function itself works too."""
    for name, fn in LOSSES.items():
        if loss == name or loss is fn:
            return name
    raise ValueError(
        f"{who}: loss={loss!r} is not one PyTorch has too; choose one of {list(LOSSES)} "
        "(or the functions mse_loss, svm_loss, bce_with_logits, cross_entropy)."
    )


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) or getattr(x, "shape", None) == ()


def _as_list(data: object, what: str, who: str) -> list:
    if isinstance(data, str) or _is_number(data):
        raise TypeError(f"{who}: {what} must be a list with one entry per sample, got {data!r}.")
    try:
        return list(data)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(
            f"{who}: {what} must be a list with one entry per sample, got {type(data).__name__}."
        ) from None


def _as_points(X: object, nin: int, who: str) -> list[list[float]]:
    """Plain float rows of ``nin`` numbers; a lone number is a point when nin is 1."""
    points = []
    for i, row in enumerate(_as_list(X, "X", who)):
        if nin == 1 and _is_number(row):
            row = [row]
        if isinstance(row, str) or not hasattr(row, "__len__") or _is_number(row):
            raise TypeError(f"{who}: X[{i}] is {row!r}, not a list of {nin} numbers.")
        if len(row) != nin:
            raise ShapeError(
                f"{who}: the model takes {nin} inputs, but X[{i}] has {len(row)}. "
                f"Each point of X is a list of {nin} numbers."
            )
        points.append([_as_float(v, f"{who} X[{i}]") for v in row])
    if not points:
        raise ValueError(f"{who}: X is empty; give at least one data point.")
    return points


def _flat_targets(labels: list, k: int, who: str) -> list[float]:
    """One number per output: a list of numbers for one output, of k-lists for k outputs."""
    flat: list[float] = []
    for i, t in enumerate(labels):
        row = [t] if _is_number(t) else t
        if isinstance(row, str) or not hasattr(row, "__len__") or len(row) != k:
            want = "a number" if k == 1 else f"a list of {k} numbers, one per output"
            raise ShapeError(
                f"{who}: the model has {k} output(s), so y[{i}] must be {want}; got {t!r}."
            )
        flat.extend(_as_float(v, f"{who} y[{i}]") for v in row)
    return flat


def compare_with_torch(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence,
    loss: str | Callable = "mse",
    *,
    torch_model: torch.nn.Module | None = None,
    rtol: float = 1e-9,
    atol: float = 1e-12,
) -> TorchComparison:
    """One forward and backward pass in micrograd and in PyTorch; how far apart they are.

    * ``X``: the points, a list (or NumPy array) of ``nin`` numbers each.
    * ``y``: the labels, as the loss in ``micrograd.losses`` takes them:
      'svm' -1/+1, 'bce' 0/1 (or probabilities), 'mse' any numbers,
      'cross_entropy' class indices 0..k-1 for a model with k outputs. For
      'svm', 'bce' and 'mse' a model with k > 1 outputs needs k numbers per
      point, and the loss is the mean over all of them (as in PyTorch).
    * ``loss``: a name from ``micrograd.training.LOSSES`` or the loss function.
    * ``torch_model``: a PyTorch Sequential to compare with, e.g. one you
      built by hand; by default ``to_torch(model)``. Its Linear layers must
      have the model's sizes, so that the gradients pair up by name.

    Afterwards each parameter's ``.grad`` holds this pass's gradient, on
    both sides. The returned ``TorchComparison`` prints as a table.
    """
    who = "compare_with_torch"
    torch = _torch(who)
    for tolerance, value in (("rtol", rtol), ("atol", atol)):
        if not _as_float(value, f"{who} {tolerance}") >= 0:
            raise ValueError(f"{who}: {tolerance}={value!r} must be a number >= 0.")
    layers = _layers(model, who)
    name = _loss_name(loss, who)
    nin = len(layers[0].neurons[0].w)
    points = _as_points(X, nin, who)
    labels = _as_list(y, "y", who)
    if len(labels) != len(points):
        raise ShapeError(f"{who}: {len(points)} points in X but {len(labels)} labels in y.")
    k = len(layers[-1].neurons)
    if name == "cross_entropy" and k == 1:
        raise ShapeError(
            f"{who}: loss 'cross_entropy' needs one output per class, but the model has one "
            "output. Build it with e.g. MLP(2, [16, 3]), or use 'svm', 'bce' or 'mse'."
        )

    # micrograd: the same steps as one step of training.train
    model.zero_grad()
    outputs = [model(x) for x in points]
    if name == "cross_entropy":
        targets: list = labels
        ours = LOSSES[name](outputs, labels)  # checks the class indices
    else:
        targets = _flat_targets(labels, k, who)
        flat = [v for out in outputs for v in (out if isinstance(out, list) else [out])]
        ours = LOSSES[name](flat, targets)  # checks the labels, e.g. -1/+1 for 'svm'
    ours.backward()

    # PyTorch: the same pass on a Sequential
    net = to_torch(model) if torch_model is None else torch_model
    torch_layers = _torch_layers(torch, net, who)
    shapes = [tuple(lin.weight.shape) for lin, _ in torch_layers]
    if shapes != [(len(layer.neurons), len(layer.neurons[0].w)) for layer in layers]:
        theirs = _sizes(shapes[0][1], [s[0] for s in shapes])
        raise ShapeError(
            f"{who}: torch_model is {theirs}, but the model is "
            f"{_sizes(nin, [len(layer.neurons) for layer in layers])}; the layers must have "
            "the same sizes for the gradients to pair up."
        )
    first = torch_layers[0][0].weight
    dtype, device = first.dtype, first.device
    for linear, _ in torch_layers:
        if not (linear.weight.requires_grad and linear.bias.requires_grad):
            raise ValueError(
                f"{who}: {linear} of torch_model has requires_grad=False, so PyTorch cannot "
                "give its gradients; call torch_model.requires_grad_(True) first."
            )
    if torch.is_inference_mode_enabled():
        raise RuntimeError(
            f"{who}: called inside torch.inference_mode(), where PyTorch records no "
            "gradients; call it outside that block."
        )
    for p in net.parameters():
        p.grad = None
    with torch.enable_grad():
        scores = net(torch.tensor(points, dtype=dtype, device=device))
        if name == "cross_entropy":
            answers = torch.tensor([int(c) for c in targets], device=device)
            theirs_loss = _torch_losses(torch)[name](scores, answers)
        else:
            answers = torch.tensor(targets, dtype=dtype, device=device)
            theirs_loss = _torch_losses(torch)[name](scores.reshape(-1), answers)
        theirs_loss.backward()

    names = {id(p): n for n, p in model.named_parameters()}
    gradients = {}
    for layer, (linear, _) in zip(layers, torch_layers):
        if linear.weight.grad is None or linear.bias.grad is None:
            raise ValueError(
                f"{who}: {linear} of torch_model got no gradient; set requires_grad=True "
                "on its parameters."
            )
        weight_grad, bias_grad = linear.weight.grad.tolist(), linear.bias.grad.tolist()
        for neuron, row, b in zip(layer.neurons, weight_grad, bias_grad):
            for w, g in zip(neuron.w, row):
                gradients[names[id(w)]] = _difference(names[id(w)], w.grad, g)
            gradients[names[id(neuron.b)]] = _difference(names[id(neuron.b)], neuron.b.grad, b)
    order = [n for n, _ in model.named_parameters()]
    activations = ", ".join(layer.activation for layer in layers)
    return TorchComparison(
        architecture=f"{type(model).__name__} {_sizes(nin, [len(la.neurons) for la in layers])} "
        f"({activations})",
        loss_name=name,
        samples=len(points),
        loss=_difference("loss", ours.data, theirs_loss.item()),
        gradients={n: gradients[n] for n in order},
        rtol=rtol,
        atol=atol,
        dtype=str(dtype).removeprefix("torch."),
    )
