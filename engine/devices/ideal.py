"""A device with fixed costs on a fake clock: the real runners, driven with no noise at all.

The explainer draws its idealised timelines with it (through engine/measure/simulate.py), so the picture
shows the very loop the lab measures, and the unit tests use it to assert exact call orders and
exact statistics.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.devices.base import PostProcess
from engine.devices.loops import told
from engine.host import syncs
from engine.spec.loop import Loop, LoopError


class FakeClock:
    """Nanoseconds that move only when a fake cost is paid."""

    def __init__(self, start_ns: int = 0) -> None:
        self.now_ns = start_ns
        self._lock = threading.Lock()  # a diagnosis's GIL trial pays costs from two threads at once

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, ns: int) -> None:
        with self._lock:
            self.now_ns += ns

    def __getstate__(self) -> dict[str, int]:
        return {"now_ns": self.now_ns}  # a lock does not pickle; a fixed post must, like a real one

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(state["now_ns"])  # type: ignore[misc]


class IdealDevice:
    """Launching costs L of host time; kernels start with the launch and the batch takes G.

    A batch cannot finish before its launch has finished, and it queues behind the batch before it.
    """

    kind = "ideal"
    nvml_index = None  # no card behind it
    compile_s: float | None = None  # it replays a compiled forward as a graph, with nothing to compile

    def __init__(
        self,
        clock: FakeClock,
        g_ns: int,
        l_ns: int,
        log: list[str] | None = None,
        graph_l_ns: int = 0,
        loop: Loop | None = None,
        precision_g_ns: dict[str, int] | None = None,
        x_ns: int = 0,
    ) -> None:
        """With a `loop`, each launch also calls its model on its batch (for what it raises or
        returns) and a read hands its post-processing that output; the costs stay the fixed ones.
        `precision_g_ns` gives G at a rung's own precision (bf16: a fraction of fp32's), and `x_ns`
        what copying one batch's input to the device takes."""
        self.loop = loop
        self._outputs: dict[int, Any] = {}
        self._batch = loop.make_batch() if loop is not None else None
        self.clock = clock
        self.g_ns = g_ns
        self.workload_g_ns = g_ns
        self.precision_g_ns = precision_g_ns or {}
        self.l_ns = l_ns
        self.eager_l_ns = l_ns
        self.graph_l_ns = graph_l_ns  # what one graph replay costs to launch
        self.readback = "none"
        self.log = log if log is not None else []
        self.free_at_ns = clock()
        self.spans: dict[int, tuple[int, int]] = {}
        self.x_ns = x_ns
        self.upload_mode = "none"
        self.copy_free_at_ns = clock()  # the copy engine, for side-stream uploads
        self.buffer_free_at_ns = [clock(), clock()]  # the two input buffers a side stream fills
        self._copied: tuple[int, int] | None = None  # the uploaded input the next launch computes on
        self.copies: dict[int, tuple[int, int]] = {}

    def start_block(self) -> None:
        self.spans.clear()
        self.copies.clear()

    def close(self) -> None:
        pass

    def upload(self, step: int) -> None:
        """pageable: the host waits for the stream to empty, then for the copy, which keeps the
        device busy too. pinned: the copy queues on the compute stream, the host goes on. side: the
        copy waits for the copy engine and for its buffer's last reader, and runs beside compute."""
        self.log.append(f"upload{step}")
        now = self.clock()
        if self.upload_mode == "pageable":
            start = max(now, self.free_at_ns)
            self.clock.now_ns = self.free_at_ns = start + self.x_ns
        elif self.upload_mode == "pinned":
            start = max(now, self.free_at_ns)
            self.free_at_ns = start + self.x_ns
        else:
            start = max(now, self.copy_free_at_ns, self.buffer_free_at_ns[step % 2])
            self.copy_free_at_ns = start + self.x_ns
        self._copied = (start, start + self.x_ns)

    def copy_span_ns(self, handle: int) -> tuple[int, int]:
        return self.copies.get(handle, (-1, -1))

    def launch(self, step: int) -> int:
        begin = self.clock()
        self.clock.advance(self.l_ns)
        ready = self._copied[1] if self._copied is not None else begin
        start = max(begin, self.free_at_ns, ready)
        end = max(start + self.g_ns, self.clock())
        self.free_at_ns = end
        self.spans[step] = (start, end)
        if self._copied is not None:
            self.copies[step] = self._copied
            self.buffer_free_at_ns[step % 2] = end  # the input buffer is free once its batch is done
            self._copied = None
        self.log.append(f"launch{step}")
        if self.loop is not None:
            try:
                self._outputs[step] = self.loop.model(self._batch)
            except Exception as exc:
                raise LoopError("on the ideal device", f"its model raised {told(exc)}") from None
        return step

    def wait(self, handle: int) -> None:
        self.log.append(f"wait{handle}")
        self.clock.now_ns = max(self.clock(), self.spans[handle][1])

    def synchronize(self) -> None:
        self.log.append("sync")
        self.clock.now_ns = max(self.clock(), self.free_at_ns)

    def device_span_ns(self, handle: int) -> tuple[int, int]:
        return self.spans[handle]

    def set_variant(self, readback: str, launch: str, precision: str = "", upload: str = "none") -> None:
        if launch != "eager" and self.loop is not None and not self.loop.graphs:
            raise LoopError("ideal", "its forward cannot be captured as a CUDA Graph (graphs=False)")
        if precision and precision not in self.precision_g_ns:
            raise LoopError("ideal", f"no G was given for {precision}")
        self.readback = readback
        # torch.compile's reduce-overhead forward is a graph replay too: the ideal device runs it so.
        self.l_ns = self.graph_l_ns if launch != "eager" else self.eager_l_ns
        self.g_ns = self.precision_g_ns[precision] if precision else self.workload_g_ns
        self.upload_mode = upload

    def read(self, handle: int) -> int:
        """naive waits for everything launched so far, as a copy on a FIFO stream does; pinned
        waits for this batch's own copy, which ends with the batch."""
        self.log.append(f"read{handle}")
        if self.readback == "naive":
            if self.free_at_ns > self.spans[handle][1]:
                syncs.note("read waited for every batch launched, not only its own")
            self.clock.now_ns = max(self.clock(), self.free_at_ns)
        else:
            self.clock.now_ns = max(self.clock(), self.spans[handle][1])
        return self._outputs.get(handle, handle)

    def release(self, handle: int) -> None:
        self._outputs.pop(handle, None)


@dataclass
class FixedPost:
    """Post-processing that costs exactly C of host time; an instance, so it pickles like a real one."""

    clock: FakeClock
    c_ns: int
    log: list[str] | None = None

    def __call__(self, step: int, handle: object) -> None:
        if self.log is not None:
            self.log.append(f"post{step}")
        self.clock.advance(self.c_ns)


def fixed_post(clock: FakeClock, c_ns: int, log: list[str] | None = None) -> Callable[[int, object], None]:
    """Post-processing that costs exactly C of host time."""
    return FixedPost(clock, c_ns, log)


class FakePool:
    """k post-processing workers on the fake clock: each task takes exactly C on the first free one.
    With `gil_ns`, they are threads of the launching process: each hand-over then also holds the
    launching thread for the task's GIL share (h x C), as the cost model's thread pool does."""

    def __init__(
        self, clock: FakeClock, workers: int, c_ns: int, log: list[str] | None = None, gil_ns: int = 0
    ) -> None:
        self.clock = clock
        self.gil_ns = gil_ns
        self.free_at_ns = [clock()] * workers
        self.c_ns = c_ns
        self.log = log if log is not None else []
        self.tasks: list[tuple[int, int, int, int]] = []

    @property
    def pending(self) -> int:
        return len(self.tasks)

    def use(self, workers: int, post: PostProcess) -> None:
        self.free_at_ns = [self.clock()] * workers

    def submit(self, step: int, payload: object) -> None:
        lane = min(range(len(self.free_at_ns)), key=self.free_at_ns.__getitem__)
        start = max(self.clock(), self.free_at_ns[lane])
        self.free_at_ns[lane] = start + self.c_ns
        self.tasks.append((step, start, start + self.c_ns, -1))
        self.log.append(f"submit{step}")
        self.clock.advance(self.gil_ns)

    def collect(self, block: bool) -> list[tuple[int, int, int, int]]:
        if block and self.tasks:
            self.clock.now_ns = max(self.clock(), min(t[2] for t in self.tasks))
        done = [t for t in self.tasks if t[2] <= self.clock()]
        self.tasks = [t for t in self.tasks if t[2] > self.clock()]
        return done

    def close(self) -> None:
        pass
