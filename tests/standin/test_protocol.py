"""The protocol on the ideal device: progress reporting, calibration, argument checks."""

import pytest

from engine.devices.ideal import FakeClock, IdealDevice, fixed_post
from engine.measure.calibrate import calibrate
from engine.measure.protocol import Harness, compare
from engine.spec.run_spec import RunSpec
from engine.spec.workload import PRESETS, Workload, WorkloadError
from tests.kits.ideal import MS, ideal_compare


def test_progress_counts_every_step_and_ends_at_one():
    seen = []
    w = Workload(model="resnet18", steps=4, warmup_steps=2, cpu_work="match_g")
    ideal_compare(w, 2, progress=seen.append)
    total = 2 + 5 + 2 * 2 * 4  # warm-up + G probe + rounds x modes x steps
    assert seen[0].phase == "starting" and seen[0].fraction == 0.0
    assert seen[-1].phase == "done" and seen[-1].fraction == 1.0
    assert {p.total_steps for p in seen} == {total}
    counts = [p.done_steps for p in seen]
    assert counts == sorted(counts)
    phases = [p.phase for p in seen]
    assert phases.index("warm-up") < phases.index("calibrating") < phases.index("serial")
    assert "round 2/2: deque" in [p.message for p in seen if p.round_index == 1][0]


def test_match_g_balances_host_work_against_the_measured_g():
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=8 * MS, l_ns=1 * MS)
    w = Workload(cpu_work="match_g", cpu_g_ratio=0.5)
    cal = calibrate(w, device, lambda n: None, clock, loop_cost=lambda: 0.0002)
    assert (cal.probe_g_ms, cal.probe_l_ms) == (8.0, 1.0)
    assert cal.target_c_ms == 3.0  # L + C = 0.5 x G
    assert cal.cpu_iterations == 15_000  # 3 ms at 0.2 us an iteration


def test_fixed_duration_keeps_the_target_and_fixes_no_loop_length():
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=8 * MS, l_ns=1 * MS)
    w = Workload(cpu_work="match_g", cpu_g_ratio=0.5, cpu_fixed="duration")
    cal = calibrate(w, device, lambda n: None, clock, loop_cost=lambda: 0.0002)
    assert cal.target_c_ms == 3.0 and cal.cpu_iterations == -1


def test_loop_work_keeps_the_given_iterations():
    clock = FakeClock()
    cal = calibrate(
        Workload(cpu_iterations=1234), IdealDevice(clock, 1, 1), lambda n: None, clock, lambda: 1.0
    )
    assert cal.cpu_iterations == 1234 and cal.probe_g_ms is None


def test_the_loop_held_by_duration_holds_what_the_whole_loop_takes_here():
    clock = FakeClock()
    timed = []

    def loop_time(n):
        timed.append(n)
        return 93.5  # what 500,000 iterations took on this host, as the probe measured it

    cal = calibrate(
        PRESETS["seed-steady"], IdealDevice(clock, 1, 1), lambda n: None, clock, lambda: 1.0, loop_time
    )
    assert timed == [500_000] and cal.target_c_ms == 93.5 and cal.cpu_iterations == -1


@pytest.mark.parametrize("rounds", [0, 51, 2.0, True])
def test_rounds_must_be_a_sensible_whole_number(rounds):
    with pytest.raises(WorkloadError, match="rounds="):
        ideal_compare(Workload(steps=2), rounds)


def test_cuda_request_without_cuda_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(
        WorkloadError, match="device=.cuda. is not allowed: cpu or auto: CUDA is not available"
    ):
        compare(Workload(device="cuda"), RunSpec(rounds=1))


def test_ms_work_becomes_a_loop_length_from_the_measured_cost():
    clock = FakeClock()
    w = Workload(cpu_work="ms", cpu_ms=12.0)
    cal = calibrate(w, IdealDevice(clock, 1, 1), lambda n: None, clock, loop_cost=lambda: 0.0003)
    assert (cal.target_c_ms, cal.cpu_iterations, cal.ms_per_iteration) == (12.0, 40_000, 0.0003)


def test_the_pairs_depth_reaches_the_runner_through_the_protocol():
    clock = FakeClock()
    log: list[str] = []
    w = Workload(model="resnet18", steps=5, warmup_steps=0, cpu_work="ms", cpu_ms=5.0)
    device = IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS, log=log)
    c = compare(
        w,
        RunSpec(depth=3, rounds=1, telemetry="off"),
        harness=Harness(device, fixed_post(clock, 5 * MS, log), clock),
    )
    assert [r.depth for r in c.runs] == [1, 3]
    overlap_block = log[log.index("sync") + 1 :]  # the serial block ends with its drain
    calls = [e for e in overlap_block if e.startswith(("launch", "post"))]
    assert calls[:4] == ["launch0", "launch1", "launch2", "post0"]  # two batches in flight


@pytest.mark.parametrize("name", ["ladder", "readback", "depth", "pool", "graphs", "sweep"])
def test_a_depth_other_than_2_is_refused_by_every_set_but_the_pair(name):
    with pytest.raises(WorkloadError) as info:
        RunSpec(variants=name, depth=4)
    assert info.value.field == "depth"
    assert str(info.value).startswith(f"depth=4 is not allowed: 2 with variants={name}: only the pair")
    assert RunSpec(variants=name, depth=2).depth == 2
    assert RunSpec(variants="pair", depth=4).variants_for(on_gpu=False)[-1].depth == 4


def test_a_sweep_is_no_set_for_compare_alone():
    with pytest.raises(WorkloadError, match="variants='sweep' is not allowed: a set of variants"):
        compare(Workload(steps=2), RunSpec(variants="sweep", rounds=1))
