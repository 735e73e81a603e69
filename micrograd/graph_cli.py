"""``micrograd graph "EXPR"``: draw the computation graph of a small expression.

    micrograd graph "tanh(a*b + c)" --set a=2 b=-3 c=10 -o graph.svg

The expression is never run through ``eval``. It is parsed with ``ast`` and
only numbers, names, ``+ - * / **``, unary minus and calls of the engine's
functions (exp, log, tanh, relu, sigmoid, abs, sqrt) are accepted; anything
else is rejected with a message naming the offending part.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from micrograd.argtypes import positive_int
from micrograd.expression import (  # noqa: F401  (old import path)
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    OPERATORS,
    ExpressionError,
    names_in,
    normalise_name,
    parse_expression,
)


def _assignment(text: str) -> tuple[str, float]:
    """NAME=NUMBER from ``--set``; the number must be finite."""
    name, sep, number = text.strip().partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER such as a=2.5, got {text!r}")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"{name}={number.strip()}: give a finite number such as {name}=2.5 "
            "(inf and nan have no gradient to draw)"
        )
    return name, value


OPTIONS_WITH_A_VALUE = ("--set", "-o", "--output", "--rankdir", "--engine", "--max-nodes")
FLAGS = ("--no-local", "-h", "--help")


def protect_expression(argv: Sequence[str]) -> list[str]:
    """Let an expression start with a minus: ``micrograd graph "-a*b" --set a=1 b=2``.

    argparse takes any word that starts with '-' for an option. A word after
    ``graph`` that starts with '-' but is no option of this command (nor a
    shortening of one) is the expression, so it gets a leading space, which
    argparse does not take for an option and the parser strips again.
    """
    words = list(argv)
    known = OPTIONS_WITH_A_VALUE + FLAGS
    for i, word in enumerate(words[1:], start=1):
        if not word.startswith("-") or word == "--":
            continue
        flag = word.split("=", 1)[0]
        is_option = flag in known or (
            flag.startswith("--") and len(flag) > 2 and any(k.startswith(flag) for k in known)
        )
        if not is_option:
            words[i] = " " + word
    return words


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``micrograd graph`` on the main parser's subparsers."""
    graph = subparsers.add_parser(
        "graph",
        help="draw the computation graph of an expression",
        description=__doc__.split("\n\n")[1].strip() if __doc__ else None,
        epilog=textwrap.fill(
            "An expression may use numbers, names (each given a value with --set), "
            "+ - * / **, unary minus, parentheses and these functions of one argument: "
            f"{', '.join(f'{name}()' for name in FUNCTIONS)}.",
            width=78,
        ),
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
    graph.add_argument("--max-nodes", type=positive_int, default=200,
                       help="refuse graphs with more values than this (default: 200)")  # fmt: skip
    graph.set_defaults(run=run, command="graph")
    return graph


def run(args: argparse.Namespace) -> int:
    """Parse, run backward(), draw and save. Returns the exit code."""
    from micrograd.viz import GraphTooLargeError, draw_dot

    expr = args.expr.strip()
    values = {normalise_name(name): number for name, number in args.values}
    problem = _output_problem(args.output)
    try:
        used = names_in(expr)
    except ExpressionError as exc:
        problem = problem or str(exc)
        used = set(values)
    unused = sorted(values.keys() - used)
    if not problem and unused:
        problem = (
            f"--set {' '.join(f'{n}={values[n]:g}' for n in unused)}: "
            f"{'these names do' if len(unused) > 1 else 'this name does'} not appear in "
            f"{expr!r}; remove {'them' if len(unused) > 1 else 'it'} or check the spelling."
        )
    if problem:
        print(f"micrograd graph: {problem}", file=sys.stderr)
        return 1
    try:
        root = parse_expression(expr, values)
        root.backward()
        drawing = draw_dot(root, rankdir=args.rankdir, engine=args.engine,
                           show_local=not args.no_local, max_nodes=args.max_nodes)  # fmt: skip
        picture = drawing.pipe(args.output.suffix.lower().lstrip("."))
    except GraphTooLargeError as exc:
        print(f"micrograd graph: this graph has {exc.size} values, more than --max-nodes "
              f"{args.max_nodes}; pass --max-nodes {exc.size} to draw it anyway.",
              file=sys.stderr)  # fmt: skip
        return 1
    except ExpressionError as exc:
        hint = f"; give it one with --set {exc.name}=1.5" if exc.name else ""
        print(f"micrograd graph: {str(exc).split(';')[0] if hint else exc}{hint}", file=sys.stderr)
        return 1
    except (ValueError, ZeroDivisionError, OverflowError) as exc:
        print(f"micrograd graph: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # Graphviz works through temporary files: a full disk stops it
        print(f"micrograd graph: cannot draw the graph: {exc.strerror or exc}.", file=sys.stderr)
        return 1
    try:
        args.output.write_bytes(picture)
    except OSError as exc:
        print(f"micrograd graph: cannot write {args.output}: {exc.strerror or exc}.",
              file=sys.stderr)  # fmt: skip
        return 1
    print(f"Wrote {args.output}: {expr} = {root.data:.6g}")
    return 0


def _output_problem(path: Path) -> str | None:
    """Why ``-o path`` cannot be written, found before any work; None if it looks fine."""
    if path.suffix.lower() not in (".svg", ".png"):
        return f"-o {path}: end the file name in .svg or .png."
    if path.is_dir():
        return f"-o {path}: that is a folder; give a file name such as {path / 'graph.svg'}."
    if not path.parent.is_dir():
        return f"-o {path}: the folder {path.parent} does not exist; create it first."
    return None
