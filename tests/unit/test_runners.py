"""The loop shapes on a device of fixed costs: exact call orders and exact statistics."""

import pytest

from engine.devices.ideal import FakeClock, IdealDevice, fixed_post
from engine.measure.runners import run_loop, run_overlap, run_serial
from engine.measure.simulate import simulate
from tests.kits.ideal import MS


def test_serial_order_is_launch_wait_post(ideal):
    clock, device, post, log = ideal
    run_serial(device, post, 3, clock=clock)
    assert log == [
        "launch0",
        "wait0",
        "post0",
        "launch1",
        "wait1",
        "post1",
        "launch2",
        "wait2",
        "post2",
        "sync",
    ]


def test_overlap_depth2_order_matches_the_article(ideal):
    clock, device, post, log = ideal
    run_overlap(device, post, 4, depth=2, clock=clock)
    # launch i, post-process i-1, wait for i; the last batch is drained after the loop.
    assert [e for e in log if not e.startswith("wait")] == [
        "launch0",
        "launch1",
        "post0",
        "launch2",
        "post1",
        "launch3",
        "post2",
        "post3",
        "sync",
    ]
    assert log[:3] == ["launch0", "wait0", "launch1"]
    assert log.index("wait1") > log.index("post0")


def test_depth3_keeps_two_batches_in_flight(ideal):
    clock, device, post, log = ideal
    run_overlap(device, post, 5, depth=3, clock=clock)
    posts = [e for e in log if e.startswith(("launch", "post"))]
    assert posts == [
        "launch0",
        "launch1",
        "launch2",
        "post0",
        "launch3",
        "post1",
        "launch4",
        "post2",
        "post3",
        "post4",
    ]


def test_serial_statistics_are_exact(ideal):
    clock, device, post, _ = ideal
    run = run_serial(device, post, 5, clock=clock, batch_size=10)
    assert run.launch_gaps_ms == [15.0] * 4  # G + C: the launch hides under the device work
    assert run.latencies_ms == [15.0] * 5
    assert run.wall_s == pytest.approx(0.075)
    assert run.throughput_ips == pytest.approx(50 / 0.075)
    assert (run.g_ms.mean, run.l_ms.mean, run.c_ms.mean) == (10.0, 2.0, 5.0)


def test_overlap_statistics_are_exact(ideal):
    clock, device, post, _ = ideal
    run = run_overlap(device, post, 5, clock=clock)
    assert run.launch_gaps_ms == [10.0] * 4  # max(G, L + C)
    # Each batch waits one period, then its successor's launch, then its own post-processing.
    assert run.latencies_ms == [17.0, 17.0, 17.0, 17.0, 15.0]
    assert run.wall_s == pytest.approx(0.055)  # 4 periods + the last batch's 15 ms
    assert run.launch_gap.p50 == 10.0 and run.latency.p90 == pytest.approx(17.0)
    assert run.period_ms == pytest.approx(11.0)  # the wall over the batches: 55 ms for 5


def test_host_bound_overlap_period_is_l_plus_c():
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=4 * MS, l_ns=1 * MS)
    run = run_overlap(device, fixed_post(clock, 6 * MS), 4, clock=clock)
    # The first iteration has nothing to post-process yet (the pipeline fills), then L + C.
    assert run.launch_gaps_ms == [4.0, 7.0, 7.0]


def test_depth_one_is_the_serial_loop(ideal):
    clock, device, post, log = ideal
    run_loop(device, post, 3, 1, clock=clock)
    serial_log = list(log)
    log.clear()
    clock2 = FakeClock()
    device2 = IdealDevice(clock2, 10 * MS, 2 * MS, log)
    run_serial(device2, fixed_post(clock2, 5 * MS, log), 3, clock=clock2)
    assert serial_log == log


def test_on_step_is_called_once_per_step_and_can_abort(ideal):
    clock, device, post, _ = ideal
    seen = []
    run_overlap(device, post, 4, clock=clock, on_step=seen.append)
    assert seen == [1, 2, 3, 4]

    class Stop(Exception):
        pass

    def stop_at_2(i):
        if i == 2:
            raise Stop

    with pytest.raises(Stop):
        run_overlap(device, post, 4, clock=clock, on_step=stop_at_2)


def test_bad_depth_is_rejected(ideal):
    clock, device, post, _ = ideal
    with pytest.raises(ValueError, match="depth=0 is not allowed"):
        run_loop(device, post, 3, 0, clock=clock)


def test_simulate_gives_both_shapes():
    serial, overlap = simulate(10, 2, 5, depth=2, steps=6)
    assert serial.mode == "serial" and overlap.mode == "deque"
    assert serial.launch_gap.p50 == 15.0 and overlap.launch_gap.p50 == 10.0
