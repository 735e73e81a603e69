"""Copying and pickling a graph of any depth, without recursion.

Why this module exists: ``pickle`` and ``copy.deepcopy`` follow an object's
references recursively, so a node's children are saved from inside the node,
their children from inside them, and so on: a chain a few hundred nodes deep
exhausts Python's recursion limit, though ``backward()`` handles a million.

So a node that is pickled or copied on its own (a *root*) lists every node
below it first, children before parents, and each node in that list saves only
its own fields and references to its children, which are by then already
saved. Nothing nests more than two levels deep, and every node keeps its
identity: a leaf used by two roots pickled together comes back as one leaf.
"""

from __future__ import annotations

import copy
import copyreg
import threading
import weakref
from typing import Any

_SLOTS = ("data", "grad", "_op", "_a", "_da", "_b", "_db")
_here = threading.local()  # per thread: id(node) -> the listing that will save it


class _Listing:
    """The nodes below a root, children first: saved before the root's own fields."""

    __slots__ = ("nodes", "__weakref__")

    def __init__(self, nodes: list) -> None:
        self.nodes = nodes

    def __reduce__(self) -> tuple:
        return tuple, (self.nodes,)  # comes back as a plain tuple, which the root ignores

    def __deepcopy__(self, memo: dict) -> tuple:
        try:
            return tuple(copy.deepcopy(node, memo) for node in self.nodes)
        finally:  # done, or failed halfway: none of these nodes is waiting to be copied now
            listed = _listed()
            for node in self.nodes:
                ref = listed.get(id(node))
                if ref is not None and ref() is self:
                    del listed[id(node)]


def _listed() -> dict[int, weakref.ref]:
    table = getattr(_here, "table", None)
    if table is None:
        table = _here.table = {}
    return table


class Picklable:
    """``pickle``, ``copy.copy`` and ``copy.deepcopy`` for graph nodes, without recursion."""

    __slots__ = ()

    def _fields(self) -> tuple:
        own = self.__dict__ if hasattr(self, "__dict__") else None
        if own and own.get("_backward_function") is not None:
            raise TypeError(
                f"cannot copy or pickle {self!r} (op {self._op!r}): it has a _backward "
                "function of its own, a closure that would go on updating the original "
                "nodes, not the copies. Build the graph again instead of copying it."
            )
        return (*(getattr(self, name, None) for name in _SLOTS), dict(own) if own else None)

    def __reduce_ex__(self, protocol: int) -> tuple:
        listed = _listed()
        listing = listed.pop(id(self), None)
        if listing is not None and listing() is not None or self._a is None:
            # A node in a root's listing (its children are saved already), or a leaf.
            return copyreg.__newobj__, (type(self),), (None, *self._fields())
        for key in [key for key, ref in listed.items() if ref() is None]:
            del listed[key]  # left by an earlier pickling that failed or found nodes saved
        below = self.topological_order()[:-1]  # every node under this one, children first
        listing = _Listing(below)
        ref = weakref.ref(listing)
        for node in below:
            listed[id(node)] = ref
        return copyreg.__newobj__, (type(self),), (listing, *self._fields())

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        _listing, data, grad, op, a, da, b, db, own = state
        self.data, self.grad, self._op, self._a = data, grad, op, a
        if a is not None:
            self._da, self._b = da, b
            if db is not None:
                self._db = db
        if own:
            self.__dict__.update(own)

    def __copy__(self) -> Any:
        """A new node with the same fields and the same children (not copies of them)."""
        clone = object.__new__(type(self))
        clone.__setstate__((None, *self._fields()))
        return clone
