"""Run chosen cells of a course notebook in this process, with a 🔁 change substituted.

The 🔁 cells of the course invite the learner to change one value and run
again, and their prose says what happens then. The tests run exactly that: the
cells as committed, the change substituted as the prose words it, and then
check the claim against the numbers the cells computed.

Cells are found by their ``id`` (stable while cells are added around them), and
a change must match its cell's code exactly once, so a test fails loudly when a
notebook's wording and its code drift apart.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

INTUITION = Path(__file__).resolve().parent.parent / "intuition"
_CACHE: dict[str, nbformat.NotebookNode] = {}


def notebook(name: str) -> nbformat.NotebookNode:
    if name not in _CACHE:
        _CACHE[name] = nbformat.read(INTUITION / name, as_version=4)
    return _CACHE[name]


def cell(name: str, cell_id: str) -> nbformat.NotebookNode:
    for c in notebook(name).cells:
        if c.get("id") == cell_id:
            return c
    raise AssertionError(f"{name} has no cell {cell_id!r}: was it removed or renumbered?")


def source(name: str, cell_id: str) -> str:
    return cell(name, cell_id).source


def run_cells(
    name: str,
    cell_ids: Iterable[str],
    changes: Iterable[tuple[str, str]] = (),
    namespace: dict | None = None,
) -> dict:
    """Run the code cells ``cell_ids`` of notebook ``name`` in order, in one namespace.

    Each ``(old, new)`` in ``changes`` replaces text that occurs exactly once in
    the chosen cells. IPython magics (``%matplotlib``) are dropped. Figures are
    drawn off screen, closed, and kept in ``namespace["figures"]`` (the last
    cell's), so a test can read what a picture showed. ``namespace``: carry on
    from an earlier run (a copy of it is used). Returns the namespace.
    """
    cell_ids = list(cell_ids)
    cells = [source(name, cid) for cid in cell_ids]
    for old, new in changes:
        hits = [k for k, text in enumerate(cells) if old in text]
        total = sum(cells[k].count(old) for k in hits)
        assert total == 1, f"{name}: {old!r} occurs {total} times in cells {list(cell_ids)}"
        cells[hits[0]] = cells[hits[0]].replace(old, new)
    namespace = dict(namespace) if namespace is not None else {"__name__": "__notebook__"}
    here = os.getcwd()
    sys.path.insert(0, str(INTUITION))
    os.chdir(INTUITION)
    try:
        for text in cells:
            code = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
            exec(compile(code, f"<{name}>", "exec"), namespace)  # noqa: S102
            namespace["figures"] = [plt.figure(n) for n in plt.get_fignums()]
            plt.close("all")
    finally:
        os.chdir(here)
        sys.path.remove(str(INTUITION))
    return namespace
