"""The stability gate on the ideal device: exact round counts, the settling rounds set aside."""

import pytest

from engine.devices.ideal import FakeClock, IdealDevice
from engine.measure.protocol import Harness, compare
from engine.measure.stability import StabilityGate
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload, WorkloadError
from tests.kits.ideal import MS

STEPS = 4  # batches per block, so one round is 2 x 4 post-processing calls
W = Workload(model="resnet18", steps=STEPS, warmup_steps=0, cpu_work="ms", cpu_ms=5.0)


def costs_by_round(costs_ms):
    """A device of G=10, L=2 and a post-processing whose C depends on the round it runs in."""
    clock = FakeClock()
    calls = []

    def post(step, handle):
        r = len(calls) // (2 * STEPS)
        calls.append(r)
        clock.advance(round(costs_ms(r) * MS))

    return clock, IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS), post


def gated(costs_ms, progress=None, **until_stable):
    """A run until stable on that device: the rule's window is 4 rounds, its budget as given."""
    clock, device, post = costs_by_round(costs_ms)
    spec = RunSpec(until_stable=True, telemetry="off", **until_stable)
    return compare(W, spec, harness=Harness(device, post, clock), progress=progress)


def test_gate_runs_until_the_last_window_agrees_and_counts_only_it():
    # Rounds 1 and 2 post-process for 20 ms, later ones for 5 ms: the speedup settles at round 3.
    c = gated(lambda r: 20.0 if r < 2 else 5.0, rounds=20)
    assert c.rounds == 6  # rounds 3-6 are the first four that agree
    assert c.counted_rounds == [2, 3, 4, 5]
    assert c.stability.stop_reason == "stability target met" and c.stability.until_stable
    assert [round(x, 4) for _, x in c.all_round_speedups] == [1.25, 1.25] + [round(60 / 45, 4)] * 4
    assert c.speedup == pytest.approx(60 / 45) and c.speedup_cv == 0.0
    assert c.stability_state == "stable"
    assert c.baseline_summary.c.mean == 5.0  # the settling rounds' 20 ms C is not in the pooled numbers


def test_gate_that_never_settles_stops_at_its_round_budget_and_says_unstable():
    c = gated(lambda r: (5.0, 10.0, 20.0)[r % 3], rounds=6)
    assert c.rounds == 6 and c.stability.stop_reason == "round budget"
    assert c.counted_rounds == [2, 3, 4, 5]
    assert c.stability_state == "unstable" and c.stability_text.startswith("unstable: CV ")


def test_gate_stops_at_its_time_budget():
    # Each round costs about 0.2 s of fake time; the budget is 1 s.
    c = gated(lambda r: (5.0, 10.0, 20.0)[r % 3], rounds=50, max_time_s=1.0)
    assert c.stability.stop_reason == "time budget of 1 s"
    assert 4 <= c.rounds < 10


def test_gate_progress_says_what_it_waits_for():
    seen = []
    gated(lambda r: 5.0, progress=seen.append, rounds=8)
    notes = [p.note for p in seen if p.note]
    assert notes[0] == "until the last 4 rounds agree within 3% (now n/a)"
    assert notes[-1] == "until the last 4 rounds agree within 3% (now 0.0%)"
    assert seen[-1].phase == "done" and seen[-1].fraction == 1.0 and seen[-1].round_index == 4


def test_the_gate_is_the_specs_rule():
    gate = StabilityGate.from_spec(RunSpec(until_stable=True, target_cv_pct=2.0, max_time_s=90.0))
    assert gate == StabilityGate(cv_target=0.02, window=4, max_rounds=20, max_s=90.0)
    assert StabilityGate.from_spec(RunSpec()) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target_cv_pct": 0.0}, "target_cv_pct"),
        ({"rounds": 3}, "rounds"),
        ({"rounds": 51}, "rounds"),
        ({"max_time_s": 0.5}, "max_time_s"),
    ],
)
def test_bad_settings_of_a_run_until_stable_name_their_field(kwargs, field):
    with pytest.raises(WorkloadError) as info:
        RunSpec(until_stable=True, **kwargs)
    assert info.value.field == field
