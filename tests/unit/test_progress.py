"""The progress throttle: phase changes pass at once, steps at most twice a second."""

import pytest

from engine.host.lock import Waiting
from engine.measure.progress import Progress, Throttle
from engine.measure.protocol import compare
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from tests.kits.ideal import ideal_harness


def test_throttle_passes_phase_changes_and_at_most_two_steps_a_second():
    now = [0.0]
    seen = []
    throttle = Throttle(seen.append, 0.5, clock=lambda: now[0])
    for i in range(1, 11):  # ten serial steps, 0.1 s apart
        now[0] = i * 0.1
        throttle(Progress("serial", i, 30, 0, 1))
    throttle(Progress("deque", 11, 30, 0, 1))  # a new phase passes at once
    throttle(Progress("deque", 12, 30, 0, 1))
    throttle(Progress("done", 30, 30, 1, 1))
    assert [(p.phase, p.done_steps) for p in seen] == [
        ("serial", 1),
        ("serial", 6),
        ("deque", 11),
        ("done", 30),
    ]


def test_waiting_messages_name_the_holder():
    other = Progress("waiting", 0, 10, waiting=Waiting(0, "another process (pid 42)"))
    assert other.message == "waiting for the device: held by another process (pid 42)"
    assert Progress("serial", 3, 10, 0, 2, note="x").message == "round 1/2: serial (3/10) · x"


def test_time_left_is_said_in_words_and_a_budget_is_said_as_a_bound():
    p = Progress("serial", 10, 20, 0, 2, eta_s=75.4)
    assert p.message == "round 1/2: serial (10/20) · about 1 min 15 s left"
    bound = Progress("deque", 10, 20, 1, 20, eta_s=9.6, eta_is_bound=True)
    assert bound.message.endswith("· at most 10 s left")


def test_each_finished_round_reaches_the_progress_reports_on_the_fake_clock():
    from engine.spec.workload import Workload
    from tests.kits.ideal import ideal_compare

    seen = []
    w = Workload(
        model="resnet18", batch_size=1, steps=6, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu"
    )
    c = ideal_compare(w, 3, progress=seen.append)
    counts = [len(p.round_speedups) for p in seen]
    assert counts == sorted(counts) and counts[-1] == 3  # rounds appear one by one, as they finish
    assert seen[-1].round_speedups == tuple(x for _, x in c.all_round_speedups)
    etas = [p.eta_s for p in seen if p.phase in ("serial", "deque") and p.done_steps > 1 + w.steps]
    assert all(e is not None and e >= 0 for e in etas) and etas[-1] < etas[0]  # once the baseline ran
    assert seen[-1].eta_s is None  # done: nothing left to estimate
    # The limit comes with the first finished round, by the rule the finished result uses.
    assert all(p.limit is None for p in seen if not p.round_speedups)
    assert [p.limit for p in seen if p.round_speedups] == pytest.approx(
        [c.limit] * sum(1 for p in seen if p.round_speedups)
    )


def test_time_left_follows_each_variants_own_pace_on_the_fake_clock():
    # Serial steps cost 15 ms here and deque steps 10: one pace for both was a third off inside
    # the first serial block. With a pace per variant (predicted from the baseline's G, L and C
    # until the deque has run), every estimate after the first serial block is within 5%.
    harness = ideal_harness()
    seen = []
    w = Workload(
        model="resnet18", batch_size=1, steps=20, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu"
    )
    compare(
        w,
        RunSpec(rounds=3, telemetry="off"),
        progress=lambda p: seen.append((harness.clock(), p)),
        harness=harness,
    )
    end = next(t for t, p in seen if p.phase == "done")
    blocks = [(t, p) for t, p in seen if p.phase in ("serial", "deque")]
    after_first = [(t, p) for t, p in blocks if p.done_steps > w.warmup_steps + w.steps]
    assert after_first
    for t, p in after_first:
        real = (end - t) / 1e9
        if real > 0.05:
            assert abs(p.eta_s - real) / real < 0.05, (p.phase, p.done_steps, p.eta_s, real)
