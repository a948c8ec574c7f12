"""Per-block truth and the shortfall sentence, on the ideal device where every cost is known."""

import dataclasses

import pytest

from engine.devices.ideal import FakeClock, IdealDevice
from engine.measure.protocol import Harness, compare
from engine.read.report import card_text
from engine.read.truth import (
    beyond_sentence,
    blocks,
    fast_block_sentences,
    rung_sentences,
    shortfall_reasons,
    shortfall_sentence,
)
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import EXAMPLES_DIR as EXAMPLES
from engine.store.history import load_example
from tests.ideal_kit import MS, ideal_compare, ideal_harness


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


def test_a_variant_whose_host_ran_faster_beats_its_ceiling_and_says_so():
    # Serial blocks post-process in 9 ms, deque blocks in 5: the ceiling from the serial costs is
    # 19 / 11 = 1.73x, and the deque beats it because its host ran C 44% faster.
    c = compare_with_c_by_mode(_w(), 9.0, 5.0)
    assert c.speedup > c.ceiling
    said = beyond_sentence(c)
    assert said.startswith(f"deque at {c.speedup:.2f}x is above its 1.73x ceiling because ")
    assert "the host ran C 44% faster in the deque blocks than in the serial ones (5.0 vs 9.0 ms)" in said
    assert "with the costs its own blocks had, the ceiling is 1.90x" in said
    assert beyond_sentence(ideal_compare(_w(), 2)) == ""  # at its ceiling: nothing to explain


def test_a_stored_result_above_its_ceiling_carries_the_reason_and_its_numbers_agree():
    h100 = load_example("example-h100-seed")
    assert h100.speedup > h100.ceiling
    assert beyond_sentence(h100).startswith("deque at 1.11x is above its 1.10x ceiling because ")
    ladder = load_example("example-h200-ladder")  # unstable: the rounds spread by CV 5.3%
    assert ladder.stability_state == "unstable"
    for c in (h100, ladder):
        card = card_text(c)
        assert f"{c.speedup:.2f}x of" in card
        assert f"throughput {c.speedup - 1:+.0%}" in card  # the same estimator, so they agree
        assert f"end-to-end latency {c.latency_ratio_of(c.headline.name) - 1:+.0%}" in card


def test_a_pool_block_is_measured_by_what_it_delivers_not_by_its_launches():
    # G 10 ms, C 120 ms over 8 workers: the pool sets the pace at 15 ms. The launcher runs ahead
    # at G's pace into the pool's backlog, so its gaps average less than that.
    w = Workload(model="resnet18", steps=48, warmup_steps=0, cpu_work="ms", cpu_ms=120.0, device="cpu")
    c = compare(
        w, RunSpec(variants="pool", rounds=1, telemetry="off"), harness=ideal_harness(c_ms=120, workers=8)
    )
    (pool8,) = c.mode_runs("pool8")
    assert pool8.predicted_period_ms == pytest.approx(15.0)
    assert pool8.measured_period_ms == pytest.approx(15.0, rel=0.01)
    assert sum(pool8.steady_periods_ms) / len(pool8.steady_periods_ms) < 14.0  # what it read before
    assert all(0.99 < b.schedule_efficiency < 1.01 for b in blocks(c))
    assert fast_block_sentences(c) == []


def test_a_block_faster_than_its_own_costs_is_never_passed_over():
    c = ideal_compare(_w(), 2)
    run = c.mode_runs("deque")[0]
    # Move every batch of one block earlier by half its distance from the first launch: each span
    # keeps its length, the launch gaps halve, and the block claims a period its costs do not allow.
    t0 = run.steps[0].launch_start_ns

    def earlier(s):
        d = (s.launch_start_ns - t0) // 2
        return dataclasses.replace(
            s, **{f: getattr(s, f) - d for f in vars(s) if f.endswith("_ns") and getattr(s, f) >= 0}
        )

    steps = tuple(earlier(s) for s in run.steps)
    fast = dataclasses.replace(run, steps=steps)
    c = dataclasses.replace(c, runs=tuple(fast if r is run else r for r in c.runs))
    (said,) = fast_block_sentences(c)
    assert said.startswith("round 1's deque block ran at 200% of the period its own G, L and C predict")
    assert "faster than the model allows" in said


def test_a_rung_above_its_ceiling_says_why_beside_the_table():
    # The recorded readback set with the deque's blocks made 10% shorter and their C 10% shorter:
    # a middle row now beats its ceiling, and the sentence beside the table names the faster host.
    c = load_example("example-h200-readback")

    def faster(run):
        if run.mode != "deque":
            return run
        steps = tuple(
            dataclasses.replace(s, post_start_ns=s.post_start_ns + (s.post_end_ns - s.post_start_ns) // 10)
            for s in run.steps
        )
        return dataclasses.replace(
            run, steps=steps, end_ns=run.start_ns + (run.end_ns - run.start_ns) * 9 // 10
        )

    c = dataclasses.replace(c, runs=tuple(faster(r) for r in c.runs))
    (said,) = rung_sentences(c)
    assert said.startswith(f"deque at {c.speedup_of('deque'):.2f}x is above its 1.95x ceiling because ")
    assert "the host ran C 10% faster in the deque blocks than in the serial ones" in said
