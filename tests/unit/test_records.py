"""Comparison statistics on known runs, and the JSON round trip."""

import dataclasses
import json
import math

import pytest

from engine.devices.ideal import FakeClock, IdealDevice, fixed_post
from engine.measure.protocol import Harness, compare
from engine.read.document import document, headline_numbers
from engine.result.blocks import TelemetryTrace
from engine.result.circumstances import Contention, Environment, Stability
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import EXAMPLES_DIR as EXAMPLES
from tests.kits.ideal import MS, ideal_compare


def _ideal_comparison(rounds=4):
    workload = Workload(model="resnet18", batch_size=4, steps=6, warmup_steps=1, cpu_work="ms", cpu_ms=5.0)
    return ideal_compare(workload, rounds)


def test_comparison_statistics_are_exact():
    c = _ideal_comparison()
    assert c.rounds == 4 and len(c.runs) == 8
    # serial wall: 6 x 15 ms; overlap wall: 5 x 10 ms + 15 ms drain
    assert c.round_speedups == pytest.approx([90 / 65] * 4)
    assert c.speedup == pytest.approx(90 / 65)
    assert c.speedup_cv == 0.0 and not c.noisy and c.stability_text == "stable: CV 0.0%"
    assert c.ceiling == pytest.approx(1.5)
    assert c.limit == pytest.approx(90 / 65)  # the block limit: exactly what the loop did
    assert c.efficiency == pytest.approx(1.0)
    base, head = c.baseline_summary, c.headline_summary
    assert (c.baseline.name, c.headline.name) == ("serial", "deque")
    assert base.period_ms == 15.0 and head.period_ms == pytest.approx(65 / 6)  # the walls over 6 batches
    assert base.launch_gap.p50 == 15.0 and head.launch_gap.p50 == 10.0
    assert base.throughput_ips == pytest.approx(4 * 6 / 0.090)
    assert (base.g.mean, base.l.mean, base.c.mean) == (10.0, 2.0, 5.0)


def test_rounds_alternate_their_order():
    c = _ideal_comparison()
    order = [(r.round_index, r.mode) for r in c.runs]
    assert order == [
        (0, "serial"),
        (0, "deque"),
        (1, "deque"),
        (1, "serial"),
        (2, "serial"),
        (2, "deque"),
        (3, "deque"),
        (3, "serial"),
    ]
    starts = [r.start_ns for r in c.runs]
    assert starts == sorted(starts)


def test_noise_flag_uses_the_round_spread():
    c = _ideal_comparison(rounds=2)
    serial = c.mode_runs("serial")[0]
    slow = dataclasses.replace(serial, end_ns=serial.start_ns + 2 * (serial.end_ns - serial.start_ns))
    noisy = Comparison(c.workload, c.device_kind, (slow,) + c.runs[1:], c.calibration)
    assert noisy.noisy and noisy.speedup_cv > 0.05
    assert noisy.stability_text == f"unstable: CV {noisy.speedup_cv:.1%} > 3%"


def test_one_round_has_no_spread_to_judge():
    c = _ideal_comparison(rounds=1)
    assert math.isnan(c.speedup_cv) and c.stability_state == "n/a"
    assert c.stability_text == "stability n/a: one round, no spread"


def test_json_round_trip_keeps_every_number(tmp_path):
    c = _ideal_comparison()
    trace = TelemetryTrace(
        "nvml",
        [1, 2],
        [50.0, 60.0],
        [100.0, 101.0],
        [300.0, 310.0],
        [1980.0, 1980.0],
        [[10.0, 20.0], [30.0, 40.0]],
    )
    c = Comparison(c.workload, c.device_kind, c.runs, c.calibration, Environment(gpu_name="X"), trace)
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document(c)))
    back = Comparison.from_json(path)
    assert back == c
    assert headline_numbers(back) == headline_numbers(c)
    data = json.loads(path.read_text())
    assert list(data)[0] == "summary" and data["schema_version"] == 7
    assert data["summary"]["speedup"] == pytest.approx(c.speedup)
    assert len(data["summary"]["blocks"]) == len(c.runs) and data["summary"]["verdict"]


def test_version_1_results_load_with_the_new_fields_defaulted():
    c = Comparison.from_json(EXAMPLES / "h100_seed.json")
    assert c.runs[0].steps[0].post_iterations == -1 and math.isnan(c.runs[0].ms_per_iteration)
    assert c.calibration.cpu_iterations == 500_000 and c.calibration.target_c_ms is None
    assert not c.contention.checked and c.contention.stamp == "contention not checked"
    assert c.stability == Stability()


def test_iterations_returned_by_the_post_processing_are_recorded():
    clock = FakeClock()

    def post(step, handle):
        clock.advance(4 * MS)
        return 2_000  # 2 us per iteration

    workload = Workload(model="resnet18", steps=5, warmup_steps=0, cpu_work="ms", cpu_ms=4.0)
    c = compare(
        workload,
        RunSpec(rounds=1, telemetry="off"),
        harness=Harness(IdealDevice(clock, 10 * MS, 1 * MS), post, clock),
    )
    assert all(s.post_iterations == 2_000 for r in c.runs for s in r.steps)
    assert c.runs[0].ms_per_iteration == pytest.approx(0.002)


def test_contention_stamp_says_what_was_seen():
    assert Contention(True, 0, 1.0, 16).stamp == "uncontended"
    assert Contention(True, 1, 1.0, 16).stamp == "contended: 1 other process(es) used the GPU"
    assert Contention(True, 0, 3.5, 2).stamp == "contended: host load 3.5 on 2 cores"


def test_unknown_schema_is_rejected():
    with pytest.raises(ValueError, match="schema_version=99 is not allowed"):
        Comparison.from_dict({"schema_version": 99})


def test_telemetry_window_keeps_samples_inside():
    t = TelemetryTrace("nvml", [1, 5, 9], [1.0, 2.0, 3.0], [], [], [], [[1.0], [2.0], [3.0]])
    w = t.window(2, 9)
    assert w.t_ns == [5, 9] and w.gpu_util_pct == [2.0, 3.0] and w.gpu_power_w == []
    assert w.cpu_pct_per_core == [[2.0], [3.0]]


def test_efficiency_is_nan_when_the_predicted_gain_is_within_noise():
    clock = FakeClock()
    workload = Workload(model="resnet18", steps=4, warmup_steps=0, cpu_work="ms", cpu_ms=100.0)
    c = compare(
        workload,
        RunSpec(rounds=1, telemetry="off"),
        harness=Harness(IdealDevice(clock, g_ns=2 * MS, l_ns=MS // 2), fixed_post(clock, 100 * MS), clock),
    )
    assert c.ceiling == pytest.approx(102 / 100.5)  # a 1.5% gain predicted: below the 2% floor
    assert c.limit < 1.02 and c.speedup > 1.0 and math.isnan(c.efficiency)


def test_efficiency_is_nan_without_predicted_gain():
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=10 * MS, l_ns=1 * MS)
    workload = Workload(model="resnet18", steps=4, warmup_steps=0, cpu_work="ms", cpu_ms=0.0)
    c = compare(
        workload,
        RunSpec(rounds=1, telemetry="off"),
        harness=Harness(device, fixed_post(clock, 0), clock),
    )
    assert c.ceiling == 1.0 and math.isnan(c.efficiency)
