"""Render DOT text with pygraphviz, whose wheels carry Graphviz itself (no system install)."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from micrograd.errors import require


def render_dot(source: str, fmt: str) -> bytes:
    """SVG or PNG bytes for DOT ``source``, laid out by Graphviz's ``dot`` program."""
    pgv = require("pygraphviz", extra="graphviz", purpose="Rendering graphs with Graphviz")
    with _quiet_stderr():  # Graphviz's bundled Fontconfig warns about its config on stderr
        return pgv.AGraph(string=source).draw(format=fmt, prog="dot")


# Descriptor 2 belongs to the whole process. Two threads swapping it at once (the
# playground draws from several) could each save the other's /dev/null and leave
# stderr silenced for good; one at a time, the original always comes back.
# Graphviz keeps global state of its own, so one render at a time is safer anyway.
_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C-level writes to stderr (file descriptor 2) for the duration of the block."""
    with _STDERR_LOCK, _swap_stderr():
        yield


@contextlib.contextmanager
def _swap_stderr() -> Iterator[None]:
    # Always descriptor 2, where C libraries write: in a notebook kernel,
    # sys.stderr is a Python stream whose fileno() may name another descriptor.
    fd = 2
    try:
        saved = os.dup(fd)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)
