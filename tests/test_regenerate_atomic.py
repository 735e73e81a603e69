"""``intuition/regenerate.py`` saves a notebook atomically: a full disk keeps the old one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbformat")

REGENERATE = Path(__file__).resolve().parent.parent / "intuition" / "regenerate.py"


def test_a_full_disk_while_saving_keeps_the_old_notebook(tmp_path):
    import nbformat

    path = tmp_path / "lesson.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hello')")])
    nbformat.write(nb, path)
    old = path.read_bytes()
    script = f"""
import importlib.util, resource
spec = importlib.util.spec_from_file_location("regenerate", {str(REGENERATE)!r})
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)
import nbformat, micrograd.atomic  # everything imported before the limit

def fake_run(nb):  # outputs far bigger than the file-size limit
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="x" * 20_000)]

regenerate.execute_notebook = fake_run
resource.setrlimit(resource.RLIMIT_FSIZE, (len({old!r}) + 100,) * 2)
try:
    regenerate.regenerate(regenerate.Path({str(path)!r}))
except OSError as exc:
    print("refused", exc.filename)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"refused {path}"
    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.ipynb"]
