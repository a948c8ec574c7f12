"""The ladder's GPU-only parts on a real CUDA device (marked `gpu`, skipped elsewhere): the sync
watch on torch's own detector, pinned copies, CUDA Graph launches, and the profiler cross-check."""

import statistics
import time

import pytest

from engine.host.trace import kernel_spans_ms, read
from engine.measure.protocol import compare, open_device
from engine.measure.rig import Rig
from engine.result.circumstances import Calibration
from engine.spec.run_spec import RunSpec
from engine.spec.sets import ladder, pair, readbacks
from engine.spec.variants import Variant
from engine.spec.workload import Workload

pytestmark = pytest.mark.gpu
OFF = RunSpec(rounds=1, telemetry="off")
SMALL = Workload(
    model="resnet18", batch_size=16, steps=10, warmup_steps=3, cpu_work="ms", cpu_ms=4.0, device="cuda"
)


@pytest.fixture(scope="module")
def ladder_result():
    return compare(SMALL, OFF, variants=ladder(on_gpu=True, workers=2))


def test_torch_sync_debug_mode_catches_the_naive_readback_and_not_the_pinned_one(ladder_result):
    naive = [f for f in ladder_result.syncs if f.variant == "naive"]
    assert naive and sum(f.count for f in naive) >= SMALL.steps // 2
    assert any("cuda.py" in f.where and ".cpu()" in f.code for f in naive)
    clean = [
        f for f in ladder_result.syncs if f.variant in ("serial", "pinned", "pool2", "graphs", "graphs-bf16")
    ]
    assert clean == []


def test_the_bf16_rung_computes_faster_than_the_fp32_graphs_below_it(ladder_result):
    assert ladder_result.variant_names[-2:] == ["graphs", "graphs-bf16"]
    assert ladder_result.summary_of("graphs-bf16").g.mean < ladder_result.summary_of("graphs").g.mean


def test_a_graph_replay_launches_far_faster_than_eager(ladder_result):
    eager = ladder_result.summary_of("pool2").l.mean
    graph = ladder_result.summary_of("graphs").l.mean
    assert graph < eager / 5
    # The replayed forward runs the same kernels without launch gaps between them: its G is never
    # longer than eager's (for a small model at batch 16 it is much shorter: eager G is launch-bound).
    assert ladder_result.summary_of("graphs").g.mean <= ladder_result.baseline_summary.g.mean * 1.05


def test_pinned_readback_keeps_the_overlap_that_naive_loses():
    """Where overlap helps (G well above L, C below G), naive falls back to the serial period."""
    w = Workload(model="vit_b_16", batch_size=32, steps=10, warmup_steps=3, cpu_work="ms", cpu_ms=10.0)
    c = compare(w.replace(device="cuda"), OFF, variants=readbacks())
    serial, naive, pinned = (c.period_of(n) for n in ("serial", "naive", "pinned"))
    assert pinned < 0.85 * naive and naive > 0.9 * serial, (serial, naive, pinned)
    assert {f.variant for f in c.syncs} == {"naive"}, c.syncs


def test_events_g_matches_the_profilers_kernel_span(tmp_path):
    """Per-batch G from CUDA events against the first-kernel-to-last-kernel span in the trace."""
    w = Workload(
        model="vit_b_16", batch_size=10, steps=12, warmup_steps=5, cpu_work="ms", cpu_ms=5.0, device="cuda"
    )
    dev = open_device(w)
    try:
        for i in range(w.warmup_steps):
            dev.wait(dev.launch(i))
        rig = Rig(dev, w, pair(), Calibration(target_c_ms=5.0, cpu_iterations=20_000))
        path = tmp_path / "trace.json"
        blocks = rig.trace(str(path), time.perf_counter_ns, True)
    finally:
        dev.close()
    for block in blocks:
        spans = kernel_spans_ms(read(path), block.mode)
        assert set(spans) == {s.step for s in block.steps}
        events = statistics.median(s.g_ms for s in block.steps)
        profiler = statistics.median(spans.values())
        assert events == pytest.approx(profiler, rel=0.03), (block.mode, events, profiler)


def test_graph_on_a_variant_is_refused_nowhere_on_cuda():
    Variant("g", launch="graph")  # valid as data; the stand-in refuses it, CUDA runs it
