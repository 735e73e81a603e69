"""Random expression graphs, with reused nodes, against three oracles.

Hypothesis writes small programs: a few leaves, then steps that each apply a
row of the op table to earlier nodes. Any earlier node can be picked, and the
same one more than once, so the graphs are full of ``x * x``, ``a + a``,
shared subexpressions and diamonds: exactly where backpropagation must add up
the gradient from every path. The same program is then built with micrograd,
as a sympy formula and with PyTorch, and every leaf's gradient must agree.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import oracles
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from optable import OPS, OPS_BY_NAME, SMALL, Op

from micrograd.engine import Value

FALLBACK = OPS_BY_NAME["tanh"]  # defined everywhere: used when operands leave an op's domain


@dataclass(frozen=True)
class Step:
    op: Op
    operands: tuple[int, ...]  # earlier nodes, by position: the leaves first, then the steps
    numbers: tuple[float, ...] = ()  # the op's plain-number arguments


@dataclass(frozen=True)
class Graph:
    leaves: tuple[float, ...]
    steps: tuple[Step, ...]

    def build(self, column: str, leaves: list[Any], number: Callable = lambda k: k) -> Any:
        """Run the program with one column of the table; ``number`` converts constants.

        The output is the sum of every node no later step uses, so every step counts.
        """
        nodes = list(leaves)
        for step in self.steps:
            operands = [nodes[i] for i in step.operands]
            numbers = [number(k) for k in step.numbers]
            nodes.append(step.op.call(getattr(step.op, column), operands, numbers))
        used = {i for step in self.steps for i in step.operands}
        sinks = [node for i, node in enumerate(nodes) if i not in used]
        return functools.reduce(operator.add, sinks)


@st.composite
def graphs(draw, max_leaves: int = 4, max_steps: int = 10) -> Graph:
    leaves = draw(st.lists(SMALL.strategy(), min_size=1, max_size=max_leaves))
    data = list(leaves)  # every node's number so far, to keep each op in its domain
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(OPS))
        n_values = len(op.value_args)
        operands = tuple(draw(st.integers(0, len(data) - 1)) for _ in range(n_values))
        numbers = tuple(draw(a.strategy()) for a in op.args if a.number)
        if not all(a.contains(data[i]) for a, i in zip(op.value_args, operands)):
            op, operands, numbers = FALLBACK, operands[:1], ()
        step = Step(op, operands, numbers)
        node = step.op.call(op.micrograd, [Value(data[i]) for i in operands], numbers)
        data.append(node.data)
        steps.append(step)
    return Graph(tuple(leaves), tuple(steps))


def _op(name: str) -> Op:
    return OPS_BY_NAME[name]


# Reuse, written out: a + a, x * x, and a diamond x -> (3x, tanh x) -> 3x * tanh x.
A_PLUS_A = Graph((1.5,), (Step(_op("Value + Value"), (0, 0)),))
X_TIMES_X = Graph((-0.5,), (Step(_op("Value * Value"), (0, 0)),))
DIAMOND = Graph(
    (0.7,),
    (
        Step(_op("Value * number"), (0,), (3.0,)),
        Step(_op("tanh"), (0,)),
        Step(_op("Value * Value"), (1, 2)),
    ),
)
SHARED = Graph(
    (0.3, -1.2),
    (
        Step(_op("Value * Value"), (0, 1)),
        Step(_op("exp"), (2,)),
        Step(_op("weighted_sum of Values"), (2, 3, 2, 0, 1)),
        Step(_op("value_sum"), (4, 4, 3)),
    ),
)
REUSE = [A_PLUS_A, X_TIMES_X, DIAMOND, SHARED]


def with_reuse_examples(test):
    for graph in REUSE:
        test = example(graph=graph)(test)
    return test


def _micrograd(graph: Graph):
    return oracles.micrograd(lambda leaves: graph.build("micrograd", leaves), graph.leaves)


def _scale(value: float) -> float:
    return max(1.0, abs(value))


@with_reuse_examples
@given(graph=graphs())
def test_graph_gradients_match_sympy(graph: Graph):
    value, grads = _micrograd(graph)
    at = oracles.symbolic(
        lambda leaves, _: graph.build("sympy", leaves, number=oracles.exact), len(graph.leaves)
    )
    exact_value, exact_grads = at(graph.leaves)
    assert value == pytest.approx(exact_value, rel=1e-9, abs=1e-12)
    assert grads == pytest.approx(exact_grads, rel=1e-8, abs=1e-10 * _scale(value))


@with_reuse_examples
@given(graph=graphs())
def test_graph_gradients_match_torch(torch, graph: Graph):
    value, grads = _micrograd(graph)
    torch_value, torch_grads = oracles.torch64(
        torch, lambda leaves: graph.build("torch", leaves), graph.leaves
    )
    assert value == pytest.approx(torch_value, rel=1e-9, abs=1e-12)
    assert grads == pytest.approx(torch_grads, rel=1e-8, abs=1e-10 * _scale(value))


@with_reuse_examples
@given(graph=graphs())
def test_graph_gradients_match_finite_differences(graph: Graph):
    value, grads = _micrograd(graph)

    def forward(point: list[float]) -> float:
        return graph.build("micrograd", [Value(x) for x in point]).data

    fd_value, fd_grads = oracles.finite_differences(forward, graph.leaves)
    assert value == fd_value
    assert grads == pytest.approx(fd_grads, rel=1e-5, abs=1e-5 * _scale(value))


def test_the_reuse_examples_really_reuse():
    """The hand-written graphs feed some node into more than one edge."""
    for graph in REUSE:
        edges = [i for step in graph.steps for i in step.operands]
        assert len(edges) > len(set(edges))
    value, grads = _micrograd(X_TIMES_X)
    assert grads == [2 * -0.5]
    value, grads = _micrograd(A_PLUS_A)
    assert grads == [2.0]
