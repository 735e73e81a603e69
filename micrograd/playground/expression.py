"""The expression lab: one expression, its graph laid out, and its backward pass as steps.

Everything the page shows comes from the real engine. The expression is parsed
by the same safe parser as ``micrograd graph``; the steps are replayed from
``topological_order()`` and each node's ``_children`` and ``_local``, in the
order ``backward()`` uses and with the same floating-point operations, so the
last step holds exactly the gradients ``backward()`` leaves in ``.grad``.

"Break it" replays the same walk with ``child.grad = local * node.grad``
(``=`` instead of ``+=``). A value used twice then keeps only its last
contribution, and the wrong leaf gradients are shown next to central
differences, which know nothing about the graph.
"""

from __future__ import annotations

import ast
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from micrograd.engine import Value
from micrograd.expression import MAX_LENGTH, ExpressionError, parse_expression
from micrograd.viz.spec import build_spec, graph_nodes, input_order

MAX_NODES = 200  # values in the graph, as `micrograd graph --max-nodes` by default
MAX_LEAVES = 12  # one slider each
DEFAULT_VALUE = 1.0  # a name typed without a value starts here
FD_STEP = 1e-6  # central differences: (f(x + h) - f(x - h)) / 2h, h relative to |x|
MAX_NAME = 16  # characters in a name, so its box stays a box
_ASSIGNMENT = re.compile(r"^([^\W\d]\w*)=(.*)$")  # any identifier: α=1 as well as a=1


@dataclass(frozen=True)
class Request:
    """What the page asks for; ``values`` keeps the order the names were given in."""

    expr: str
    values: dict[str, float]
    bug: bool = False
    nudge_leaf: str | None = None
    nudge_h: float = 0.0


def parse_values(text: str) -> dict[str, float]:
    """``"a=2 b=-3"`` (spaces or commas between) as ``{'a': 2.0, 'b': -3.0}``."""
    if not isinstance(text, str):
        raise ExpressionError("values must be text such as 'a=2 b=-3'.")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the values are {len(text)} characters; keep them under {MAX_LENGTH}."
        )
    values: dict[str, float] = {}
    for item in text.replace(",", " ").split():
        match = _ASSIGNMENT.match(item)
        if not match:
            raise ExpressionError(f"{item!r} is not NAME=NUMBER; write values like  a=2 b=-3")
        name, number = match.groups()
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(
                f"{name}: {number!r} is not a number; write e.g. {name}=1.5"
            ) from None
        if not math.isfinite(value):
            raise ExpressionError(f"{name}={number}: give a finite number, e.g. {name}=1.5")
        values[name] = value
    return values


def leaf_names(expr: str) -> list[str]:
    """The names an expression uses, in the order they first appear (function names excluded)."""
    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:
        return []  # parse_expression reports it, with the parser's own message
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls]
    names.sort(key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in names))


def build(expr: str, values: Mapping[str, float]) -> tuple[Value, dict[str, float]]:
    """The graph of ``expr``; names without a value get ``DEFAULT_VALUE``.

    Returns the root and the values actually used, in the expression's order.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise ExpressionError("type an expression, e.g. a*b + a")
    if len(expr) > MAX_LENGTH:
        parse_expression(expr, {})  # the parser refuses it, with its own message
    names = leaf_names(expr)
    long = [n for n in names if len(n) > MAX_NAME]
    if long:
        raise ExpressionError(
            f"the name {long[0][:24]!r}... is too long; use names of up to {MAX_NAME} characters."
        )
    if len(names) > MAX_LEAVES:
        raise ExpressionError(
            f"the expression uses {len(names)} names; the lab handles up to {MAX_LEAVES}."
        )
    used = {name: float(values.get(name, DEFAULT_VALUE)) for name in names}
    try:
        root = parse_expression(expr, used)
    except (ZeroDivisionError, OverflowError) as exc:
        raise ExpressionError(f"the expression cannot be computed at these values: {exc}") from None
    except ExpressionError:
        raise
    except ValueError as exc:  # e.g. log of a negative number, a non-finite result
        raise ExpressionError(f"the expression cannot be computed at these values: {exc}") from None
    return root, used


def replay_backward(root: Value, order: list[Value], bug: bool) -> list[dict]:
    """The backward pass, one step per node that has children, as the engine runs it.

    Each contribution records the edge, ``local × upstream = contribution``,
    the child's grad before and after, and ``sum``: every contribution the
    child has received so far, written out (``1 + -3 = -2``). With
    ``bug`` the grad is overwritten (``=``) instead of accumulated (``+=``).
    """
    index = {v: i for i, v in enumerate(order)}
    grads = {v: (0.0 if v._children else v.grad) for v in order}
    grads[root] = 1.0
    steps, edge = [], 0
    edge_ids = {}
    received: dict[Value, list[str]] = {}  # each child's contributions so far, as text
    for v in order:  # edges are numbered as the graph lists them: per node, per child
        for k in range(len(v._children)):
            edge_ids[(index[v], k)] = edge
            edge += 1
    for node in reversed(order):
        if not node._children:
            continue
        upstream = grads[node]
        contributions = []
        for k, (child, local) in enumerate(zip(node._children, node._local)):
            before = grads[child]
            contribution = local * upstream
            grads[child] = contribution if bug else before + contribution
            parts = received.setdefault(child, [])
            parts.append(f"{contribution:.4g}")
            if bug:
                lost = f" ({before:.4g} before it is lost)" if len(parts) > 1 else ""
                running = f"{contribution:.4g}{lost}"
            elif len(parts) > 1:
                running = f"{' + '.join(parts)} = {grads[child]:.4g}"
            else:
                running = parts[0]
            contributions.append(
                {
                    "edge": edge_ids[(index[node], k)],
                    "child": index[child],
                    "local": local,
                    "upstream": upstream,
                    "contribution": contribution,
                    "before": before,
                    "after": grads[child],
                    "sum": running,
                }
            )
        steps.append({"node": index[node], "grad": upstream, "contributions": contributions})
    return steps


def central_difference(expr: str, used: Mapping[str, float], name: str) -> float:
    """d(output)/d(name) measured by nudging ``name`` up and down by ``FD_STEP``."""
    h = FD_STEP * max(1.0, abs(used[name]))  # relative for big numbers, or x + h == x
    up, down = dict(used), dict(used)
    up[name] += h
    down[name] -= h
    try:
        f_up, f_down = parse_expression(expr, up).data, parse_expression(expr, down).data
    except (ArithmeticError, ValueError):
        return math.nan  # e.g. sqrt right at 0: no two-sided difference there
    return (f_up - f_down) / (up[name] - down[name])


def layout(root: Value) -> tuple[list[Value], dict, dict]:
    """Positions from the pure-Python renderer's layout, so the page and pictures agree.

    Returns the values in the engine's topological order (children first, as
    ``backward()`` visits them, reversed), the boxes of each value (``box`` and
    ``op`` for its operation) and the bend points of each child-to-operation
    edge, keyed by (value, index of the child in ``_children``). The drawing plan
    numbers its nodes in an order of its own (first input first), so everything
    is matched through the values themselves, never through positions in a list.
    """
    from micrograd.viz.render_python import field_widths, node_size
    from micrograd.viz.render_python import layout as place

    spec = build_spec(root, max_nodes=MAX_NODES, legend=False, show_local=True)
    order = root.topological_order()
    drawn = input_order(graph_nodes(root, MAX_NODES), root)  # the plan's v0, v1, ...
    for node in spec.nodes:  # cards: label, data and grad one above the other
        if node.kind == "value":
            node.stacked = True
            node.fields = tuple(f + " " for f in node.fields)  # room for a minus sign
    with _LAYOUT_LOCK:  # grandalf keeps class-level state during a layout: one at a time
        positions, bends = place(spec)
    sizes = {node.id: node_size(node) for node in spec.nodes}
    column_x = _columns(positions, bends, sizes)
    boxes = {}
    for node in spec.nodes:
        x, y = positions[node.id]
        w, h = sizes[node.id]
        boxes[node.id] = {"x": column_x[round(x, 1)], "y": y * SPREAD, "w": w, "h": h,
                          "fields": field_widths(node)}  # fmt: skip
    into_ops = [i for i, e in enumerate(spec.edges) if e.dst.endswith("op")]
    edges_in_plan = [(v, k) for v in drawn for k in range(len(v._children))]
    routes = {
        edge: [(column_x[round(x, 1)], y * SPREAD) for x, y in bends.get(i, [])]
        for edge, i in zip(edges_in_plan, into_ops)
    }
    plan_ids = {v: f"v{i}" for i, v in enumerate(drawn)}
    by_value = {v: (boxes[plan_ids[v]], boxes.get(plan_ids[v] + "op")) for v in order}
    return order, by_value, routes


_LAYOUT_LOCK = threading.Lock()
COLUMN_GAP = 60.0  # points between columns: room for 'local × upstream = contribution'
SPREAD = 1.35  # vertical room for the running sums written under the boxes


def _columns(positions: dict, bends: dict, sizes: dict) -> dict[float, float]:
    """New x per layout column: each as wide as its widest box, a fixed gap between.

    The layout leaves room for edge labels in proportion to the widest box;
    packing the columns makes the graph narrow enough to draw at a readable size.
    """
    widths: dict[float, float] = {}
    for node_id, (x, _) in positions.items():
        key = round(x, 1)
        widths[key] = max(widths.get(key, 0.0), sizes[node_id][0])
    for route in bends.values():
        for x, _ in route:
            widths.setdefault(round(x, 1), 16.0)
    placed, right = {}, 0.0
    for key in sorted(widths):
        placed[key] = right + widths[key] / 2
        right += widths[key] + COLUMN_GAP
    return placed


def lab(request: Request) -> dict:
    """Everything the expression lab draws, as plain JSON-ready data."""
    root, used = build(request.expr, request.values)
    order, boxes, routes = layout(root)
    index = {v: i for i, v in enumerate(order)}
    nodes = []
    for i, v in enumerate(order):
        box, op_box = boxes[v]
        nodes.append(
            {
                "id": i,
                "label": v.label,
                "op": v._op,
                "data": v.data,
                "leaf": not v._children,
                "box": box,
                "opBox": op_box,
            }
        )
    edges, edge_ids = [], {}
    for i, v in enumerate(order):  # numbered as replay_backward numbers them
        for k, (child, local) in enumerate(zip(v._children, v._local)):
            edge_ids[(i, k)] = len(edges)
            edges.append({"child": index[child], "parent": i, "local": local,
                          "bends": routes.get((v, k), [])})  # fmt: skip
    steps = replay_backward(root, order, request.bug)
    root.backward()  # the engine's own answer, to stand beside the replay
    stepped, complete = _stepped(steps, index[root])
    leaves = [v for v in order if v.label and not v._children]
    names = _names(order)
    for i, v in enumerate(order):
        for k in range(len(v._children)):
            edges[edge_ids[(i, k)]]["formula"] = edge_formula(v, k, names)
    check = []
    for v in leaves:
        numeric = central_difference(request.expr, used, v.label)
        check.append(
            {
                "name": v.label,
                "node": index[v],
                "engine": v.grad,
                "stepped": stepped.get(index[v], 0.0),
                "numeric": numeric,
                "completeAfter": complete.get(index[v], 0),
                "kink": kink(request.expr, used, v.label, v.grad),
            }
        )
    result = {
        "expr": request.expr.strip(),
        "values": used,
        "output": root.data,
        "root": index[root],
        "nodes": nodes,
        "edges": edges,
        "steps": steps,
        "bug": request.bug,
        "check": check,
    }
    if request.nudge_leaf is not None:
        result["nudge"] = nudge(request, used, root, leaves)
    return result


def _stepped(steps: list[dict], root: int) -> tuple[dict[int, float], dict[int, int]]:
    """Each node's grad after the last step, and after how many steps it has them all.

    The root starts with grad 1 and needs no step: an expression that is a
    single leaf (``a``, ``((a))``) has d(a)/d(a) = 1 before any step.
    """
    grads, complete = {root: 1.0}, {root: 0}
    for k, step in enumerate(steps):
        for c in step["contributions"]:
            grads[c["child"]] = c["after"]
            complete[c["child"]] = k + 1
    return grads, complete


KINK_TOLERANCE = 1e-2  # one-sided slopes this far apart (relative) mean a kink, not rounding


def kink(expr: str, used: Mapping[str, float], name: str, engine: float) -> dict | None:
    """``{left, right, message}`` when the function has a kink at this leaf's value.

    Left and right one-sided differences agree (to rounding) where the function
    is smooth. At a kink, e.g. relu(a) or abs(a) at a = 0, they differ, and the
    central difference is their average: a value the derivative takes on
    neither side. The engine then uses the slope its operation defines there
    (relu'(0) = 0, abs'(0) = 0), which is a valid choice, not a mistake.
    """
    x = used[name]
    h = FD_STEP * max(1.0, abs(x))
    values = {}
    for shift in (-h, 0.0, h):
        moved = dict(used)
        moved[name] = x + shift
        try:
            values[shift] = parse_expression(expr, moved).data
        except (ArithmeticError, ValueError):
            return None
    left = (values[0.0] - values[-h]) / h
    right = (values[h] - values[0.0]) / h
    if abs(left - right) <= KINK_TOLERANCE * max(1.0, abs(left), abs(right)):
        return None
    low, high = min(left, right), max(left, right)
    if abs(engine - left) <= KINK_TOLERANCE * max(1.0, abs(left)):
        side = "the slope from the left"
    elif abs(engine - right) <= KINK_TOLERANCE * max(1.0, abs(right)):
        side = "the slope from the right"
    elif low <= engine <= high:
        side = "a value between the two slopes"
    else:
        side = None
    text = (
        f"The output has a kink at {name} = {x:g}: its slope is {left:.4g} from the left and "
        f"{right:.4g} from the right, so there is no single derivative here. The central "
        f"difference averages the two ({(left + right) / 2:.4g}). "
    )
    if side:
        text += (
            f"The engine's {engine:.4g} is {side}: a valid choice at a kink (relu and abs "
            "use slope 0 at 0), not a wrong gradient. Move the slider off the kink to compare."
        )
    else:
        text += f"The engine's {engine:.4g} lies outside both slopes: that is wrong."
    return {"left": left, "right": right, "valid": side is not None, "message": text}


def _names(order: list[Value]) -> dict[Value, str]:
    """A short name per value for formulas: its label, a short formula, or v3 (its id)."""
    names: dict[Value, str] = {}
    for i, v in enumerate(order):  # children come first
        if v.label:
            names[v] = v.label
        elif not v._children:
            names[v] = f"{v.data:g}"
        else:
            text = _written(v, names)
            names[v] = text if text is not None and len(text) <= 18 else f"v{i}"
    return names


_INFIX = {"+": " + ", "-": " − ", "*": "·", "/": "/"}
_FUNCTION = {"exp": "exp", "log": "log", "tanh": "tanh", "sigmoid": "σ", "ReLU": "relu",
             "abs": "abs", "sqrt": "√", "leaky_relu": "leaky_relu"}  # fmt: skip


def _written(v: Value, names: dict) -> str | None:
    kids = [names[c] for c in v._children]
    op = v._op
    if op in _INFIX and len(kids) == 2:
        return f"({kids[0]}{_INFIX[op]}{kids[1]})"
    if op == "neg":
        return f"−{kids[0]}"
    if op == "**" and len(kids) == 2:
        return f"{kids[0]}^{kids[1]}"
    if op.startswith("**"):
        return f"{kids[0]}^{op[2:]}"
    if op in _FUNCTION:
        return f"{_FUNCTION[op]}({_bare(kids[0])})"
    return None


def _bare(name: str) -> str:
    """``(a + b)`` as ``a + b`` inside a function's own parentheses."""
    return name[1:-1] if name.startswith("(") and name.endswith(")") else name


def edge_formula(parent: Value, k: int, names: dict) -> str:
    """The local derivative along ``parent``'s k-th edge, written out with its current value.

    E.g. ``∂(a·b)/∂a = b = -3``. The number is the engine's own local
    derivative for this edge.
    """
    kids = parent._children
    local = parent._local[k]
    p, c = names[parent], names[kids[k]]
    first = k == 0
    other = names[kids[1 - k]] if len(kids) == 2 else ""
    op = parent._op
    rule = {
        "+": "1",
        "-": "1" if first else "−1",
        "*": other,
        "/": f"1/{other}" if first else f"−{other}/{c}²",
        "neg": "−1",
        "exp": f"exp({_bare(c)})",
        "log": f"1/{c}",
        "tanh": f"1 − tanh({_bare(c)})²",
        "sigmoid": f"σ({_bare(c)})·(1 − σ({_bare(c)}))",
        "ReLU": f"1 if {_bare(c)} > 0 else 0",
        "abs": f"sign({_bare(c)})",
        "sqrt": f"1/(2√{c})",
        "sum": "1",
    }.get(op)
    if op.startswith("**") and len(op) > 2:
        rule = f"{op[2:]}·{c}^({op[2:]} − 1)"
    if op == "**" and len(kids) == 2:
        base = names[kids[0]]
        rule = f"{other}·{c}^({other} − 1)" if first else f"{base}^{c}·log({base})"
    head = f"∂{p}/∂{c}"
    number = f"{local:.4g}"
    if rule is None or rule.replace("−", "-") == number:
        return f"{head} = {number}"
    return f"{head} = {rule} = {number}"


def nudge(request: Request, used: Mapping[str, float], root: Value, leaves: list[Value]) -> dict:
    """Move one leaf by h: the output really moves by about grad × h (for small h)."""
    name, h = request.nudge_leaf, request.nudge_h
    leaf = next((v for v in leaves if v.label == name), None)
    if leaf is None:
        raise ExpressionError(
            f"there is no leaf named {name!r} to nudge; use one of the sliders' names."
        )
    moved = dict(used)
    moved[name] += h
    after, _ = build(request.expr, moved)
    return {
        "leaf": name,
        "h": h,
        "before": root.data,
        "after": after.data,
        "change": after.data - root.data,
        "predicted": leaf.grad * h,
    }
