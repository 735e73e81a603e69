"""How a ``Value`` keeps its edges: in slots, not in tuples, because that is fast.

Why this module exists: the engine's story is "each node has children and one
local derivative per child". The obvious way to keep them is two tuples per
node. Measured on the two-moons demo, two tuples per node cost more than twice
the time of the scheme below: every tuple is one more object for Python to
allocate, track for the cyclic garbage collector and free. Most operations have
one or two children, so those get slots of their own:

* one child:    ``_a`` is the child, ``_da`` its local derivative, ``_b`` is None;
* two children: ``_a``/``_da`` and ``_b``/``_db``;
* many children (``weighted_sum``, ``value_sum``, an op of your own):
  ``_a`` is the tuple of children, ``_da`` the tuple of local derivatives (None
  for an op that brings its own ``_backward``), and ``_b`` is the marker ``MANY``;
* a leaf: ``_a`` is None.

Nothing outside the engine needs to know: ``_children`` and ``_local`` read any
of these as tuples.
"""

from __future__ import annotations


class _Many:
    """The marker in ``_b`` of a node whose children are all in ``_a``.

    One object, compared with ``is``; pickling and copying give back that same one.
    """

    __slots__ = ()

    def __reduce__(self) -> str:
        return "MANY"

    def __repr__(self) -> str:
        return "MANY"


MANY = _Many()


class EdgeSlots:
    """The slots' meaning, as the two tuples the rest of the library reads."""

    __slots__ = ()

    @property
    def _children(self) -> tuple:
        """The children in order, once per use: ``(a + a)._children == (a, a)``."""
        a = self._a
        if a is None:  # a leaf
            return ()
        b = self._b
        if b is MANY:
            return a
        return (a,) if b is None else (a, b)

    @property
    def _local(self) -> tuple[float, ...] | None:
        """d(self)/d(child) for each of ``_children``; None for an op with its own _backward."""
        if self._a is None:  # a leaf
            return ()
        b = self._b
        if b is MANY:
            return self._da
        return (self._da,) if b is None else (self._da, self._db)

    def _set_children(self, children: tuple, local: tuple[float, ...] | None) -> None:
        """Fill the slots from tuples (``local`` None: the node's own _backward does the work)."""
        if not children:
            self._a = None
        else:
            self._a, self._da, self._b = children, local, MANY
