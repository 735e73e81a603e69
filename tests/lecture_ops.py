"""Operations written the way the original micrograd lecture teaches them.

Each one makes its output with the three-argument constructor and gives it a
``_backward`` closure that adds to the children's gradients. They are the test
of the drop-in promise: code that extends ``Value`` like this runs on our
engine unchanged, and mixes freely with the built-in operations in one graph.
The op table (``optable.py``) has a row for each, so every oracle checks them.
"""

from __future__ import annotations

import math

from micrograd.engine import Value


def tanh(self):
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def exp(self):
    x = self.data
    out = Value(math.exp(x), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def mul(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad += other.data * out.grad
        other.grad += self.data * out.grad

    out._backward = _backward
    return out


def add(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad += 1.0 * out.grad
        other.grad += 1.0 * out.grad

    out._backward = _backward
    return out


def power(self, other):
    assert isinstance(other, int | float), "only supporting int/float powers for now"
    out = Value(self.data**other, (self,), f"**{other}")

    def _backward():
        self.grad += other * (self.data ** (other - 1)) * out.grad

    out._backward = _backward
    return out
