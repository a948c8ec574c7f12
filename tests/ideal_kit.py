"""The ideal device on a fake clock, set up the way many tests use it: exact costs, exact numbers."""

from __future__ import annotations

from engine.devices.ideal import FakeClock, FakePool, IdealDevice, fixed_post
from engine.measure.protocol import compare
from engine.spec.variants import ladder
from engine.spec.workload import Workload

MS = 1_000_000


def ideal_compare(workload: Workload, rounds: int, **kwargs):
    """compare() on a device with G=10 ms, L=2 ms and post-processing of C=5 ms, on a fake clock."""
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS)
    return compare(
        workload,
        rounds,
        device=device,
        post=fixed_post(clock, 5 * MS),
        clock=clock,
        telemetry="off",
        with_environment=False,
        **kwargs,
    )


def ideal_ladder(rounds: int = 2):
    """The whole ladder on the fake device (G 10 ms, L 2 ms, graph L 0.05 ms, C 24 ms, 8 workers)."""
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS, graph_l_ns=MS // 20)
    w = Workload(
        model="resnet18", batch_size=1, steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=24.0, device="cpu"
    )
    return compare(
        w,
        rounds,
        device=device,
        post=fixed_post(clock, 24 * MS),
        pool=FakePool(clock, 8, 24 * MS),
        clock=clock,
        telemetry="off",
        with_environment=False,
        variants=ladder(on_gpu=True),
    )
