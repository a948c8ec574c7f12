"""The CPU stand-in for real: a worker process runs a small model while this process post-processes.

Margins are loose and nothing is timed against a fixed number: only the shape of the overlap is
asserted (spans that really overlap, an overlap wall below the serial wall).
"""

import os
import threading

import psutil
import pytest

from engine.devices.standin import StandinDevice
from engine.measure.protocol import compare
from engine.spec.run_spec import RunSpec

pytestmark = pytest.mark.quiet  # the overlap needs both cores to itself to show


@pytest.fixture(scope="module")
def standin_result(tiny_workload_module):
    return compare(tiny_workload_module, RunSpec(rounds=2))


@pytest.fixture(scope="module")
def tiny_workload_module():
    from engine.spec.workload import Workload

    return Workload(
        model="mobilenet_v3_small", batch_size=1, steps=16, warmup_steps=2, cpu_work="match_g", device="cpu"
    )


def test_standin_device_spans_overlap_post_processing(standin_result):
    c = standin_result
    assert c.device_kind == "standin"
    for run in c.mode_runs("deque"):
        steps = run.steps
        overlapping = sum(
            1
            for prev, cur in zip(steps, steps[1:], strict=False)
            if cur.device_start_ns < prev.post_end_ns and prev.post_start_ns < cur.device_end_ns
        )
        assert overlapping >= len(steps) // 2, (
            "batch i's compute should run during batch i-1's post-processing"
        )
    for run in c.mode_runs("serial"):
        for prev, cur in zip(run.steps, run.steps[1:], strict=False):
            assert cur.device_start_ns >= prev.post_end_ns, "serial: nothing overlaps the post-processing"


def test_standin_overlap_beats_serial(standin_result):
    c = standin_result
    serial_wall = sum(r.wall_s for r in c.mode_runs("serial"))
    overlap_wall = sum(r.wall_s for r in c.mode_runs("deque"))
    assert overlap_wall < 0.9 * serial_wall
    assert c.speedup > 1.1 and c.ceiling > 1.5


def test_standin_records_are_consistent(standin_result):
    for run in standin_result.runs:
        for r in run.steps:
            assert r.launch_start_ns <= r.launch_end_ns and r.launch_start_ns <= r.device_start_ns
            assert r.device_start_ns < r.device_end_ns
            assert r.device_end_ns <= r.wait_end_ns <= r.post_start_ns < r.post_end_ns
        # The wall holds every batch's post-processing, one after another on one thread, so it
        # cannot be shorter than their sum; a clock or span mix-up would break this.
        assert run.wall_s * 1e3 >= sum(r.c_ms for r in run.steps)
        # Batches ran one at a time on the worker's core: device spans never overlap each other.
        for a, b in zip(run.steps, run.steps[1:], strict=False):
            assert a.device_end_ns <= b.device_start_ns


def test_precision_reaches_the_model_in_the_worker():
    from engine.spec.workload import Workload

    w = Workload(model="mobilenet_v3_small", batch_size=1, steps=2, precision="bf16", device="cpu")
    device = StandinDevice(w)
    try:
        assert device.model_dtype == "torch.bfloat16"
    finally:
        device.close()


def test_standin_result_has_environment_and_cpu_telemetry(standin_result):
    c = standin_result
    assert c.environment.device == "cpu"
    # read before the stand-in narrowed this thread's affinity, and restored after it closed
    assert c.environment.cpu_cores_usable == len(os.sched_getaffinity(0))
    assert c.telemetry.gpu_status.startswith("unavailable")
    assert len(c.telemetry.t_ns) >= 2
    assert len(c.telemetry.cpu_pct_per_core[0]) == psutil.cpu_count()


def test_worker_is_gone_after_close(tiny_workload):
    device = StandinDevice(tiny_workload)
    pid = device.pid
    assert psutil.pid_exists(pid)
    device.close()
    device.close()  # twice is fine
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


@pytest.mark.parametrize("telemetry", ["process", "thread"])
def test_no_worker_or_sampler_is_left_after_an_aborted_run(tiny_workload, telemetry):
    class Stop(Exception):
        pass

    def stop_in_first_round(p):
        if p.phase == "serial" and p.done_steps > 5:
            raise Stop

    before = {c.pid for c in psutil.Process().children(recursive=True)}
    cores_before = os.sched_getaffinity(0)
    with pytest.raises(Stop):
        compare(tiny_workload, RunSpec(rounds=2, telemetry=telemetry), progress=stop_in_first_round)
    after = {c.pid for c in psutil.Process().children(recursive=True) if c.is_running()}
    assert after - before == set()
    assert not [t for t in threading.enumerate() if t.name == "overlap-lab-sampler"]
    assert os.sched_getaffinity(0) == cores_before  # the stand-in gave this thread its cores back


def test_readbacks_and_a_pool_run_for_real_on_the_stand_in(tiny_workload):
    """Logits come home through the pipe; naive waits for every batch sent, and the watch says so;
    a pool worker process post-processes on the same clock as the launches."""
    from engine.spec.variants import Variant

    variants = (
        Variant("serial", readback="pinned"),
        Variant("naive", depth=2, readback="naive"),
        Variant("pinned", depth=2, readback="pinned"),
        Variant("pool1", depth=2, workers=1, readback="pinned"),
    )
    c = compare(tiny_workload.replace(steps=8), RunSpec(rounds=1, telemetry="off"), variants=variants)
    assert c.variant_names == ["serial", "naive", "pinned", "pool1"]
    assert [f.variant for f in c.syncs] == ["naive"] and c.syncs[0].count >= 3
    assert "runners.py" in c.syncs[0].where and "waited for every batch" in c.syncs[0].what
    for name in c.variant_names:
        steps = c.summary_of(name)
        assert steps.c.mean > 0 and steps.g.mean > 0
    pool = c.mode_runs("pool1")[0]
    assert pool.workers == 1
    assert all(s.launch_start_ns < s.device_start_ns < s.device_end_ns <= s.post_start_ns for s in pool.steps)
    assert all(s.read_start_ns >= s.wait_end_ns for s in pool.steps)
