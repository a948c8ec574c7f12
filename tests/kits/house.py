"""The house rules as a checker over a source tree, so a test can run it on the project and on a
copy with a breach planted in it (a rule that is never seen to fail is not a rule).

Rules, read from each file's syntax tree, relative imports resolved:
- each folder imports only the folders its row of ALLOWED names (data flows one way);
- no project import hides inside a function or under a condition;
- no import of a project module by string (importlib or __import__);
- the engine imports no UI library; spec, model, result and the read side import no torch;
- ui/ reaches the engine only through engine.api; pages and app.py import ui only;
- the project's imports form no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TOPS = ("engine", "ui", "pages")
# A folder (or top module) -> the folders it may import besides itself. "engine.base" is the
# package's own __init__ and errors, which everything in the engine may use.
ALLOWED: dict[str, set[str]] = {
    "engine.base": set(),
    "engine.spec": {"engine.base"},
    "engine.model": {"engine.base", "engine.spec"},
    "engine.result": {"engine.base", "engine.spec", "engine.model"},
    "engine.host": {"engine.base", "engine.spec", "engine.model", "engine.result"},
    "engine.devices": {"engine.base", "engine.spec", "engine.model", "engine.result", "engine.host"},
    "engine.measure": {
        "engine.base",
        "engine.spec",
        "engine.model",
        "engine.result",
        "engine.host",
        "engine.devices",
    },
    "engine.read": {"engine.base", "engine.spec", "engine.model", "engine.result"},
    "engine.words": {
        "engine.base",
        "engine.spec",
        "engine.model",
        "engine.result",
        "engine.read",
        "engine.store",
    },
    "engine.frames": {"engine.base", "engine.spec", "engine.model", "engine.result", "engine.read"},
    "engine.store": {
        "engine.base",
        "engine.spec",
        "engine.model",
        "engine.result",
        "engine.host",
        "engine.read",
    },
    "engine.top": {
        "engine.base",
        "engine.spec",
        "engine.model",
        "engine.result",
        "engine.host",
        "engine.devices",
        "engine.measure",
        "engine.read",
        "engine.words",
        "engine.frames",
        "engine.store",
        "engine.top",
        "engine.api",
    },
    "ui.charts": {"engine.api"},  # a chart takes the frame and its typed range (View), nothing else
    "ui.shell": {"engine.api", "ui.charts"},
    "ui.controls": {"engine.api", "ui.shell", "ui.charts"},
    "ui.views": {"engine.api", "ui.charts", "ui.shell", "ui.controls"},
    "pages": {"ui.shell", "ui.controls", "ui.views", "ui.charts"},
    "app": {"ui.shell"},
}
UI_LIBRARIES = ("streamlit", "altair", "vl_convert")
HEAVY = ("torch", "torchvision", "pynvml")
NO_TORCH = ("engine.spec", "engine.model", "engine.result", "engine.read", "engine.words", "engine.frames")
ENGINE_FOLDERS = {
    k.split(".")[1] for k in ALLOWED if k.startswith("engine.") and k not in ("engine.base", "engine.top")
}


@dataclass(frozen=True)
class Import:
    target: str  # the absolute module name, relative imports resolved
    line: int
    inner: bool  # inside a function, or under an if/try: a breach for a project module
    by_string: bool = False  # importlib.import_module("...") or __import__("...")


def modules(root: Path) -> dict[str, Path]:
    out = {}
    for top in TOPS:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out[".".join(parts)] = path
    if (root / "app.py").exists():
        out["app"] = root / "app.py"
    return out


def _package(module: str, path: Path) -> list[str]:
    parts = module.split(".")
    return parts if path.name == "__init__.py" else parts[:-1]


def imports(module: str, path: Path, known: dict[str, Path]) -> Iterator[Import]:
    tree = ast.parse(path.read_text())
    top_level = {id(n) for n in tree.body}
    package = _package(module, path)
    for node in ast.walk(tree):
        inner = id(node) not in top_level
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno, inner)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                keep = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join([*keep, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}" if base else alias.name
                yield Import(full if full in known else base, node.lineno, inner)
        elif isinstance(node, ast.Call):
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield Import(arg.value, node.lineno, True, by_string=True)


def project(name: str) -> bool:
    return name.split(".")[0] in (*TOPS, "app")


def room(module: str) -> str:
    """The folder a module lives in, as ALLOWED names it."""
    parts = module.split(".")
    if parts[0] == "engine":
        if module in ("engine", "engine.errors"):
            return "engine.base"
        if len(parts) > 2 or (len(parts) == 2 and parts[1] in ENGINE_FOLDERS):
            return f"engine.{parts[1]}"
        return "engine.api" if module == "engine.api" else "engine.top"
    if parts[0] == "ui":
        return f"ui.{parts[1]}" if len(parts) > 1 else "ui.top"
    return parts[0]


def target_room(name: str, known: dict[str, Path]) -> str:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return room(name)


def violations(root: Path) -> list[str]:
    """Every breach of the house rules in the tree at `root`, one line each."""
    known = modules(root)
    found: list[str] = []
    said: set[str] = set()
    graph: dict[str, set[str]] = {m: set() for m in known}
    for module, path in known.items():
        mine = room(module)
        where = f"{path.relative_to(root)}"
        for imp in imports(module, path, known):
            head = imp.target.split(".")[0]
            at = f"{where}:{imp.line} imports {imp.target}"
            if module.startswith("engine") and head in UI_LIBRARIES:
                found.append(f"{at}: the engine runs headless, no UI library")
            if mine in NO_TORCH and head in HEAVY:
                found.append(f"{at}: {mine} is plain data and arithmetic, no torch")
            if not project(imp.target):
                continue
            if imp.by_string:
                found.append(f"{at}: a project module imported by name at run time")
                continue
            if imp.inner:
                found.append(f"{at}: a project import inside a function or a condition")
            theirs = target_room(imp.target, known)
            if theirs != mine and theirs not in ALLOWED.get(
                mine, {"engine.api"} if mine == "ui.top" else set()
            ):
                line = f"{where}:{imp.line}: {mine} may not import {theirs} ({imp.target})"
                if not (mine == "engine.api" and theirs.startswith("engine.")) and line not in said:
                    said.add(line)
                    found.append(line)
            target = imp.target
            while target not in known and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in known:
                graph[module].add(target)
    found += [f"cycle: {' -> '.join(c)}" for c in cycles(graph)]
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}
    out: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt == node:
                continue
            if state.get(nxt) == 1:
                out.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return out
