"""The CPU stand-in: a worker process that plays the GPU on a machine without CUDA.

It owns one core (torch threads = 1, pinned where the OS allows), runs real forward passes of the
model, and reports each batch's compute span on its own monotonic clock, which on Linux is the same
clock as the parent's perf_counter_ns. A process rather than a thread: a thread running the model
would fight the post-processing loop for the GIL and the overlap would vanish.

Commands and results travel over the plain pipes of engine.host.spawn.Worker. With a readback, the
worker sends each batch's logits back through its pipe, which is a real cost, as a copy is on a GPU.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from typing import Any

from engine.devices.base import DeviceError
from engine.devices.loops import loop_for, one_thread, threads_back, told
from engine.devices.models import IMAGE_SHAPE, build_model, torch_dtype
from engine.devices.outputs import leaves, rebuild
from engine.host import syncs
from engine.host.spawn import Worker
from engine.spec.loop import Loop, LoopError
from engine.spec.workload import Workload

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

        torch.set_num_threads(1)
        if workload.get("loop"):
            loop = loop_for(workload["loop"], "cpu", workload["batch_size"])
            model: Any = loop.model
            x = loop.make_batch()
            dtype = str(leaves(x)[0].dtype)
        else:
            model = build_model(workload["model"], "cpu", workload["precision"])
            x = torch.randn(workload["batch_size"], *IMAGE_SHAPE, dtype=torch_dtype(workload["precision"]))
            dtype = str(next(model.parameters()).dtype)
        # The dtype goes back with "ready", so the parent can show (and a test can check) that the
        # requested precision reached the model.
        results.send(("ready", -1, 0, 0, dtype))
        with torch.inference_mode():
            while True:
                command = commands.recv()
                if command is None:
                    return
                step, ship, batch = command
                t0 = time.perf_counter_ns()
                try:
                    out = model(x if batch is None else batch)
                except Exception as exc:
                    if not workload.get("loop"):
                        raise
                    raise LoopError(workload["loop"], f"its model raised {told(exc)}") from None
                t1 = time.perf_counter_ns()
                shipped = _shipped(out, workload.get("loop", "")) if ship else None
                results.send(("done", step, t0, t1, shipped))
    except LoopError as exc:
        with contextlib.suppress(Exception):
            results.send(("error", -1, 0, 0, str(exc)))
    except (EOFError, BrokenPipeError):
        # The parent is gone (a kill -9 closes its end of the pipe): leave at once. A normal exit
        # tears torch down first, which kept a killed run's worker alive for a second more.
        os._exit(0)
    except KeyboardInterrupt:
        return
    except BaseException as exc:  # report anything else to the parent instead of dying silently
        with contextlib.suppress(Exception):
            results.send(("error", -1, 0, 0, f"{type(exc).__name__}: {exc}"))


def _shipped(out: Any, loop: str) -> Any:
    """What goes home through the pipe: the classifier's logits as float32, a loop's output as is."""
    if not loop:
        return out.float().numpy()
    try:
        leaves(out)
    except ValueError as exc:
        raise LoopError(loop, f"its model returned the wrong type: {exc}") from None
    return rebuild(out, lambda t: t.contiguous())


class StandinDevice:
    kind = "standin"
    nvml_index = None  # a CPU core plays the card
    compile_s: float | None = None  # the stand-in refuses the compile rung

    def __init__(self, workload: Workload, on_wait: Callable[[], None] | None = None) -> None:
        """Start the worker and wait until its model is built (seconds for a large model).

        `on_wait` is called every poll while waiting, so a caller can report progress, or raise
        to stop: the worker is then ended at once instead of being waited for.
        """
        self.loop: Loop | None = None
        self._workload_loop = workload.loop
        self._threads = 0
        if workload.loop:  # here for its pre- and post-processing; the worker builds its own
            self.loop = loop_for(workload.loop, "cpu", workload.batch_size)
            self._threads = one_thread()
        self.core = worker_core()
        self._worker = Worker(_worker_main, (workload.to_dict(), self.core), "overlap-lab-standin")
        self._proc = self._worker.proc
        self._res_recv = self._worker.results
        self._host_mask = _keep_off_core(self.core)
        self._spans: dict[int, tuple[int, int]] = {}
        self._outputs: dict[int, Any] = {}
        self._ship = False
        self._readback = "none"
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
                if msg[0] == "error" and msg[4].startswith("loop "):
                    raise LoopError(self.loop_name, msg[4].partition(": ")[2])
                if msg[0] == "error":
                    raise DeviceError(f"the CPU stand-in worker failed while {doing}: {msg[4]}")
                if msg[0] == "done":
                    self._spans[msg[1]] = (msg[2], msg[3])
                    if msg[4] is not None:
                        self._outputs[msg[1]] = msg[4]
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

    def set_variant(self, readback: str, launch: str, precision: str = "", upload: str = "none") -> None:
        """Readbacks ship the logits home; a graph launch, a rung's own precision or an upload was
        refused before the device opened."""
        self._ship = readback != "none"
        self._readback = readback

    def read(self, handle: int) -> Any:
        """naive waits for every batch sent, as `.cpu()` on a FIFO stream does; pinned for its own."""
        if self._readback == "naive":
            if self._last_launched > handle:
                syncs.note("read waited for every batch launched, not only its own")
            self.synchronize()
        else:
            self.wait(handle)
        return self._outputs.pop(handle)

    @property
    def loop_name(self) -> str:
        return self._workload_loop

    def launch(self, step: int) -> int:
        batch = None
        if self.loop is not None and self.loop.pre is not None:
            batch = self.loop.pre(step)  # the host's work, then the upload: through the pipe
        self._worker.send((step, self._ship, batch))
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

    def upload(self, step: int) -> None:
        """Never called: an upload was refused before the device opened (no host-to-device copy)."""
        raise DeviceError("the CPU stand-in has no host-to-device copy to upload with")

    def copy_span_ns(self, handle: int) -> tuple[int, int]:
        return (-1, -1)

    def release(self, handle: int) -> None:
        self._outputs.pop(handle, None)

    def close(self) -> None:
        """End the worker at once (see Worker.stop) and give this thread its cores back."""
        self._worker.stop()
        threads_back(self._threads)
        self._threads = 0
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
