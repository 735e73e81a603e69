"""The ``micrograd`` command: ``demo``, ``graph`` and ``playground``, built in one place.

    micrograd demo                          # train an MLP on two moons, write the pictures
    micrograd graph "tanh(a*b + c)" --set a=2 b=-3 c=10
    micrograd playground                    # the interactive page, in your browser

Every subcommand keeps one convention, so a script can rely on it:

* exit 0: done;
* exit 2: a usage error. A bad option, value, expression or path is refused in
  one line on stderr (``micrograd <command>: ...``) before any work starts;
* exit 1: the work itself failed (training diverged, a file could not be written);
* exit 130: interrupted with Ctrl-C, in one line and without a traceback.

Each subcommand lives in a module named after it (``demo.py``, ``graph.py``,
``playground.py``) with ``add_parser(subparsers)`` and ``run(args)``; the
argument types they share are in ``argtypes.py``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from micrograd.cli import demo, graph, playground
from micrograd.cli.argtypes import CommandFailed, UsageError
from micrograd.cli.demo import DEFAULT_OUT
from micrograd.errors import MissingExtraError

__all__ = ["DEFAULT_OUT", "CommandFailed", "UsageError", "build_parser", "main"]

DONE, FAILED, USAGE_ERROR, INTERRUPTED = 0, 1, 2, 130
SUBCOMMANDS = (demo, graph, playground)


def build_parser() -> argparse.ArgumentParser:
    """The ``micrograd`` parser with every subcommand."""
    from micrograd import __version__

    parser = argparse.ArgumentParser(
        prog="micrograd",
        description="A tiny autograd engine that makes backpropagation visible.",
        epilog="Exit codes: 0 done, 1 the work failed, 2 a usage error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"micrograd {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in SUBCOMMANDS:
        command.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (argparse's own errors exit with 2)."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["graph"]:  # an expression may start with a minus: "-a*b"
        argv = graph.protect_expression(argv)
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):  # `micrograd` alone: what to type, as a usage error
        parser.print_help(sys.stderr)
        print("\nmicrograd: choose a command, e.g.  micrograd demo", file=sys.stderr)
        return USAGE_ERROR
    who = f"micrograd {args.command}"
    try:
        return args.run(args)
    except (MissingExtraError, UsageError) as exc:
        print(f"{who}: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except CommandFailed as exc:
        print(f"{who}: {exc}", file=sys.stderr)
        return FAILED
    except MemoryError:
        print(f"{who}: out of memory; use smaller sizes.", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt:  # Ctrl-C: one line, and the shell's usual code for SIGINT
        print(f"\n{who}: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
