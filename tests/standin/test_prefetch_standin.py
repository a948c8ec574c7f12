"""Prefetching with real processes on the CPU stand-in."""

from __future__ import annotations

import pytest

from engine.measure.protocol import compare
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from tests.kits.ideal import MS

SPEC = RunSpec(variants="prefetch", rounds=1, telemetry="off")


def test_the_stand_in_prefetches_with_real_processes():
    w = Workload(
        model="resnet18",
        batch_size=1,
        steps=8,
        warmup_steps=1,
        cpu_work="ms",
        cpu_ms=5.0,
        cpu_fixed="duration",
        pre_ms=20.0,
        device="cpu",
    )
    c = compare(w, SPEC)
    assert c.variant_names == ["serial", "deque", "prefetch1", "prefetch2"]
    for name in c.variant_names:
        steps = [s for r in c.mode_runs(name) for s in r.steps]
        assert all(s.pre_start_ns >= 0 for s in steps), name
        assert c.summary_of(name).p.mean == pytest.approx(20.0, rel=0.5), name
    # inline the launching thread pays P before every launch; prefetched, it waits far less than P
    inline = [s.launch_start_ns - s.pre_start_ns for r in c.mode_runs("deque") for s in r.steps]
    assert min(inline) >= 20 * MS
