"""k post-processing threads of the launching process: a pool without pickling, under one GIL.

A process pool pays to pickle each output through a pipe and to wake another process, and its
post-processing must pickle. Threads pay neither, but they share the launching thread's GIL: they
run side by side only while the post-processing releases it (numpy, PIL, JPEG and torch operators
do; a pure-Python loop does not). So the same rule holds with one more term: the launching thread
also waits out the share of each batch's C that holds the GIL, max(G, L + S + hC, C / k).

The interface is the process pool's (engine.devices.base.Pool), so the pool runner drives both and
the timings sit on one clock: a thread's perf_counter_ns is the launching thread's.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import Any

from engine.devices.base import PostProcess
from engine.devices.outputs import rebuild
from engine.errors import DeviceError

TASK_TIMEOUT_S = 300.0
POLL_S = 0.1


def own_copy(payload: Any) -> Any:
    """The output as the thread's own: a process pool's pickling copies it on the way, but a thread
    would read the pinned buffer the device reuses for a later batch. A copy is a memcpy, and it is
    part of the hand-over S the launching thread pays."""
    if payload is None:
        return None
    if hasattr(payload, "__array_interface__"):  # the built-in classifier's logits, as numpy
        return payload.copy()
    return rebuild(payload, lambda t: t.clone())


class ThreadPool:
    """Started once per comparison; a block uses its first k threads."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise DeviceError(f"a thread pool needs at least one thread, not {workers}")
        self._tasks: list[queue.SimpleQueue[tuple[int, Any] | None]] = [
            queue.SimpleQueue() for _ in range(workers)
        ]
        self._done: queue.SimpleQueue[tuple[int, int, int, int, Any]] = queue.SimpleQueue()
        self._post: PostProcess | None = None
        self._active = workers
        self._outstanding = [0] * workers
        self._pending = 0
        self._threads = [
            threading.Thread(target=self._main, args=(i,), name=f"overlap-lab-post-thread-{i}", daemon=True)
            for i in range(workers)
        ]
        for t in self._threads:
            t.start()

    def _main(self, lane: int) -> None:
        while True:
            task = self._tasks[lane].get()
            if task is None:
                return
            step, payload = task
            post = self._post
            t0 = time.perf_counter_ns()
            try:
                assert post is not None
                work = post(step, payload)
            except BaseException as exc:  # handed to the launching thread, which raises it
                self._done.put((lane, step, t0, time.perf_counter_ns(), exc))
                continue
            self._done.put((lane, step, t0, time.perf_counter_ns(), work))

    @property
    def pending(self) -> int:
        return self._pending

    def use(self, workers: int, post: PostProcess) -> None:
        """The next block's pool: its first `workers` threads, each running `post` per task."""
        if not 1 <= workers <= len(self._threads):
            raise DeviceError(f"a block asked for {workers} threads; the pool has {len(self._threads)}")
        if self._pending:
            raise DeviceError("a thread pool was given new work with tasks still running")
        self._active = workers
        self._post = post

    def submit(self, step: int, payload: Any) -> None:
        """To the thread with the fewest tasks queued, as the process pool does."""
        lane = min(range(self._active), key=self._outstanding.__getitem__)
        self._tasks[lane].put((step, own_copy(payload)))
        self._outstanding[lane] += 1
        self._pending += 1

    def collect(self, block: bool) -> list[tuple[int, int, int, int]]:
        out: list[tuple[int, int, int, int]] = []
        deadline = time.monotonic() + TASK_TIMEOUT_S
        while self._pending:
            try:
                item = self._done.get(timeout=POLL_S) if block and not out else self._done.get_nowait()
            except queue.Empty:
                if not block or out:
                    break
                if time.monotonic() > deadline:
                    raise DeviceError("a post-processing thread stopped answering") from None
                continue
            lane, step, start, end, result = item
            self._outstanding[lane] -= 1
            self._pending -= 1
            if isinstance(result, BaseException):
                raise result
            out.append((step, start, end, result))
        return out

    def close(self) -> None:
        for q in self._tasks:
            q.put(None)
        for t in self._threads:
            t.join(timeout=5.0)
