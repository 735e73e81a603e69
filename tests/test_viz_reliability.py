"""Visualisation under stress: memory of the stepper, user-defined ops, colours of any size,
reproducible SVG, one colour scale per film, and graphs too wide for a notebook column."""

from __future__ import annotations

import math
import subprocess
import sys
import tracemalloc

import matplotlib
import pytest

matplotlib.use("Agg")

from micrograd.engine import Value  # noqa: E402
from micrograd.viz import backward_steps, draw_dot, palette  # noqa: E402
from micrograd.viz.spec import GraphTooLargeError, build_spec  # noqa: E402


def chain(n: int) -> Value:
    x = Value(0.5, label="x")
    for i in range(n):
        x = x * 1.001 + 0.01 if i % 2 else x.tanh()
    return x


# ------------------------------------------------------ stepper memory
def test_keeping_every_frame_costs_linear_memory():
    root = chain(1500)  # about 3,000 values and 2,250 steps
    n = len(root.topological_order())
    tracemalloc.start()
    frames = list(backward_steps(root))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(frames) > 2000
    # A dictionary per frame would be about 3,000 x 2,250 entries: hundreds of MB.
    assert peak / n < 2000, f"{peak / n:.0f} bytes per value"


def test_frames_as_views_give_the_same_numbers_as_a_copy_per_step():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = ((a * b + a) * a).tanh() + (a / b).exp() * b
    frames = list(backward_steps(out))
    # An independent replay: a fresh dictionary per step.
    order = out.topological_order()
    grads = {v: (0.0 if v._children else v.grad) for v in order}
    grads[out] = 1.0
    expected = [dict(grads)]
    for node in reversed(order):
        if node._children:
            for child, local in zip(node._children, node._local):
                grads[child] += local * grads[node]
            expected.append(dict(grads))
    assert [dict(f.grads) for f in frames] == expected
    assert len(frames[3].grads) == len(order) and out in frames[3].grads


# ------------------------------------------- a user op with its own _backward
def cube(x: Value) -> Value:
    """An operation added the original lecture's way: no local derivatives, a closure."""
    out = Value(x.data**3, (x,), "cube")

    def _backward() -> None:
        x.grad += 3 * x.data**2 * out.grad

    out._backward = _backward
    return out


def test_stepper_replays_a_user_op_through_its_own_backward():
    a = Value(2.0, label="a")
    c = cube(a)
    out = c * a + c
    frames = list(backward_steps(out))
    assert a.grad == 0.0 and c.grad == 0.0, "stepping changes no .grad"
    out.backward()
    assert all(frames[-1].grads[v] == v.grad for v in out.topological_order())
    assert frames[-1].grads[a] == 3 * 4 * (2.0 + 1.0) + 8.0
    step = next(f for f in frames if f.node is c)
    assert "its own _backward()" in step.describe()


def test_a_user_op_is_drawn_without_local_derivative_labels():
    a = Value(2.0, label="a")
    out = cube(a) * 3.0
    out.backward()
    spec = build_spec(out)
    a_id = next(n.id for n in spec.nodes if n.kind == "value" and "a" in n.fields)
    into_cube = [e for e in spec.edges if e.dst.endswith("op") and e.src == a_id]
    assert into_cube and all(e.label == "" for e in into_cube)
    assert any(e.label.startswith("∂=") for e in spec.edges)
    assert any("its own _backward()" in line for line in spec.legend)
    draw_dot(out, engine="python").pipe("svg")
    draw_dot(list(backward_steps(out))[1], engine="python").pipe("png")


# --------------------------------------------- colours of any size
@pytest.mark.parametrize(
    ("grad", "scale"),
    [(math.nan, 1.0), (math.inf, 1.0), (-math.inf, 1.0), (1e308, 1e-308), (5e-324, 1e308),
     (1.0, math.inf), (1.0, math.nan), (-1e-300, 5e-324)],
)  # fmt: skip
def test_grad_color_accepts_any_float(grad, scale):
    colour = palette.grad_color(grad, scale)
    assert colour.startswith("#") and len(colour) == 7


def test_spec_copes_with_huge_tiny_and_non_finite_grads():
    a, b = Value(1e200, label="a"), Value(1e-300, label="b")
    out = a * b
    out.backward()
    build_spec(out)
    spec = build_spec(out, grads={a: math.inf, b: math.nan, out: 1.0})
    fills = {n.fields[0]: n.fill for n in spec.nodes if n.kind == "value" and n.fields[0] in "ab"}
    assert fills["a"] == palette.grad_color(1.0, 1.0)  # infinity: the darkest red
    assert fills["b"] == palette.NOT_A_NUMBER


# ------------------------------------------- one colour scale per film
def test_every_frame_uses_the_final_colour_scale_and_says_so():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + 10.0) * a  # final grads up to |-4|: the output's grad 1 is not the darkest
    frames = list(backward_steps(out))
    root_fills = set()
    for frame in frames:
        spec = draw_dot(frame).spec
        root_fills.add(next(n.fill for n in spec.nodes if n.id == spec.root))
        assert any("one scale for every step" in line for line in spec.legend)
    assert len(root_fills) == 1, "the output's box keeps its colour while its grad stays 1"
    out.backward()
    assert draw_dot(frames[0]).spec.nodes[-1].fill == draw_dot(out).spec.nodes[-1].fill


def test_animate_backward_refuses_a_big_graph_before_any_work(monkeypatch):
    pytest.importorskip("PIL")
    import micrograd.viz.stepper
    from micrograd.viz import animate_backward

    def no_replay(root):
        raise AssertionError("replayed the whole graph before checking its size")

    monkeypatch.setattr(micrograd.viz.stepper, "backward_steps", no_replay)
    with pytest.raises(GraphTooLargeError):
        animate_backward(chain(300), engine="python")


# --------------------------------------------- reproducible SVG
def test_the_pure_python_svg_is_byte_identical_across_runs():
    code = (
        "import sys\n"
        "from micrograd.engine import Value\n"
        "from micrograd.viz import draw_dot\n"
        "a, b = Value(2.0, label='a'), Value(-3.0, label='b')\n"
        "out = (a * b + a).tanh(); out.backward()\n"
        "sys.stdout.buffer.write(draw_dot(out, engine='python').pipe('svg'))\n"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True) for _ in range(2)]
    assert runs[0].returncode == 0, runs[0].stderr
    assert runs[0].stdout == runs[1].stdout
    assert b"<dc:date>" not in runs[0].stdout


# --------------------------------------------- a readable width
@pytest.mark.parametrize("engine", ["python", "graphviz"])
def test_max_width_lays_a_long_graph_out_top_to_bottom(engine):
    if engine == "graphviz":
        pytest.importorskip("pygraphviz")
    root = chain(20)  # about 60 values in a long line
    root.backward()
    wide = draw_dot(root, engine=engine)
    assert wide.width_px() > 900
    fitted = draw_dot(root, engine=engine, max_width=900)
    assert fitted.spec.rankdir == "TB"
    assert fitted.width_px() < wide.width_px()
    if engine == "graphviz":  # the chain stays straight instead of drifting sideways
        assert fitted.width_px() <= 900
    small = Value(2.0, label="a") * 3.0
    assert draw_dot(small, engine=engine, max_width=900).spec.rankdir == "LR"
    with pytest.raises(ValueError, match="max_width"):
        draw_dot(small, max_width=0)


def test_max_width_fits_the_course_s_unfused_tiny_network_in_a_notebook_column():
    pytest.importorskip("pygraphviz")
    import random

    from micrograd.nn import MLP

    random.seed(1337)
    model = MLP(2, [2, 1], activation="tanh", fused=False)
    for name, p in model.named_parameters():
        p.label = name.replace("layers.", "L").replace("neurons.", "n")
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    out.backward()
    assert draw_dot(out, engine="graphviz").width_px() > 3000  # unreadable at 900 px
    fitted = draw_dot(out, engine="graphviz", max_width=900)
    assert fitted.width_px() <= 900
    assert all(n.stacked for n in fitted.spec.nodes if n.kind == "value")
