"""BoundaryRecorder as a training callback, and the GIF it becomes."""

import io
import random
import sys

import matplotlib
import pytest

matplotlib.use("Agg")

from PIL import Image  # noqa: E402

from micrograd.errors import MissingExtraError  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.training import train  # noqa: E402
from micrograd.viz import BoundaryRecorder, animate, animate_training  # noqa: E402

X = [[0.0, 0.0], [1.0, 0.5], [-1.0, 0.2], [0.5, -1.0], [1.5, 1.5], [-0.5, -0.5]]
Y = [0, 1, 0, 1, 1, 0]


def test_recorder_snapshots_every_n_steps_during_train():
    random.seed(0)
    model = MLP(2, [4, 1])
    rec = BoundaryRecorder(X, Y, every=2, resolution=8)
    train(model, X, Y, steps=5, callbacks=[rec], progress=False)
    assert [s.step for s in rec.snapshots] == [0, 2, 4]
    assert "loss" in rec.snapshots[-1].caption and "accuracy" in rec.snapshots[-1].caption
    assert len(rec.snapshots[0].grid.scores) == 8
    with pytest.raises(ValueError, match="every=0"):
        BoundaryRecorder(X, Y, every=0)


def test_animate_writes_a_gif_with_one_frame_per_snapshot(tmp_path):
    random.seed(0)
    model = MLP(2, [4, 1])
    rec = BoundaryRecorder(X, Y, resolution=8)
    rec.snapshot(model, -1)
    rec.snapshot(model, 0)
    result = animate(rec, tmp_path / "b.gif", fps=2, dpi=40)
    assert result.gif.startswith(b"GIF8")
    assert (tmp_path / "b.gif").read_bytes() == result.gif
    with Image.open(io.BytesIO(result.gif)) as im:
        assert im.n_frames == 2
    assert result._repr_html_().startswith('<img src="data:image/gif;base64,')
    with pytest.raises(ValueError, match="no snapshots"):
        animate(BoundaryRecorder(X, Y))


def test_animate_training_trains_records_and_keeps_the_history():
    random.seed(0)
    model = MLP(2, [4, 1])
    result = animate_training(model, X, Y, every=3, resolution=8, steps=5, progress=False)
    assert len(result.history.step) == 5
    with Image.open(io.BytesIO(result.gif)) as im:
        assert im.n_frames == 4  # before training, after steps 0 and 3, and after the last (4)


def test_missing_pillow_names_the_anim_extra(monkeypatch):
    rec = BoundaryRecorder(X, Y, resolution=4)
    rec.snapshot(MLP(2, [1]), 0)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(MissingExtraError, match=r"micrograd\[anim\]"):
        animate(rec)


def test_animate_backward_has_one_frame_per_step_and_changes_no_grad(tmp_path):
    from micrograd.engine import Value
    from micrograd.viz import animate_backward, backward_steps

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + 1.0).tanh()
    steps = len(list(backward_steps(out)))
    result = animate_backward(out, tmp_path / "bw.gif", engine="python", legend=False)
    with Image.open(tmp_path / "bw.gif") as im:
        assert im.n_frames == steps
    assert result.gif.startswith(b"GIF8")
    assert a.grad == 0.0 and out.grad == 0.0


def test_each_frame_caption_describes_the_boundary_drawn_in_that_frame():
    from micrograd.training import evaluate, score

    random.seed(0)
    model = MLP(2, [4, 1])
    rec = BoundaryRecorder(X, Y, every=1, resolution=4)
    measured = []

    def same_moment(step, model, history):  # called right after the recorder, same model
        measured.append((evaluate(model, X, Y).loss, score(model, X, Y)))

    history = train(model, X, Y, steps=6, batch_size=2, lr=0.5, callbacks=[rec, same_moment],
                    progress=False)  # fmt: skip
    assert [(s.loss, s.accuracy) for s in rec.snapshots] == measured
    # The history's own numbers are the batches before their updates: not the same thing.
    assert [s.accuracy for s in rec.snapshots] != history.accuracy
    assert rec.snapshots[0].caption.startswith("after 1 step ·")
    assert "on all 6 points" in rec.snapshots[-1].caption


def test_recorder_at_chosen_steps_puts_frames_where_the_boundary_moves():
    random.seed(0)
    model = MLP(2, [4, 1])
    rec = BoundaryRecorder(X, Y, resolution=8, at=[0, 1, 3])
    train(model, X, Y, steps=6, callbacks=[rec], progress=False)
    assert [s.step for s in rec.snapshots] == [0, 1, 3]
    with pytest.raises(ValueError, match="whole numbers"):
        BoundaryRecorder(X, Y, at=[1, -2])


def test_animate_with_fewer_colours_keeps_every_frame_in_a_smaller_palette():
    random.seed(0)
    model = MLP(2, [4, 1])
    rec = BoundaryRecorder(X, Y, resolution=8)
    rec.snapshot(model, -1)
    rec.snapshot(model, 0)
    full, few = animate(rec, dpi=60), animate(rec, dpi=60, colors=16)
    with Image.open(io.BytesIO(few.gif)) as im:
        assert im.n_frames == 2
        for k in range(im.n_frames):
            im.seek(k)
            assert len(im.convert("RGB").getcolors(maxcolors=256) or ()) <= 16
    assert len(few.gif) < len(full.gif)
    with pytest.raises(ValueError, match="colours from 2 to 256"):
        animate(rec, colors=1)
