"""Pictures and GIFs are written atomically: a full disk or a failure keeps the old file,
no temporary file is left, bad paths are refused before any drawing, no figure stays open."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from micrograd.engine import Value  # noqa: E402
from micrograd.errors import NotARegularFileError  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.viz import (  # noqa: E402
    BoundaryRecorder,
    GifAnimation,
    animate,
    animate_backward,
    draw_dot,
    save_figure,
)

OLD = b"<svg>an old picture</svg>" * 376  # 9,400 bytes
X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.2], [0.5, -1.0]]
Y = [0, 1, 0, 1]


def _under_a_file_size_limit(prepare: str, write: str, path) -> str:
    """Run ``prepare``, then ``write`` with files capped at 2,048 bytes; return its report.

    Everything slow or cached (fonts, layouts) happens in ``prepare``, before the limit.
    """
    script = textwrap.dedent(
        f"""
        import resource, sys
        import matplotlib
        matplotlib.use("Agg")
        path = sys.argv[1]
        {prepare}
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
        try:
            {write}
        except OSError as exc:
            print("refused", exc.filename == path, exc)
        else:
            print("written")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _graph() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + a).tanh()
    out.label = "out"
    return out


@pytest.mark.parametrize(
    ("name", "prepare", "write"),
    [
        (
            "graph.svg",
            "from micrograd.engine import Value; from micrograd.viz import draw_dot\n"
            "        x = Value(0.5, label='x')\n"
            "        for i in range(40): x = (x * 1.01).tanh()\n"
            "        drawing = draw_dot(x, engine='python'); drawing.pipe('svg')",
            "drawing.save(path)",
        ),
        (
            "training.gif",
            "from micrograd.viz import GifAnimation",
            "GifAnimation(b'GIF89a' + bytes(20_000)).save(path)",
        ),
        (
            "boundary.png",
            "import io, matplotlib.pyplot as plt; from micrograd.viz import save_figure\n"
            "        fig, ax = plt.subplots(); ax.plot(range(1000), range(1000))\n"
            "        fig.savefig(io.BytesIO(), format='png')",
            "save_figure(fig, path, dpi=150)",
        ),
    ],
)
def test_a_full_disk_keeps_the_old_picture(tmp_path, name, prepare, write):
    path = tmp_path / name
    path.write_bytes(OLD)
    report = _under_a_file_size_limit(prepare, write, path)
    assert report.startswith("refused True"), report
    assert ".tmp" not in report, "the error names the picture, not the temporary file"
    assert path.read_bytes() == OLD
    assert os.listdir(tmp_path) == [name]


def test_save_figure_picks_the_format_from_the_name_and_closes_the_figure(tmp_path):
    open_before = plt.get_fignums()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    save_figure(fig, tmp_path / "line.svg", close=False)
    assert b"<svg" in (tmp_path / "line.svg").read_bytes()
    assert plt.get_fignums() == open_before + [fig.number]
    assert save_figure(fig, tmp_path / "line.png") == tmp_path / "line.png"
    assert (tmp_path / "line.png").read_bytes().startswith(b"\x89PNG")
    assert plt.get_fignums() == open_before
    assert sorted(os.listdir(tmp_path)) == ["line.png", "line.svg"]


def _link_to_dev_null(tmp_path, name: str):
    """A path that leads to /dev/null: a device, which must never be replaced."""
    link = tmp_path / name
    link.symlink_to(os.devnull)
    return link


def test_graph_pictures_refuse_special_files_and_folder_paths(tmp_path):
    link = _link_to_dev_null(tmp_path, "graph.svg")
    drawing = draw_dot(_graph(), engine="python")
    with pytest.raises(NotARegularFileError, match="character device"):
        drawing.save(link)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        drawing.save(tmp_path / "missing" / "graph.svg")
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_animate_backward_refuses_a_bad_path_before_any_drawing(tmp_path, monkeypatch):
    import micrograd.viz.graph as graph

    def no_drawing(*args, **kwargs):
        raise AssertionError("drew frames for a path that cannot be written")

    monkeypatch.setattr(graph, "draw_dot", no_drawing)
    with pytest.raises(FileNotFoundError, match="names a folder"):
        animate_backward(_graph(), f"{tmp_path}/films/")
    assert os.listdir(tmp_path) == []


def _recorder() -> BoundaryRecorder:
    model = MLP(2, [3, 1])
    recorder = BoundaryRecorder(X, Y, resolution=6)
    recorder.snapshot(model, -1)
    return recorder


def test_animate_refuses_a_bad_path_before_opening_a_figure(tmp_path):
    link = _link_to_dev_null(tmp_path, "film.gif")
    open_before = plt.get_fignums()
    with pytest.raises(NotARegularFileError):
        animate(_recorder(), link, dpi=30)
    assert plt.get_fignums() == open_before


def test_animate_failing_midway_keeps_the_old_gif_and_closes_its_figure(tmp_path, monkeypatch):
    import matplotlib.animation as mpl_anim

    path = tmp_path / "film.gif"
    path.write_bytes(OLD)
    open_before = plt.get_fignums()

    def interrupted(writer):  # Ctrl-C after the frames are drawn, while the GIF is written
        with open(writer.outfile, "wb") as f:
            f.write(b"GIF89a half")
        raise KeyboardInterrupt

    monkeypatch.setattr(mpl_anim.PillowWriter, "finish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        animate(_recorder(), path, dpi=30)
    assert path.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["film.gif"]
    assert plt.get_fignums() == open_before, "the figure animate opened is closed"


def test_gif_animation_save_returns_the_path_and_writes_every_byte(tmp_path):
    gif = GifAnimation(b"GIF89a" + bytes(range(256)))
    assert gif.save(tmp_path / "a.gif") == tmp_path / "a.gif"
    assert (tmp_path / "a.gif").read_bytes() == gif.gif
