"""Starting helper processes (the stand-in worker, the telemetry sampler) without the parent's script.

A "spawn" child first re-runs the parent's `__main__` file so that functions defined there can be
found. Under Streamlit that file is app.py: every worker and sampler imported Streamlit, ran the
page config and the navigation outside any session, and printed five "missing ScriptRunContext"
warnings to the server console, all before doing its job. Our targets live in engine modules and
need none of that, so the parent's main module is hidden while the child is launched.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import types
from typing import Any

_lock = threading.Lock()
PARENT_CHECK_S = 0.25  # how often a helper looks for its parent: it ends within this of a kill -9


def die_with_parent(parent_pid: int) -> None:
    """In a helper process: end it as soon as the process that started it is gone.

    A parent killed with -9 runs no cleanup, and a helper that is waiting (the sampler between
    samples, a worker between commands) never hears of it: after a kill -9 of the CLI or the server
    the sampler went on sampling for good, and the resource tracker with it. A daemon thread here
    watches the parent's pid, which becomes another's (init or a subreaper) when the parent dies,
    and ends this process at once. A parent-death signal would not do: Linux sends it when the
    thread that started the child ends, and a Streamlit session's thread ends after each script
    run while the helpers it started may outlive it.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="overlap-lab-parent-watch", daemon=True).start()


def _guarded(parent_pid: int, target: Any, *args: Any) -> None:
    die_with_parent(parent_pid)
    target(*args)


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
            target=_guarded,
            args=(os.getpid(), target, *args, self._cmd_recv, self._res_send),
            name=name,
            daemon=True,
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
