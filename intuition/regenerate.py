"""Run every notebook of the course top to bottom and save it with fresh outputs.

    python intuition/regenerate.py                  # all four, in course order, and the images
    python intuition/regenerate.py demo             # just one (demo, demo.ipynb or a path)
    python intuition/regenerate.py images           # just images/*.png, from `micrograd demo`

The two pictures in ``images/`` (the two-moons data and the learned decision
boundary) are what ``micrograd demo`` writes with its default options; this
script is the one place that writes them into the course. The command itself
writes into ``./micrograd-demo/`` unless given ``--out``.

The notebooks are committed *with* their outputs, so that they read well on
GitHub without running anything. This script is how those outputs are made,
and ``tests/test_notebooks.py`` runs the notebooks through the same
``execute_notebook`` function, so what CI checks is what gets committed.

Why the care with the environment:

* ``MPLBACKEND`` is removed. A kernel that inherits ``MPLBACKEND=Agg`` draws
  every figure off screen, and the figures silently vanish from the outputs.
* ``TQDM_DISABLE=1`` turns progress bars off: they render as widgets, which are
  blank in a static page. The notebooks print the loss every few steps instead.
* ``MICROGRAD_STRICT_CHECKS=1`` makes every self-check of an empty exercise
  check the solution from ``solutions.py`` instead, and raise if it fails, so
  a library change that breaks a worked example fails loudly instead of being
  saved as a quiet "❌ not yet". The saved output is still what a learner sees
  on a first run: "your turn".
* The repository root goes first on ``PYTHONPATH``, so the notebooks import this
  checkout of ``micrograd`` even when it is not pip-installed.
* Cell timings and widget state are not recorded, so running twice gives the
  same file, and ``git diff`` shows only real changes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# The course, in the order it is meant to be read.
COURSE = (
    "micrograd_basics.ipynb",
    "micrograd_intermediate.ipynb",
    "micrograd_advanced.ipynb",
    "demo.ipynb",
)

IMAGES = HERE / "images"  # input_dataset.png and classified_dataset.png
CELL_TIMEOUT = 300  # seconds per cell: generous, a whole notebook takes well under a minute
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def kernel_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the notebook kernel starts with (see the module docstring)."""
    env = dict(os.environ if base is None else base)
    env.pop("MPLBACKEND", None)
    env["TQDM_DISABLE"] = "1"
    env["MICROGRAD_STRICT_CHECKS"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def execute_notebook(nb, cwd: Path = HERE, timeout: int = CELL_TIMEOUT):
    """Run ``nb`` (an ``nbformat`` notebook) in place in a fresh ``python3`` kernel.

    Raises ``nbclient.exceptions.CellExecutionError`` at the first failing cell;
    its message shows that cell's source and traceback.
    """
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(cwd=str(cwd), env=kernel_environment())
    _drop_widget_views(nb)
    _merge_streams(nb)
    nb.metadata.get("language_info", {}).pop("version", None)  # same file on any Python 3
    return nb


def _drop_widget_views(nb) -> None:
    """Remove live-widget outputs: they only show in a running notebook.

    Their ids are random, so they would change the file on every run, and a
    static page shows them as nothing. The notebooks always draw a few of the
    widget's settings as small multiples, with plain calls, as well.
    """
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                data.pop("text/plain", None)
        cell["outputs"] = [
            o
            for o in cell.get("outputs", [])
            if not (
                o.get("output_type") in ("display_data", "execute_result") and not o.get("data")
            )
        ]


def _merge_streams(nb) -> None:
    """Join consecutive prints into one output.

    How printed text is split into chunks depends on timing, so without this
    the same run could save a different file.
    """
    for cell in nb.cells:
        merged = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and output.get("output_type") == "stream"
                and previous.get("output_type") == "stream"
                and output.get("name") == previous.get("name")
            ):
                previous["text"] += output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged


def regenerate(path: Path) -> None:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    execute_notebook(nb)
    text = nbformat.writes(nb)  # what nbformat.write would write, but atomically
    write_atomically(path, text if text.endswith("\n") else text + "\n")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through this repository's ``micrograd.atomic``.

    A full disk or Ctrl-C while saving must not leave half a notebook (or
    half a course) behind; the old file survives any failure.
    """
    sys.path.insert(0, str(REPO))
    try:
        from micrograd.atomic import write_text
    finally:
        sys.path.remove(str(REPO))
    write_text(path, text)


def demo_command() -> list[str]:
    """The command that draws the course's two pictures: the classic demo, into images/."""
    return [sys.executable, "-m", "micrograd", "demo", "--out", str(IMAGES), "--no-progress"]


def regenerate_images() -> None:
    env = {**kernel_environment(), "MPLBACKEND": "Agg"}  # files only, no window
    subprocess.run(demo_command(), env=env, cwd=REPO, check=True)


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or [*COURSE, "images"]
    images = "images" in names
    names = [name for name in names if name != "images"]
    paths = [HERE / Path(name).with_suffix(".ipynb").name for name in names]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        print(f"not found in {HERE}: {', '.join(missing)}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"running {path.name} ...", flush=True)
        regenerate(path)
        size = path.stat().st_size / 1e6
        print(f"  saved {path.name} with outputs ({size:.2f} MB)", flush=True)
    if images:
        print(f"drawing {IMAGES.relative_to(REPO)}/ with micrograd demo ...", flush=True)
        regenerate_images()
    return 0


if __name__ == "__main__":
    sys.exit(main())
