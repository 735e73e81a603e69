"""``micrograd graph "EXPR"``: draw the computation graph of a small expression.

    micrograd graph "tanh(a*b + c)" --set a=2 b=-3 c=10 -o graph.svg

The expression is parsed safely by ``micrograd.expression`` (never ``eval``):
numbers, names, ``+ - * / **``, unary minus and the engine's functions of one
argument. ``backward()`` is run and every value, gradient and local derivative
is drawn. Anything wrong with what was typed is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import math
import textwrap
from collections.abc import Sequence

from micrograd import atomic
from micrograd.cli.argtypes import (
    CommandFailed,
    UsageError,
    int_in,
    output_file,
    path_text,
)
from micrograd.expression import (
    FUNCTIONS,
    ExpressionError,
    names_in,
    normalise_name,
    parse_expression,
)

MAX_NODES = 100_000  # --max-nodes beyond this would not draw in any reasonable time


def assignment(text: str) -> tuple[str, float]:
    """NAME=NUMBER from ``--set``; the number must be finite."""
    name, sep, number = text.strip().partition("=")
    name = normalise_name(name.strip())
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
    graph.add_argument("--set", dest="values", nargs="+", type=assignment, action="extend",
                       default=[], metavar="NAME=VALUE", help="values of the names")  # fmt: skip
    graph.add_argument("-o", "--output", type=path_text, default="graph.svg",
                       help="picture to write, .svg or .png (default: graph.svg)")  # fmt: skip
    graph.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction")
    graph.add_argument("--engine", choices=("auto", "graphviz", "python"), default="auto",
                       help="renderer (default: Graphviz if pygraphviz is installed)")  # fmt: skip
    graph.add_argument("--no-local", action="store_true", help="hide the local derivatives")
    graph.add_argument("--max-nodes", type=int_in(1, MAX_NODES), default=200,
                       help="refuse graphs with more values than this (default: 200)")  # fmt: skip
    graph.set_defaults(run=run, command="graph")
    return graph


def run(args: argparse.Namespace) -> int:
    """Parse, run backward(), draw and save. Returns the exit code."""
    from micrograd.viz import GraphTooLargeError, draw_dot

    expr = args.expr.strip()
    output = output_file(args.output, "-o", (".svg", ".png"))
    values = dict(args.values)
    try:
        used = names_in(expr)
    except ExpressionError as exc:
        raise UsageError(str(exc)) from None
    unused = sorted(values.keys() - used)
    if unused:
        raise UsageError(
            f"--set {' '.join(f'{n}={values[n]:g}' for n in unused)}: "
            f"{'these names do' if len(unused) > 1 else 'this name does'} not appear in "
            f"the expression; remove {'them' if len(unused) > 1 else 'it'} or check the spelling."
        )
    try:
        root = parse_expression(expr, values)
        root.backward()
        drawing = draw_dot(root, rankdir=args.rankdir, engine=args.engine,
                           show_local=not args.no_local, max_nodes=args.max_nodes)  # fmt: skip
        picture = drawing.pipe(output.suffix.lower().lstrip("."))
    except GraphTooLargeError as exc:
        raise UsageError(
            f"this graph has {exc.size} values, more than --max-nodes {args.max_nodes}; "
            f"pass --max-nodes {exc.size} to draw it anyway."
        ) from None
    except ExpressionError as exc:
        if exc.name is not None:
            hint = f"'{exc.name}' has no value; give it one with --set {exc.name}=1.5"
            raise UsageError(hint) from None
        raise UsageError(str(exc)) from None
    except (ValueError, ZeroDivisionError, OverflowError) as exc:  # e.g. log(a) at a = -1
        raise UsageError(str(exc)) from None
    except OSError as exc:  # Graphviz works through temporary files: a full disk stops it
        raise CommandFailed(f"cannot draw the graph: {exc.strerror or exc}.") from None
    try:
        atomic.write_bytes(output, picture)
    except OSError as exc:
        raise CommandFailed(f"cannot write {args.output}: {exc.strerror or exc}.") from None
    print(f"Wrote {output}: {expr} = {root.data:.6g}")
    return 0
