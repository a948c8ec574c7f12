"""Sizing the CPU work before the rounds: measure G and L first where the work is relative to G.

match_g balances the host against the device: L + C = ratio x G. Launching is host work too, so
matching C alone to G would leave the host side the longer one and the ceiling below 2x. Fixed
work turns the target into a loop length once, here; fixed duration keeps the target.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from engine.devices.base import Device
from engine.result.circumstances import Calibration
from engine.spec.postprocess import iterations_for, loop_ms, ms_per_iteration
from engine.spec.workload import Workload

PROBE_STEPS = 5  # batches timed to measure G before match_g sizes the CPU work


def probe(device: Device, steps: int, clock: Callable[[], int]) -> tuple[float, float]:
    """Median G and L of a few batches run one at a time, with nothing else competing."""
    device.start_block()
    g_ms, l_ms = [], []
    for i in range(steps):
        t0 = clock()
        handle = device.launch(i)
        l_ms.append((clock() - t0) / 1e6)
        device.wait(handle)
        start, end = device.device_span_ns(handle)
        device.release(handle)
        g_ms.append((end - start) / 1e6)
    return statistics.median(g_ms), statistics.median(l_ms)


def calibrate(
    workload: Workload,
    device: Device,
    tick: Callable[[int], None],
    clock: Callable[[], int] = time.perf_counter_ns,
    loop_cost: Callable[[], float] = ms_per_iteration,
    loop_time: Callable[[int], float] = loop_ms,
) -> Calibration:
    """Size the CPU work, probing G and L first when it is defined relative to G.

    `clock` times the probe batches, `loop_cost` measures one loop iteration in ms and `loop_time`
    a whole loop of n iterations; tests pass fixed ones, so calibration is checked exactly without
    running a real loop.
    """
    if workload.loop:  # a loop brings its own post-processing: there is no CPU work to size
        return Calibration()
    per_iteration = loop_cost()
    probe_g: float | None = None
    probe_l: float | None = None
    target: float | None = None
    if workload.cpu_work == "match_g":
        probe_g, probe_l = probe(device, PROBE_STEPS, clock)
        tick(PROBE_STEPS)
        target = max(0.0, probe_g * workload.cpu_g_ratio - probe_l)
    elif workload.cpu_work == "ms":
        target = workload.cpu_ms
    elif workload.cpu_work == "loop" and workload.cpu_fixed == "duration":
        target = loop_time(workload.cpu_iterations)  # the loop's own cost here, then held
    if workload.cpu_fixed == "duration":
        iterations = -1
    elif target is None:
        iterations = workload.cpu_iterations
    else:
        iterations = iterations_for(target, per_iteration)
    return Calibration(per_iteration, iterations, target, probe_g, probe_l)
