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


def _python_only(cell: str) -> str:
    """A code cell without its IPython magics (``%matplotlib inline``)."""
    return "\n".join("" if line.startswith("%") else line for line in cell.splitlines())


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
    selfcheck.check("dL/dc", 7.0, -2.0, hint="mind the sign")  # matches no listed slip
    selfcheck.check("dL/da", 6.0, 6.0, hint="")
    out = capsys.readouterr().out
    assert "❌ not yet: dL/dc is not 7. Hint: mind the sign" in out
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
        selfcheck.check("dL/dc", None, +3.0, hint="h")  # the library 'changed'


def test_strict_mode_refuses_a_wrong_answer(strict):
    with pytest.raises(selfcheck.SelfCheckError, match="dL/da"):
        selfcheck.check("dL/da", 5.0, 6.0, hint="h")


def test_a_prediction_runs_the_experiment_only_once_predicted(relaxed, capsys):
    ran = []

    def experiment():
        ran.append(True)
        print("a.grad is now 24.0")
        return 24.0

    selfcheck.predict("a.grad after backward() twice", None, experiment, hint="h")
    out = capsys.readouterr().out
    assert not ran and "24" not in out and "Your turn" in out
    selfcheck.predict("a.grad after backward() twice", 24.0, experiment, hint="h")
    out = capsys.readouterr().out
    assert ran and "a.grad is now 24.0" in out and "✅ OK" in out


def test_strict_mode_checks_a_prediction_without_showing_the_experiment(strict, capsys):
    selfcheck.predict("a.grad after backward() twice", None, lambda: print("24!") or 24.0, hint="h")
    out = capsys.readouterr().out
    assert "24" not in out and "Your turn" in out
    assert selfcheck.solutions_checked == ["a.grad after backward() twice"]
    with pytest.raises(selfcheck.SelfCheckError):
        selfcheck.predict("a.grad after backward() twice", None, lambda: 13.0, hint="h")


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


def test_check_code_reports_what_is_wrong_and_recognises_the_slip(relaxed, capsys):
    def buggy_backward(root):  # `=` instead of `+=`: the bug notebook 1 is about
        root.grad = 1.0
        for node in reversed(solutions.topological_order(root)):
            for child, local in zip(node._children, node._local):
                child.grad = local * node.grad

    selfcheck.check_code("backward", buggy_backward, checks.backward_test(_TinyValue), hint="+=")
    out = capsys.readouterr().out
    assert "❌ not yet: backward:" in out and "the library says" in out
    assert "Hint: a value used twice loses one path's gradient" in out  # the slip's, not "+="


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
_TinyValue = checks.ReferenceTinyValue  # notebook 1's TinyValue (+ and * only)


def code_test(name: str) -> checks.Test:
    """The check of code exercise ``name``, as its notebook calls it."""
    assert name in checks.CODE_TESTS, (
        f"code exercise {name!r} has no entry in checks.CODE_TESTS: add one, so that its "
        "solution and its slips are tested"
    )
    return checks.CODE_TESTS[name]()


CODE_EXERCISES = sorted(solutions.FUNCTIONS)


@pytest.mark.parametrize("name", CODE_EXERCISES)
def test_every_code_solution_passes_its_check(name):
    assert code_test(name)(solutions.FUNCTIONS[name]) is None


def _wrong_local(x, *_):
    return 0.5


@pytest.mark.parametrize("name", sorted(checks.LOCAL_DERIVATIVE_OPS))
def test_a_wrong_local_derivative_fails_its_check(name):
    assert checks.local_derivative_test(name)(_wrong_local) is not None


def test_a_function_that_does_nothing_fails_every_check():
    for name in CODE_EXERCISES:
        problem = selfcheck._run_test(code_test(name), lambda *args: None)
        assert problem, f"{name}: the check let a no-op through"


# ------------------------------------------- every listed slip gets its own hint
def _notebook_tolerances() -> dict[str, float]:
    """Each number exercise's ``tol=``, read from its check() or predict() call in the notebooks.

    The tests check the slips at the tolerance the notebook really uses.
    """
    tolerances = {}
    for path in NOTEBOOKS:
        for cell in _code_cells(path):
            for node in ast.walk(ast.parse(_python_only(cell))):
                name = getattr(getattr(node, "func", None), "id", None) or getattr(
                    getattr(node, "func", None), "attr", None
                )
                if not (isinstance(node, ast.Call) and name in ("check", "predict") and node.args):
                    continue
                if isinstance(node.args[0], ast.Constant):
                    tol = next((k.value for k in node.keywords if k.arg == "tol"), None)
                    tolerances[node.args[0].value] = ast.literal_eval(tol) if tol else 1e-3
    return tolerances


TOLERANCES = _notebook_tolerances()
NUMBER_SLIPS = [
    (n, s) for n, table in checks.SLIPS.items() for s in table if n in solutions.ANSWERS
]
CODE_SLIPS = [
    (n, s) for n, table in checks.SLIPS.items() for s in table if n in solutions.FUNCTIONS
]
GENERAL = "the general hint"


def test_every_slip_table_belongs_to_an_exercise():
    unknown = [
        n for n in checks.SLIPS if n not in solutions.ANSWERS and n not in solutions.FUNCTIONS
    ]
    assert not unknown, f"slips listed for exercises that do not exist: {unknown}"


@pytest.mark.parametrize("name, slip", NUMBER_SLIPS, ids=lambda x: getattr(x, "what", x))
def test_a_number_slip_is_caught_with_its_own_hint(relaxed, capsys, name, slip):
    expected, tol = solutions.ANSWERS[name], TOLERANCES.get(name, 1e-3)
    selfcheck.check(name, slip.answer, expected, hint=GENERAL, tol=tol)
    out = capsys.readouterr().out
    assert "❌ not yet" in out and slip.hint in out and GENERAL not in out, out
    selfcheck.check(name, expected, expected, hint=GENERAL, tol=tol)
    assert "✅ OK" in capsys.readouterr().out


@pytest.mark.parametrize("name, slip", NUMBER_SLIPS, ids=lambda x: getattr(x, "what", x))
def test_a_number_slip_rounded_to_four_digits_is_still_that_slip(relaxed, capsys, name, slip):
    """A learner types 0.5379, not 0.53790000001: the slip must still be recognised."""
    tol = TOLERANCES.get(name, 1e-3)
    rounded = float(f"{slip.answer:.{4 if tol >= 1e-3 else 5}g}")  # the digits tol asks for
    selfcheck.check(name, rounded, solutions.ANSWERS[name], hint=GENERAL, tol=tol)
    assert slip.hint in capsys.readouterr().out


@pytest.mark.parametrize("name, slip", CODE_SLIPS, ids=lambda x: getattr(x, "what", x))
def test_a_code_slip_is_caught_with_its_own_hint(relaxed, capsys, name, slip):
    selfcheck.check_code(name, slip.answer, code_test(name), hint=GENERAL)
    out = capsys.readouterr().out
    assert "❌ not yet" in out and slip.hint in out and GENERAL not in out, out


@pytest.mark.parametrize("name", sorted(checks.SLIPS))
def test_strict_mode_accepts_every_slip_table(strict, capsys, name):
    """Strict mode (how the notebooks are run) checks each table against the live numbers."""
    if name in solutions.ANSWERS:
        tol = TOLERANCES.get(name, 1e-3)
        selfcheck.check(name, None, solutions.ANSWERS[name], hint=GENERAL, tol=tol)
    else:
        selfcheck.check_code(name, solutions.FUNCTIONS[name], code_test(name), hint=GENERAL)


def test_a_slip_inside_the_tolerance_of_the_right_answer_is_refused(strict, monkeypatch):
    """The D[37b] case: 0.4795 (forgot the 2 in 2αw) must not pass as 0.4790."""
    table = {"x": [selfcheck.Slip("forgot the 2", 0.4795, "the 2 of 2αw")]}
    monkeypatch.setattr(checks, "SLIPS", table)
    with pytest.raises(selfcheck.SelfCheckError, match="too close"):
        selfcheck.check("x", 0.4790, 0.4790, hint=GENERAL, tol=1e-3)
    selfcheck.check("x", 0.4790, 0.4790, hint=GENERAL, tol=1e-4)  # a tolerance that separates


def test_two_slips_with_the_same_number_are_refused(strict, monkeypatch):
    table = {"x": [selfcheck.Slip("a", 2.0, "one"), selfcheck.Slip("b", 2.0, "two")]}
    monkeypatch.setattr(checks, "SLIPS", table)
    with pytest.raises(selfcheck.SelfCheckError, match="earlier slip"):
        selfcheck.check("x", 1.0, 1.0, hint=GENERAL)


def test_two_code_slips_that_fail_alike_are_refused(strict, monkeypatch):
    same = solutions.FUNCTIONS["neuron"]
    slip = checks.SLIPS["neuron"][0]
    table = {"neuron": [slip, selfcheck.Slip("again", slip.answer, "h")]}
    monkeypatch.setattr(checks, "SLIPS", table)
    with pytest.raises(selfcheck.SelfCheckError, match="same way"):
        selfcheck.check_code("neuron", same, checks.neuron_test(), hint=GENERAL)


def test_a_code_slip_that_passes_is_refused(strict, monkeypatch):
    right = solutions.FUNCTIONS["neuron"]
    monkeypatch.setattr(checks, "SLIPS", {"neuron": [selfcheck.Slip("not a slip", right, "h")]})
    with pytest.raises(selfcheck.SelfCheckError, match="passes the check"):
        selfcheck.check_code("neuron", right, checks.neuron_test(), hint=GENERAL)


def test_unrecognised_wrong_answers_get_the_general_hints_in_turn(relaxed, capsys):
    hints = ["first, gently", "then, more precisely"]
    for _ in range(3):
        selfcheck.check("dL/da", 100.0, 6.0, hint=hints)
    out = capsys.readouterr().out.splitlines()
    assert [h for line in out for h in hints if h in line] == [hints[0], hints[1], hints[1]]


def test_error_messages_name_values_by_label_and_count_right():
    message = checks.topological_order_test()(checks._topological_order_children_last)
    assert "?" not in message and "L comes before its child d" in message, message
    one_input = checks.neuron_test()(checks._neuron_forgot_tanh)
    assert "with 1 input the output" in one_input, one_input
    assert checks._plural(2, "entry", "entries") == "2 entries"


# ---------------------------------------------------------- the notebooks
ANSWER = re.compile(r"^(answer_\w+|my_\w+)\s*=\s*(.+?)\s*(#.*)?$", re.M)


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
        for fn in ast.walk(ast.parse(_python_only(cell)))
        if isinstance(fn, ast.FunctionDef)
        and any("your_code" in ast.dump(d) for d in fn.decorator_list)
    ]
    assert functions or "@your_code(" not in "".join(cells)
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
    names = re.findall(r'(?:check|predict)\(\s*"([^"]+)"', text)
    names += re.findall(r'your_code\("([^"]+)"\)', text)
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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_committed_output_speaks_to_maintainers(path):
    """What a notebook prints is what a learner sees: no word about strict checks or CI."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    printed = "".join(
        "".join(output.get("text", ""))
        for cell in nb["cells"]
        for output in cell.get("outputs", [])
    )
    assert "MICROGRAD_STRICT_CHECKS" not in printed and "SelfCheckError" not in printed
