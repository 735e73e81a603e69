"""Optimisers move the parameters against their gradients; schedules pick the step size.

The names and update rules follow ``torch.optim``, so what you learn here
carries over. The simplest rule, plain gradient descent, is one line::

    p.data -= lr * p.grad

``SGD`` with its defaults does exactly that (and so reproduces the classic
micrograd demo bit for bit). Momentum and Adam keep a little memory per
parameter to smooth and scale those steps.

A schedule is any callable ``step -> lr``; the training loop calls it once
per step and sets ``optimizer.lr``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from micrograd.engine import Value, _as_float

Schedule = Callable[[int], float]


def _check_rate(value: object, name: str, low: float = 0.0, high: float = math.inf) -> float:
    number = _as_float(value, name)
    if not low <= number < high:
        raise ValueError(f"{name}={value!r}: must be in [{low}, {high}).")
    return number


class Optimizer:
    """What SGD and Adam share: the parameter list, ``lr`` and ``zero_grad``."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        if hasattr(params, "parameters") and callable(params.parameters):
            raise TypeError(
                f"{type(self).__name__}({type(params).__name__} ...): pass the model's "
                "parameters, e.g. SGD(model.parameters(), lr=0.1)."
            )
        try:
            self.params = list(params)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__}: expected a list of parameters (Values), got "
                f"{type(params).__name__} {params!r}. Pass model.parameters()."
            ) from None
        if not self.params:
            raise ValueError(f"{type(self).__name__} got no parameters; pass model.parameters().")
        bad = [p for p in self.params if not isinstance(p, Value)]
        if bad:
            raise TypeError(
                f"{type(self).__name__}: parameters must be Values, got {bad[0]!r}. "
                "Pass model.parameters()."
            )
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate used by the next ``step()``; set it freely between steps."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _check_rate(value, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's grad to 0; do this before each ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _check_grads(self) -> None:
        """Refuse a step from a non-finite gradient before anything moves.

        An update with a NaN or infinite gradient would write NaN into a weight
        and every later prediction would be NaN, far from the cause. It is a
        FloatingPointError (an ArithmeticError, like OverflowError), so a
        training loop can tell numbers that blew up from a wrong argument.
        """
        for i, p in enumerate(self.params):
            if not isinstance(p.data, int | float) or not math.isfinite(p.data):
                raise ValueError(
                    f"{type(self).__name__}.step: {_name(p, i, len(self.params))} has data "
                    f"{p.data!r}, not a finite number: something assigned it by hand "
                    "(p.data = ...); no parameter was changed. Assign a finite float, or "
                    "build the model again."
                )
            if not math.isfinite(p.grad):
                raise FloatingPointError(
                    f"{type(self).__name__}.step: {_name(p, i, len(self.params))} has grad "
                    f"{p.grad}, not a finite number; no parameter was changed. Look for an "
                    "overflow in the forward pass (a smaller learning rate or input usually helps)."
                )

    def _assign(self, new_data: list[float]) -> None:
        """Write the new numbers only if every one is finite (a step too large can overflow)."""
        for i, x in enumerate(new_data):
            if not math.isfinite(x):
                p = self.params[i]
                raise OverflowError(
                    f"{type(self).__name__}.step: the update of {_name(p, i, len(self.params))} "
                    f"(data {p.data}, grad {p.grad}) overflows at lr={self.lr}; no parameter was "
                    "changed. Use a smaller learning rate."
                )
        for p, x in zip(self.params, new_data):
            p.data = x

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum and weight decay.

    Per parameter, with gradient ``g`` (as in ``torch.optim.SGD``)::

        g = p.grad + weight_decay * p.data
        v = momentum * v + g                    (v starts as the first g)
        p.data -= lr * (g + momentum * v if nesterov else v)

    With momentum 0 and no weight decay this is just ``p.data -= lr * p.grad``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.1,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_rate(momentum, "momentum", high=1.0)
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        if nesterov and self.momentum == 0:
            raise ValueError("SGD(nesterov=True) needs a momentum > 0.")
        self.nesterov = nesterov
        self.velocity: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        """Move every parameter one step downhill."""
        self._check_grads()
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        velocity = list(self.velocity)
        new_data = []
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            if mu:
                v = velocity[i]
                v = g if v is None else mu * v + g
                velocity[i] = v
                g = g + mu * v if self.nesterov else v
            new_data.append(p.data - lr * g)
        self._assign(new_data)
        self.velocity = velocity


class Adam(Optimizer):
    """Adam: a step per parameter scaled by running averages of its gradient.

    ``m`` averages the gradient (direction), ``v`` averages its square (size).
    Both start at 0, so early averages are too small; dividing by
    ``1 - beta**t`` corrects that ("bias correction")::

        m = b1*m + (1-b1)*g;   v = b2*v + (1-b2)*g*g
        p.data -= lr * (m / (1-b1**t)) / (sqrt(v / (1-b2**t)) + eps)

    ``weight_decay`` adds ``weight_decay * p.data`` to ``g``, as ``torch.optim.Adam`` does.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        try:
            b1, b2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas={betas!r}: give two numbers, e.g. (0.9, 0.999).") from None
        self.betas = (_check_rate(b1, "betas[0]", high=1.0), _check_rate(b2, "betas[1]", high=1.0))
        self.eps = _check_rate(eps, "eps")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """Move every parameter one Adam step."""
        self._check_grads()
        t = self.t + 1
        b1, b2 = self.betas
        correct1, correct2 = 1 - b1**t, 1 - b2**t
        m, v, new_data = list(self.m), list(self.v), []
        for i, p in enumerate(self.params):
            g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            if not math.isfinite(v[i]):  # g * g overflows for |g| above about 1e154
                raise OverflowError(
                    f"Adam.step: the squared gradient of {_name(p, i, len(self.params))} "
                    f"(grad {g}) overflows a float; no parameter was changed. Scale the loss "
                    "down or clip the gradients."
                )
            m_hat, v_hat = m[i] / correct1, v[i] / correct2
            if v_hat == 0.0 and self.eps == 0.0:
                raise ZeroDivisionError(
                    f"Adam.step: {_name(p, i, len(self.params))} has had only zero gradients, "
                    "and with eps=0 its step is 0/0; no parameter was changed. Use a small "
                    "positive eps, e.g. the default 1e-8."
                )
            new_data.append(p.data - self.lr * m_hat / (math.sqrt(v_hat) + self.eps))
        self._assign(new_data)
        self.t, self.m, self.v = t, m, v


def _name(p: Value, i: int, n: int) -> str:
    label = f" {p.label!r}" if p.label else ""
    return f"parameter {i} of {n}{label}"


# ----------------------------------------------------------------- schedules
def _check_int(value: object, name: str, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name}={value!r}: must be an int >= {low}.")
    return value


@dataclass(frozen=True)
class constant:  # lower case: a schedule reads like a function, constant(0.1)
    """The same learning rate at every step."""

    lr: float

    def __call__(self, step: int) -> float:
        _check_int(step, "schedule step", 0)
        return self.lr


@dataclass(frozen=True)
class linear_decay:
    """From ``start`` down to ``end`` in a straight line over ``steps`` steps, then ``end``.

    ``linear_decay(1.0, 0.1, 100)(k)`` is ``1.0 - 0.9*k/100``, the classic demo's schedule.
    """

    start: float = 1.0
    end: float = 0.1
    steps: int = 100

    def __post_init__(self) -> None:
        _check_int(self.steps, "steps", 1)

    def __call__(self, step: int) -> float:
        if _check_int(step, "schedule step", 0) >= self.steps:
            return self.end
        return self.start - (self.start - self.end) * step / self.steps


@dataclass(frozen=True)
class cosine_decay:
    """From ``start`` to ``end`` along half a cosine wave: slow, fast, then slow again."""

    start: float = 1.0
    end: float = 0.0
    steps: int = 100

    def __post_init__(self) -> None:
        _check_int(self.steps, "steps", 1)

    def __call__(self, step: int) -> float:
        progress = min(_check_int(step, "schedule step", 0), self.steps) / self.steps
        return self.end + (self.start - self.end) * 0.5 * (1 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class step_decay:
    """``start``, multiplied by ``factor`` every ``every`` steps (a staircase)."""

    start: float = 1.0
    factor: float = 0.5
    every: int = 30

    def __post_init__(self) -> None:
        _check_int(self.every, "every", 1)

    def __call__(self, step: int) -> float:
        return self.start * self.factor ** (_check_int(step, "schedule step", 0) // self.every)
