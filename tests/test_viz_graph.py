"""draw_dot: the DOT text says the right things, and both renderers make valid pictures."""

import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from micrograd.engine import Value, value_sum, weighted_sum  # noqa: E402
from micrograd.errors import MissingExtraError  # noqa: E402
from micrograd.nn import MLP  # noqa: E402
from micrograd.viz import GraphTooLargeError, draw_dot  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def tutorial_graph():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    out = d.tanh()
    out.label = "out"
    out.backward()
    return a, b, c, out


def test_dot_source_shows_labels_data_grads_and_local_derivatives():
    a, b, c, out = tutorial_graph()
    src = draw_dot(out).source
    for text in ("a | data 2.0000", "b | data -3.0000", "c | data 10.0000", "out | data"):
        assert text in src
    assert f"grad {a.grad:.4f}" in src
    # d(a*b)/da = b = -3 and d(a*b)/db = a = 2 label the edges into '*'
    assert 'label=" ∂=-3.0000 "' in src and 'label=" ∂=2.0000 "' in src
    assert 'label="tanh"' in src and 'label="*"' in src and 'label="+"' in src


def test_edges_connect_children_to_their_operation_and_operation_to_result():
    x = Value(3.0, label="x")
    y = x * 2.0
    src = draw_dot(y, legend=False).source
    edges = {line.split("[")[0].strip() for line in src.splitlines() if "->" in line}
    ids = {line.split()[0] for line in src.splitlines() if "x | data" in line}
    (x_id,) = ids
    assert any(e.startswith(x_id + " ->") and e.endswith("op") for e in edges)
    assert sum(e.endswith("op") for e in edges) == 2  # x and the constant 2.0 feed '*'
    assert len(edges) == 3


def test_local_derivatives_can_be_switched_off():
    *_, out = tutorial_graph()
    assert "∂=" in draw_dot(out).source
    assert "∂=" not in draw_dot(out, show_local=False).source


def test_a_value_used_twice_gets_two_edges():
    a = Value(3.0, label="a")
    y = a + a
    lines = [ln for ln in draw_dot(y).source.splitlines() if "->" in ln and "∂=1.0000" in ln]
    assert len(lines) == 2 and lines[0] == lines[1]


def test_nary_nodes_have_one_operation_with_many_edges():
    ws = [Value(0.5), Value(-1.0)]
    s = weighted_sum(ws, [2.0, 3.0], Value(0.1))
    total = value_sum([s, Value(1.0), Value(2.0)])
    src = draw_dot(total).source
    assert src.count('label="Σw·x+b"') == 1 and src.count('label="sum"') == 1
    assert src.count("∂=") == 3 + 3  # bias + two weights; three summands


def test_grad_colours_diverge_by_sign():
    x, y = Value(1.0, label="x"), Value(1.0, label="y")
    out = x - y
    out.backward()
    lines = draw_dot(out).source.splitlines()
    (x_line,) = [ln for ln in lines if "x | data" in ln]
    (y_line,) = [ln for ln in lines if "y | data" in ln]
    assert 'fillcolor="#ef8a62"' in x_line  # +1: full red
    assert 'fillcolor="#67a9cf"' in y_line  # -1: full blue
    assert "fill: red = grad > 0" in draw_dot(out).source


def test_highlight_marks_a_node_and_its_path_to_the_output():
    a, b, c, out = tutorial_graph()
    src = draw_dot(out, highlight=c).source
    bold = [ln for ln in src.splitlines() if "penwidth=3" in ln]
    assert len(bold) == 3  # c, d and out; a, b and e are not on c's path
    assert not any("a | data" in ln or "e | data" in ln for ln in bold)
    assert "orange: 'c' and every path from it to the output" in src
    with pytest.raises(ValueError, match="not a value inside"):
        draw_dot(out, highlight=Value(1.0))


@pytest.mark.parametrize("engine", ["graphviz", "python"])
def test_both_engines_render_valid_svg_and_png(engine, tmp_path):
    *_, out = tutorial_graph()
    drawing = draw_dot(out, engine=engine)
    assert drawing.engine == engine
    root = ET.fromstring(drawing._repr_svg_())
    assert root.tag.endswith("svg")
    png = drawing.save(tmp_path / "g.png").read_bytes()
    assert png.startswith(PNG_MAGIC)
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        assert im.size[0] > 200 and im.size[1] > 50
    svg_path = drawing.render("g", directory=tmp_path)
    ET.parse(svg_path)
    assert draw_dot(out, format="png", engine=engine)._repr_png_().startswith(PNG_MAGIC)


@pytest.mark.parametrize("rankdir", ["TB", "BT", "RL"])
def test_python_engine_handles_every_direction(rankdir):
    a = Value(2.0, label="a")
    y = (a * a + 1.0).relu()
    ET.fromstring(draw_dot(y, rankdir=rankdir, engine="python").pipe("svg"))


def test_bad_arguments_give_clear_errors(tmp_path):
    *_, out = tutorial_graph()
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(out, rankdir="diagonal")
    with pytest.raises(ValueError, match="engine"):
        draw_dot(out, engine="gnuplot")
    with pytest.raises(ValueError, match="format"):
        draw_dot(out, format="jpg")
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        draw_dot(out).save(tmp_path / "g.gif")
    with pytest.raises(TypeError, match="expects a Value"):
        draw_dot(3.0)


def test_whole_mlp_is_refused_with_advice():
    model = MLP(2, [16, 16, 1])
    loss = model([1.0, 2.0])
    with pytest.raises(GraphTooLargeError, match="draw_neurons") as info:
        draw_dot(loss)
    assert isinstance(info.value, ValueError)
    assert "max_nodes=" in str(info.value)
    assert "Σw·x+b" in draw_dot(loss, max_nodes=None).source


def test_missing_extras_name_the_extra(monkeypatch):
    *_, out = tutorial_graph()
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    with pytest.raises(MissingExtraError, match=r"micrograd\[graphviz\]"):
        draw_dot(out, engine="graphviz")
    assert draw_dot(out).engine == "python"  # auto falls back to pure Python
    monkeypatch.setitem(sys.modules, "grandalf", None)
    with pytest.raises(MissingExtraError, match=r"micrograd\[graph\]"):
        draw_dot(out, engine="python")
    with pytest.raises(MissingExtraError, match="graphviz.*graph"):
        draw_dot(out)


def _run_in_fresh_python(code: str):
    """Run ``code`` in a new interpreter, from the repository root."""
    import subprocess

    repo = Path(__file__).resolve().parents[1]
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo)


def test_importing_viz_needs_no_plotting_library():
    code = (
        "import sys\n"
        "for m in ('matplotlib', 'grandalf', 'pygraphviz', 'PIL'): sys.modules[m] = None\n"
        "import micrograd.viz as v\n"
        "from micrograd.viz import draw_dot, backward_steps\n"
        "print('ok')\n"
    )
    out = _run_in_fresh_python(code)
    assert out.stdout.strip() == "ok", out.stderr


def test_graphviz_stays_quiet_on_stderr():
    """Graphviz's Fontconfig warns once per process, so render in a fresh one."""
    code = (
        "from micrograd.engine import Value\n"
        "from micrograd.viz import draw_dot\n"
        "v = Value(2.0, label='a') * 3.0\n"
        "draw_dot(v, engine='graphviz').pipe('png')\n"
        "import sys; print('rendered', file=sys.stderr)\n"
    )
    out = _run_in_fresh_python(code)
    assert out.stderr.strip() == "rendered"  # Python's own stderr still works afterwards


def test_grad_scale_fixes_the_darkest_colour():
    x = Value(1.0, label="x")
    y = x * 1.0
    y.backward()
    full = draw_dot(y).source
    half = draw_dot(y, grad_scale=2.0).source
    assert 'fillcolor="#ef8a62"' in full and 'fillcolor="#ef8a62"' not in half


def test_legend_before_backward_says_there_is_nothing_to_colour_yet():
    a = Value(1.0, label="a")
    out = (a * 2).tanh()
    assert "every grad is 0 so far" in draw_dot(out).source
    out.backward()
    source = draw_dot(out).source
    assert "every grad is 0" not in source
    assert "darkest = ±1" in source
