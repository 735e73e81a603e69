"""Parse a small arithmetic expression into a graph of ``Value`` nodes, safely.

    >>> from micrograd.expression import parse_expression
    >>> L = parse_expression("tanh(a*b + c)", {"a": 2, "b": -3, "c": 10})
    >>> round(L.data, 6)
    0.999329

Both ``micrograd graph "EXPR"`` and the playground's expression lab build their
graphs here. The text is never run through ``eval``: it is parsed with ``ast``
and only numbers, names, ``+ - * / **``, unary minus and calls of the engine's
functions of one argument (exp, log, tanh, relu, sigmoid, abs, sqrt) are
accepted. Anything else is an ``ExpressionError`` naming the offending part.
Each name becomes one labelled leaf, however often it is used, so ``a*b + a``
gives ``a`` two edges and its gradient collects from both.

The limits (``MAX_LENGTH`` characters, ``MAX_DEPTH`` levels of nesting) keep a
hostile or accidental input from exhausting the parser or drawing a picture
nobody can read; they are checked before anything else is done with the text.
"""

from __future__ import annotations

import ast
import math
import unicodedata
from collections.abc import Callable, Mapping

from micrograd.engine import Value

FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "abs": Value.__abs__,
    "sqrt": Value.sqrt,
}
OPERATORS: dict[type, Callable[[Value, Value | float], Value]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
MAX_LENGTH = 2000
MAX_DEPTH = 100  # deeper nesting would make an unreadable picture anyway


class ExpressionError(ValueError):
    """The expression is too long or too deep, is not an expression, or uses something
    that is not allowed; or a name in it has no value (then ``name`` is that name)."""

    def __init__(self, message: str, name: str | None = None) -> None:
        super().__init__(message)
        self.name = name


def parse_expression(text: str, values: Mapping[str, float]) -> Value:
    """Build the ``Value`` graph of ``text``; each name becomes one labelled leaf.

    ``values`` maps every name the expression uses to its number. Raises
    ``ExpressionError`` (a ``ValueError``) for text that is too long, too deeply
    nested, not an expression, or uses anything but the allowed parts, and for
    a name without a value; the engine's own errors (``ZeroDivisionError`` for
    ``1/a`` at ``a = 0``, ``ValueError`` for ``log(a)`` at ``a = -1``, ...) pass through.
    """
    tree = syntax_tree(text)
    leaves: dict[str, Value] = {}
    values = {normalise_name(name): number for name, number in values.items()}
    return _as_value(_build(tree.body, text.strip(), values, leaves))


def syntax_tree(text: str) -> ast.Expression:
    """``text`` parsed as one Python expression, within the limits, or ``ExpressionError``."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is text, got {type(text).__name__} {text!r}.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters; keep it under {MAX_LENGTH}."
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        if "too many nested" in str(exc.msg):  # Python's parser stops at 200 parentheses
            raise ExpressionError(_TOO_DEEP) from None
        where = f" (at character {exc.offset})" if exc.offset else ""
        raise ExpressionError(f"this is not a valid expression: {exc.msg}{where}.") from None
    except (RecursionError, MemoryError):  # Python's own parser gives up on deep nesting
        raise ExpressionError(_TOO_DEEP) from None
    except ValueError as exc:  # e.g. a NUL character
        raise ExpressionError(f"this is not a valid expression: {exc}.") from None
    if _nesting_depth(tree.body) > MAX_DEPTH:
        raise ExpressionError(_TOO_DEEP)
    return tree


_TOO_DEEP = (
    f"the expression is nested too deeply to draw (more than {MAX_DEPTH} levels; "
    "each term of a long sum or product is one level deeper)."
)


def names_in(text: str) -> set[str]:
    """The names an expression uses, as Python reads them (``ExpressionError`` if it
    does not parse). Python folds look-alike letters (NFKC), so ``ａ`` is ``a``."""
    tree = syntax_tree(text)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}


def normalise_name(name: str) -> str:
    """A name as Python's parser reads it (NFKC), so a value given for ``ａ`` reaches ``a``."""
    return unicodedata.normalize("NFKC", name)


def _nesting_depth(root: ast.AST) -> int:
    """How deeply the syntax tree nests, found without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _build(node: ast.AST, text: str, values: Mapping[str, float], leaves: dict) -> Value | float:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _reject(node, text, "only plain numbers are allowed as constants")
        try:
            number = float(node.value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):  # 1e400 reads as inf, a 400-digit integer overflows
            raise _reject(node, text, "a number must fit in a float (up to about 1.8e308)")
        return number
    if isinstance(node, ast.Name) and node.id in FUNCTIONS:
        raise ExpressionError(f"'{node.id}' is a function: call it on a value, e.g. {node.id}(a).")
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise ExpressionError(
                f"'{node.id}' has no value; give it one, e.g. {node.id}=1.5", node.id
            )
        if node.id not in leaves:
            leaves[node.id] = Value(values[node.id], label=node.id)
        return leaves[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left = _as_value(_build(node.left, text, values, leaves))
        right = _build(node.right, text, values, leaves)  # a number stays a number: x**2
        return OPERATORS[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _build(node.operand, text, values, leaves)
        return -operand
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise _reject(node, text, f"only these functions can be called: {', '.join(FUNCTIONS)}")
        if node.keywords or len(node.args) != 1:
            raise _reject(node, text, f"{name}() takes exactly one argument")
        return FUNCTIONS[name](_as_value(_build(node.args[0], text, values, leaves)))
    raise _reject(node, text, "allowed are numbers, names, + - * / **, unary - and function calls")


def _as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _reject(node: ast.AST, text: str, rule: str) -> ExpressionError:
    part = ast.get_source_segment(text, node) or type(node).__name__
    kind = _KINDS.get(type(node), type(node).__name__)
    return ExpressionError(f"not allowed: {kind} `{part}`; {rule}.")


_KINDS = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "generator expression",
    ast.Call: "call",
    ast.Subscript: "indexing",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.Constant: "constant",
    ast.BinOp: "operator",
    ast.UnaryOp: "operator",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment",
    ast.Tuple: "tuple",
    ast.List: "list",
    ast.JoinedStr: "f-string",
}
