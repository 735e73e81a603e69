"""Check backpropagation against the definition of a derivative.

The derivative of f with respect to x is how much f changes when x is nudged.
So nudge each input a tiny ``eps`` up and down and measure::

    numeric = (f(x + eps) - f(x - eps)) / (2 * eps)      (a "central difference")

``backward()`` should give the same number. If it does not, a local
derivative somewhere is wrong. This is the first test to write for any new
operation, and PyTorch ships the same tool as ``torch.autograd.gradcheck``.

>>> from micrograd.engine import Value
>>> gradcheck(lambda v: (v[0] * v[1]).tanh(), [0.5, -1.0]).ok
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from micrograd.engine import Value, _as_float


class GradcheckError(AssertionError):
    """backward() and the finite differences disagree; the message holds the table."""


@dataclass
class GradcheckResult:
    """What ``gradcheck`` found. ``bool(result)`` is ``result.ok``; ``print(result)`` shows a table.

    An input passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    """

    ok: bool
    max_abs_error: float
    max_rel_error: float
    analytic: list[float]
    numeric: list[float]
    inputs: list[float]
    labels: list[str] = field(default_factory=list)
    passed: list[bool] = field(default_factory=list)
    eps: float = 1e-6
    atol: float = 1e-6
    rtol: float = 1e-4

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        header = f"{'input':>8} {'value':>12} {'backward()':>14} {'numeric':>14} {'abs error':>10}"
        lines = [header, "-" * len(header)]
        for label, x, a, n, good in zip(
            self.labels, self.inputs, self.analytic, self.numeric, self.passed
        ):
            mark = "" if good else "  <-- mismatch"
            lines.append(f"{label:>8} {x:>12.6g} {a:>14.8g} {n:>14.8g} {abs(a - n):>10.2e}{mark}")
        verdict = "OK" if self.ok else "FAILED"
        lines.append(
            f"gradcheck {verdict}: max abs error {self.max_abs_error:.2e}, "
            f"max rel error {self.max_rel_error:.2e} (atol={self.atol}, rtol={self.rtol})"
        )
        return "\n".join(lines)


def gradcheck(
    f: Callable[[list[Value]], Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    raise_on_failure: bool = False,
) -> GradcheckResult:
    """Compare ``backward()`` gradients of ``f`` with central differences.

    ``f`` receives a list of fresh leaf Values (one per input, same numbers)
    and must return a single Value. The inputs you pass are never changed.
    Kinks such as relu or abs at exactly 0 have no derivative there, so
    check points away from them. With ``raise_on_failure=True`` a mismatch
    raises ``GradcheckError`` showing the table.
    """
    points = [_as_float(x.data if isinstance(x, Value) else x, "gradcheck input") for x in inputs]
    if not points:
        raise ValueError("gradcheck: inputs is empty; give at least one number or Value.")
    if not eps > 0:
        raise ValueError(f"gradcheck: eps={eps!r} must be > 0 (1e-6 is a good choice).")
    labels = [
        (x.label if isinstance(x, Value) and x.label else f"x[{i}]") for i, x in enumerate(inputs)
    ]

    leaves = [Value(x, label=name) for x, name in zip(points, labels)]
    _evaluate(f, leaves).backward()
    analytic = [leaf.grad for leaf in leaves]

    numeric = []
    for i in range(len(points)):
        up, down = list(points), list(points)
        up[i] += eps
        down[i] -= eps
        f_up = _evaluate(f, [Value(x) for x in up]).data
        f_down = _evaluate(f, [Value(x) for x in down]).data
        numeric.append((f_up - f_down) / (2 * eps))

    errors = [abs(a - n) for a, n in zip(analytic, numeric)]
    passed = [e <= atol + rtol * abs(n) for e, n in zip(errors, numeric)]
    relative = [e / max(abs(a), abs(n)) if e else 0.0 for e, a, n in zip(errors, analytic, numeric)]
    result = GradcheckResult(
        ok=all(passed),
        max_abs_error=max(errors),
        max_rel_error=max(relative),
        analytic=analytic,
        numeric=numeric,
        inputs=points,
        labels=labels,
        passed=passed,
        eps=eps,
        atol=atol,
        rtol=rtol,
    )
    if raise_on_failure and not result.ok:
        raise GradcheckError(f"backward() disagrees with finite differences:\n{result}")
    return result


def _evaluate(f: Callable[[list[Value]], Value], leaves: list[Value]) -> Value:
    out = f(leaves)
    if not isinstance(out, Value):
        hint = (
            " It returned a list; combine it into one Value, e.g. with value_sum(...)."
            if isinstance(out, list | tuple)
            else " Compute it from the Values in the list f receives."
        )
        raise TypeError(
            f"gradcheck: f must return a single Value, got {type(out).__name__} {out!r}.{hint}"
        )
    return out
