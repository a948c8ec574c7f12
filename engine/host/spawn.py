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


class Worker:
    """One spawned helper process and its two one-way pipes: the stand-in GPU and each
    post-processing worker are this, so starting and stopping them is written once.

    Plain pipes send synchronously: a multiprocessing.Queue hands each send to a feeder thread
    that needs the GIL, which the loop being measured holds for most of its time.
    The target is called as target(*args, commands, results).
    """

    def __init__(self, target: Any, args: tuple[Any, ...], name: str) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self._cmd_recv, self.commands = ctx.Pipe(duplex=False)
        self.results, self._res_send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(
            target=target, args=(*args, self._cmd_recv, self._res_send), name=name, daemon=True
        )
        start_without_main(self.proc)

    def send(self, message: Any) -> None:
        self.commands.send(message)

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    def stop(self) -> None:
        """End the process at once, by escalation, so none outlives the run.

        Helpers hold nothing that needs a tidy exit, and a polite exit makes a torch process tear
        down its modules first: 1.3 to 1.8 s during which a stopped run still held the device's
        lock. SIGTERM ends it in milliseconds; SIGKILL follows if it does not.
        """
        proc = self.proc
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
        for conn in (self.commands, self._cmd_recv, self.results, self._res_send):
            conn.close()
