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
# Graphviz's layout time grows steeply with long edges: a sum of 50 terms of one
# name (about 100 values) takes it 16 seconds, of 99 terms minutes, and it cannot be
# interrupted. Above this many values, "auto" draws with the Python renderer.
GRAPHVIZ_AUTO_LIMIT = 60


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
    shortened one: the parser takes none) is the expression, so it gets a leading space, which
    argparse does not take for an option and the parser strips again.
    """
    words = list(argv)
    known = OPTIONS_WITH_A_VALUE + FLAGS
    for i, word in enumerate(words[1:], start=1):
        if not word.startswith("-") or word == "--":
            continue
        if word.split("=", 1)[0] not in known:
            words[i] = " " + word
    return words


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``micrograd graph`` on the main parser's subparsers."""
    graph = subparsers.add_parser(
        "graph",
        allow_abbrev=False,  # "--n" is an expression (minus minus n), not --no-local
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
                       help="renderer (default: Graphviz if pygraphviz is installed, for "
                       f"graphs of up to {GRAPHVIZ_AUTO_LIMIT} values)")  # fmt: skip
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
    values: dict[str, float] = {}
    for name, number in args.values:
        if name in values and values[name] != number:
            raise UsageError(
                f"--set gives {name} twice ({name}={values[name]:g} and {name}={number:g}); "
                "give each name one value."
            )
        values[name] = number
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
        engine = args.engine
        if engine == "auto" and len(root.topological_order()) > GRAPHVIZ_AUTO_LIMIT:
            engine = "python" if _python_renderer_installed() else engine
        drawing = draw_dot(root, rankdir=args.rankdir, engine=engine,
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


def _python_renderer_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("grandalf", "matplotlib"))
