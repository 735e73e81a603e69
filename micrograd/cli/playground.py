"""``micrograd playground``: serve the page, open the browser, stop on Ctrl-C."""

from __future__ import annotations

import argparse
import errno
import socket
import sys
import webbrowser

from micrograd.cli.argtypes import UsageError, int_in

DEFAULT_PORT = 8765


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``micrograd playground`` on the main parser's subparsers."""
    parser = subparsers.add_parser(
        "playground",
        help="open the interactive playground in your browser",
        description="Serve the playground (expression lab and network lab) on this computer "
        "and open it in your browser. Stop it with Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int_in(0, 65535), default=DEFAULT_PORT,
                        help=f"port, 0 for any free one (default: {DEFAULT_PORT})")  # fmt: skip
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(run=run, command="playground")
    return parser


def free_port(host: str, start: int) -> int | None:
    """The first port from ``start`` up that can be bound on ``host`` (None if none of 50)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in range(start, min(start + 50, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    return None


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C. A usage error (exit 2) when the address cannot be used."""
    from micrograd.playground.server import LOOPBACK, PlaygroundServer, check_extras

    check_extras()
    if args.host not in LOOPBACK:
        print(
            f"micrograd playground: warning: --host {args.host} lets other computers on the "
            "network use this playground (and your CPU); use 127.0.0.1 to keep it local.",
            file=sys.stderr,
        )
    try:
        server = PlaygroundServer(args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            other = free_port(args.host, args.port + 1)
            hint = f"try --port {other}" if other else "choose another --port"
            raise UsageError(f"port {args.port} is already in use; {hint}.") from None
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}."
        ) from None
    try:
        print(f"micrograd playground: serving on {server.url}  (Ctrl-C to stop)", flush=True)
        if not args.no_browser:
            webbrowser.open(server.url)
        server.serve_forever()
    except KeyboardInterrupt:
        print("\nmicrograd playground: stopped.", flush=True)
    finally:
        server.server_close()
    return 0
