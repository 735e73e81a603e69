"""The network lab's pictures as small JSON: decision boundary, neuron maps, weights.

Everything is plain Python floats through ``viz.fastforward.float_columns``, so
the pictures need neither NumPy nor a server: the same code runs in a browser's
Python. A picture is sent as integers in -127..127 of its largest magnitude
(``quantize``), which keeps each answer small enough to fetch several times a second.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from micrograd.viz.fastforward import float_columns


def quantize(values: Sequence[float]) -> dict:
    """Values as ints in -127..127 of the largest finite magnitude; inf clips, nan is 0."""
    finite = [abs(v) for v in values if math.isfinite(v)]
    scale = max(finite, default=0.0)
    if scale == 0:
        return {"scale": 0.0, "q": [0] * len(values)}
    k = 127 / scale
    q = [
        round(v * k) if math.isfinite(v) else (0 if v != v else (127 if v > 0 else -127))
        for v in values
    ]
    return {"scale": scale, "q": q}


def grid_points(extent: tuple[float, float, float, float], n: int) -> list[tuple[float, float]]:
    """``n`` x ``n`` cell centres over the extent, top row first (as an image is stored)."""
    lo_x, hi_x, lo_y, hi_y = extent
    xs = [lo_x + (hi_x - lo_x) * (k + 0.5) / n for k in range(n)]
    ys = [hi_y - (hi_y - lo_y) * (k + 0.5) / n for k in range(n)]
    return [(x, y) for y in ys for x in xs]


def pictures(model, grid: list, size: int, neuron_size: int, classes: int) -> dict:
    """The boundary over the ``size``² grid and every hidden neuron's map on ``neuron_size``²."""
    columns = float_columns(model, grid)
    stride = size // neuron_size
    picks = [
        r * size + c
        for r in range(stride // 2, size, stride)
        for c in range(stride // 2, size, stride)
    ]
    neurons = [[quantize([col[i] for i in picks]) for col in layer] for layer in columns[:-1]]
    output = columns[-1]
    if classes <= 2:
        boundary = {"kind": "binary", "scores": quantize(output[0])}
    else:
        rows = list(zip(*output))
        winner = [max(range(classes), key=row.__getitem__) for row in rows]
        leads = []  # how far each class is ahead of its best rival: > 0 where it wins
        for c in range(classes):
            leads.append(
                quantize([row[c] - max(v for j, v in enumerate(row) if j != c) for row in rows])
            )
        boundary = {"kind": "classes", "winner": winner, "leads": leads}
    return {"boundary": boundary, "neurons": neurons}


def weights(model) -> list[dict]:
    """Per layer, ``w[neuron][input]`` and ``b[neuron]``: the lines between neuron pictures."""
    return [
        {
            "w": [[_short(w.data) for w in n.w] for n in layer.neurons],
            "b": [_short(n.b.data) for n in layer.neurons],
        }
        for layer in model.layers
    ]


def _short(x: float) -> float | None:
    """Six significant digits are plenty for a line's width and colour; None if not finite."""
    return float(f"{x:.6g}") if math.isfinite(x) else None
