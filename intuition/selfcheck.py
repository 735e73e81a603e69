"""Self-checks for the course notebooks: your answer against the library's.

Every exercise starts empty: a number is ``None``, a function's body is ``...``.
A check on an empty answer is not a failure, it prints a friendly "your turn"
and a hint. Solutions live in ``solutions.py`` next to this file, where you must
choose to look (``show_solution("name")`` prints one).

So that the rest of a notebook still runs while an exercise is empty, a function
you are asked to write is decorated with ``@your_code("name")``: until its body
does something, the solution stands in for it, quietly. Once you write it, your
version is used everywhere, bugs and all, which is the point.

A wrong answer is first compared with the exercise's table of typical slips
(``checks.SLIPS``: a sign, a missing chain-rule factor, one of two paths,
forgetting ``zero_grad()``...). If it is one of them, the learner gets the hint
written for that slip; only an answer that matches no slip gets the exercise's
general hint, and a second unrecognised try gets the next, more specific one
when the exercise gives several.

``MICROGRAD_STRICT_CHECKS=1`` (set by ``regenerate.py``, the tests and CI) runs
every check on the solution of an empty exercise and raises ``SelfCheckError``
if it does not pass, so a library change that breaks a worked example fails
loudly. It also checks the slip table against the live numbers: every slip must
fail the check and be recognised as itself. What the notebook prints stays
what a learner sees on a first run.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import io
import math
import numbers
import os
import textwrap
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import solutions


@dataclass(frozen=True)
class Slip:
    """A typical wrong answer to one exercise, and the hint that speaks to that mistake.

    ``answer`` is the number the slip gives (for a number exercise) or a function
    written with that mistake (for a code exercise): a learner's function whose
    check fails in exactly the same way as this one has made the same slip.
    """

    what: str  # a few words naming the mistake: "sign", "forgot zero_grad()"
    answer: Any
    hint: str


class SelfCheckError(Exception):
    """In strict mode: an exercise's answer (or its solution) does not pass its check."""


def strict() -> bool:
    """True when checks must pass: ``MICROGRAD_STRICT_CHECKS`` or ``CI`` is set."""
    flag = os.environ.get("MICROGRAD_STRICT_CHECKS") or os.environ.get("CI") or ""
    return flag.lower() not in ("", "0", "false", "no")


Hint = str | Sequence[str]  # one general hint, or several that get more specific

# name -> "ok", "wrong" or "todo"; the last cell of each notebook prints a summary
results: dict[str, str] = {}
# names whose solution was run by a strict check and passed
solutions_checked: list[str] = []
# name -> how many wrong answers matched no slip: picks the next general hint
unrecognised_tries: dict[str, int] = {}


def start() -> None:
    """Forget earlier results (the first cell of each notebook calls this)."""
    results.clear()
    solutions_checked.clear()
    unrecognised_tries.clear()


def slips(name: str) -> list[Slip]:
    """The typical slips listed for exercise ``name`` (``checks.SLIPS``), in the order tried."""
    import checks  # here, not at the top: checks imports the library, selfcheck need not

    return list(checks.SLIPS.get(name, ()))


def _general_hint(name: str, hint: Hint) -> str:
    """The general hint for this try: the first one, then the next at each unrecognised try."""
    hints = [hint] if isinstance(hint, str) else list(hint)
    tries = unrecognised_tries.get(name, 0)
    unrecognised_tries[name] = tries + 1
    return hints[min(tries, len(hints) - 1)]


def _first_hint(hint: Hint) -> str:
    return hint if isinstance(hint, str) else hint[0]


# ----------------------------------------------------------------- numbers
def check(name: str, answer: Any, expected: float, hint: Hint, tol: float = 1e-3) -> None:
    """Compare a number you worked out with the library's, and say how it went.

    ``tol`` is relative (``1e-3`` accepts an answer rounded to four digits);
    answers within ``1e-6`` of an expected 0 pass too. A wrong answer that is
    one of the exercise's typical slips gets that slip's own hint; any other
    gets ``hint`` (or, if ``hint`` is a list, the next of them at each try).
    """
    if strict():
        _strict_slips(name, expected, tol)
    if answer is None or answer is Ellipsis:
        if strict():
            _strict_number(name, expected, tol)
        _your_turn(name, _first_hint(hint), "replace None with your answer")
        return
    if not _is_number(answer):
        results[name] = "wrong"
        print(f"❌ not yet: {name} should be a number, not {answer!r}. Hint: {_first_hint(hint)}")
        _fail_if_strict(name, f"{answer!r} is not a number")
        return
    ok = _close(answer, expected, tol)
    results[name] = "ok" if ok else "wrong"
    if ok:
        print(f"✅ OK: {name} = {answer:.6g}")
        return
    slip = _number_slip(name, answer, tol)
    advice = slip.hint if slip else _general_hint(name, hint)
    print(f"❌ not yet: {name} is not {answer:.6g}. Hint: {advice}")
    _fail_if_strict(name, f"{answer!r} is not within {tol:g} of {expected!r}")


def predict(name: str, prediction: Any, run: Callable[[], float], hint: Hint, tol: float = 1e-3):
    """A prediction exercise: commit to a number first, then watch the experiment.

    ``run()`` carries out the experiment (it may print what it shows) and
    returns the number the prediction is about. It runs only once you have
    written a prediction, so nothing in the cell gives the answer away first.
    """
    if prediction is None or prediction is Ellipsis:
        if strict():
            with contextlib.redirect_stdout(io.StringIO()):  # a first run shows nothing
                actual = run()
            _strict_slips(name, actual, tol)
            _strict_number(name, actual, tol)
        _your_turn(name, _first_hint(hint), "replace None with your prediction")
        print("   The experiment runs, and shows what happens, once you have predicted.")
        return
    actual = run()
    check(name, prediction, actual, hint, tol)


def _number_slip(name: str, answer: float, tol: float) -> Slip | None:
    """The first listed slip that ``answer`` matches (to the check's tolerance), if any."""
    return next((s for s in slips(name) if _close(answer, s.answer, tol)), None)


def _strict_slips(name: str, expected: float, tol: float) -> None:
    """Every slip must fail the check, and be told apart from the right answer and each other.

    The two tolerance windows (around the right answer and around the slip) must
    not overlap: otherwise an answer rounded one way passes and rounded the other
    way gets a slip's hint.
    """
    listed = slips(name)
    for slip in listed:
        gap = abs(slip.answer - expected)
        if gap <= tol * (abs(slip.answer) + abs(expected)) + 2e-6:
            raise SelfCheckError(
                f"self-check {name!r}: the slip {slip.what!r} ({slip.answer!r}) is too close to "
                f"the right answer {expected!r} for tol={tol:g}; tighten tol or drop the slip."
            )
        if _number_slip(name, slip.answer, tol) is not slip:
            raise SelfCheckError(
                f"self-check {name!r}: the slip {slip.what!r} ({slip.answer!r}) is taken for "
                "an earlier slip of the table; two slips must give different numbers."
            )


def _strict_number(name: str, expected: float, tol: float) -> None:
    solved = solution(name)
    if not (_is_number(solved) and _close(solved, expected, tol)):
        raise SelfCheckError(
            f"self-check {name!r}: the solution {solved!r} does not match the library's "
            f"{expected!r}. Either solutions.py or the library changed; fix the one that is wrong."
        )
    solutions_checked.append(name)


def _is_number(x: Any) -> bool:
    """An int or float (NumPy's too), not a bool, and finite."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _close(a: float, b: float, tol: float) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=1e-6)


# --------------------------------------------------------------- functions
def your_code(name: str) -> Callable[[Callable], Callable]:
    """Decorate an exercise function: the solution stands in while its body is empty."""

    def decorate(attempt: Callable) -> Callable:
        empty = is_empty(attempt)

        @functools.wraps(attempt)
        def run(*args: Any, **kwargs: Any) -> Any:
            if empty:
                return solution(name)(*args, **kwargs)
            return attempt(*args, **kwargs)

        run.attempt, run.exercise, run.empty = attempt, name, empty
        return run

    return decorate


def is_empty(fn: Callable) -> bool:
    """True if the body of ``fn`` is only a docstring, ``...``, ``pass`` or ``return ...``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False  # no source to read: treat it as written
    body = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.Lambda)).body
    for statement in body if isinstance(body, list) else []:
        if isinstance(statement, ast.Pass):
            continue
        value = getattr(statement, "value", None)
        if isinstance(statement, ast.Expr | ast.Return) and (
            value is None or isinstance(value, ast.Constant) and value.value in (Ellipsis, None)
        ):
            continue
        if isinstance(statement, ast.Expr) and isinstance(value, ast.Constant):
            continue  # a docstring
        return False
    return True


def check_code(name: str, fn: Callable, test: Callable[[Callable], str | None], hint: Hint) -> None:
    """Run ``test`` on the function you wrote; it returns None when right, else what is wrong.

    ``fn`` is the ``@your_code`` function. While its body is empty this prints
    "your turn" (and, in strict mode, runs the test on the solution instead).
    When the test fails exactly as it fails for one of the exercise's typical
    slips (a function written with that mistake), the hint is that slip's.
    """
    if strict():
        _strict_code_slips(name, test)
    if getattr(fn, "empty", False):
        if strict():
            problem = _run_test(test, solution(name))
            if problem:
                raise SelfCheckError(f"self-check {name!r}: the solution fails: {problem}")
            solutions_checked.append(name)
        _your_turn(name, _first_hint(hint), "write the body of the function in the cell above")
        return
    problem = _run_test(test, getattr(fn, "attempt", fn))
    results[name] = "wrong" if problem else "ok"
    if problem:
        slip = _code_slip(name, test, problem)
        advice = slip.hint if slip else _general_hint(name, hint)
        print(f"❌ not yet: {name}: {problem}\n   Hint: {advice}")
        _fail_if_strict(name, problem)
        return
    print(f"✅ OK: {name} agrees with the library")


def _code_slip(name: str, test: Callable, problem: str) -> Slip | None:
    """The first listed slip whose function fails ``test`` with exactly this ``problem``."""
    return next((s for s in slips(name) if _run_test(test, s.answer) == problem), None)


def _strict_code_slips(name: str, test: Callable) -> None:
    """Every listed slip must fail the test, and fail differently from the slips before it."""
    seen: dict[str, str] = {}
    for slip in slips(name):
        problem = _run_test(test, slip.answer)
        if problem is None:
            raise SelfCheckError(f"self-check {name!r}: the slip {slip.what!r} passes the check")
        if problem in seen:
            raise SelfCheckError(
                f"self-check {name!r}: the slips {seen[problem]!r} and {slip.what!r} fail the "
                f"check in the same way ({problem}); the check cannot tell them apart."
            )
        seen[problem] = slip.what


def _run_test(test: Callable[[Callable], str | None], fn: Callable) -> str | None:
    try:
        return test(fn)
    except Exception as exc:  # the learner's code may raise anything; say what, and where
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return f"your code raised {type(exc).__name__}: {exc} (line {where.lineno})"


# -------------------------------------------------------------- solutions
def solution(name: str) -> Any:
    """The solution of exercise ``name`` (a number or a function) from ``solutions.py``."""
    if name in solutions.ANSWERS:
        return solutions.ANSWERS[name]
    if name in solutions.FUNCTIONS:
        return solutions.FUNCTIONS[name]
    known = ", ".join(repr(k) for k in [*solutions.ANSWERS, *solutions.FUNCTIONS])
    raise KeyError(f"no exercise called {name!r}; the exercises are: {known}")


def show_solution(name: str) -> None:
    """Print the solution of one exercise. Try it yourself first: that is how it sticks."""
    answer = solution(name)
    if callable(answer):
        print(inspect.getsource(answer))
    else:
        print(f"{name} = {answer!r}")


# ------------------------------------------------------------------ output
def _your_turn(name: str, hint: str, what: str) -> None:
    results[name] = "todo"
    print(
        f"✏️  Your turn: {name}. To check yourself, {what} and run this cell again.\n"
        f"   Hint: {hint}\n"
        f"   Stuck? show_solution({name!r}) prints the answer."
    )


def _fail_if_strict(name: str, problem: str) -> None:
    if strict():
        raise SelfCheckError(f"self-check {name!r} failed: {problem}")


def summary() -> None:
    """How many exercises you have done, and which are left."""
    done = [n for n, r in results.items() if r == "ok"]
    print(f"Exercises done: {len(done)} of {len(results)}")
    for name, result in results.items():
        mark = {"ok": "✅", "wrong": "❌", "todo": "✏️ "}[result]
        print(f"  {mark} {name}")
