"""The CPU stand-in: a worker process that plays the GPU on a machine without CUDA.

It owns one core (torch threads = 1, pinned where the OS allows), runs real forward passes of the
model, and reports each batch's compute span on its own monotonic clock, which on Linux is the same
clock as the parent's perf_counter_ns. A process rather than a thread: a thread running the model
would fight the post-processing loop for the GIL and the overlap would vanish.

Commands and results travel over plain pipes, which send synchronously: a multiprocessing.Queue
would hand the send to a feeder thread that itself needs the GIL while the loop is running.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from engine.devices.base import DeviceError
from engine.spawn import start_without_main
from engine.workload import Workload

STARTUP_TIMEOUT_S = 180.0
POLL_S = 0.1  # how often a wait looks up: to report progress, or to notice a Stop
BATCH_TIMEOUT_S = 300.0


def worker_core() -> int | None:
    """The core the worker is pinned to: the last one this process may use, if it has two or more."""
    try:
        cores = sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return None
    return cores[-1] if len(cores) >= 2 else None


def _worker_main(workload: dict[str, Any], core: int | None, commands: Any, results: Any) -> None:
    try:
        # Ctrl-C reaches the whole process group; the parent decides when this process stops.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if core is not None:
            os.sched_setaffinity(0, {core})
        import torch

        from engine.models import IMAGE_SHAPE, build_model, torch_dtype

        torch.set_num_threads(1)
        model = build_model(workload["model"], "cpu", workload["precision"])
        x = torch.randn(workload["batch_size"], *IMAGE_SHAPE, dtype=torch_dtype(workload["precision"]))
        # The parameters' dtype goes back with "ready", so the parent can show (and a test can
        # check) that the requested precision reached the model.
        results.send(("ready", -1, 0, 0, str(next(model.parameters()).dtype)))
        with torch.inference_mode():
            while True:
                step = commands.recv()
                if step is None:
                    return
                t0 = time.perf_counter_ns()
                model(x)
                results.send(("done", step, t0, time.perf_counter_ns()))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        return
    except BaseException as exc:  # report anything else to the parent instead of dying silently
        with contextlib.suppress(Exception):
            results.send(("error", -1, 0, 0, f"{type(exc).__name__}: {exc}"))


class StandinDevice:
    kind = "standin"

    def __init__(self, workload: Workload, on_wait: Callable[[], None] | None = None) -> None:
        """Start the worker and wait until its model is built (seconds for a large model).

        `on_wait` is called every poll while waiting, so a caller can report progress, or raise
        to stop: the worker is then ended at once instead of being waited for.
        """
        ctx = mp.get_context("spawn")
        self._cmd_recv, self._cmd_send = ctx.Pipe(duplex=False)
        self._res_recv, self._res_send = ctx.Pipe(duplex=False)
        self.core = worker_core()
        self._proc = ctx.Process(
            target=_worker_main,
            args=(workload.to_dict(), self.core, self._cmd_recv, self._res_send),
            name="overlap-lab-standin",
            daemon=True,
        )
        start_without_main(self._proc)
        self._host_mask = _keep_off_core(self.core)
        self._spans: dict[int, tuple[int, int]] = {}
        self._last_launched = -1
        self.model_dtype = ""  # the worker's model parameters, e.g. torch.bfloat16
        try:
            self._receive_until(lambda msg: msg[0] == "ready", STARTUP_TIMEOUT_S, "starting up", on_wait)
        except BaseException:
            self.close()
            raise

    @property
    def pid(self) -> int | None:
        return self._proc.pid

    def _receive_until(
        self, done: Any, timeout_s: float, doing: str, on_wait: Callable[[], None] | None = None
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DeviceError(f"the CPU stand-in worker timed out while {doing}")
            if on_wait is not None:
                on_wait()
            if self._res_recv.poll(min(remaining, POLL_S)):
                msg = self._res_recv.recv()
                if msg[0] == "error":
                    raise DeviceError(f"the CPU stand-in worker failed while {doing}: {msg[4]}")
                if msg[0] == "done":
                    self._spans[msg[1]] = (msg[2], msg[3])
                elif msg[0] == "ready":
                    self.model_dtype = msg[4]
                if done(msg):
                    return
            elif not self._proc.is_alive():
                raise DeviceError(
                    f"the CPU stand-in worker exited (code {self._proc.exitcode}) while {doing}"
                )

    def start_block(self) -> None:
        self._spans.clear()

    def launch(self, step: int) -> int:
        self._cmd_send.send(step)
        self._last_launched = step
        return step

    def wait(self, handle: int) -> None:
        if handle not in self._spans:
            self._receive_until(
                lambda _msg: handle in self._spans, BATCH_TIMEOUT_S, f"running batch {handle}"
            )

    def synchronize(self) -> None:
        if self._last_launched >= 0:
            self.wait(self._last_launched)

    def device_span_ns(self, handle: int) -> tuple[int, int]:
        return self._spans[handle]

    def release(self, handle: int) -> None:
        pass

    def close(self) -> None:
        """End the worker at once, by escalation, so no process outlives the run.

        It holds nothing that needs a tidy exit (a model in its own memory, two pipes), and a
        polite exit makes a torch process tear down its modules first: 1.3 to 1.8 s during which
        a stopped run still held the device's lock. SIGTERM ends it in milliseconds.
        """
        proc = self._proc
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=2)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
        for conn in (self._cmd_send, self._cmd_recv, self._res_send, self._res_recv):
            conn.close()
        if self._host_mask is not None:
            os.sched_setaffinity(0, self._host_mask)
            self._host_mask = None


def _keep_off_core(core: int | None) -> set[int] | None:
    """Keep the calling thread off the worker's core while the device lives; returns the old mask.

    Without this the scheduler sometimes parks the post-processing loop on the worker's core, and
    the two take turns instead of overlapping. Only this thread is moved, not the whole process.
    """
    if core is None:
        return None
    old = os.sched_getaffinity(0)
    rest = old - {core}
    if not rest:
        return None
    os.sched_setaffinity(0, rest)
    return old
