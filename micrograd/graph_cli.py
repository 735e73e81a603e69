"""``micrograd graph "EXPR"``: draw the computation graph of a small expression.

    micrograd graph "tanh(a*b + c)" --set a=2 b=-3 c=10 -o graph.svg

The expression is never run through ``eval``. It is parsed with ``ast`` and
only numbers, names, ``+ - * / **``, unary minus and calls of the engine's
functions (exp, log, tanh, relu, sigmoid, abs, sqrt) are accepted; anything
else is rejected with a message naming the offending part.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

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
    """The expression uses something the graph command does not allow, or lacks a value."""


def parse_expression(text: str, values: Mapping[str, float]) -> Value:
    """Build the ``Value`` graph of ``text``; each name becomes one labelled leaf."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters; keep it under {MAX_LENGTH}."
        )
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"{text!r} is not a valid expression: {exc.msg}.") from None
    if _nesting_depth(tree.body) > MAX_DEPTH:
        raise ExpressionError(
            f"the expression is nested too deeply to draw (more than {MAX_DEPTH} levels)."
        )
    leaves: dict[str, Value] = {}
    return _as_value(_build(tree.body, text.strip(), values, leaves))


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
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise ExpressionError(
                f"'{node.id}' has no value; give it one, e.g.  --set {node.id}=1.5"
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


def _assignment(text: str) -> tuple[str, float]:
    """NAME=NUMBER from ``--set``."""
    name, sep, number = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER such as a=2.5, got {text!r}")
    try:
        return name, float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {number!r} is not a number") from None


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``micrograd graph`` on the main parser's subparsers."""
    graph = subparsers.add_parser(
        "graph",
        help="draw the computation graph of an expression",
        description=__doc__.split("\n\n")[1].strip() if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    graph.add_argument("expr", help='the expression, e.g. "tanh(a*b + c)"')
    graph.add_argument("--set", dest="values", nargs="+", type=_assignment, action="extend",
                       default=[], metavar="NAME=VALUE", help="values of the names")  # fmt: skip
    graph.add_argument("-o", "--output", type=Path, default=Path("graph.svg"),
                       help="picture to write, .svg or .png (default: graph.svg)")  # fmt: skip
    graph.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction")
    graph.add_argument("--engine", choices=("auto", "graphviz", "python"), default="auto",
                       help="renderer (default: Graphviz if pygraphviz is installed)")  # fmt: skip
    graph.add_argument("--no-local", action="store_true", help="hide the local derivatives")
    graph.add_argument("--max-nodes", type=int, default=200, help="refuse larger graphs")
    graph.set_defaults(run=run)
    return graph


def run(args: argparse.Namespace) -> int:
    """Parse, run backward(), draw and save. Returns the exit code."""
    from micrograd.viz import draw_dot

    if args.output.suffix.lower() not in (".svg", ".png"):
        print(f"micrograd graph: -o {args.output}: end the file name in .svg or .png.",
              file=sys.stderr)  # fmt: skip
        return 1
    try:
        root = parse_expression(args.expr, dict(args.values))
        root.backward()
        drawing = draw_dot(root, rankdir=args.rankdir, engine=args.engine,
                           show_local=not args.no_local, max_nodes=args.max_nodes)  # fmt: skip
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        print(f"micrograd graph: {exc}", file=sys.stderr)
        return 1
    drawing.save(args.output)
    print(f"Wrote {args.output}: {args.expr} = {root.data:.6g}")
    return 0
