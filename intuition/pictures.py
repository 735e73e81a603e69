"""A picture helper for the course notebooks.

``draw_dot(root, max_width=900)`` keeps a wide graph readable in a notebook
column by laying it out top to bottom, each box's fields stacked. The neuron
picture, ``draw_neurons``, has no such option yet, and a network with 16
neurons per layer comes out about 1,900 pixels wide, its labels shrunk to a
few pixels. ``fit_column`` stacks the fields of its boxes in the same way.
"""

from __future__ import annotations

from micrograd.viz import GraphDrawing


def fit_column(drawing: GraphDrawing) -> GraphDrawing:
    """The same picture with each box's fields one above the other: narrow enough to read."""
    for node in drawing.spec.nodes:
        node.stacked = node.kind == "value"
    return GraphDrawing(drawing.spec, drawing.format, drawing.engine)
