"""Per-block truth and the shortfall sentence, on the ideal device where every cost is known."""

import dataclasses

import pytest

from engine.devices.ideal import FakeClock, IdealDevice
from engine.measure.protocol import Harness, compare
from engine.read.truth import blocks, shortfall_reasons, shortfall_sentence
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import EXAMPLES_DIR as EXAMPLES
from tests.ideal_kit import MS, ideal_compare


def _w(steps: int = 50) -> Workload:
    return Workload(model="resnet18", steps=steps, warmup_steps=0, cpu_work="ms", cpu_ms=5.0)


def test_every_block_of_an_ideal_run_is_exactly_what_its_costs_predict():
    c = ideal_compare(_w(8), 2)
    rows = blocks(c)
    assert [(b.round_index, b.mode) for b in rows] == [
        (0, "serial"),
        (0, "deque"),
        (1, "deque"),
        (1, "serial"),
    ]
    for b in rows:
        expected = 15.0 if b.mode == "serial" else 10.0  # max(G, L) + C and max(G, L + C)
        assert b.predicted_period_ms == expected == b.measured_period_ms
        assert b.schedule_efficiency == 1.0 and b.counted


def test_time_lost_outside_g_l_and_c_shows_as_the_loop_itself():
    # The progress callback eats 3 ms of host time on every overlap step: the loop's own fault.
    clock = FakeClock()

    def slow_overlap(p):
        if p.phase == "deque":
            clock.advance(3 * MS)

    def post(step, handle):
        clock.advance(5 * MS)

    c = compare(
        _w(),
        RunSpec(rounds=2, telemetry="off"),
        harness=Harness(IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS), post, clock),
        progress=slow_overlap,
    )
    overlap = [b for b in blocks(c) if b.mode == "deque"]
    assert all(b.schedule_efficiency == pytest.approx(10 / 13) for b in overlap)
    reasons = shortfall_reasons(c)
    assert reasons[0].startswith("the loop itself: round 1's deque block ran at 77%")
    assert "(13.0 ms measured, 10.0 ms predicted)" in reasons[0]


def compare_with_c_by_mode(workload, serial_ms: float, overlap_ms: float):
    """compare() on G=10, L=2 where the serial and the overlap blocks post-process for different C."""
    clock = FakeClock()

    class CountingDevice(IdealDevice):
        blocks = -1  # the first start_block() comes before the warm-up, not a timed block

        def start_block(self):
            super().start_block()
            self.blocks += 1

    device = CountingDevice(clock, g_ns=10 * MS, l_ns=2 * MS)
    order = ["serial", "deque", "deque", "serial"]  # AB BA

    def post(step, handle):
        overlap = order[(device.blocks - 1) % 4] == "deque"
        clock.advance(round((overlap_ms if overlap else serial_ms) * MS))

    return compare(workload, RunSpec(rounds=2, telemetry="off"), harness=Harness(device, post, clock))


def test_host_drift_between_modes_is_named_with_its_numbers():
    # Serial blocks post-process in 5 ms, overlap blocks in 9 ms: the host slowed down for them.
    c = compare_with_c_by_mode(_w(), 5.0, 9.0)
    reasons = shortfall_reasons(c)
    drift = next(r for r in reasons if r.startswith("host drift"))
    assert "C was +80.0% in the deque blocks" in drift and "(9.0 vs 5.0 ms)" in drift
    assert all(b.schedule_efficiency > 0.97 for b in blocks(c))  # each block did what its C allowed
    said = f"deque reached {c.efficiency:.0%} of the gain predicted over serial. Where the rest went: "
    assert shortfall_sentence(c).startswith(said)


def test_short_blocks_name_fill_and_drain():
    c = ideal_compare(_w(4), 1)  # 4 x 15 / (3 x 10 + 15) = 1.33x against a 1.5x ceiling
    (reason,) = [r for r in shortfall_reasons(c) if r.startswith("fill and drain")]
    assert "the best wall ratio is 1.33x, not 1.50x" in reason


def test_a_speedup_near_its_ceiling_needs_no_explaining():
    c = ideal_compare(_w(200), 1)
    assert c.efficiency > 0.9 and shortfall_reasons(c) == [] and shortfall_sentence(c) == ""


def test_settling_rounds_are_marked_not_counted():
    c = ideal_compare(_w(8), 4)
    c = dataclasses.replace(c, stability=dataclasses.replace(c.stability, window=2))
    assert [b.counted for b in blocks(c)] == [False] * 4 + [True] * 4
    assert isinstance(c, Comparison) and c.counted_rounds == [2, 3]


def test_the_article_loops_are_named_as_unequal_work_not_drift():
    import dataclasses as dc

    # The overlap script's loop: 16% more per batch for the same iterations.
    c = compare_with_c_by_mode(dc.replace(_w(), cpu_work="article"), 10.0, 11.6)
    reasons = shortfall_reasons(c)
    assert any(
        r.startswith("unequal work: the article's overlap loop, run in the deque blocks, costs +16.0%")
        for r in reasons
    )
    assert not any(r.startswith("host drift") for r in reasons)


def test_a_recorded_h200_balanced_run_is_true_block_by_block():

    c = Comparison.from_json(EXAMPLES / "h200_balanced.json")
    assert c.environment.gpu_name == "NVIDIA H200" and c.workload.cpu_fixed == "duration"
    assert all(0.97 < b.schedule_efficiency < 1.03 for b in blocks(c))
    assert c.stability.stop_reason == "stability target met" and c.stability_state == "stable"
    assert shortfall_reasons(c) == []  # 95% of the predicted gain: nothing to explain
