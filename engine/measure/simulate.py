"""Idealised schedules for the explainer: the real loop shapes run on a device of exact costs.

Kept apart from the devices so that a page draws a schedule without importing a device, and so
that the devices never need the runners.
"""

from __future__ import annotations

from engine.devices.ideal import FakeClock, IdealDevice, fixed_post
from engine.measure.runners import run_overlap, run_serial
from engine.result.blocks import RunResult


def simulate(
    g_ms: float, l_ms: float, c_ms: float, depth: int = 2, steps: int = 8
) -> tuple[RunResult, RunResult]:
    """Serial and overlap runs of the real loop shapes with exactly these G, L and C."""

    def one(depth_: int) -> RunResult:
        clock = FakeClock()
        device = IdealDevice(clock, round(g_ms * 1e6), round(l_ms * 1e6))
        post = fixed_post(clock, round(c_ms * 1e6))
        if depth_ == 1:
            return run_serial(device, post, steps, clock=clock)
        return run_overlap(device, post, steps, depth=depth_, clock=clock)

    return one(1), one(depth)
