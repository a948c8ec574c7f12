"""Starting helper processes (the stand-in worker, the telemetry sampler) without the parent's script.

A "spawn" child first re-runs the parent's `__main__` file so that functions defined there can be
found. Under Streamlit that file is app.py: every worker and sampler imported Streamlit, ran the
page config and the navigation outside any session, and printed five "missing ScriptRunContext"
warnings to the server console, all before doing its job. Our targets live in engine modules and
need none of that, so the parent's main module is hidden while the child is launched.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


def start_without_main(proc: Any) -> None:
    """`proc.start()` with a blank `__main__`, so the child imports only what its target needs."""
    with _lock:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            proc.start()
        finally:
            if main is not None:
                sys.modules["__main__"] = main
