"""The expression lab's answers: the check table, kinks, formulas and running sums."""

from __future__ import annotations

import pytest

from micrograd.playground import api, expression
from micrograd.playground.sessions import Sessions


def lab(expr: str, values: str = "", bug: bool = False) -> dict:
    status, d = api.handle(Sessions(threaded=False), "/api/expr",
                           {"expr": expr, "values": values, "bug": bug})  # fmt: skip
    assert status == 200, d
    return d


@pytest.mark.parametrize("expr", ["a", "((a))"])
def test_a_single_leaf_has_grad_one_in_the_check_table_too(expr):
    (check,) = lab(expr, "a=2")["check"]
    assert check["engine"] == check["stepped"] == 1.0
    assert check["numeric"] == pytest.approx(1.0)
    assert check["completeAfter"] == 0 and check["kink"] is None


def test_each_leaf_says_after_which_step_it_has_all_its_contributions():
    d = lab("tanh(x*w + b) / c")
    check = {c["name"]: c for c in d["check"]}
    # Step 1 is the division: c is complete then; x and w only after the last step.
    assert check["c"]["completeAfter"] == 1
    assert check["x"]["completeAfter"] == check["w"]["completeAfter"] == len(d["steps"])
    assert check["b"]["completeAfter"] == len(d["steps"]) - 1
    for name, c in check.items():  # after that many steps, the grad is the final one
        touched = [x for s in d["steps"][: c["completeAfter"]] for x in s["contributions"]
                   if x["child"] == c["node"]]  # fmt: skip
        assert touched[-1]["after"] == c["stepped"], name


@pytest.mark.parametrize(
    ("expr", "left", "right"), [("relu(a)", 0.0, 1.0), ("abs(a) * 3", -3.0, 3.0)]
)
def test_a_gradient_at_a_kink_is_explained_not_marked_wrong(expr, left, right):
    (check,) = lab(expr, "a=0")["check"]
    assert check["engine"] == 0.0
    assert check["numeric"] == pytest.approx((left + right) / 2, abs=1e-6)
    kink = check["kink"]
    assert kink["left"] == pytest.approx(left) and kink["right"] == pytest.approx(right)
    assert kink["valid"] and "kink at a = 0" in kink["message"]


@pytest.mark.parametrize(("expr", "values"), [("relu(a)", "a=0.5"), ("a*b + a", "a=2 b=-3"),
                                              ("exp(a)", "a=300"), ("a*a", "a=1e150")])  # fmt: skip
def test_smooth_points_have_no_kink(expr, values):
    assert all(c["kink"] is None for c in lab(expr, values)["check"])


def test_every_edge_has_its_local_derivative_written_out_with_its_value():
    d = lab("a*b + a", "a=2 b=-3")
    formulas = {(d["nodes"][e["parent"]]["op"], d["nodes"][e["child"]]["label"]): e["formula"]
                for e in d["edges"]}  # fmt: skip
    assert formulas[("*", "a")] == "∂(a·b)/∂a = b = -3"
    assert formulas[("*", "b")] == "∂(a·b)/∂b = a = 2"
    assert formulas[("+", "a")] == "∂((a·b) + a)/∂a = 1"
    assert all(e["formula"].endswith(f"{e['local']:.4g}") for e in lab("tanh(a/b)**2")["edges"])


def test_the_running_sum_shows_every_contribution():
    sums = [c["sum"] for s in lab("a*b + a", "a=2 b=-3")["steps"] for c in s["contributions"]]
    assert "1 + -3 = -2" in sums
    broken = [c["sum"] for s in lab("a*b + a", "a=2 b=-3", bug=True)["steps"]
              for c in s["contributions"]]  # fmt: skip
    assert "-3 (1 before it is lost)" in broken


def test_unicode_names_can_be_given_values():
    d = lab("α*β + α", "α=2 β=-3")
    assert d["values"] == {"α": 2.0, "β": -3.0} and d["output"] == -4.0
    assert expression.parse_values("α=1, β=1") == {"α": 1.0, "β": 1.0}


def test_every_value_gets_its_own_box_whatever_order_the_drawing_plan_uses():
    """The drawing plan lists values first input first, the lab in the engine's order:
    boxes and edge routes must be matched by value, never by position in a list."""
    from micrograd.playground import api
    from micrograd.playground.sessions import Sessions

    answer = api.ROUTES["/api/expr"](
        Sessions(), {"expr": "a*b + a + a*c", "values": "a=2 b=-3 c=4"}
    )
    for node in answer["nodes"]:
        assert (node["opBox"] is None) == node["leaf"], node
        assert len(node["box"]["fields"]) == (3 if node["label"] else 2), node
