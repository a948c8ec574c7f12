"""The loop shapes, and nothing else: serial, and overlap through a deque of depth d.

For depth 2 the overlap loop is the article's step for step: launch batch i, post-process batch
i-1 (already finished), then wait for batch i before the next iteration starts. Depth 1 is the
article's serial loop: launch, wait, post-process. Deeper queues keep d-1 batches in flight.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.devices.base import Device
from engine.records import RunResult, StepRecord

Clock = Callable[[], int]
PostProcess = Callable[[int, Any], object]  # may return the loop iterations it ran
StepCallback = Callable[[int], None]


@dataclass
class _InFlight:
    step: int
    handle: Any
    launch_start_ns: int
    launch_end_ns: int
    wait_start_ns: int = -1
    wait_end_ns: int = -1


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
) -> RunResult:
    """Run `steps` batches keeping up to `depth` of them queued; the drain is part of the run."""
    if depth < 1:
        raise ValueError(f"depth={depth!r} is not allowed: a whole number of at least 1")
    queue: deque[_InFlight] = deque()
    finished: list[tuple[_InFlight, int, int, int]] = []

    def wait_for(item: _InFlight) -> None:
        if item.wait_start_ns < 0:
            item.wait_start_ns = clock()
            device.wait(item.handle)
            item.wait_end_ns = clock()

    def finish(item: _InFlight) -> None:
        wait_for(item)
        post_start = clock()
        work = post(item.step, item.handle)
        post_end = clock()
        device.release(item.handle)
        iterations = work if isinstance(work, int) and not isinstance(work, bool) else -1
        finished.append((item, post_start, post_end, iterations))

    for i in range(steps):
        t0 = clock()
        handle = device.launch(i)
        queue.append(_InFlight(i, handle, t0, clock()))
        if len(queue) >= depth:
            finish(queue.popleft())
        if queue:
            # The batch the next iteration will post-process must be done before it starts.
            wait_for(queue[0])
        if on_step is not None:
            on_step(i + 1)
    while queue:
        finish(queue.popleft())
    device.synchronize()
    end = clock()

    records = []
    for item, post_start, post_end, iterations in finished:
        dev_start, dev_end = device.device_span_ns(item.handle)
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
            )
        )
    return RunResult(
        mode=mode or ("serial" if depth == 1 else "overlap"),
        depth=depth,
        round_index=round_index,
        batch_size=batch_size,
        start_ns=records[0].launch_start_ns if records else end,
        end_ns=max(end, max((r.post_end_ns for r in records), default=end)),
        steps=tuple(records),
    )


def run_serial(device: Device, post: PostProcess, steps: int, **kwargs: Any) -> RunResult:
    """Launch, wait, post-process: nothing overlaps but the launch with the device's own work."""
    return run_loop(device, post, steps, 1, mode="serial", **kwargs)


def run_overlap(device: Device, post: PostProcess, steps: int, depth: int = 2, **kwargs: Any) -> RunResult:
    return run_loop(device, post, steps, depth, mode="overlap", **kwargs)
