"""Pictures of graphs, data and training.

Importing this package needs nothing beyond the standard library; each
function imports matplotlib, grandalf or pygraphviz only when it is called.
Names are loaded on first use, so ``from micrograd.viz import draw_dot`` is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> module that defines it
_EXPORTS = {
    "draw_dot": "graph",
    "GraphDrawing": "graph",
    "GraphTooLargeError": "spec",
    "backward_steps": "stepper",
    "BackwardFrame": "stepper",
    "draw_neurons": "neurons",
    "plot_dataset": "data_plot",
    "plot_decision_boundary": "boundary",
    "decision_grid": "boundary",
    "plot_history": "history",
    "layer_stats": "gradflow",
    "plot_gradient_flow": "gradflow",
    "BoundaryRecorder": "animation",
    "animate": "animation",
    "animate_training": "animation",
    "animate_backward": "animation",
    "GifAnimation": "animation",
    "save_figure": "mpl",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'micrograd.viz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"micrograd.viz.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
