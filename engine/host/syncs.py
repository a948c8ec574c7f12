"""Hidden synchronisations: calls inside a loop that make the host wait for the whole device queue.

The naive readback is the classic: `.cpu()` on batch N-1's output, issued after batch N was
launched, waits for batch N too (one stream runs in order), and the overlap silently goes away.
Nothing in the code says so. On CUDA, torch's sync debug mode warns at every synchronising call;
a watch turns those warnings into counts per source line. Devices without CUDA (the stand-in and
the fake device of the tests) report their own queue drains through `note`, so the same panel
shows the same trap wherever the loop runs.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from typing import Any

from engine.result.findings import SyncFinding

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the repository
_active: list[tuple[str, str]] | None = None  # (where, what) seen by the watch now running


def _where(filename: str, lineno: int) -> tuple[str, str]:
    shown = os.path.relpath(filename, _ROOT) if filename.startswith(_ROOT) else filename
    return f"{shown}:{lineno}", linecache.getline(filename, lineno).strip()


def note(what: str) -> None:
    """A device without CUDA drained its queue on its caller's behalf; counted inside a watch, and
    placed at the line that called the device (there is no `.cpu()` line to point at)."""
    if _active is None:
        return
    frame = sys._getframe(2)
    where, _code = _where(frame.f_code.co_filename, frame.f_lineno)
    _active.append((where, what))


@contextlib.contextmanager
def watch(variant: str, on_cuda: bool, found: list[SyncFinding]) -> Iterator[None]:
    """Count every synchronisation in the block; append one finding per (line, kind) to `found`."""
    global _active
    seen: list[tuple[str, str]] = []
    _active = seen
    torch: Any = None
    old_mode = 0
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if on_cuda:
                import torch as torch_module

                torch = torch_module
                old_mode = torch.cuda.get_sync_debug_mode()
                torch.cuda.set_sync_debug_mode("warn")
            yield
            if torch is not None:
                torch.cuda.set_sync_debug_mode(old_mode)
                torch = None
        for w in caught:
            # Only the per-call warnings: switching the mode on warns once that it is experimental.
            if "called a synchronizing" in str(w.message):
                where, _ = _where(w.filename, w.lineno)
                seen.append((where, str(w.message).split("\n")[0]))
    finally:
        if torch is not None:
            torch.cuda.set_sync_debug_mode(old_mode)
        _active = None
    for (where, what), count in sorted(Counter(seen).items()):
        path, _, line = where.rpartition(":")
        code = linecache.getline(os.path.join(_ROOT, path), int(line)).strip()
        found.append(SyncFinding(variant, where, code, what, count))
