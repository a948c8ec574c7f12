"""Input pre-processing on the ideal device and on the stand-in: inline it adds to the launching
thread's work, and a prefetching pool takes it off, to P / m."""

from __future__ import annotations

import pytest

from engine.devices.ideal import FakeClock, FakePool, IdealDevice, fixed_post
from engine.errors import WorkloadError
from engine.measure.protocol import Harness, compare
from engine.read.box import box_ceiling
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.words.comparison import format_comparison

MS = 1_000_000
W = Workload(
    model="resnet18",
    batch_size=1,
    steps=40,
    warmup_steps=1,
    cpu_work="ms",
    cpu_ms=5.0,
    pre_ms=8.0,
    device="cpu",
)
SPEC = RunSpec(variants="prefetch", rounds=1, telemetry="off")


def _prefetch(p_ms: float):
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS)
    harness = Harness(
        device,
        fixed_post(clock, 5 * MS),
        clock,
        pre=fixed_post(clock, round(p_ms * MS)),
        prefetcher=FakePool(clock, 2, round(p_ms * MS)),
    )
    return compare(W.replace(pre_ms=p_ms), SPEC, harness=harness)


def _period(c, name: str) -> float:
    """The steady period the rule gives, once the block measured exactly the limit the model's
    schedule plays out for its steps (two processes finish inputs in pairs, so launch gaps
    alternate 10 and 20 ms, and their median would read 10)."""
    p = c.prediction_of(name)
    assert c.period_of(name) == pytest.approx(p.limit_period_ms), name
    return p.period_ms


def test_each_way_of_pre_processing_runs_at_its_formulas_period():
    c = _prefetch(8.0)  # G 10, L 2, C 5, P 8
    assert c.variant_names == ["serial", "deque", "prefetch1", "prefetch2"]
    # inline, P runs while nothing computes: the deque waited for its batch before the iteration
    expected = {"serial": 23.0, "deque": 18.0, "prefetch1": 10.0, "prefetch2": 10.0}
    for name, period in expected.items():
        assert _period(c, name) == pytest.approx(period), name
    assert c.prediction_of("serial").formula == "P + max(G, L) + C"
    assert c.prediction_of("deque").formula == "P + max(G, L + C)"
    assert c.prediction_of("prefetch2").formula == "max(max(G, L + C), P / 2)"
    assert c.summary_of("prefetch1").p.mean == pytest.approx(8.0)


def test_pre_processing_longer_than_compute_is_split_by_the_pool():
    c = _prefetch(30.0)
    periods = {n: _period(c, n) for n in c.variant_names}
    assert periods == pytest.approx({"serial": 45.0, "deque": 40.0, "prefetch1": 30.0, "prefetch2": 15.0})
    assert c.ceiling_of("prefetch2") == pytest.approx(3.0)
    assert "P / 2" in format_comparison(c)
    box = box_ceiling(c)  # P over the two prefetching processes sets what this box allows
    assert (box.bound, box.period_ms, box.ceiling) == ("P / 2", pytest.approx(15.0), pytest.approx(3.0))


def test_a_prefetch_set_without_pre_processing_is_refused_by_the_field():
    with pytest.raises(WorkloadError, match="pre_ms=0.0 is not allowed: more than 0 with variants=prefetch"):
        compare(W.replace(pre_ms=0.0), SPEC, harness=Harness(IdealDevice(FakeClock(), 10 * MS, 2 * MS)))
