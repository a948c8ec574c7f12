"""The batch-size sweep behind the graphs crossover: at each batch, the serial loop and the deque
with nothing but the forward in them, eager and replayed.

The same runners as every comparison measure it (engine/measure/runners.py), with an empty
post-processing: the serial blocks give L and G one batch at a time, the deque blocks the period
back to back. The sweep stops once graphs have stopped paying at two batches in a row: past the
crossover, larger batches only cost time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from engine.devices.base import Device
from engine.measure.runners import run_loop
from engine.result.crossover import PAYS, Crossover, LaunchPoint

BATCHES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
STEPS = 20  # batches per block: enough for a steady period at every batch swept
PAST = 2  # batches in a row without gain before the sweep stops


def _nothing(_step: int, _output: object) -> int:
    return 0


def _point(dev: Device, batch: int, steps: int, clock: Callable[[], int]) -> LaunchPoint:
    got = {}
    for launch in ("eager", "graph"):
        dev.set_variant("none", launch)
        for depth in (1, 2):
            dev.start_block()
            got[launch, depth] = run_loop(dev, _nothing, steps, depth, clock=clock, batch_size=batch)
    return LaunchPoint(
        batch,
        got["eager", 1].l_ms.mean,
        got["eager", 1].g_ms.mean,
        got["graph", 1].l_ms.mean,
        got["graph", 1].g_ms.mean,
        got["eager", 2].steady_pace_ms,
        got["graph", 2].steady_pace_ms,
    )


def sweep_launches(
    open_at: Callable[[int], Device],
    model: str,
    precision: str,
    device_name: str,
    batches: tuple[int, ...] = BATCHES,
    steps: int = STEPS,
    clock: Callable[[], int] = time.perf_counter_ns,
    on_point: Callable[[LaunchPoint], None] | None = None,
) -> Crossover:
    """Measure each batch in turn on a device opened for it (and closed after), until graphs have
    not paid for PAST batches in a row."""
    points: list[LaunchPoint] = []
    for batch in batches:
        dev = open_at(batch)
        try:
            for i in range(3):  # warm: cuDNN and cuBLAS pick their kernels for this shape
                handle = dev.launch(i)
                dev.wait(handle)
                dev.release(handle)
            point = _point(dev, batch, steps, clock)
        finally:
            dev.close()
        points.append(point)
        if on_point is not None:
            on_point(point)
        if len(points) >= PAST and all(p.measured_gain < PAYS for p in points[-PAST:]):
            break
    return Crossover(model, precision, device_name, tuple(points), steps)
