"""`micrograd graph "EXPR"`: a safe expression parser and a picture on disk."""

import math
import xml.etree.ElementTree as ET

import pytest

from micrograd.cli import main
from micrograd.graph_cli import ExpressionError, parse_expression


def test_expression_builds_the_graph_with_named_leaves():
    out = parse_expression("tanh(a*b + c)", {"a": 2.0, "b": -3.0, "c": 10.0})
    assert out.data == math.tanh(4.0)
    assert out._op == "tanh"
    labels = {v.label for v in out.topological_order() if v.label}
    assert labels == {"a", "b", "c"}


def test_every_allowed_construct():
    values = {"x": 0.5, "y": 2.0}
    out = parse_expression(
        "exp(x) + log(y) - sqrt(y) * relu(-x) / sigmoid(x) + abs(-y) ** 2 + y ** x", values
    )
    x, y = 0.5, 2.0
    expected = math.exp(x) + math.log(y) - math.sqrt(y) * 0.0 / (1 / (1 + math.exp(-x)))
    expected += abs(-y) ** 2 + y**x
    assert out.data == pytest.approx(expected)


def test_a_name_used_twice_is_one_leaf():
    out = parse_expression("a * a", {"a": 3.0})
    assert out._children[0] is out._children[1]
    out.backward()
    assert out._children[0].grad == 6.0


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("__import__('os').system('true')", "call"),
        ("__import__('os')", "call"),
        ("a.data", "attribute access"),
        ("(lambda: 1)()", "call"),
        ("lambda: 1", "lambda"),
        ("[a for a in b]", "comprehension"),
        ("{a for a in b}", "comprehension"),
        ("sum(a for a in b)", "call"),
        ("a[0]", "indexing"),
        ("'text'", "constant"),
        ("a < b", "comparison"),
        ("a if b else c", "conditional expression"),
        ("(a := 1)", "assignment"),
        ("a // b", "operator"),
        ("not a", "operator"),
        ("exp(a, b)", "call"),
        ("exp(x=a)", "call"),
        ("True + a", "constant"),
        ("1j * a", "constant"),
    ],
)
def test_everything_else_is_refused_and_named(text, kind):
    with pytest.raises(ExpressionError, match="not allowed: " + kind) as info:
        parse_expression(text, {"a": 1.0, "b": 2.0, "c": 3.0})
    assert isinstance(info.value, ValueError)


def test_missing_values_and_syntax_errors_are_explained():
    with pytest.raises(ExpressionError, match="--set b=1.5"):
        parse_expression("a + b", {"a": 1.0})
    with pytest.raises(ExpressionError, match="not a valid expression"):
        parse_expression("a +", {"a": 1.0})
    with pytest.raises(ExpressionError, match="nested too deeply|not a valid"):
        parse_expression("-" * 1900 + "a", {"a": 1.0})


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_command_writes_the_picture_after_backward(tmp_path, capsys, suffix):
    path = tmp_path / f"graph{suffix}"
    code = main(["graph", "tanh(a*b + c)", "--set", "a=2", "b=-3", "c=10", "-o", str(path)])
    assert code == 0
    data = path.read_bytes()
    if suffix == ".svg":
        ET.fromstring(data)
    else:
        assert data.startswith(b"\x89PNG")
    assert "Wrote" in capsys.readouterr().out


def test_command_source_shows_gradients(tmp_path, monkeypatch):
    import micrograd.viz

    seen = {}
    real = micrograd.viz.draw_dot

    def spy(root, **kwargs):
        seen["drawing"] = real(root, **kwargs)
        return seen["drawing"]

    monkeypatch.setattr(micrograd.viz, "draw_dot", spy)
    assert main(["graph", "a*b", "--set", "a=2", "b=-3", "-o", str(tmp_path / "g.svg")]) == 0
    src = seen["drawing"].source
    assert "a | data 2.0000 | grad -3.0000" in src and "b | data -3.0000 | grad 2.0000" in src


def test_command_errors_return_one(tmp_path, capsys):
    assert main(["graph", "a.b", "--set", "a=1", "-o", str(tmp_path / "g.svg")]) == 1
    assert "attribute access" in capsys.readouterr().err
    assert main(["graph", "log(a)", "--set", "a=-1", "-o", str(tmp_path / "g.svg")]) == 1
    assert main(["graph", "a", "--set", "a=1", "-o", str(tmp_path / "g.gif")]) == 1
    with pytest.raises(SystemExit):
        main(["graph", "a", "--set", "a"])  # not NAME=VALUE: argparse's usage error
