"""The registered loops as their files spell them, read without running a line of them.

The lab lists loops and checks the names links carry, and it must never import code because a
browser asked: so the shipped files and the owner's folder are read as syntax here, for each
module-level `LOOPS = {"name": factory}` table and each factory's first docstring line. Running a
loop imports it, through engine/devices/loops.py, and only then.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.spec.loop import LOOP_NAME

LOOPS_ENV = "OVERLAP_LAB_LOOPS"
SHIPPED = ("classify", "detect", "segment", "heatmap", "hostwork", "textgen", "planted")
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "loops"


@dataclass(frozen=True)
class Registered:
    name: str
    factory: Callable[[str, int], Any] | None  # None where the table was only read, not run
    where: str  # the file that registered it, as a person would open it
    note: str  # the factory's first docstring line
    batch: int | None = None  # the factory's own batch_size default, if it gives one


def _listed_in(path: Path, where: str) -> dict[str, Registered]:
    """A file's LOOPS table read from its syntax, without running it: names and first doc lines."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, ValueError):
        return {}
    docs = {
        n.name: (ast.get_docstring(n) or "").strip().splitlines()[0] if ast.get_docstring(n) else ""
        for n in tree.body
        if isinstance(n, ast.FunctionDef)
    }
    batches = {n.name: _batch_default(n) for n in tree.body if isinstance(n, ast.FunctionDef)}
    out: dict[str, Registered] = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "LOOPS" for t in node.targets)):
            continue
        if not isinstance(node.value, ast.Dict):
            continue
        for key, value in zip(node.value.keys, node.value.values, strict=True):
            name = key.value if isinstance(key, ast.Constant) else None
            if isinstance(name, str) and LOOP_NAME.fullmatch(name):
                factory = value.id if isinstance(value, ast.Name) else ""
                out[name] = Registered(name, None, where, docs.get(factory, ""), batches.get(factory))
    return out


def _batch_default(function: ast.FunctionDef) -> int | None:
    """The whole-number default of a factory's `batch_size` parameter, read from its syntax."""
    args = function.args.posonlyargs + function.args.args
    defaults = dict(
        zip([a.arg for a in args][len(args) - len(function.args.defaults) :], function.args.defaults)
    )
    kw = {a.arg: d for a, d in zip(function.args.kwonlyargs, function.args.kw_defaults) if d is not None}
    found = {**defaults, **kw}.get("batch_size")
    if isinstance(found, ast.Constant) and type(found.value) is int:
        return found.value
    return None


def own_batch(loop: str) -> int | None:
    """The batch a loop names for itself: its factory's `batch_size` default, read from the file
    without running it (a registered name, or `package.module:function` found on the search
    path). None where it names none; the workload's batch is then used."""
    if ":" not in loop:
        entry = listed().get(loop)
        return entry.batch if entry is not None else None
    module, _, function = loop.partition(":")
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(Path(spec.origin).read_text())
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == function:
            return _batch_default(node)
    return None


def loop_files(folder: Path) -> list[Path]:
    """The files of the owner's folder that may register loops: every `*.py` but those whose
    names start with `_` (a package's `__init__.py`, private helpers)."""
    return [p for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")]


def listed() -> dict[str, Registered]:
    """The registered loops as their files spell them, read without importing anything: what the
    lab offers and what a link may name. Running one goes through `factory_of`, which imports."""
    found: dict[str, Registered] = {}
    for m in SHIPPED:
        found.update(_listed_in(SHIPPED_DIR / f"{m}.py", f"loops/{m}.py"))
    folder = os.environ.get(LOOPS_ENV, "")
    if folder and Path(folder).is_dir():
        for path in loop_files(Path(folder)):
            for name, entry in _listed_in(path, str(path)).items():
                found.setdefault(name, entry)
    return found
