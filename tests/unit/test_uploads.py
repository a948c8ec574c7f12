"""The input side on the ideal device: each upload's exact period, where its copy ran, the idle it
causes, what the side stream wins back, and the box's ceiling when the copy engine bounds it."""

from __future__ import annotations

import pytest

from engine.errors import WorkloadError
from engine.measure.protocol import compare
from engine.model.ceiling import predict
from engine.read.box import box_ceiling
from engine.read.gaps import idle_ms_per_batch
from engine.read.uploads import upload_rows, upload_sentence
from engine.spec.run_spec import RunSpec
from engine.spec.variants import Variant, check_variants
from engine.spec.workload import Workload
from engine.words.comparison import format_comparison
from tests.kits.ideal import ideal_harness, uploads_comparison

W = Workload(
    model="resnet18", batch_size=1, steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu"
)


def _uploads(x_ms: float = 3.0):
    return uploads_comparison(x_ms)


def test_every_upload_runs_at_the_period_its_formula_gives():
    c = _uploads()
    assert c.variant_names == [
        "serial-graphs-pageable-in",
        "deque-graphs",
        "pageable-in-graphs",
        "pinned-in-graphs",
        "side-in-graphs",
    ]
    expected = {
        "serial-graphs-pageable-in": 18.0,  # max(G, L) + X + C, in turn
        "deque-graphs": 10.0,  # no upload: max(G, L + C)
        "pageable-in-graphs": 18.0,  # .to(device) waits for the stream: serial again
        "pinned-in-graphs": 13.0,  # on the compute stream: max(G + X, L + C)
        "side-in-graphs": 10.0,  # beside compute: max(G, X, L + C, (L + X + G) / 2)
    }
    for name, period in expected.items():
        assert c.summary_of(name).launch_gap.p50 == pytest.approx(period), name  # steady, once filled
        assert c.prediction_of(name).period_ms == pytest.approx(period), name
        assert c.ceiling_of(name) == pytest.approx(18.0 / period), name
        # and the block of 40 batches, fill and drain included, is exactly what the model plays out
        assert c.period_of(name) == pytest.approx(c.prediction_of(name).limit_period_ms), name
    assert c.prediction_of("side-in-graphs").formula == "max(G, X, L + C, (L + X + G) / 2)"
    assert c.summary_of("side-in-graphs").x.mean == pytest.approx(3.0)


def test_where_each_copy_ran_and_the_idle_it_caused():
    c = _uploads()
    rows = {r.upload: r for r in upload_rows(c)}
    # every copy under the batch before, but the first: nothing computes before it
    assert rows["side"].overlapped == pytest.approx(39 / 40)
    assert rows["pinned"].overlapped == rows["pageable"].overlapped == 0.0  # after it, on one stream
    # each waits for the batch launched before it, then for its copy; the first only for its copy
    assert rows["pageable"].host_ms == pytest.approx((3.0 + 39 * (10.0 - 0.05 + 3.0)) / 40)
    assert rows["side"].host_ms == 0.0
    # the periods with fill and drain: 40 batches of 10 ms and the last one's 5 ms post-processing,
    # against the pageable upload's 39 of 18 ms and its last batch's 3 + 10 + 5 ms, the first copy alone
    assert c.period_of("deque-graphs") == pytest.approx(405 / 40)
    assert c.period_of("pageable-in-graphs") == pytest.approx(715 / 40)
    assert rows["pageable"].cost_share == pytest.approx(1 - 405 / 715)
    said = upload_sentence(c)
    assert said.startswith("the pageable upload costs 43% of pageable-in-graphs's 17.88 ms period against ")
    assert "the side stream wins back 99% of it" in upload_sentence(c)
    idle = idle_ms_per_batch(c.mode_runs("pageable-in-graphs"))
    # 39 gaps between 40 batches, each the next copy (3 ms) and then, but for the first, a post (5 ms)
    assert idle["upload"] == pytest.approx(39 * 3 / 40) and idle["post-process"] == pytest.approx(38 * 5 / 40)
    assert idle_ms_per_batch(c.mode_runs("side-in-graphs"))["upload"] == 0.0
    table = format_comparison(c)
    assert "inputs uploaded per batch" in table and "side-in-graphs" in table


def test_a_copy_longer_than_compute_bounds_the_side_stream_and_the_box():
    c = _uploads(x_ms=12.0)
    periods = {n: c.summary_of(n).launch_gap.p50 for n in c.variant_names}  # steady, once filled
    assert periods["side-in-graphs"] == pytest.approx(12.0)  # X: the copy engine sets the pace
    assert periods["pinned-in-graphs"] == pytest.approx(22.0) and periods[
        "pageable-in-graphs"
    ] == pytest.approx(27.0)
    box = box_ceiling(c)
    assert box.bound == "X on a side stream" and box.period_ms == pytest.approx(12.0)
    assert box.ceiling == pytest.approx(27.0 / 12.0)


def test_a_pool_uploads_too():
    for upload, period in (("side", 12.0), ("pinned", 13.0), ("pageable", 13.0)):
        variants = (Variant.of(), Variant.of(depth=2, workers=2, readback="pinned", upload=upload))
        c = compare(
            W.replace(cpu_ms=24.0),
            RunSpec(rounds=1, telemetry="off"),
            variants=variants,
            harness=ideal_harness(g_ms=10, l_ms=2, c_ms=24, x_ms=3, workers=2),
        )
        assert c.prediction_of(variants[1].name).period_ms == pytest.approx(period), upload
    # the formula for each, as the table prints it
    assert predict(10, 2, 24, 2, 2, upload="side", x_ms=3).formula == "max(G, L, X, C / 2, (L + X + G) / 3)"


def test_uploads_are_refused_on_the_stand_in_by_the_control_that_asks_for_them():
    with pytest.raises(WorkloadError, match="upload='side' is not allowed: none on the CPU stand-in"):
        check_variants((Variant.of(), Variant.of(depth=2, upload="side")), on_gpu=False)
    with pytest.raises(WorkloadError, match="variants='uploads' is not allowed: .*uploads needs a CUDA GPU"):
        RunSpec(variants="uploads").variants_for(on_gpu=False)
    with pytest.raises(
        WorkloadError, match="upload='disk' is not allowed: one of none, pageable, pinned, side"
    ):
        Variant.of(depth=2, upload="disk")
