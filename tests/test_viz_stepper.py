"""backward_steps replays backpropagation frame by frame without touching .grad."""

import matplotlib
import pytest

matplotlib.use("Agg")

from micrograd.engine import Value  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.viz import backward_steps, draw_dot  # noqa: E402


def expression():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = Value(10.0, label="c")
    out = ((a * b + c) * a).tanh() + a.exp() / b
    return [a, b, c], out


def test_last_frame_equals_backward_exactly():
    _, out = expression()
    frames = list(backward_steps(out))
    out.backward()
    assert all(frames[-1].grads[v] == v.grad for v in out.topological_order())


def test_last_frame_equals_backward_on_a_network_with_leaves_holding_old_grads():
    model = MLP(3, [4, 4, 1], activation="tanh")
    for i, p in enumerate(model.parameters()):
        p.grad = 0.01 * i  # leaves accumulate, in backward() and in the replay alike
    loss = model([0.5, -1.0, 2.0]) ** 2
    last = list(backward_steps(loss))[-1]
    loss.backward()
    assert all(last.grads[v] == v.grad for v in loss.topological_order())


def test_stepping_changes_no_grad():
    leaves, out = expression()
    before = [v.grad for v in out.topological_order()]
    for _ in backward_steps(out):
        pass
    assert [v.grad for v in out.topological_order()] == before


def test_frames_start_at_the_seed_and_fill_in_towards_the_leaves():
    (a, b, c), out = expression()
    frames = list(backward_steps(out))
    assert frames[0].step == 0 and frames[0].node is None
    assert frames[0].grads[out] == 1.0 and frames[0].grads[c] == 0.0
    interior = [v for v in out.topological_order() if v._children]
    assert len(frames) == 1 + len(interior)
    assert frames[1].node is out
    assert frames[-1].grads[c] != 0.0
    assert "step 0" in frames[0].describe() and "children" in frames[1].describe()


def test_draw_dot_of_a_frame_and_of_step_agree():
    _, out = expression()
    frames = list(backward_steps(out))
    src = draw_dot(frames[2]).source
    assert src == draw_dot(out, step=2).source
    assert "step 2:" in src
    assert "penwidth=3" in src  # the node just processed is outlined
    assert "green: the node just processed" in src
    with pytest.raises(ValueError, match="steps 0 to"):
        draw_dot(out, step=len(frames))
