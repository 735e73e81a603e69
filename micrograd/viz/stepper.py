"""Replay backpropagation one node at a time, to watch gradients flow to the leaves.

``backward_steps(root)`` computes exactly what ``root.backward()`` computes, in
the same order and with the same floating-point operations, but writes the
gradients into a fresh dictionary per frame instead of into ``.grad``. So
stepping never changes your values: run it before or after ``backward()``.

Like ``backward()``, the replay starts interior values at 0 and leaves at their
current ``.grad`` (leaves accumulate). After ``zero_grad()`` that is 0, too.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from micrograd.engine import Value
from micrograd.viz.spec import fmt


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
        return (
            f"step {self.step}: {name} (grad {fmt(self.grads[n])}) passes "
            f"local derivative × grad to its {len(n._children)} children"
        )

    def draw(self, **kwargs):
        """Shorthand for ``draw_dot(frame, **kwargs)``."""
        from micrograd.viz.graph import draw_dot

        return draw_dot(self, **kwargs)

    def _repr_svg_(self) -> str | None:
        return self.draw()._repr_svg_()


def backward_steps(root: Value) -> Iterator[BackwardFrame]:
    """Yield a frame for the seed and after each node that passes gradient on.

    Leaves have no children, so they get no step of their own; the last frame
    holds the gradients ``root.backward()`` would leave in ``.grad``.
    """
    order = root.topological_order()
    grads = {v: (0.0 if v._children else v.grad) for v in order}
    grads[root] = 1.0
    yield BackwardFrame(root, 0, None, dict(grads))
    step = 0
    for node in reversed(order):
        if not node._children:
            continue
        for child, local in zip(node._children, node._local):
            grads[child] += local * grads[node]
        step += 1
        yield BackwardFrame(root, step, node, dict(grads))
