"""Finding a user's loop: the shipped ones, those the box's owner registered, or a factory by name.

The lab never imports code that a browser names: it offers the registered loops only, and a link
may carry a registered name only. The registry is the `loops` package beside the engine (the
shipped loops, which double as templates) plus every `*.py` file in the folder that
$OVERLAP_LAB_LOOPS names, each with a module-level `LOOPS = {"name": factory}`. The command line
may also name any importable factory as `package.module:function`.

A registered file is imported as a top-level module from its folder, so that its post-processing
pickles by that name and a pool worker, which inherits the search path, can import it again.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.host.loop_files import LOOPS_ENV, SHIPPED, Registered, loop_files
from engine.spec.loop import FACTORY, LOOP_NAME, Loop, LoopError, told

Factory = Callable[[str, int], Loop]

_built: dict[tuple[str, str, int], Loop] = {}
_lock = threading.Lock()


def _note(factory: Any) -> str:
    doc = (getattr(factory, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def _table(module: Any, where: str, required: bool = True) -> dict[str, Registered]:
    """A module's LOOPS table by name. A file of the owner's folder without one is a helper the
    loops import (a package's `__init__`, shared code), so it is passed over, not refused."""
    table = getattr(module, "LOOPS", None)
    if table is None and not required:
        return {}
    if not isinstance(table, dict):
        raise LoopError(where, "has no LOOPS = {name: factory} table at module level")
    out = {}
    for name, factory in table.items():
        if not isinstance(name, str) or not LOOP_NAME.fullmatch(name):
            raise LoopError(
                f"{name!r} in {where}", "a name of lower-case letters, digits, - and _ (48 at most)"
            )
        if not callable(factory):
            raise LoopError(name, f"its factory in {where} is not callable")
        out[name] = Registered(name, factory, where, _note(factory))
    return out


def _owner_modules(folder: str) -> list[tuple[Any, str]]:
    """Each loop file in the owner's folder, imported by its file name from that folder.

    A folder with an `__init__.py` is a package: its files are imported as `folder.file`, from the
    folder above, so that `from . import helpers` works in them and a pool worker imports them by
    the same name. Files whose names start with `_` are the folder's own and are not loop files."""
    root = Path(folder)
    if not root.is_dir():
        raise LoopError(f"folder {folder}", f"${LOOPS_ENV} names it, but it is not a folder")
    package = (root / "__init__.py").is_file()
    if package and not root.name.isidentifier():
        raise LoopError(
            f"folder {folder}", "holds an __init__.py, so its name must be a Python name to import it"
        )
    search = str(root.resolve().parent if package else root)
    if search not in sys.path:
        sys.path.append(search)
    out = []
    for path in loop_files(root):
        name = f"{root.name}.{path.stem}" if package else path.stem
        module = _import(name, str(path))
        origin = Path(getattr(module, "__file__", "") or "")
        if origin.resolve() != path.resolve():
            raise LoopError(str(path), f"its name shadows the installed module {name}; rename the file")
        out.append((module, str(path)))
    return out


def _import(module: str, where: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception as exc:  # a user's file: any error is reported, in one line
        raise LoopError(where, f"importing it raised {told(exc)}") from None


def registry() -> dict[str, Registered]:
    """Every registered loop by name: the shipped ones, then the owner's; a name used twice is refused."""
    found: dict[str, Registered] = {}
    modules = [(_import(f"loops.{m}", f"loops/{m}.py"), f"loops/{m}.py") for m in SHIPPED]
    folder = os.environ.get(LOOPS_ENV, "")
    if folder:
        modules += _owner_modules(folder)
    for i, (module, where) in enumerate(modules):
        for name, entry in _table(module, where, required=i < len(SHIPPED)).items():
            if name in found:
                raise LoopError(name, f"registered twice, in {found[name].where} and in {where}")
            found[name] = entry
    return found


def registered_names() -> list[str]:
    return list(registry())


def factory_of(name: str) -> Factory:
    """The factory a registered name or a `package.module:function` names."""
    if FACTORY.fullmatch(name):
        module, _, function = name.partition(":")
        found = getattr(_import(module, module), function, None)
        if found is None or not callable(found):
            raise LoopError(name, f"{module} has no function {function}")
        return found  # type: ignore[no-any-return]
    table = registry()
    if name not in table:
        raise LoopError(name, "not a registered loop; registered: " + ", ".join(table))
    found = table[name].factory
    assert found is not None
    return found


def build_loop(name: str, device: str, batch_size: int) -> Loop:
    """The loop a factory makes for this device and batch size, checked to be a Loop."""
    factory = factory_of(name)
    try:
        loop = factory(device, batch_size)
    except LoopError:
        raise
    except Exception as exc:
        raise LoopError(name, f"its factory raised {told(exc)}") from None
    if not isinstance(loop, Loop):
        raise LoopError(name, f"its factory returned {type(loop).__name__}, not an engine.spec.loop.Loop")
    return loop


def loop_for(name: str, device: str, batch_size: int) -> Loop:
    """`build_loop` once per (loop, device, batch size): the device runs its model and the rig its
    post-processing, and a second build would put a second copy of the model on the card."""
    key = (name, device, batch_size)
    with _lock:
        if key not in _built:
            _built[key] = build_loop(name, device, batch_size)
        return _built[key]


def one_thread() -> int:
    """Give torch's CPU operators in this process one thread while a loop runs; returns the old
    count, for the device to put back when it closes.

    A loop's post-processing often runs torch operators on the host. With a thread per core, the
    idle threads spin for a while after each operator and take the launching thread's core: on an
    H200 box a detector's C moved from 38 to 57 ms between blocks and a launch-bound forward's L by
    30%, and on the 2-core machine a heat map's C went from 1 ms to 150 ms. One thread is also what
    each pool worker gets, so every rung runs the same post-processing the same way.
    """
    import torch

    old = int(torch.get_num_threads())
    torch.set_num_threads(1)
    return old


def threads_back(old: int) -> None:
    if old:
        import torch

        torch.set_num_threads(old)
