"""Replay backpropagation one node at a time, to watch gradients flow to the leaves.

``backward_steps(root)`` computes exactly what ``root.backward()`` computes, in
the same order and with the same floating-point operations, but records the
gradients on a tape of its own instead of writing ``.grad``. So stepping never
changes your values: run it before or after ``backward()``.

Like ``backward()``, the replay starts interior values at 0 and leaves at their
current ``.grad`` (leaves accumulate). After ``zero_grad()`` that is 0, too.

Memory: the frames share one record of changes (one entry per edge), and each
frame's ``grads`` is a read-only view of that record at its step. Keeping every
frame of an n-node graph costs O(n) in total, not a dictionary per frame.

A node built by user code with its own ``_backward`` closure (``_local`` is
None, as in the original lecture) has no local derivatives to read. Its step
is replayed by calling ``node._backward()`` on the real ``.grad`` attributes,
set for the moment to the replay's numbers, and reading how its children's
grads changed; every ``.grad`` is put back straight afterwards.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from micrograd.engine import Value
from micrograd.viz import palette
from micrograd.viz.spec import fmt


class _Tape:
    """Every gradient change of one replay: per value, the change numbers and new grads."""

    def __init__(self, order: list[Value], start: dict[Value, float]) -> None:
        self.order = order
        self.start = start
        self.when: dict[Value, list[int]] = {}  # value -> numbers of its changes, ascending
        self.what: dict[Value, list[float]] = {}  # value -> its grad after each of them
        self.changes = 0
        self.ends = [0]  # number of changes made once step k is done

    def set(self, v: Value, grad: float) -> None:
        self.when.setdefault(v, []).append(self.changes)
        self.what.setdefault(v, []).append(grad)
        self.changes += 1

    def current(self, v: Value) -> float:
        what = self.what.get(v)
        return what[-1] if what else self.start[v]

    def at(self, v: Value, step: int) -> float:
        when = self.when.get(v)
        if when:
            k = bisect.bisect_left(when, self.ends[step])  # changes made up to this step
            if k:
                return self.what[v][k - 1]
        return self.start[v]


class GradsView(Mapping):
    """The gradients of every value of the graph at one step (read-only)."""

    __slots__ = ("_tape", "_step")

    def __init__(self, tape: _Tape, step: int) -> None:
        self._tape, self._step = tape, step

    def __getitem__(self, v: Value) -> float:
        if v not in self._tape.start:
            raise KeyError(v)
        return self._tape.at(v, self._step)

    def __iter__(self) -> Iterator[Value]:
        return iter(self._tape.order)

    def __len__(self) -> int:
        return len(self._tape.order)

    def __repr__(self) -> str:
        return f"<gradients of {len(self)} values after step {self._step}>"


@dataclass(frozen=True)
class BackwardFrame:
    """The gradients after ``step`` nodes have passed theirs on to their children.

    Step 0 is the seed: only the output's grad (1) is set. ``node`` is the value
    processed in this step (None for the seed); ``grads`` maps every value in
    the graph to its gradient at this moment.
    """

    root: Value
    step: int
    node: Value | None
    grads: Mapping[Value, float]

    def describe(self) -> str:
        """One line saying what this step did, in chain-rule terms."""
        if self.node is None:
            return "step 0: seed d(output)/d(output) = 1"
        n = self.node
        name = n.label or f"the '{n._op}' node"
        how = "local derivative × grad" if n._local is not None else "its own _backward()"
        count = len(n._children)
        return (
            f"step {self.step}: {name} (grad {fmt(self.grads[n])}) passes "
            f"{how} to its {'child' if count == 1 else f'{count} children'}"
        )


def backward_steps(root: Value) -> Iterator[BackwardFrame]:
    """Yield a frame for the seed and after each node that passes gradient on.

    Leaves have no children, so they get no step of their own; the last frame
    holds the gradients ``root.backward()`` would leave in ``.grad``.
    """
    order = root.topological_order()
    start = {v: (0.0 if v._children else v.grad) for v in order}
    start[root] = 1.0
    tape = _Tape(order, start)
    yield BackwardFrame(root, 0, None, GradsView(tape, 0))
    step = 0
    for node in reversed(order):
        if not node._children:
            continue
        if node._local is None:
            _replay_closure(node, tape)
        else:
            upstream = tape.current(node)
            for child, local in zip(node._children, node._local):
                tape.set(child, tape.current(child) + local * upstream)
        step += 1
        tape.ends.append(tape.changes)
        yield BackwardFrame(root, step, node, GradsView(tape, step))


def final_grad_scale(root: Value) -> float:
    """The |grad| drawn darkest in every frame: the largest once backward is done.

    One scale for the whole replay keeps colours comparable between frames: the
    output's box keeps its colour while its grad stays 1.
    """
    (last,) = deque(backward_steps(root), maxlen=1)
    return palette.grad_scale(last.grads.values())


def _replay_closure(node: Value, tape: _Tape) -> None:
    """One step of a user-defined op: run its ``_backward`` on the replay's numbers."""
    involved = [node, *dict.fromkeys(node._children)]  # each value once, in order
    saved = [v.grad for v in involved]
    try:
        for v in involved:
            v.grad = tape.current(v)
        node._backward()
        after = [c.grad for c in involved[1:]]
    finally:
        for v, g in zip(involved, saved):
            v.grad = g
    for child, grad in zip(involved[1:], after):
        tape.set(child, grad)
