"""Run every notebook of the intuition course top to bottom, as a learner would.

Each notebook is read into memory and executed there: the committed file, with
its committed outputs, is never rewritten. The kernel is ``python3`` and starts
in ``intuition/``, so relative paths such as ``images/...`` resolve as they do
in Jupyter. Execution goes through ``intuition/regenerate.py``, the command that
makes the committed outputs, so CI checks exactly what gets committed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip(
    "nbformat", reason="running notebooks needs nbformat (pip install -e '.[test]')"
)
nbclient = pytest.importorskip(
    "nbclient", reason="running notebooks needs nbclient (pip install -e '.[test]')"
)
pytest.importorskip(
    "ipykernel", reason="running notebooks needs ipykernel (pip install -e '.[notebooks]')"
)

INTUITION = Path(__file__).resolve().parent.parent / "intuition"
MAX_NOTEBOOK_BYTES = 2_000_000


def _load_regenerate():
    spec = importlib.util.spec_from_file_location("regenerate", INTUITION / "regenerate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regenerate = _load_regenerate()
NOTEBOOKS = sorted(INTUITION.glob("*.ipynb"))


def _clean(text: str) -> str:
    """Strip the terminal colour codes from a traceback, so the failure reads plainly."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def kernel_env(monkeypatch):
    # An inherited MPLBACKEND=Agg would make every figure vanish from the outputs.
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("TQDM_DISABLE", "1")


def test_the_course_has_all_four_notebooks():
    missing = [name for name in regenerate.COURSE if not (INTUITION / name).exists()]
    assert not missing, f"intuition/ is missing {missing}; the course reads {regenerate.COURSE}"


@pytest.mark.slow  # about a minute per notebook at most; CI runs it, `-m "not slow"` skips it
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, kernel_env):
    nb = nbformat.read(path, as_version=4)
    try:
        regenerate.execute_notebook(nb, cwd=INTUITION)
    except nbclient.exceptions.CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed\n{_clean(str(error))}", pytrace=False)
    images = [
        o
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if "image/png" in o.get("data", {}) or "image/svg+xml" in o.get("data", {})
    ]
    assert images, f"{path.name} ran but showed no figure: is MPLBACKEND leaking into the kernel?"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_its_outputs(path):
    """Outputs are part of the course: GitHub shows them without running anything."""
    assert path.stat().st_size < MAX_NOTEBOOK_BYTES, f"{path.name} is over 2 MB; shrink its figures"
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    not_run = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not not_run, (
        f"{path.name}: code cells {not_run} have no outputs; run `python intuition/regenerate.py`"
    )
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors, f"{path.name} was saved with an error: {errors[0].ename}: {errors[0].evalue}"


def test_kernel_draws_inline_even_when_the_shell_says_agg(monkeypatch):
    """The kernel must not inherit MPLBACKEND, whatever the shell running pytest exports."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import matplotlib; print(matplotlib.get_backend())"),
        nbformat.v4.new_code_cell("import os; print(os.environ.get('TQDM_DISABLE'))"),
    ]
    regenerate.execute_notebook(nb, cwd=INTUITION)
    backend, tqdm_disable = (c.outputs[0].text.strip() for c in nb.cells)
    assert "inline" in backend, f"the kernel drew with {backend!r}, so figures would vanish"
    assert tqdm_disable == "1"
