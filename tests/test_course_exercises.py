"""The course's exercises: they start empty, their checks can fail, their solutions pass.

``intuition/selfcheck.py`` runs the checks, ``intuition/checks.py`` holds what
each code exercise is compared with, ``intuition/solutions.py`` the answers.
These tests run in a second; ``test_notebooks.py`` runs the notebooks themselves.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import pytest

INTUITION = Path(__file__).resolve().parent.parent / "intuition"
sys.path.insert(0, str(INTUITION))

import checks  # noqa: E402
import selfcheck  # noqa: E402
import solutions  # noqa: E402

NOTEBOOKS = sorted(INTUITION.glob("*.ipynb"))


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.fixture
def relaxed(monkeypatch):
    """A learner's session: no strict checks."""
    monkeypatch.delenv("MICROGRAD_STRICT_CHECKS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    selfcheck.start()


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv("MICROGRAD_STRICT_CHECKS", "1")
    selfcheck.start()


# ------------------------------------------------------------ numbers
def test_an_empty_answer_is_your_turn_with_a_hint_not_a_failure(relaxed, capsys):
    selfcheck.check("dL/dc", None, -2.0, hint="a + node passes the gradient on")
    out = capsys.readouterr().out
    assert "Your turn" in out and "a + node passes the gradient on" in out
    assert "show_solution('dL/dc')" in out
    assert "❌" not in out
    assert selfcheck.results == {"dL/dc": "todo"}


def test_a_wrong_answer_says_not_yet_and_a_right_one_ok(relaxed, capsys):
    selfcheck.check("dL/dc", 2.0, -2.0, hint="mind the sign")
    selfcheck.check("dL/da", 6.0, 6.0, hint="")
    out = capsys.readouterr().out
    assert "❌ not yet: dL/dc is not 2. Hint: mind the sign" in out
    assert "✅ OK: dL/da = 6" in out
    assert selfcheck.results == {"dL/dc": "wrong", "dL/da": "ok"}


def test_a_text_answer_is_refused_politely(relaxed, capsys):
    selfcheck.check("dL/dc", "-2", -2.0, hint="a number, not a string")
    assert "should be a number" in capsys.readouterr().out


def test_strict_mode_checks_the_solution_of_an_empty_answer(strict, capsys):
    selfcheck.check("dL/dc", None, -2.0, hint="h")  # solutions.py says -2: passes
    assert "Your turn" in capsys.readouterr().out  # still what a learner would see
    assert selfcheck.solutions_checked == ["dL/dc"]
    with pytest.raises(selfcheck.SelfCheckError, match="solution"):
        selfcheck.check("dL/dc", None, +2.0, hint="h")  # the library 'changed'


def test_strict_mode_refuses_a_wrong_answer(strict):
    with pytest.raises(selfcheck.SelfCheckError, match="dL/da"):
        selfcheck.check("dL/da", 5.0, 6.0, hint="h")


def test_the_summary_counts_what_is_done(relaxed, capsys):
    selfcheck.check("a", 1.0, 1.0, hint="")
    selfcheck.check("b", None, 1.0, hint="")
    selfcheck.summary()
    assert "Exercises done: 1 of 2" in capsys.readouterr().out


def test_show_solution_prints_numbers_and_code(capsys):
    selfcheck.show_solution("dy/dx")
    selfcheck.show_solution("backward")
    out = capsys.readouterr().out
    assert "dy/dx = 5" in out and "child.grad += local * node.grad" in out
    with pytest.raises(KeyError, match="no exercise called"):
        selfcheck.solution("no such exercise")


# ---------------------------------------------------------- functions
def test_an_empty_function_stands_in_for_the_solution_until_written():
    @selfcheck.your_code("relu_local")
    def empty(x, out):
        """d(relu x)/dx."""
        return ...  # ✏️ your code

    @selfcheck.your_code("relu_local")
    def written(x, out):
        return 42.0

    assert empty.empty and empty(2.0, 2.0) == 1.0  # the solution answered
    assert not written.empty and written(2.0, 2.0) == 42.0  # the learner's own, bugs and all


@pytest.mark.parametrize(
    "body, empty",
    [("...", True), ("pass", True), ("return ...", True), ('"""doc"""\n    ...', True),
     ("return x", False), ("x = 1\n    ...", False)],
)  # fmt: skip
def test_is_empty_reads_the_body(tmp_path, body, empty):
    source = f"def f(x):\n    {body}\n"
    path = tmp_path / "f.py"
    path.write_text(source)
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)
    assert selfcheck.is_empty(namespace["f"]) is empty


def test_check_code_reports_what_is_wrong_and_hints(relaxed, capsys):
    def buggy_backward(root):  # `=` instead of `+=`: the bug notebook 1 is about
        root.grad = 1.0
        for node in reversed(solutions.topological_order(root)):
            for child, local in zip(node._children, node._local):
                child.grad = local * node.grad

    selfcheck.check_code("backward", buggy_backward, checks.backward_test(_TinyValue), hint="+=")
    out = capsys.readouterr().out
    assert "❌ not yet: backward:" in out and "the library says" in out and "Hint: +=" in out


def test_check_code_says_which_line_raised(relaxed, capsys):
    def crashes(root):
        return root.no_such_field

    selfcheck.check_code("backward", crashes, checks.backward_test(_TinyValue), hint="h")
    assert "raised AttributeError" in capsys.readouterr().out


def test_strict_check_code_runs_the_solution_of_an_empty_function(strict, capsys):
    @selfcheck.your_code("backward")
    def backward(root): ...

    selfcheck.check_code("backward", backward, checks.backward_test(_TinyValue), hint="h")
    assert "Your turn" in capsys.readouterr().out
    assert selfcheck.solutions_checked == ["backward"]


# ------------------------------------------- every check can fail, every solution passes
class _TinyValue:
    """Notebook 1's TinyValue (+ and * only), enough to run the backward tests."""

    def __init__(self, data, children=(), op="", local=(), label=""):
        self.data, self.grad, self.label = data, 0.0, label
        self._children, self._local, self._op = children, local, op

    def __add__(self, other):
        return _TinyValue(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        return _TinyValue(self.data * other.data, (self, other), "*", (other.data, self.data))


def _tiny_value_with(locals_: dict) -> type:
    """Notebook 2's TinyValue, wired to the given local-derivative functions."""
    import math

    class V(_TinyValue):
        def __add__(self, other):
            return V(self.data + other.data, (self, other), "+", (1.0, 1.0))

        def __pow__(self, k):
            out = self.data**k
            return V(out, (self,), "**", (locals_["pow_local"](self.data, k, out),))

        def exp(self):
            out = math.exp(self.data)
            return V(out, (self,), "exp", (locals_["exp_local"](self.data, out),))

        def tanh(self):
            out = math.tanh(self.data)
            return V(out, (self,), "tanh", (locals_["tanh_local"](self.data, out),))

        def relu(self):
            out = max(0.0, self.data)
            return V(out, (self,), "relu", (locals_["relu_local"](self.data, out),))

        def backward(self):
            solutions.backward(self)

    return V


LOCAL_OPS = {
    "pow_local": ["x ** 3", "x ** -2"],
    "exp_local": ["exp(x)"],
    "tanh_local": ["tanh(x)"],
    "relu_local": ["relu(x)"],
}


def _wrong_local(x, *_):
    return 0.5


def _no_zero_grad_step(model, X, targets, lr):
    from micrograd.losses import mse_loss

    loss = mse_loss([model(x) for x in X], targets)
    loss.backward()  # forgot model.zero_grad()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss


def _linear_neuron(xs, ws, b):
    total = b
    for w, x in zip(ws, xs):
        total = total + w * x
    return total  # forgot the tanh


def _reversed_order(root):
    return list(reversed(solutions.topological_order(root)))


def test_every_code_solution_passes_and_a_typical_mistake_fails():
    correct = {name: solutions.FUNCTIONS[name] for name in LOCAL_OPS}
    for name, ops in LOCAL_OPS.items():
        assert checks.local_derivative_test(_tiny_value_with(correct), ops)(None) is None
        broken = {**correct, name: _wrong_local}
        assert checks.local_derivative_test(_tiny_value_with(broken), ops)(None) is not None
    cases = [
        ("topological_order", checks.topological_order_test(_TinyValue), _reversed_order),
        ("backward", checks.backward_test(_TinyValue), lambda root: None),
        ("neuron", checks.neuron_test(), _linear_neuron),
        ("training_step", checks.training_step_test(), _no_zero_grad_step),
    ]
    for name, test, mistake in cases:
        assert test(solutions.FUNCTIONS[name]) is None, name
        assert test(mistake), f"{name}: the check let a wrong function through"
    assert "zero the gradients" in checks.training_step_test()(_no_zero_grad_step)


# ---------------------------------------------------------- the notebooks
ANSWER = re.compile(r"^(answer_\d+|my_\w+)\s*=\s*(.+?)\s*(#.*)?$", re.M)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_in_the_committed_notebook_starts_empty(path):
    cells = _code_cells(path)
    answers = [m.group(1, 2) for cell in cells for m in ANSWER.finditer(cell)]
    assert answers, f"{path.name} has no numeric exercises"
    filled = [f"{name} = {value}" for name, value in answers if value != "None"]
    assert not filled, f"{path.name}: answers must start as None, found {filled}"
    functions = [
        fn
        for cell in cells
        if "@your_code(" in cell
        for fn in ast.parse(cell).body
        if isinstance(fn, ast.FunctionDef)
    ]
    for fn in functions:
        code = [s for s in fn.body if not _placeholder(s)]
        assert not code, f"{path.name}: {fn.name}() must start empty (only ...), found code"


def _placeholder(statement: ast.stmt) -> bool:
    """A docstring, ``...``, ``pass`` or ``return ...``: what an empty exercise holds."""
    if isinstance(statement, ast.Pass):
        return True
    value = getattr(statement, "value", None)
    return isinstance(statement, ast.Expr | ast.Return) and isinstance(value, ast.Constant)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_a_solution(path):
    text = "\n".join(_code_cells(path))
    names = re.findall(r'check\(\s*"([^"]+)"', text) + re.findall(r'your_code\("([^"]+)"\)', text)
    names += re.findall(r'\(\s*"(\w+_local)",', text)  # notebook 2 checks these in a loop
    missing = [n for n in names if n not in solutions.ANSWERS and n not in solutions.FUNCTIONS]
    assert names and not missing, f"{path.name}: no solution for {missing}"


def test_fit_column_makes_a_wide_neuron_picture_fit_a_notebook_column():
    import random

    from pictures import fit_column

    from micrograd import MLP
    from micrograd.viz import draw_neurons

    random.seed(42)
    model = MLP(3, [4, 4, 1], activation="tanh")
    model([2.0, 3.0, -1.0]).backward()
    wide = draw_neurons(model, x=[2.0, 3.0, -1.0], legend=False)
    before = wide.width_px()
    narrow = fit_column(wide)
    assert before > 900 and narrow.width_px() <= 900, (before, narrow.width_px())
    assert "out 0.9380" in narrow.pipe("svg").decode()  # the same boxes, only stacked
