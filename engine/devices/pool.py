"""k post-processing worker processes: how servers get past the 2x that one host thread allows.

With the post-processing inline, the launching thread does L + C per batch, so the period cannot
fall below L + C however deep the queue. Handing each batch's read-back output to one of k
processes leaves the launching thread only L and the read, and the period falls to
max(G, L, C / k). Processes, not threads: the CPU work is pure Python and holds the GIL.

Each worker reports its task's start and end on its own monotonic clock, which on Linux is the
parent's perf_counter_ns clock, so its post spans sit on the same timeline as the launches.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from multiprocessing.connection import wait as wait_any
from pathlib import Path
from typing import Any

from engine.devices.base import PostProcess
from engine.errors import DeviceError
from engine.host.spawn import Worker

STARTUP_TIMEOUT_S = 60.0
TASK_TIMEOUT_S = 300.0
POLL_S = 0.1


def _siblings(cpu: int) -> frozenset[int]:
    """The logical cores sharing `cpu`'s physical core (hyper-threads), from sysfs; {cpu} if unknown."""
    try:
        text = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list").read_text().strip()
    except OSError:
        return frozenset({cpu})
    out: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.update(range(int(lo), int(hi or lo) + 1))
    return frozenset(out)


def plan_cores(workers: int, allowed: set[int], main_core: int) -> tuple[set[int], list[int | None]]:
    """Where the launching thread and each worker run: the launcher keeps its physical core to
    itself, and workers take one hyper-thread per physical core before doubling up.

    Left to the scheduler, a worker's pure-Python loop shared a physical core with the launching
    thread, and L, the one cost a pool cannot spread, went up by half or more.
    """
    keep = set(_siblings(main_core)) & allowed or {main_core}
    free = sorted(allowed - keep)
    firsts: list[int] = []
    seconds: list[int] = []
    seen: set[frozenset[int]] = set()
    for c in free:
        key = _siblings(c)
        (seconds if key in seen else firsts).append(c)
        seen.add(key)
    order = firsts + seconds
    return keep, [order[i % len(order)] if order else None for i in range(workers)]


def _pool_main(core: int | None, commands: Any, results: Any) -> None:
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker stops
        if core is not None:
            os.sched_setaffinity(0, {core})
        # One worker, one core: a post-processing that runs torch or numpy operators would start a
        # thread per core of the box inside each worker, and k workers would fight over k cores.
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[name] = "1"
        # A read-back output arrives as a numpy array, and unpickling the first one imported numpy
        # in every worker at once, inside the first timed pool block: on an H100 that block ran at
        # 62 to 64% of what its costs allow in three ladders of three, every later one at 100%.
        import numpy  # noqa: F401

        post: Any = None
        results.send(("ready", -1, 0, 0, 0))
        while True:
            msg = commands.recv()
            if msg is None:
                return
            if msg[0] == "post":
                post = msg[1]  # unpickled here: a loop's module, and torch with it, is imported now
                results.send(("ready", -1, 0, 0, 0))
                continue
            _, step, payload = msg
            t0 = time.perf_counter_ns()
            work = post(step, payload)
            results.send(("done", step, t0, time.perf_counter_ns(), work))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        return
    except BaseException as exc:  # tell the parent instead of dying silently
        with contextlib.suppress(Exception):
            results.send(("error", -1, 0, 0, f"{type(exc).__name__}: {exc}"))


class ProcessPool:
    """Started once per comparison, so no block pays for spawning; a block uses the first k."""

    def __init__(
        self, workers: int, on_wait: Callable[[], None] | None = None, after: ProcessPool | None = None
    ) -> None:
        """A pool started `after` another (a prefetching pool beside the post-processing one)
        takes the cores next in line after that pool's, from the box the first one planned on."""
        self._workers: list[Worker] = []
        self._host_mask: set[int] | None = None
        try:
            allowed = os.sched_getaffinity(0)
            offset = 0
            if after is not None:
                allowed = after._host_mask or allowed
                offset = len(after._workers)
            keep, cores = plan_cores(offset + workers, allowed, min(allowed))
            cores = cores[offset:]
            if after is None and len(allowed) > 1 and keep != allowed:
                self._host_mask = allowed
                os.sched_setaffinity(0, keep)  # this thread only: the one that launches
            self.cores = cores
            role = "pre" if after is not None else "post"
            for i in range(workers):
                self._workers.append(Worker(_pool_main, (cores[i],), f"overlap-lab-{role}-{i}"))
            deadline = time.monotonic() + STARTUP_TIMEOUT_S
            for w in self._workers:
                while not w.results.poll(POLL_S):
                    if on_wait is not None:
                        on_wait()
                    if time.monotonic() > deadline or not w.proc.is_alive():
                        raise DeviceError(f"a post-processing worker did not start (pid {w.pid})")
                self._check(w.results.recv())
        except BaseException:
            self.close()
            raise
        self._active = self._workers
        self._outstanding = {id(w): 0 for w in self._workers}
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def use(self, workers: int, post: PostProcess) -> None:
        """The next block's pool: its first `workers` processes, each running `post` per task."""
        if not 1 <= workers <= len(self._workers):
            raise DeviceError(f"a block asked for {workers} workers; the pool has {len(self._workers)}")
        self._active = self._workers[:workers]
        for w in self._active:
            w.send(("post", post))
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        for w in self._active:  # each has unpickled it, and imported what it needs, before any task
            while not w.results.poll(POLL_S):
                if time.monotonic() > deadline or not w.proc.is_alive():
                    raise DeviceError(f"a post-processing worker did not take its work (pid {w.pid})")
            self._check(w.results.recv())

    def submit(self, step: int, payload: Any) -> None:
        """To the worker with the fewest tasks queued: a task never waits behind a busy worker
        while another sits idle."""
        w = min(self._active, key=lambda w: self._outstanding[id(w)])
        w.send(("task", step, payload))
        self._outstanding[id(w)] += 1
        self._pending += 1

    def collect(self, block: bool) -> list[tuple[int, int, int, int]]:
        done: list[tuple[int, int, int, int]] = []
        deadline = time.monotonic() + TASK_TIMEOUT_S
        while True:
            ready = wait_any([w.results for w in self._active], timeout=POLL_S if block else 0)
            for w in self._active:
                while w.results in ready and w.results.poll():
                    msg = self._check(w.results.recv())
                    self._outstanding[id(w)] -= 1
                    self._pending -= 1
                    done.append((msg[1], msg[2], msg[3], msg[4]))
            if done or not block or not self._pending:
                return done
            if time.monotonic() > deadline or not all(w.proc.is_alive() for w in self._active):
                raise DeviceError("a post-processing worker stopped answering")

    @staticmethod
    def _check(msg: Any) -> Any:
        if msg[0] == "error":
            raise DeviceError(f"a post-processing worker failed: {msg[4]}")
        return msg

    def close(self) -> None:
        for w in self._workers:
            w.stop()
        if self._host_mask is not None:
            os.sched_setaffinity(0, self._host_mask)
            self._host_mask = None
