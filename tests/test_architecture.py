"""The house rules of the code base, checked: lower layers never import higher ones, no
module imports itself round a circle, and no library module imports a command line."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "micrograd"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every module of the package -> the package modules it imports, anywhere in it
    (an import inside a function is a dependency all the same, only a later one)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {  # `if TYPE_CHECKING:` imports are for type checkers, never run
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for sub in ast.walk(node)
        }
        found: set[str] = set()
        for sub in ast.walk(tree):
            if id(sub) in typing_only:
                continue
            if isinstance(sub, ast.ImportFrom) and sub.module and sub.level == 0:
                found.add(sub.module)
                found.update(f"{sub.module}.{a.name}" for a in sub.names)
            elif isinstance(sub, ast.Import):
                found.update(a.name for a in sub.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    for start in graph:
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
            elif state.get(child) == 1:
                return [*path[path.index(child) :], child]
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
    return None


def test_no_module_imports_itself_round_a_circle():
    graph = _imports()
    graph = {
        m: {d for d in deps if d != m.rsplit(".", 1)[0] or m == d} for m, deps in graph.items()
    }
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_no_library_module_imports_a_command_line():
    cli = {"micrograd.cli", "micrograd.graph_cli", "micrograd.argtypes", "micrograd.playground.cli"}
    graph = _imports()
    offenders = {
        module: sorted(deps & {d for d in graph if d.startswith("micrograd.cli") or d in cli})
        for module, deps in graph.items()
        if not (
            module.startswith("micrograd.cli") or module in cli or module == "micrograd.__main__"
        )
    }
    assert not {m: d for m, d in offenders.items() if d}, offenders


def test_the_engine_stands_on_the_standard_library_alone():
    allowed = {"micrograd.edges", "micrograd.finite", "micrograd.original", "micrograd.pickling",
               "micrograd.errors", "micrograd"}  # fmt: skip
    graph = _imports()
    for module in ("micrograd.engine", *sorted(allowed - {"micrograd"})):
        assert graph[module] <= allowed, (module, graph[module] - allowed)


def test_the_engine_tells_its_story_in_its_first_150_lines():
    lines = (PACKAGE / "engine.py").read_text(encoding="utf-8").splitlines()[:150]
    text = "\n".join(lines)
    assert "class Value" in text and "def backward" in text
    assert "child.grad += local * node.grad" in text
    for op in ("__add__", "__mul__", "__pow__", "tanh", "exp", "relu"):
        assert f"def {op}(" in text, op
