"""Chart frames on a result recorded on an H100 (seed preset, 2 rounds): real numbers, no GPU needed."""

import pytest

from engine.frames import results as frames
from engine.measure.simulate import simulate
from engine.result.comparison import Comparison
from engine.store.history import EXAMPLES_DIR as EXAMPLES

RECORDED = EXAMPLES / "h100_seed.json"


@pytest.fixture(scope="module")
def h100() -> Comparison:
    return Comparison.from_json(RECORDED)


def test_recorded_result_is_what_it_says(h100):
    assert h100.environment.gpu_name.startswith("NVIDIA H100")
    assert h100.workload.model == "vit_b_16" and h100.workload.batch_size == 10
    assert h100.telemetry.gpu_status == "nvml"
    # G is steady on the GPU; the article's loop costs far more than G, so the ceiling is small.
    s = h100.baseline_summary
    assert 10 < s.g.p50 < 13 and s.c.p50 > 5 * s.g.p50
    assert 1.0 < h100.ceiling < 1.2


def test_percentiles_frame_carries_the_summary_numbers(h100):
    p = frames.percentiles_frame(h100)
    got = p[
        (p["mode"] == "serial") & (p["metric"] == frames.METRICS["launch_gap"]) & (p["percentile"] == "p90")
    ]
    assert got["value_ms"].item() == h100.baseline_summary.launch_gap.p90
    assert len(p) == 2 * 2 * 3


def test_samples_and_ecdf_cover_every_batch(h100):
    s = frames.samples_frame(h100)
    e = frames.ecdf_frame(h100)
    periods = sum(len(r.launch_gaps_ms) for r in h100.runs)
    latencies = sum(len(r.steps) for r in h100.runs)
    assert len(s) == len(e) == periods + latencies
    overlap_latency = e[(e["mode"] == "deque") & (e["metric"] == frames.METRICS["latency"])]
    assert overlap_latency["share"].iloc[-1] == 1.0
    assert overlap_latency["value_ms"].is_monotonic_increasing


def test_timeline_window_is_relative_to_its_first_launch(h100):
    t = frames.timeline_frame(frames.round_runs(h100, 0), first_step=5, steps=10)
    idle = t[t["activity"].str.startswith("idle")]
    t = t[~t["activity"].str.startswith("idle")]
    # The seed's GPU idles while the host post-processes: in serial between every two batches.
    assert set(idle[idle["mode"] == "serial"]["activity"]) == {"idle: post-process"}
    assert len(idle[idle["mode"] == "serial"]) >= 9
    # The window's steps, plus neighbours whose spans fall inside its time: step 4's
    # post-processing, which the overlap loop runs after launching step 5, and step 15's launch.
    assert set(range(5, 15)) <= set(t["step"]) <= set(range(4, 16))
    busy = t[(t["mode"] == "deque") & (t["lane"] == "CPU") & (t["activity"] == "post-process")]
    assert busy["start_ms"].min() < 5.0, "the overlap CPU lane is busy from the window's start"
    assert set(t["mode"]) == {"serial", "deque"}
    for _, group in t.groupby("mode"):
        assert group["start_ms"].min() == pytest.approx(0.0, abs=0.01)
    gpu = t[t["lane"] == "GPU"]
    assert ((gpu["end_ms"] - gpu["start_ms"]).between(9, 15)).all()  # each batch's G, in ms


def test_telemetry_frame_holds_gpu_and_cpu_series(h100):
    f = frames.telemetry_frame(h100, 0)
    metrics = set(f["metric"])
    assert {
        "GPU utilisation (%)",
        "GPU power (W)",
        "GPU memory used (MiB)",
        "CPU utilisation per core (%)",
    } <= metrics
    assert set(f["mode"]) == {"serial", "deque"}
    # Each sample lands in the run it was taken during, on that run's own time axis.
    for run in frames.round_runs(h100, 0):
        power = f[(f["mode"] == run.mode) & (f["metric"] == "GPU power (W)")]
        taken = h100.telemetry.window(run.start_ns, run.end_ns)
        assert len(power) == len(taken.t_ns) > 0
        assert list(power["value"]) == taken.gpu_power_w
        assert power["t_s"].max() <= run.wall_s


def test_records_frame_has_one_row_per_batch(h100):
    r = frames.records_frame(h100)
    assert len(r) == sum(len(run.steps) for run in h100.runs)
    assert {"g_ms", "l_ms", "c_ms", "latency_ms", "device_start_ns", "mode", "round"} <= set(r.columns)


def test_the_step_through_shows_the_next_launch_before_the_post_processing_it_precedes():
    # In the deque the host launches batch k, then post-processes batch k-1: at "k+1 launched" the
    # host lane must hold launch k, and post-processing k-1 belongs to the same step of the slider.
    serial, deque = simulate(10.0, 2.0, 5.0, depth=2, steps=6)
    t = frames.timeline_frame([serial, deque], 0, 6)
    d = t[t["mode"] == deque.mode]
    launch = d[(d["activity"] == "launch")].set_index("step")["launched"]
    post = d[(d["activity"] == "post-process")].set_index("step")["launched"]
    assert list(launch) == [1, 2, 3, 4, 5, 6]
    assert all(post[k - 1] == launch[k] for k in range(1, 6))  # post k-1 comes right after launch k
    s = t[t["mode"] == serial.mode]
    assert list(s[s["activity"] == "post-process"].set_index("step")["launched"]) == [1, 2, 3, 4, 5, 6]
