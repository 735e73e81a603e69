"""Neurons, layers and multi-layer perceptrons built from ``Value``.

The vocabulary follows PyTorch's ``nn.Module`` (``parameters()``,
``zero_grad()``, ``state_dict()``), so what you learn here carries over.

The defaults match the original micrograd exactly: weights drawn with
``random.uniform(-1, 1)`` in the same order, biases starting at 0, ReLU in the
hidden layers and a linear output layer. After ``random.seed(1337)`` you get
the very same network, and the very same training run, as its demo.
``MLP(2, [16, 16, 1], rng=random.Random(1337))`` gives that network too, from a
generator of its own, without touching the global ``random`` state.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence

from micrograd.engine import Operand, Value, _neuron_inputs, _weighted_node
from micrograd.errors import ShapeError
from micrograd.modelfile import check_state, read_state, write_state

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": lambda v: v,
}
BIAS_INITS = ("zero", "uniform")


class Module:
    """Anything with parameters: the base of Neuron, Layer and MLP."""

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()``.

        Neuron, Layer and MLP list them directly: training asks for them every
        step, and building the names each time would cost more than it should.
        """
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """(name, parameter) pairs, e.g. ``('layers.0.neurons.3.w.1', Value(...))``.

        A Module of your own gets this for free: its attributes that are Values,
        Modules, or lists of them are named after the attribute (``'a.neurons.0.b'``).
        If it only writes ``parameters()``, as the original micrograd's modules do,
        the names are the positions in that list (``'0'``, ``'1'``, ...), so
        ``state_dict()``, ``save()`` and ``load()`` still see every parameter.
        """
        if type(self).parameters is not Module.parameters:
            for i, p in enumerate(self.parameters()):
                yield str(i), p
            return
        for name, value in vars(self).items():
            yield from _named(name, value)

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0 before the next ``backward()``."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Every parameter's number by name, ready for ``json.dump``."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Copy numbers from ``state_dict()`` back in; the names must match exactly.

        All or nothing: the whole state is checked (names, and a finite number
        for each) before any parameter changes, so a bad state leaves the model as it was.
        """
        numbers = check_state(state)
        own = dict(self.named_parameters())
        missing = sorted(own.keys() - numbers.keys())
        unexpected = sorted(numbers.keys() - own.keys())
        if missing or unexpected:
            raise KeyError(
                f"load_state_dict: the state does not fit this {type(self).__name__}. "
                f"Missing: {missing[:5]}{'...' if len(missing) > 5 else ''}; "
                f"unexpected: {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}. "
                "Build the model with the same sizes as the one that was saved."
            )
        for name, p in own.items():
            p.data = numbers[name]

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` to ``path`` as strict JSON (see ``micrograd.modelfile``).

        Atomic: the old file at ``path`` survives any failure. A non-finite
        parameter raises ValueError naming it, and nothing is written.
        """
        write_state(path, self.state_dict())

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by ``save()``; a bad file changes nothing and says why.

        Only a regular file of at most 64 MiB is read (``/dev/zero`` would never end).
        """
        self.load_state_dict(read_state(path))


def _uniform(rng: random.Random | None) -> Callable[[float, float], float]:
    """``rng.uniform``, or the global ``random.uniform`` (as the original) when rng is None."""
    if rng is None:
        return random.uniform
    if not isinstance(rng, random.Random):
        raise TypeError(
            f"rng={rng!r}: give a random.Random, e.g. rng=random.Random(0), or leave it out "
            "to draw from the global random module."
        )
    return rng.uniform


def _named(prefix: str, value: object) -> Iterator[tuple[str, Value]]:
    """The parameters inside one attribute of a Module, named by where they are."""
    if isinstance(value, Value):
        yield prefix, value
    elif isinstance(value, Module):
        for name, p in value.named_parameters():
            yield f"{prefix}.{name}", p
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _named(f"{prefix}.{i}", item)


def _check_activation(activation: str) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {sorted(ACTIVATIONS)}.")
    return activation


def _check_inputs(x: Sequence[Operand], nin: int, who: Module) -> Sequence[Operand]:
    """One data point as a list of ``nin`` inputs; a lone scalar counts when nin is 1."""
    if isinstance(x, (Value, int, float)) and nin == 1:
        return [x]
    try:
        n = len(x)
    except TypeError:
        raise ShapeError(
            f"{who} expects a list of {nin} inputs, got {type(x).__name__} {x!r}."
        ) from None
    if n != nin:
        raise ShapeError(
            f"{who} expects {nin} inputs, got {n}. "
            f"Pass a list of exactly {nin} numbers or Values (one data point)."
        )
    return x


class Neuron(Module):
    """One neuron: ``activation(w · x + b)``.

    By default the weighted sum is one graph node (``weighted_sum``) because
    that is fast. ``fused=False`` builds it from ``*`` and ``+`` nodes instead,
    exactly as you would write it by hand; both give identical numbers.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: str = "relu",
        bias_init: str = "zero",
        fused: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"Neuron(nin={nin!r}): nin must be a positive int.")
        if bias_init not in BIAS_INITS:
            raise ValueError(f"bias_init={bias_init!r}; choose one of {BIAS_INITS}.")
        draw = _uniform(rng)
        self.w = [Value(draw(-1, 1)) for _ in range(nin)]
        self.b = Value(draw(-1, 1) if bias_init == "uniform" else 0.0)
        _check_activation(activation)  # a typo is an error even when nonlin=False
        self.activation = activation if nonlin else "linear"
        self.nonlin = self.activation != "linear"
        self.fused = fused

    def __call__(self, x: Sequence[Operand]) -> Value:
        x = _check_inputs(x, len(self.w), self)
        return self._forward(x, *_neuron_inputs(x))

    def _forward(self, x: Sequence[Operand], edges: Sequence[Value], xs: Sequence[float]) -> Value:
        """The neuron on inputs already checked and sorted out by ``_neuron_inputs``
        (a Layer does that once for all its neurons)."""
        if self.fused:
            act = _weighted_node(self.w, self.b, edges, xs)
        else:
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return ACTIVATIONS[self.activation](act)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, w in enumerate(self.w):
            yield f"w.{i}", w
        yield "b", self.b

    def __repr__(self) -> str:
        kind = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
        return f"{kind[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same ``nin`` inputs."""

    def __init__(self, nin: int, nout: int, **kwargs) -> None:
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"Layer(nout={nout!r}): nout must be a positive int.")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        """A list of outputs, or a single Value when the layer has one neuron."""
        x = _check_inputs(x, len(self.neurons[0].w), self)
        edges, xs = _neuron_inputs(x)
        out = [n._forward(x, edges, xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, n in enumerate(self.neurons):
            for name, p in n.named_parameters():
                yield f"neurons.{i}.{name}", p

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, one after another.

    ``MLP(2, [16, 16, 1])`` takes 2 inputs, has two hidden layers of 16 and one
    output. Hidden layers use ``activation`` ('relu' by default, or 'tanh',
    'sigmoid', 'linear'); the last layer uses ``output_activation`` ('linear'
    by default, so its output is an unbounded score). The initial weights come
    from ``rng`` (a ``random.Random``) when given, else from the global
    ``random`` module, as in the original micrograd.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        *,
        activation: str = "relu",
        output_activation: str = "linear",
        bias_init: str = "zero",
        fused: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        if isinstance(nouts, int) or not nouts:
            raise ValueError(
                f"MLP(nin, nouts={nouts!r}): nouts is a non-empty list of layer sizes, "
                "e.g. MLP(2, [16, 16, 1])."
            )
        _check_activation(activation)  # even with no hidden layer to use it: a typo is an error
        _check_activation(output_activation)
        sizes = [nin, *nouts]
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=activation if i < len(nouts) - 1 else output_activation,
                bias_init=bias_init,
                fused=fused,
                rng=rng,
            )
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Operand]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        for i, layer in enumerate(self.layers):
            for name, p in layer.named_parameters():
                yield f"layers.{i}.{name}", p

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
