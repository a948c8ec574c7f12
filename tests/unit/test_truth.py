"""Per-block truth and the one sentence each variant gets against its block limit, on the ideal
device where every cost is known: at the limit, above it within noise, above it past noise (with
and without a measured cause), and short of it."""

import dataclasses

import pytest

from engine.devices.ideal import FakeClock, IdealDevice
from engine.measure.protocol import Harness, compare
from engine.read.document import card_text
from engine.read.truth import (
    AT,
    BEYOND,
    SHORT,
    blocks,
    fast_block_sentences,
    limit_sentence,
    rung_sentences,
    shortfall_reasons,
    standing,
)
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import EXAMPLES_DIR as EXAMPLES
from engine.store.history import load_example
from tests.kits.ideal import MS, ideal_compare, ideal_harness

MARKS = {AT: " is at the ", SHORT: " of the gain over ", BEYOND: " above the "}


def _w(steps: int = 50) -> Workload:
    return Workload(model="resnet18", steps=steps, warmup_steps=0, cpu_work="ms", cpu_ms=5.0)


def one_sentence(c: Comparison, name: str) -> str:
    """The variant's sentence, checked to be one whole sentence of exactly one standing."""
    said = limit_sentence(c, name)
    assert said.endswith(".") and said.count(". ") <= 1, said  # a short one adds "Where the rest went:"
    marks = [where for where, mark in MARKS.items() if mark in said]
    assert marks == [standing(c, name)], said
    return said


def test_every_block_of_an_ideal_run_is_exactly_what_its_costs_allow():
    c = ideal_compare(_w(8), 2)
    rows = blocks(c)
    assert [(b.round_index, b.mode) for b in rows] == [
        (0, "serial"),
        (0, "deque"),
        (1, "deque"),
        (1, "serial"),
    ]
    for b in rows:
        # serial: 8 x (max(G, L) + C) = 120 ms; deque: 7 launches 10 ms apart, then the last batch's
        # G and C with nothing to hide behind: 70 + 10 + 5 = 85 ms over 8 batches
        assert b.period_ms == b.limit_period_ms == (15.0 if b.mode == "serial" else 85 / 8)
        assert b.schedule_efficiency == 1.0 and b.counted


def test_an_ideal_run_lands_exactly_at_its_limit_and_says_so():
    c = ideal_compare(_w(), 2)  # 50 x 15 = 750 ms against 49 x 10 + 10 + 5 = 505 ms
    assert c.speedup_of("deque") == pytest.approx(750 / 505) == pytest.approx(c.limit_of("deque"))
    assert c.ceiling_of("deque") == 1.5 and standing(c, "deque") == AT
    said = one_sentence(c, "deque")
    assert said == (
        f"deque at {750 / 505:.2f}x is at the 1.49x its blocks of 50 batches allow (steady ceiling 1.50x): "
        "within the rounds' noise of 1.0%."
    )


def test_short_blocks_are_held_against_their_own_limit_not_the_ceiling():
    c = ideal_compare(_w(4), 1)  # 4 x 15 / (3 x 10 + 15) = 1.33x against a 1.5x ceiling
    assert c.limit == pytest.approx(60 / 45) and c.speedup == pytest.approx(c.limit)
    assert standing(c, "deque") == AT and "the 1.33x its blocks of 4 batches allow" in one_sentence(
        c, "deque"
    )
    assert shortfall_reasons(c) == []


def _shorten(c: Comparison, name: str, share: float) -> Comparison:
    """Every block of one variant ends `share` of its wall earlier: faster by that much, no cost moved."""

    def cut(run):
        if run.mode != name:
            return run
        return dataclasses.replace(run, end_ns=run.end_ns - round((run.end_ns - run.start_ns) * share))

    return dataclasses.replace(c, runs=tuple(cut(r) for r in c.runs))


def test_above_the_limit_within_the_noise_is_at_it():
    c = _shorten(ideal_compare(_w(), 2), "deque", 0.005)  # 0.5% faster: under the 1% floor
    assert 0.004 < c.speedup / c.limit - 1 < 0.006
    assert standing(c, "deque") == AT


def test_above_the_limit_past_the_noise_with_no_cost_to_explain_it_says_the_model_misses_something():
    c = _shorten(ideal_compare(_w(), 2), "deque", 0.03)  # 3% faster, every cost as it was
    assert standing(c, "deque") == BEYOND
    said = one_sentence(c, "deque")
    assert said.startswith(
        f"deque at {c.speedup:.2f}x is 3.1% above the 1.49x its blocks of 50 batches allow"
    )
    assert said.endswith("so the model misses something this run did.")


def test_time_lost_outside_the_costs_shows_as_the_loop_itself():
    # The progress callback eats 3 ms of host time on every deque step: the loop's own fault. Each
    # iteration then waits for its batch and 3 ms more: 49 x 13 + 10 + 3 + 5 = 655 ms for 50.
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
    deque = [b for b in blocks(c) if b.mode == "deque"]
    assert all(b.schedule_efficiency == pytest.approx(505 / 655) for b in deque)
    assert standing(c, "deque") == SHORT
    reasons = shortfall_reasons(c)
    assert reasons[0] == (
        "the loop itself: round 1's deque block ran at 77% of what its own costs allow "
        "(13.1 ms a batch measured, 10.1 ms allowed)"
    )
    assert one_sentence(c, "deque").startswith("deque at 1.15x reached ")


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


def test_host_drift_between_variants_is_named_with_its_numbers():
    # Serial blocks post-process in 5 ms, deque blocks in 9 ms: the host slowed down for them.
    c = compare_with_c_by_mode(_w(), 5.0, 9.0)
    assert standing(c, "deque") == SHORT
    drift = next(r for r in shortfall_reasons(c) if r.startswith("host drift"))
    assert "C was +80.0% in the deque blocks" in drift and "(9.0 vs 5.0 ms)" in drift
    assert all(b.schedule_efficiency == pytest.approx(1.0) for b in blocks(c))  # each did what its C allowed
    said = one_sentence(c, "deque")
    assert said.startswith(
        f"deque at {c.speedup:.2f}x reached {c.efficiency:.0%} of the gain over serial of "
    )


def test_a_variant_whose_host_ran_faster_beats_its_limit_and_says_so():
    # Serial blocks post-process in 9 ms, deque blocks in 5: from the serial costs the deque's limit
    # is 50 x 19 / (49 x 11 + 10 + 9) = 1.73x, and the deque beats it because its host ran C 44% faster.
    c = compare_with_c_by_mode(_w(), 9.0, 5.0)
    assert c.limit == pytest.approx(950 / 558)
    assert standing(c, "deque") == BEYOND
    said = one_sentence(c, "deque")
    assert "the host ran C 44% faster in the deque blocks than in the serial ones (5.0 vs 9.0 ms)" in said
    assert f"at the costs its own blocks had, the limit is {950 / 505:.2f}x" in said


def test_a_pool_whose_blocks_run_in_waves_is_predicted_exactly():
    # 16 batches for 8 workers of C 120 ms: two waves of about C each, not 16 periods of C / 8.
    w = Workload(model="resnet18", steps=16, warmup_steps=0, cpu_work="ms", cpu_ms=120.0, device="cpu")
    c = compare(
        w, RunSpec(variants="pool", rounds=1, telemetry="off"), harness=ideal_harness(c_ms=120, workers=8)
    )
    for name in c.variant_names[1:]:
        assert c.speedup_of(name) == pytest.approx(c.limit_of(name), rel=1e-9), name
        assert standing(c, name) == AT
    (pool8,) = c.mode_runs("pool8")
    assert c.schedule_efficiency(pool8) == pytest.approx(1.0)
    assert c.ceiling_of("pool8") == pytest.approx(130 / 15)  # the steady rule: max(G, L, C / 8) = 15 ms
    # Serial: 16 x 130 ms. The pool: batches handed over 10 ms apart from 10 ms, the first wave of 8
    # done from 130 ms, the second wave from 250 ms, the last at 320 ms. A fill-and-drain rule (15
    # periods of 15 ms, then one batch alone) said 355 ms, and the steady pace 240 ms.
    assert c.limit_of("pool8") == pytest.approx(16 * 130 / 320)
    assert fast_block_sentences(c) == []


def test_settling_rounds_are_marked_not_counted():
    c = ideal_compare(_w(8), 4)
    c = dataclasses.replace(c, stability=dataclasses.replace(c.stability, window=2))
    assert [b.counted for b in blocks(c)] == [False] * 4 + [True] * 4
    assert isinstance(c, Comparison) and c.counted_rounds == [2, 3]


def test_the_article_loops_are_named_as_unequal_work_not_drift():
    # The overlap script's loop: 16% more per batch for the same iterations.
    c = compare_with_c_by_mode(dataclasses.replace(_w(), cpu_work="article"), 10.0, 11.6)
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
    assert standing(c, c.headline.name) == AT and shortfall_reasons(c) == []


def test_a_stored_result_reads_its_card_and_its_sentence_from_one_limit():
    h100 = load_example("example-h100-seed")  # 1.11x of a 1.10x limit, with a CV of 2.9%: noise
    assert standing(h100, "deque") == AT
    ladder = load_example("example-h200-ladder")  # unstable: the rounds spread by CV 5.3%
    assert ladder.stability_state == "unstable"
    for c in (h100, ladder):
        card = card_text(c)
        assert f"{c.speedup:.2f}x of" in card and f"{c.limit:.2f}x" in card
        assert f"throughput {c.speedup - 1:+.0%}" in card  # the same estimator, so they agree
        assert f"end-to-end latency {c.latency_ratio_of(c.headline.name) - 1:+.0%}" in card


def test_a_block_faster_than_its_own_costs_is_never_passed_over():
    c = ideal_compare(_w(), 2)
    run = c.mode_runs("deque")[0]
    # Move every batch of one block earlier by half its distance from the first launch: each span
    # keeps its length, the block's wall halves, and it claims a period its costs do not allow.
    t0 = run.steps[0].launch_start_ns

    def earlier(s):
        d = (s.launch_start_ns - t0) // 2
        return dataclasses.replace(
            s, **{f: getattr(s, f) - d for f in vars(s) if f.endswith("_ns") and getattr(s, f) >= 0}
        )

    steps = tuple(earlier(s) for s in run.steps)
    fast = dataclasses.replace(run, steps=steps, end_ns=max(s.post_end_ns for s in steps))
    c = dataclasses.replace(c, runs=tuple(fast if r is run else r for r in c.runs))
    (said,) = fast_block_sentences(c)
    assert said.startswith("round 1's deque block ran at 19")
    assert "of what its own costs allow" in said and "faster than the model allows" in said


def test_a_rung_beyond_its_limit_says_why_beside_the_table():
    # The recorded readback set with the deque's blocks made 10% shorter and their C 10% shorter:
    # a middle row now beats its limit, and the sentence beside the table names the faster host.
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
    assert said.startswith(f"deque at {c.speedup_of('deque'):.2f}x is ")
    assert "the host ran C 10% faster in the deque blocks than in the serial ones" in said


def _ladder(pool_c_ms: float = 24.0, bf16_g_ms: float = 4.0) -> Comparison:
    """The ladder on a box of two cores (a pool of one under the top three rungs): G 10 ms, L 2 ms,
    C 24 ms on the launching thread, `pool_c_ms` in a worker, G `bf16_g_ms` for the bf16 copy."""
    from engine.devices.ideal import FakePool, fixed_post

    clock = FakeClock()
    device = IdealDevice(
        clock, g_ns=10 * MS, l_ns=2 * MS, graph_l_ns=MS // 20, precision_g_ns={"bf16": round(bf16_g_ms * MS)}
    )
    pool = FakePool(clock, 1, round(pool_c_ms * MS))
    harness = Harness(device, fixed_post(clock, 24 * MS), clock, pool, 2, None, None)
    w = Workload(model="resnet18", steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=24.0, device="cpu")
    return compare(w, RunSpec(variants="ladder", rounds=2, telemetry="off"), harness=harness)


def test_the_card_names_the_best_rung_where_the_top_rungs_own_limit_was_lower():
    """A bf16 copy slower than fp32 (a card without fast bf16): the top rung's limit is below
    pinned's at these costs, and the card says so with the term that set its pace."""
    from engine.read.truth import best_rung_sentence
    from engine.words.comparison import format_comparison

    c = _ladder(bf16_g_ms=40.0)
    assert c.variant_names == ["serial", "naive", "pinned", "pool1", "graphs", "graphs-bf16"]
    pinned, top = c.speedup_of("graphs"), c.speedup_of("graphs-bf16")
    best = max(c.variant_names[1:-1], key=c.speedup_of)
    said = best_rung_sentence(c)
    assert top == pytest.approx(c.limit_of("graphs-bf16"), rel=0.01) and top < 1  # G 40 ms a batch
    assert said.startswith(
        f"The best rung of this run is {best} at {c.speedup_of(best):.2f}x, not graphs-bf16 at {top:.2f}x: "
    )
    limits = f"{c.limit_of('graphs-bf16'):.2f}x against {best}'s {c.limit_of(best):.2f}x"
    assert f"graphs-bf16's own limit is {limits}" in said and "G 40.00" in said
    assert said in format_comparison(c).splitlines()
    assert pinned > top


def test_the_card_names_the_best_rung_where_the_top_rung_fell_short_of_its_limit():
    """Workers twice as slow as the launching thread at the same post-processing: the pool rungs'
    limits (at the baseline's C) stand, and they fall short of them, which their sentences explain."""
    from engine.read.truth import SHORT, best_rung_sentence

    c = _ladder(pool_c_ms=72.0)
    top, pinned = c.speedup_of("graphs-bf16"), c.speedup_of("pinned")
    assert pinned == pytest.approx(c.limit_of("pinned"), rel=0.01) and top < 0.6 < 1.2 < pinned
    assert standing(c, "graphs-bf16") == SHORT
    said = best_rung_sentence(c)
    assert said.startswith(
        f"The best rung of this run is pinned at {pinned:.2f}x, not graphs-bf16 at {top:.2f}x: "
    )
    assert said.endswith(
        f"graphs-bf16 fell short of its own {c.limit_of('graphs-bf16'):.2f}x limit, as its sentence says."
    )
    assert best_rung_sentence(_ladder()) == ""  # a pool that pays keeps the headline: nothing more said
