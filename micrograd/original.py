"""What code written for the original micrograd reads and writes: ``_prev`` and ``_backward``.

Why this module exists: the original micrograd keeps a node's children as a set,
``_prev``, and gives every node a closure, ``_backward``, that applies the chain
rule for that node. Tutorials, the lecture and many notebooks read and set both.
Our engine keeps the children and their local derivatives as numbers instead
(see ``edges.py``), so these two names are provided here as views of that
storage, and setting them works as it did in the original:

* ``v._prev = set()`` cuts a node off its graph; ``v._prev = {a, b}`` rewires it
  (the node's own ``_backward`` then does the work, as its local derivatives
  are unknown);
* ``out._backward = fn`` gives a node its own step of the chain rule, exactly as
  the lecture adds ``tanh``; ``backward()`` calls it for that node.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from micrograd.edges import MANY


class Rewired:
    """Set once any node has been given children by hand (``v._prev = {...}``).

    Only then can a graph hold a cycle (an operation's children always exist
    before it), so only then does the walk of a graph pay to look for one.
    """

    may_have_cycles = False


class LikeTheOriginal:
    """``_prev`` and ``_backward``, as the original micrograd's ``Value`` has them."""

    __slots__ = ()

    @property
    def _prev(self) -> set:
        """The children as a set, exactly as the original micrograd keeps them."""
        return set(self._children)

    @_prev.setter
    def _prev(self, children: Iterable) -> None:
        """Set the children, as code written for the original does (``v._prev = set()``
        cuts a node off its graph). Their local derivatives are not known, so the
        node's own ``_backward`` function does the work, as in the original."""
        children = tuple(children)
        for child in children:
            if not hasattr(child, "_children"):
                raise TypeError(
                    f"_prev: every child must be a Value, got {type(child).__name__} {child!r}."
                )
        if getattr(self, "_a", None) is not None and set(children) == set(self._children):
            return  # the same children: keep their local derivatives
        if children:
            Rewired.may_have_cycles = True
        self._set_children(children, None)

    def _chain_rule(self) -> None:
        """One step of the chain rule: pass this node's grad on to its children.

        This is ``_backward()`` for every built-in operation. ``backward()`` does
        the same for each node, output first; you can also call it by hand, node
        by node, as the original micrograd lecture does.
        """
        # A node made as Value(x, (a,), "op") with no _backward passes nothing on,
        # exactly as the original's default _backward (lambda: None) does.
        grad = self.grad
        for child, d in zip(self._children, self._local or ()):
            child.grad += d * grad

    @property
    def _backward(self) -> Callable[[], None]:
        """This node's step of the chain rule, as a function to call: ``v._backward()``.

        For the built-in operations it is ``_chain_rule``. An operation written
        the original micrograd's way sets its own function here (see below).
        """
        own = self.__dict__.get("_backward_function")
        return own if own is not None else self._chain_rule

    @_backward.setter
    def _backward(self, function: Callable[[], None]) -> None:
        """Give this node its own backward step, as the original lecture teaches::

            out = Value(t, (self,), "tanh")
            def _backward():
                self.grad += (1 - t**2) * out.grad
            out._backward = _backward

        ``backward()`` then calls it for this node. Its local derivatives are no
        longer known as numbers, so ``_local`` becomes ``None``.
        """
        if not callable(function):
            raise TypeError(f"_backward must be a function of no arguments, got {function!r}.")
        self.__dict__["_backward_function"] = function
        if getattr(self, "_a", None) is not None:  # keep the children, forget the numbers
            self._a, self._da, self._b = self._children, None, MANY
