"""The protocol on the ideal device: progress reporting, calibration, argument checks."""

import pytest

from engine.devices.ideal import FakeClock, IdealDevice
from engine.protocol import calibrate, compare
from engine.workload import Workload, WorkloadError
from tests.conftest import MS, ideal_compare


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
    assert "round 2/2: overlap" in [p.message for p in seen if p.round_index == 1][0]


def test_match_g_balances_host_work_against_the_measured_g():
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=8 * MS, l_ns=1 * MS)
    cal = calibrate(Workload(cpu_work="match_g", cpu_g_ratio=0.5), device, lambda n: None, clock)
    assert (cal.probe_g_ms, cal.probe_l_ms) == (8.0, 1.0)
    assert cal.target_c_ms == 3.0  # L + C = 0.5 x G
    assert cal.cpu_iterations == round(3.0 / cal.ms_per_iteration)


def test_fixed_duration_keeps_the_target_and_fixes_no_loop_length():
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=8 * MS, l_ns=1 * MS)
    w = Workload(cpu_work="match_g", cpu_g_ratio=0.5, cpu_fixed="duration")
    cal = calibrate(w, device, lambda n: None, clock)
    assert cal.target_c_ms == 3.0 and cal.cpu_iterations == -1


def test_loop_work_keeps_the_given_iterations():
    clock = FakeClock()
    cal = calibrate(Workload(cpu_iterations=1234), IdealDevice(clock, 1, 1), lambda n: None)
    assert cal.cpu_iterations == 1234 and cal.probe_g_ms is None


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
        compare(Workload(device="cuda"), 1)
