"""The loop shapes, and nothing else: serial, overlap through a deque of depth d, and a pool.

For depth 2 the overlap loop is the article's step for step: launch batch i, post-process batch
i-1 (already finished), then wait for batch i before the next iteration starts. Depth 1 is the
article's serial loop: launch, wait, post-process. Deeper queues keep d-1 batches in flight.

With a readback the host reads the batch's output (through the device, which decides whether that
read waits for one batch or for everything queued) before its post-processing. In the pool shape
the launching thread only launches and reads; k worker processes post-process.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.devices.base import Device, Pool, PostProcess
from engine.result.blocks import RunResult, StepRecord
from engine.spec.sets import pair
from engine.spec.variants import POOL_BACKLOG

Clock = Callable[[], int]
StepCallback = Callable[[int], None]
Read = Callable[[Any], Any]  # a batch's handle -> its output on the host


@dataclass
class _InFlight:
    step: int
    handle: Any
    launch_start_ns: int
    launch_end_ns: int
    wait_start_ns: int = -1
    wait_end_ns: int = -1
    read_start_ns: int = -1
    read_end_ns: int = -1
    upload_start_ns: int = -1
    upload_end_ns: int = -1


Phase = Callable[[str, int], Any]  # (phase, step) -> a context manager around that phase


@dataclass(frozen=True)
class Inputs:
    """How each batch's input is pre-processed: `pre` on the launching thread, or by `pool`'s
    `prefetch` processes (already given `pre`); neither where inputs need no pre-processing."""

    pre: PostProcess | None = None
    pool: Pool | None = None
    prefetch: int = 0


def _no_phase(_name: str, _step: int) -> Any:
    return contextlib.nullcontext()


class _Loop:
    """What every shape shares: launching with its timestamps, waiting, reading, the records."""

    def __init__(
        self,
        device: Device,
        clock: Clock,
        read: Read | None,
        phase: Phase | None,
        upload: bool = False,
        steps: int = 0,
        inputs: Inputs | None = None,
    ) -> None:
        self.device, self.clock, self.read, self.upload, self.steps = device, clock, read, upload, steps
        self.uploaded: dict[int, tuple[int, int]] = {}  # a step's upload call, made before its launch
        self.inputs = inputs or Inputs()
        self.made: dict[int, tuple[int, int]] = {}  # a step's pre-processing, wherever it ran
        self.submitted = 0  # pre-processing tasks handed to the prefetching pool so far
        self.phase = phase or _no_phase
        self.finished: dict[int, tuple[_InFlight, int, int, int]] = {}
        self.items: dict[int, _InFlight] = {}

    def make_input(self, j: int) -> None:
        """Step j's pre-processing: on this thread, or by the prefetching pool, which is kept
        POOL_BACKLOG tasks per process ahead and waited on for step j's."""
        pool, pre = self.inputs.pool, self.inputs.pre
        if pool is not None:
            ahead = min(self.steps, j + POOL_BACKLOG * self.inputs.prefetch)
            while self.submitted < ahead:
                pool.submit(self.submitted, None)
                self.submitted += 1
            while j not in self.made:
                for step, start, end, _work in pool.collect(True):
                    self.made[step] = (start, end)
        elif pre is not None:
            with self.phase("pre", j):
                p0 = self.clock()
                pre(j, None)
                self.made[j] = (p0, self.clock())

    def send_input(self, i: int) -> None:
        with self.phase("upload", i):
            u0 = self.clock()
            self.device.upload(i)
            self.uploaded[i] = (u0, self.clock())

    def launch(self, i: int) -> _InFlight:
        """Launch batch i; where the loop uploads, the next batch's input goes right after, as a
        double-buffered loader sends it: the copy can then run while batch i computes, if the way
        it is sent lets it (the first batch's is sent before its own launch)."""
        if self.upload and i == 0:
            self.make_input(0)
            self.send_input(0)
        elif not self.upload:
            self.make_input(i)
        with self.phase("launch", i):
            t0 = self.clock()
            handle = self.device.launch(i)
            u0, u1 = self.uploaded.pop(i, (-1, -1))
            item = _InFlight(i, handle, t0, self.clock(), upload_start_ns=u0, upload_end_ns=u1)
        self.items[i] = item
        if self.upload and i + 1 < self.steps:
            self.make_input(i + 1)
            self.send_input(i + 1)
        return item

    def wait_for(self, item: _InFlight) -> None:
        if item.wait_start_ns < 0:
            with self.phase("wait", item.step):
                item.wait_start_ns = self.clock()
                self.device.wait(item.handle)
                item.wait_end_ns = self.clock()

    def take_output(self, item: _InFlight) -> Any:
        """The batch's output on the host, or its handle when the loop does not read it."""
        if self.read is None:
            return item.handle
        with self.phase("read", item.step):
            item.read_start_ns = self.clock()
            out = self.read(item.handle)
            item.read_end_ns = self.clock()
        return out

    def done(self, step: int, post_start: int, post_end: int, work: object) -> None:
        iterations = work if isinstance(work, int) and not isinstance(work, bool) else -1
        self.finished[step] = (self.items[step], post_start, post_end, iterations)

    def result(
        self, mode: str, depth: int, workers: int, round_index: int, batch_size: int, upload: str = "none"
    ) -> RunResult:
        self.device.synchronize()
        end = self.clock()
        records = []
        for step in sorted(self.finished):
            item, post_start, post_end, iterations = self.finished[step]
            dev_start, dev_end = self.device.device_span_ns(item.handle)
            copy_start, copy_end = self.device.copy_span_ns(item.handle) if self.upload else (-1, -1)
            pre_start, pre_end = self.made.get(step, (-1, -1))
            records.append(
                StepRecord(
                    item.step,
                    item.launch_start_ns,
                    item.launch_end_ns,
                    dev_start,
                    dev_end,
                    item.wait_start_ns,
                    item.wait_end_ns,
                    post_start,
                    post_end,
                    iterations,
                    item.read_start_ns,
                    item.read_end_ns,
                    item.upload_start_ns,
                    item.upload_end_ns,
                    copy_start,
                    copy_end,
                    pre_start,
                    pre_end,
                )
            )
        first = records[0] if records else None
        start = end if first is None else first.upload_start_ns if self.upload else first.launch_start_ns
        return RunResult(
            mode=mode,
            depth=depth,
            round_index=round_index,
            batch_size=batch_size,
            start_ns=start,
            end_ns=max(end, max((r.post_end_ns for r in records), default=end)),
            steps=tuple(records),
            workers=workers,
            upload=upload,
            prefetch=self.inputs.prefetch if self.inputs.pool is not None else 0,
        )


def run_loop(
    device: Device,
    post: PostProcess,
    steps: int,
    depth: int,
    *,
    mode: str = "",
    round_index: int = 0,
    batch_size: int = 1,
    clock: Clock = time.perf_counter_ns,
    on_step: StepCallback | None = None,
    read: Read | None = None,
    phase: Phase | None = None,
    upload: str = "none",
    inputs: Inputs | None = None,
) -> RunResult:
    """Run `steps` batches keeping up to `depth` of them queued; the drain is part of the run.
    With an `upload`, each batch's input is uploaded (as the device was set to) ahead of its launch."""
    if depth < 1:
        raise ValueError(f"depth={depth!r} is not allowed: a whole number of at least 1")
    loop = _Loop(device, clock, read, phase, upload != "none", steps, inputs)
    queue: deque[_InFlight] = deque()

    def finish(item: _InFlight) -> None:
        loop.wait_for(item)
        out = loop.take_output(item)
        with loop.phase("post", item.step):
            post_start = clock()
            work = post(item.step, out)
            post_end = clock()
        device.release(item.handle)
        loop.done(item.step, post_start, post_end, work)

    for i in range(steps):
        queue.append(loop.launch(i))
        if len(queue) >= depth:
            finish(queue.popleft())
        if queue:
            # The batch the next iteration will post-process must be done before it starts.
            loop.wait_for(queue[0])
        if on_step is not None:
            on_step(i + 1)
    while queue:
        finish(queue.popleft())
    return loop.result(mode, depth, 0, round_index, batch_size, upload)


def run_pool(
    device: Device,
    pool: Pool,
    steps: int,
    workers: int,
    *,
    mode: str = "",
    round_index: int = 0,
    batch_size: int = 1,
    clock: Clock = time.perf_counter_ns,
    on_step: StepCallback | None = None,
    read: Read | None = None,
    phase: Phase | None = None,
    upload: str = "none",
    inputs: Inputs | None = None,
) -> RunResult:
    """Launch batch i, then read batch i-1 and hand it to the pool: the launching thread never
    post-processes, so the period falls to max(G, L, C / k) while k workers keep up.

    At most POOL_BACKLOG x k tasks wait in the pool: enough that no worker idles between tasks,
    few enough that a pool slower than the device is seen at once instead of as a growing backlog.
    """
    loop = _Loop(device, clock, read, phase, upload != "none", steps, inputs)
    in_flight_max = POOL_BACKLOG * max(1, workers)

    def collect(block: bool) -> None:
        for step, start, end, work in pool.collect(block):
            loop.done(step, start, end, work)

    def hand_over(item: _InFlight) -> None:
        loop.wait_for(item)
        payload = loop.take_output(item)
        device.release(item.handle)
        while pool.pending >= in_flight_max:
            collect(True)
        pool.submit(item.step, payload if read is not None else None)

    prev: _InFlight | None = None
    for i in range(steps):
        current = loop.launch(i)
        if prev is not None:
            hand_over(prev)
        collect(False)
        prev = current
        if on_step is not None:
            on_step(i + 1)
    if prev is not None:
        hand_over(prev)
    while pool.pending:
        collect(True)
    return loop.result(mode, 2, workers, round_index, batch_size, upload)


def run_serial(device: Device, post: PostProcess, steps: int, **kwargs: Any) -> RunResult:
    """The article's serial loop: launch, wait, post-process; only the launch overlaps the device."""
    serial = pair()[0]
    return run_loop(device, post, steps, serial.depth, mode=serial.name, **kwargs)


def run_overlap(device: Device, post: PostProcess, steps: int, depth: int = 2, **kwargs: Any) -> RunResult:
    """The article's deque: launch batch i, post-process batch i-1, then wait for i."""
    overlap = pair(depth)[1]
    return run_loop(device, post, steps, overlap.depth, mode=overlap.name, **kwargs)
