"""Solutions to every exercise of the course.

Try each exercise before you look here: working it out is what makes it stick.
In a notebook, ``show_solution("name")`` prints just the one you ask for.

The self-checks use these when an exercise is still empty and
``MICROGRAD_STRICT_CHECKS=1`` is set (as ``regenerate.py`` and CI do), so every
solution here is checked against the library on every run.
"""

from __future__ import annotations

# ====================================================================================
# Numbers, by the name of their check. Each is written the way you would work it out.
# ====================================================================================
ANSWERS: dict[str, float] = {
    # ---- notebook 1, micrograd_basics
    "f'(0)": 3 * 0**2 - 3,
    "∂(x·y)/∂x": -1.5,  # the other factor, y
    "dL/dc": 1.0 * -2.0,  # a + passes d.grad = -2 through
    "dL/da": -3.0 * -2.0,  # the other factor b = -3, times e.grad = -2
    "a after one step": 2.0 - 0.01 * 6.0,
    "dg/dx": 2 * 3 * -1 + 2,  # 2xy + z
    "dy/dx": 2 * 2 + 1,  # 2x + 1
}


# ====================================================================================
# Functions, by the name of their exercise.
# ====================================================================================


# ---- notebook 1, micrograd_basics
def topological_order(root):
    """Every value root depends on, and root itself, each listed after all of its children."""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for child in node._children:
                visit(child)
            order.append(node)  # only after all of its children

    visit(root)
    return order


def backward(root):
    """Fill in .grad of every value in root's graph with d(root)/d(value)."""
    root.grad = 1.0
    for node in reversed(topological_order(root)):  # output first, leaves last
        for child, local in zip(node._children, node._local):
            child.grad += local * node.grad  # the chain rule; += because a value can be reused


FUNCTIONS = {
    "topological_order": topological_order,
    "backward": backward,
}
