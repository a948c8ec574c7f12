"""The box's ceiling, the box-sized pool and the bf16 rung, on the ideal device: exact numbers."""

from __future__ import annotations

import pytest

from engine.errors import WorkloadError
from engine.measure.protocol import compare
from engine.read.box import box_ceiling, box_sentence
from engine.read.rungs import rungs
from engine.spec.run_spec import RunSpec
from engine.spec.sets import box_workers, variant_set
from engine.spec.variants import Variant, check_variants
from engine.spec.workload import Workload
from engine.words.variants import format_rungs
from tests.kits.ideal import ideal_harness, ideal_ladder

W = Workload(
    model="resnet18", batch_size=1, steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=24.0, device="cpu"
)


def _ladder(**costs: float) -> object:
    cores = int(costs.pop("cores", 9))
    return compare(
        W,
        RunSpec(variants="ladder", rounds=1, telemetry="off"),
        harness=ideal_harness(c_ms=24, workers=box_workers(cores, True), cores=cores, **costs),
    )


def test_the_pool_is_sized_to_the_box_less_the_launching_threads_core():
    assert box_workers(16, on_gpu=True) == 15
    assert box_workers(16, on_gpu=False) == 14  # the stand-in's model takes a core too
    assert box_workers(2, on_gpu=False) == 1 and box_workers(1, on_gpu=True) == 1
    assert box_workers(500, on_gpu=True) == 64
    names = [v.name for v in variant_set("ladder").variants(on_gpu=True, cores=16)]
    assert names == ["serial", "naive", "pinned", "pool15", "graphs", "graphs-bf16"]
    assert [v.name for v in variant_set("ladder").variants(on_gpu=False, cores=16)][-1] == "pool14"


def test_a_bf16_rung_is_named_and_labelled_by_its_precision():
    v = Variant.of(depth=2, workers=15, readback="pinned", launch="graph", precision="bf16")
    assert v.name == "graphs-bf16" and v.label == "pool of 15 + pinned readback + CUDA Graphs + bf16"
    assert Variant.of(depth=2, precision="bf16").name == "deque-bf16"


def test_the_box_ceiling_is_the_cheapest_of_every_cost_measured():
    c = ideal_ladder()
    box = box_ceiling(c)
    # serial: max(G 10, L 2) + C 24 = 34 ms. The box: max(G at bf16 4, L with graphs 0.05, C / 8 3).
    assert box.terms_ms == pytest.approx({"G at bf16": 4.0, "L with graphs": 0.05, "C / 8": 3.0})
    assert (box.period_ms, box.bound, box.ceiling) == pytest.approx((4.0, "G at bf16", 8.5))
    assert box.ceiling == pytest.approx(c.ceiling_of("graphs-bf16"))  # the top rung's rule, same costs
    shares = {r.name: r.of_box for r in rungs(c)}
    assert shares["serial"] == pytest.approx(1 / 8.5)
    assert shares["graphs-bf16"] == pytest.approx(c.speedup_of("graphs-bf16") / 8.5)
    said = box_sentence(c)
    assert said.startswith(
        "this box allows 8.50x over serial: max(G at bf16 4.00, L with graphs 0.05, C / 8 3.00)"
    )
    assert f"graphs-bf16 reached {c.speedup_of('graphs-bf16'):.2f}x" in said and "not measured" not in said
    assert any(line.startswith("of box: this box allows 8.50x") for line in format_rungs(c))


def test_a_box_with_few_cores_is_bound_by_its_pool():
    c = _ladder(cores=4, bf16_g_ms=1.0)  # 3 workers: C / 3 = 8 ms over G at bf16 1 ms
    box = box_ceiling(c)
    assert (box.workers, box.bound, box.period_ms) == (3, "C / 3", pytest.approx(8.0))
    assert box.ceiling == pytest.approx(34 / 8)
    assert c.variant_names[3] == "pool3"


def test_a_run_without_bf16_or_graphs_says_the_box_may_allow_more():
    c = compare(
        W, RunSpec(variants="pool", rounds=1, telemetry="off"), harness=ideal_harness(c_ms=24, workers=8)
    )
    box = box_ceiling(c)
    assert box.terms_ms == pytest.approx({"G at fp32": 10.0, "L": 2.0, "C / 8": 3.0})
    assert box.unmeasured == ("bf16", "CUDA Graphs")
    assert box_sentence(c).endswith("; bf16 and CUDA Graphs not measured, so the box may allow more")


def test_a_rung_of_its_own_precision_is_refused_where_it_cannot_run():
    bf16 = (Variant.of(), Variant.of(depth=2, precision="bf16"))
    with pytest.raises(WorkloadError, match="precision='bf16' is not allowed: '' on the CPU stand-in"):
        check_variants(bf16, on_gpu=False)
    with pytest.raises(WorkloadError, match="precision='fp16' is not allowed"):
        Variant.of(depth=2, precision="fp16")
    seen: list[object] = []
    with pytest.raises(WorkloadError, match="precision='bf16' is not allowed: the loop's own"):
        compare(W.replace(loop="classify-fp32"), RunSpec(rounds=1), variants=bf16, harness=ideal_harness())
    assert seen == []


def test_the_recorded_ladder_holds_each_rung_against_its_own_block_limit():
    from engine.read.truth import limit_sentence
    from engine.store.history import History

    c = History().load("example-h200-ladder-box")
    assert c.variant_names[-3:] == ["pool15", "graphs", "graphs-bf16"] and c.speedup > 14
    # A pool of 15 with C = 131 ms over 200 batches: the waves and the last batch's C are in the limit.
    said = limit_sentence(c, "graphs")
    assert said.startswith("graphs at 12.90x is at the 12.87x its blocks of 200 batches allow")
    assert "pool15" not in said  # a fast pool15 block once explained the graphs rung
    top = limit_sentence(c, "graphs-bf16")
    assert top.startswith("graphs-bf16 at 15.47x is at the 15.46x its blocks of 200 batches allow")
    assert box_ceiling(c).bound == "C / 15" and box_ceiling(c).ceiling == pytest.approx(16.30, abs=0.01)
