"""``micrograd playground``: a local web page to change things, break them and watch backprop.

Two labs, both driven by the real engine in this Python process:

* the expression lab steps the backward pass of an expression node by node,
  and can break it (``=`` instead of ``+=``) to show why gradients accumulate;
* the network lab trains an MLP on a toy dataset live, with its decision
  boundary, what every hidden neuron learns, and the gradient flow.

Start it with ``micrograd playground`` or, in a notebook, ``show()``.
"""

from __future__ import annotations

from typing import Any

_server = None  # the notebook's background server, started by the first show()


def show(width: str | int = "100%", height: int = 860, *, port: int = 0) -> Any:
    """Embed the playground in a notebook, starting its server in the background if needed."""
    global _server
    from micrograd.errors import require

    display = require("IPython.display", extra="notebooks", purpose="Embedding the playground")
    if _server is None:
        from micrograd.playground.server import start_background

        _server = start_background("127.0.0.1", port)
    return display.IFrame(_server.url, width=width, height=height)


def url() -> str | None:
    """The address of the notebook's background server, or None before ``show()``."""
    return _server.url if _server is not None else None
