"""The CPU work in its three forms: fixed work, fixed duration, and the article's overlap loop."""

import time

from engine.spec.postprocess import (
    STEP_OFFSET,
    ArticleOverlapPost,
    FixedWorkPost,
    SpinPost,
    article_overlap_loop,
    post_for,
    trig_loop,
)


def test_article_overlap_loop_does_the_same_math_as_the_offset_loop():
    # Same values summed in the same order: only the index arithmetic per iteration differs.
    assert article_overlap_loop(5_000, 7) == trig_loop(5_000, 7 * STEP_OFFSET)


def test_spin_runs_real_iterations_until_its_duration_has_passed():
    post = SpinPost(5.0)
    t0 = time.perf_counter_ns()
    iterations = post(3, None)
    elapsed_ms = (time.perf_counter_ns() - t0) / 1e6
    assert elapsed_ms >= 5.0
    assert iterations > 0 and iterations % 200 == 0


def test_spin_on_a_fake_clock_stops_exactly_at_its_deadline():
    ticks = iter(range(0, 10**9, 1_000_000))  # every clock read moves 1 ms
    post = SpinPost(3.0, clock=lambda: next(ticks))
    # The deadline is read at 0 ms; checks at 1 and 2 ms each run a chunk, the check at 3 ms stops.
    assert post(0, None) == 2 * 200


def test_post_for_picks_the_form_the_workload_asks_for():
    assert post_for("loop", "work", 100, 0.0, serial=False) == FixedWorkPost(100)
    assert post_for("article", "work", 100, 0.0, serial=True) == FixedWorkPost(100)
    assert post_for("article", "work", 100, 0.0, serial=False) == ArticleOverlapPost(100)
    assert post_for("match_g", "duration", -1, 12.5, serial=True) == SpinPost(12.5)
    assert FixedWorkPost(10)(0, None) == 10 and ArticleOverlapPost(10)(0, None) == 10
