"""The ideal device on a fake clock, set up the way many tests use it: exact costs, exact numbers."""

from __future__ import annotations

from typing import Any

from engine.devices.ideal import FakeClock, FakePool, IdealDevice, fixed_post
from engine.measure.protocol import Harness, compare
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.sets import SETS
from engine.spec.workload import Workload

MS = 1_000_000


def ideal_harness(
    g_ms: float = 10,
    l_ms: float = 2,
    c_ms: float = 5,
    workers: int = 0,
    graph_l_ms: float = 0.05,
    bf16_g_ms: float = 4,
    cores: int | None = None,
    x_ms: float = 0,
    pre_ms: float = 0,
    prefetch: int = 0,
    h: float = 1.0,
    **device: Any,
) -> Harness:
    """A device of G and L on a fake clock (G at bf16 of its own, X to copy an input), post-processing
    of exactly C,
    a pool of k workers (processes; threads whose posts hold the GIL for h of C),
    pre-processing of exactly P with `prefetch` processes to do it ahead,
    and a box of `cores` (by default one more than the pool: a box-sized
    pool is then the pool given)."""
    clock = FakeClock()
    ideal = IdealDevice(
        clock,
        g_ns=round(g_ms * MS),
        l_ns=round(l_ms * MS),
        graph_l_ns=round(graph_l_ms * MS),
        precision_g_ns={"bf16": round(bf16_g_ms * MS)},
        x_ns=round(x_ms * MS),
        **device,
    )
    pool = FakePool(clock, workers, round(c_ms * MS)) if workers else None
    box = cores if cores is not None else workers + 1
    pre = fixed_post(clock, round(pre_ms * MS)) if pre_ms else None
    ahead = FakePool(clock, prefetch, round(pre_ms * MS)) if prefetch else None
    gil = round(h * c_ms * MS)
    threads = FakePool(clock, workers, round(c_ms * MS), gil_ns=gil) if workers else None
    return Harness(ideal, fixed_post(clock, round(c_ms * MS)), clock, pool, box, pre, ahead, threads)


def ideal_compare(workload: Workload, rounds: Any, *, progress: Any = None, **spec: Any) -> Comparison:
    """compare() on a device with G=10 ms, L=2 ms and post-processing of C=5 ms, on a fake clock."""
    return compare(
        workload,
        RunSpec(rounds=rounds, telemetry="off", **spec),
        progress=progress,
        harness=ideal_harness(),
    )


def ideal_ladder(rounds: int = 2) -> Comparison:
    """The whole ladder on the fake device (G 10 ms, 4 ms at bf16, L 2 ms, graph L 0.05 ms, C 24 ms,
    a box of 9 cores: 8 workers)."""
    w = Workload(
        model="resnet18", batch_size=1, steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=24.0, device="cpu"
    )
    return compare(
        w,
        RunSpec(variants="ladder", rounds=rounds, telemetry="off"),
        harness=ideal_harness(c_ms=24, workers=8),
    )


def uploads_comparison(x_ms: float = 3.0) -> Comparison:
    """The uploads set on the ideal device: G 10 ms, graph L 0.05 ms, C 5 ms, an input copy of X,
    40 steps, one round."""
    w = Workload(
        model="resnet18", batch_size=1, steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu"
    )
    spec = RunSpec(variants="uploads", rounds=1, telemetry="off")
    return compare(w, spec, harness=ideal_harness(g_ms=10, l_ms=2, c_ms=5, x_ms=x_ms))


def every_set_comparison(name: str) -> Comparison:
    """A named set on the same costs, blocks of six steps (fill, drain and a pool's waves put every
    limit well under its ceiling); the input sets add what they measure: a copy of X = 3 ms for the
    uploads, and pre-processing of P = 12 ms for the prefetching set."""
    w = Workload(
        model="resnet18", batch_size=1, steps=6, warmup_steps=1, cpu_work="ms", cpu_ms=24.0, device="cpu"
    )
    pre = 12.0 if SETS[name].needs_pre else 0.0
    harness = ideal_harness(g_ms=10, l_ms=2, c_ms=24, workers=8, x_ms=3, pre_ms=pre, prefetch=2 if pre else 0)
    return compare(w.replace(pre_ms=pre), RunSpec(variants=name, rounds=2, telemetry="off"), harness=harness)
