"""The house rules, read from the source: data flows one way through the engine's folders, no
import hides inside a function, no cycle, and each outer layer reaches only the one it should.

A lazy import inside a function once hid three cycles (records and report, sweep and cli, the two
results views). Walking every file's syntax tree finds such things at once, on any machine.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The engine's folders, bottom up as the data flows: a module may import its own folder and any
# folder below it, never one above. Top-level modules (cli, execute) sit above them all.
LAYERS = ("spec", "model", "result", "host", "devices", "measure", "read", "store")
TOP = len(LAYERS)
NO_TORCH = ("spec", "model", "result")  # plain data and arithmetic: importable anywhere, instantly
UI_LIBRARIES = ("streamlit", "altair", "vl_convert")
HEAVY = ("torch", "torchvision", "pynvml")  # may be imported inside a function, and only these


def modules() -> Iterator[tuple[str, Path]]:
    for top in ("engine", "ui", "pages"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            yield ".".join(parts), path
    yield "app", ROOT / "app.py"


MODULES = dict(modules())


def imports(path: Path) -> Iterator[tuple[str, bool, int]]:
    """(imported module, inside a function, line) for every import in a file; `from pkg import
    name` yields pkg.name where that is a module of the project."""
    tree = ast.parse(path.read_text())
    inner: set[int] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            inner.update(id(n) for n in ast.walk(fn) if isinstance(n, ast.Import | ast.ImportFrom))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in inner, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield (full if full in MODULES else node.module), id(node) in inner, node.lineno


def project(name: str) -> bool:
    return name.split(".")[0] in ("engine", "ui", "pages", "app")


def layer(module: str) -> int | None:
    """The engine layer a module belongs to; the package's own __init__ and errors count as 0."""
    parts = module.split(".")
    if parts[0] != "engine":
        return None
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS):
        return LAYERS.index(parts[1])
    return 0 if module in ("engine", "engine.errors") else TOP


def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for module, path in MODULES.items():
        for name, _inner, _line in imports(path):
            if project(name):
                target = name if name in MODULES else name.rsplit(".", 1)[0]
                graph[module].add(target)
    return graph


def test_no_project_import_hides_inside_a_function():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in MODULES.items()
        for name, inner, line in imports(path)
        if inner and project(name)
    ]
    assert found == []


def test_the_project_imports_form_no_cycle():
    graph = edges()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_the_engine_imports_only_downwards():
    wrong = []
    for module, targets in edges().items():
        mine = layer(module)
        for target in targets:
            theirs = layer(target)
            if mine is not None and (theirs is None or theirs > mine):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


@pytest.mark.parametrize("folder", NO_TORCH)
def test_spec_and_result_never_import_torch(folder):
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in MODULES.items()
        if module.startswith(f"engine.{folder}")
        for name, _inner, line in imports(path)
        if name.split(".")[0] in HEAVY
    ]
    assert found == []


def test_the_engine_imports_no_ui_library():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in MODULES.items()
        if module.startswith("engine")
        for name, _inner, line in imports(path)
        if name.split(".")[0] in UI_LIBRARIES or name.split(".")[0] in ("ui", "pages", "app")
    ]
    assert found == []


def test_pages_and_the_router_import_ui_only():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in MODULES.items()
        if module.startswith("pages") or module == "app"
        for name, _inner, line in imports(path)
        if project(name) and not name.startswith("ui")
    ]
    assert found == []


def test_the_ui_reads_results_and_never_touches_a_device_or_a_clock():
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for module, path in MODULES.items()
        if module.startswith("ui") or module.startswith("pages")
        for name, _inner, line in imports(path)
        if name.startswith("engine.devices") or name.split(".")[0] in HEAVY
    ]
    assert found == []
