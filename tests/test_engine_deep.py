"""Graphs far deeper than recursion allows, and graphs freed without the cyclic GC."""

from __future__ import annotations

import gc
import math
import random
import sys
from contextlib import contextmanager

import pytest

from micrograd.engine import Value
from micrograd.nn import MLP


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector inside the block.

    The engine's graphs hold no reference cycles, so the collector has nothing
    to find in them; it would only rescan millions of live nodes over and over.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def test_a_million_node_chain_backpropagates():
    limit = sys.getrecursionlimit()
    steps, factor = 1_000_000, 1.0000001
    with cyclic_gc_paused():
        x = Value(1.0)
        v = x
        for _ in range(steps):
            v = v * factor
        v.backward()
        expected = math.exp(steps * math.log1p(factor - 1.0))  # factor ** steps
        assert x.grad == pytest.approx(expected, rel=1e-9)
        assert x.grad == v.data  # d(x f^n)/dx = f^n, which is also the value at x = 1
        last_factor = v._children[1]  # the constant leaf of the final multiplication
        assert last_factor.grad == pytest.approx(expected / factor, rel=1e-9)
        del v, last_factor  # freeing a million-deep chain must not overflow the C stack
    assert sys.getrecursionlimit() == limit


def test_forward_and_backward_leave_nothing_for_the_cyclic_collector():
    """Local derivatives are stored as numbers, not closures, so no node refers to itself.

    Every node is freed by reference counting the moment the last name goes;
    ``gc.collect()`` then finds nothing to collect.
    """
    random.seed(0)
    model = MLP(3, [8, 8, 1])
    unfused = MLP(3, [4, 1], fused=False)
    gc.collect()
    with cyclic_gc_paused():
        loss = sum((model(x) - 1.0) ** 2 + unfused(x) for x in ([0.5, -1.0, 2.0], [1, 2, 3]))
        loss.backward()
        del loss
        # Only our nodes count: in a long test session another thread (a server under
        # test, say) may leave garbage of its own for the collector at any moment.
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            ours = [o for o in gc.garbage if isinstance(o, Value)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        assert ours == []
