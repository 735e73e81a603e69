"""`micrograd graph "EXPR"`: a safe expression parser and a picture on disk."""

import math
import xml.etree.ElementTree as ET

import pytest

from micrograd.cli import main
from micrograd.expression import ExpressionError, parse_expression


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
    with pytest.raises(ExpressionError, match="b=1.5"):
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


def test_what_was_typed_wrong_is_a_usage_error(tmp_path, capsys):
    assert main(["graph", "a.b", "--set", "a=1", "-o", str(tmp_path / "g.svg")]) == 2
    assert "attribute access" in capsys.readouterr().err
    assert main(["graph", "log(a)", "--set", "a=-1", "-o", str(tmp_path / "g.svg")]) == 2
    assert main(["graph", "a", "--set", "a=1", "-o", str(tmp_path / "g.gif")]) == 2
    with pytest.raises(SystemExit):
        main(["graph", "a", "--set", "a"])  # not NAME=VALUE: argparse's usage error


# ------------------------------------------------ through the real process
def graph(*args: str, cwd, preexec_fn=None, env=None):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "micrograd", "graph", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec_fn,
        env=env,
    )


def assert_one_line_error(done, *words):
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_output_into_a_missing_folder_or_onto_a_folder_is_one_line(tmp_path):
    done = graph("a*b", "--set", "a=1", "b=2", "-o", "missing/g.svg", cwd=tmp_path)
    assert_one_line_error(done, "missing", "does not exist")
    (tmp_path / "pictures.svg").mkdir()
    done = graph("a*b", "--set", "a=1", "b=2", "-o", "pictures.svg", cwd=tmp_path)
    assert_one_line_error(done, "pictures.svg", "folder")


def test_a_full_disk_is_one_line(tmp_path):
    resource = pytest.importorskip("resource")
    import os
    import signal
    import subprocess
    import sys

    def small_files_only():  # in the child: writes past 1 KB fail as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    # matplotlib writes its font cache (tens of KB) the first time it runs with a
    # config folder: done under the limit, that write fails and prints a second
    # line. Warm a folder of our own first, so only the picture meets the limit.
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mplconfig")}
    warm = [sys.executable, "-c", "import matplotlib.font_manager"]
    subprocess.run(warm, env=env, check=True, capture_output=True, timeout=120)
    for engine in ("python", "graphviz"):
        done = graph("tanh(a*b + c)", "--set", "a=2", "b=-3", "c=10", "-o", "g.svg",
                     "--engine", engine, cwd=tmp_path, preexec_fn=small_files_only,
                     env=env)  # fmt: skip
        assert_one_line_error(done, "cannot")
    assert "cannot write g.svg" in done.stderr or "cannot draw" in done.stderr


def test_an_expression_may_start_with_a_minus(tmp_path):
    done = graph("-a*b", "--set", "a=1", "b=2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "-a*b = -2" in done.stdout
    done = graph("--set", "a=1", "b=2", "-o", "neg.svg", "--", "-a*b", cwd=tmp_path)
    assert done.returncode == 0 and (tmp_path / "neg.svg").exists(), done.stderr


@pytest.mark.parametrize("bad", ["a=inf", "a=-inf", "a=nan"])
def test_non_finite_values_are_refused_clearly(tmp_path, bad):
    done = graph("a*b", "--set", bad, "b=2", cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # argparse's usage error, then one line
    assert "Traceback" not in done.stderr
    assert "finite number" in done.stderr.strip().splitlines()[-1]


def test_huge_and_tiny_gradients_are_coloured(tmp_path):
    done = graph("a*b*c", "--set", "a=1e200", "b=1e100", "c=1e-300", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = graph("a*b", "--set", "a=5e-324", "b=1e-300", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_an_unused_value_is_reported(tmp_path):
    done = graph("a*b", "--set", "a=1", "b=2", "c=3", cwd=tmp_path)
    assert_one_line_error(done, "c=3", "does not appear")
    assert not (tmp_path / "graph.svg").exists()


def test_help_lists_the_functions(tmp_path):
    from micrograd.expression import FUNCTIONS

    done = graph("--help", cwd=tmp_path)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for name in FUNCTIONS:
        assert f"{name}()" in text


def test_the_size_hint_names_the_command_line_flag(tmp_path):
    done = graph("a*b + a", "--set", "a=1", "b=2", "--max-nodes", "3", cwd=tmp_path)
    assert_one_line_error(done, "4 values", "--max-nodes 4")
    assert "max_nodes=" not in done.stderr


def test_the_names_the_playground_imports_still_work():
    from micrograd.expression import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, parse_expression

    assert MAX_LENGTH > 0 and MAX_DEPTH > 0 and "tanh" in FUNCTIONS
    assert parse_expression("-a*b", {"a": 1.0, "b": 2.0}).data == -2.0
    with pytest.raises(ExpressionError):
        parse_expression("a", {})
