"""Loop variants on the fake device: exact orders and periods for every shape, readback and launch."""

import pytest

from engine.devices.ideal import FakeClock, FakePool, IdealDevice, fixed_post
from engine.errors import WorkloadError
from engine.measure.runners import run_loop, run_pool
from engine.model.period import steady
from engine.model.terms import terms_of
from engine.spec.run_spec import RunSpec
from engine.spec.sets import SETS, ladder, variant_set
from engine.spec.variants import Variant, check_variants, name_of, rotation
from engine.spec.workload import Workload
from tests.kits.ideal import MS, ideal_ladder

W = Workload(model="resnet18", batch_size=1, steps=8, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu")


def _device(readback="none", launch="eager", g=10, l_ms=2, log=None):
    clock = FakeClock()
    device = IdealDevice(clock, g_ns=g * MS, l_ns=l_ms * MS, log=log, graph_l_ns=MS // 20)
    device.set_variant(readback, launch)
    return clock, device


def test_naive_readback_waits_for_the_batch_just_launched_and_loses_the_overlap():
    log: list[str] = []
    clock, device = _device("naive", log=log)
    run = run_loop(device, fixed_post(clock, 5 * MS, log), 5, 2, clock=clock, read=device.read)
    assert log[:6] == ["launch0", "wait0", "launch1", "read0", "post0", "wait1"]
    # read0 returns when batch 1 ends (FIFO), so C runs with the GPU idle: the serial period G + C.
    assert run.launch_gaps_ms == [10.0, 15.0, 15.0, 15.0]
    assert [(s.read_end_ns - s.read_start_ns) / MS for s in run.steps][:2] == [8.0, 8.0]


def test_pinned_readback_waits_only_for_its_own_batch_and_keeps_the_overlap():
    clock, device = _device("pinned")
    run = run_loop(device, fixed_post(clock, 5 * MS), 5, 2, clock=clock, read=device.read)
    assert run.launch_gaps_ms == [10.0] * 4  # max(G, L + C), as with no readback at all
    assert all(s.read_end_ns == s.read_start_ns for s in run.steps)


@pytest.mark.parametrize(("workers", "period_ms"), [(1, 30.0), (2, 15.0), (4, 10.0)])
def test_a_pool_of_k_reaches_max_g_l_c_over_k(workers, period_ms):
    clock, device = _device("pinned")
    pool = FakePool(clock, workers, 30 * MS)
    run = run_pool(device, pool, 40, workers, clock=clock, read=device.read)
    # Once the pool's backlog is full, launches follow the pool's pace: k tasks per C.
    assert sum(run.launch_gaps_ms[-10:]) == pytest.approx(10 * period_ms)
    assert max(run.launch_gaps_ms[-10:]) <= 2 * period_ms
    assert [s.step for s in run.steps] == list(range(40))
    v = Variant.of(depth=2, workers=workers, readback="pinned")
    assert steady(terms_of(v, run.costs)).period_ms == period_ms and run.workers == workers


def test_the_pool_hands_over_the_previous_batch_after_each_launch():
    log: list[str] = []
    clock, device = _device("pinned", log=log)
    run_pool(device, FakePool(clock, 2, 5 * MS, log), 3, 2, clock=clock, read=device.read)
    assert [e for e in log if not e.startswith("wait")] == [
        "launch0",
        "launch1",
        "read0",
        "submit0",
        "launch2",
        "read1",
        "submit1",
        "read2",
        "submit2",
        "sync",
    ]


def test_a_graph_launch_costs_its_own_l():
    clock, device = _device(launch="graph", l_ms=4)
    run = run_loop(device, fixed_post(clock, 8 * MS), 6, 2, clock=clock)
    assert run.l_ms.mean == pytest.approx(0.05)
    assert run.launch_gaps_ms[-3:] == [10.0] * 3  # L + C fell from 12 ms under G


def test_rounds_rotate_every_variant_through_every_place():
    v = ladder(on_gpu=True, workers=8)
    orders = [[x.name for x in rotation(v, r)] for r in range(len(v))]
    for place in range(len(v)):
        assert sorted(o[place] for o in orders) == sorted(x.name for x in v)
    two = variant_set("pair").variants()
    assert [[x.name for x in rotation(two, r)] for r in range(3)] == [
        ["serial", "deque"],
        ["deque", "serial"],
        ["serial", "deque"],
    ]


def test_every_named_set_has_a_serial_baseline_first():
    for name in SETS:
        variants = variant_set(name).variants(on_gpu=True)
        check_variants(variants, on_gpu=True)
        assert variants[0].is_serial


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Variant("x", depth=0), "depth"),
        (lambda: Variant("x", workers=-1), "workers"),
        (lambda: Variant("x", readback="copy"), "readback"),
        (lambda: Variant("x", launch="jit"), "launch"),
        (lambda: Variant("a b"), "variant"),
        (lambda: Variant("x", depth=3, workers=2), "depth"),
        (lambda: RunSpec(variants="everything"), "variants"),
    ],
)
def test_bad_variants_name_the_field(make, field):
    with pytest.raises(WorkloadError) as err:
        make()
    assert err.value.field == field and "is not allowed" in str(err.value)


def _ladder_run(rounds=2):
    return ideal_ladder(rounds)


def test_the_ladder_measures_every_rung_against_one_serial_baseline():
    c = _ladder_run()
    assert c.variant_names == ["serial", "naive", "pinned", "pool8", "graphs", "graphs-bf16"]
    assert c.headline.name == "graphs-bf16" and len(c.runs) == 12
    # serial G + C = 34 ms; naive falls back to it; pinned reaches L + C = 26 ms; the pool and the
    # graphs are held by G = 10 ms; bf16 by its own G of 4 ms, over C / 8 = 3 ms.
    periods = {n: c.summary_of(n).launch_gap.p50 for n in c.variant_names}
    assert periods == {
        "serial": 34.0,
        "naive": 34.0,
        "pinned": 26.0,
        "pool8": 10.0,
        "graphs": 10.0,
        "graphs-bf16": 4.0,
    }
    assert c.ceiling_of("graphs-bf16") == pytest.approx(8.5)  # against the fp32 serial loop's G
    assert c.ceiling_of("naive") == pytest.approx(1.0)  # its read waits for the batch in flight
    assert c.ceiling_of("pool8") == pytest.approx(3.4)
    assert c.speedup_of("naive") == pytest.approx(1.0)
    assert c.limit_of("pinned") < c.ceiling_of("pinned") == pytest.approx(34 / 26)  # the drain
    assert c.efficiency_of("pinned") == pytest.approx(
        (c.speedup_of("pinned") - 1) / (c.limit_of("pinned") - 1)
    )
    assert c.efficiency_of("pinned") == pytest.approx(1.0)  # the ideal device: exactly its limit
    assert c.speedup == c.speedup_of("graphs-bf16") > c.speedup_of("graphs") > c.speedup_of("pinned") > 1.2


def test_the_sync_watch_catches_the_naive_readback_and_clears_the_pinned_one():
    c = _ladder_run(rounds=1)
    assert c.syncs_checked
    naive = [f for f in c.syncs if f.variant == "naive"]
    assert len(naive) == 1 and naive[0].count >= 4
    assert (
        naive[0].where.startswith("engine/measure/runners.py:") and "self.read(item.handle)" in naive[0].code
    )
    assert not [f for f in c.syncs if f.variant in ("serial", "pinned", "pool8", "graphs")]


def test_a_ladder_survives_json():
    c = _ladder_run(rounds=1)
    from engine.result.comparison import Comparison

    back = Comparison.from_dict(c.to_dict())
    assert back == c and back.ceiling_of("graphs") == c.ceiling_of("graphs")


def test_idle_gaps_are_labelled_by_their_cause():
    from engine.read.gaps import block_gaps, idle_ms_per_batch

    clock, device = _device("naive")
    naive = run_loop(device, fixed_post(clock, 5 * MS), 5, 2, clock=clock, read=device.read)
    # After each naive read the GPU idles through the whole C: a drain, 5 ms per gap.
    assert [(g.cause, g.ms) for g in block_gaps(naive)] == [("sync drain", 5.0)] * 3
    clock, device = _device()
    serial = run_loop(device, fixed_post(clock, 5 * MS), 5, 1, clock=clock)
    # Serial: C (5 ms), then the next launch, whose kernels start as it begins: all C.
    assert [g.cause for g in block_gaps(serial)] == ["post-process"] * 4
    clock = FakeClock()
    host_bound = IdealDevice(clock, g_ns=4 * MS, l_ns=3 * MS)
    run = run_loop(host_bound, fixed_post(clock, 6 * MS), 6, 2, clock=clock)
    per_batch = idle_ms_per_batch([run])
    # Period L + C = 9 ms against G = 4 ms: the GPU idles 5 ms a batch, during C.
    assert per_batch["post-process"] == pytest.approx(4 * 5 / 6)  # 4 gaps: the first launch waited for G
    assert per_batch["sync drain"] == 0.0


def test_pool_workers_keep_off_the_launching_threads_physical_core(monkeypatch):
    from engine.devices import pool

    pairs = {
        0: {0, 8},
        8: {0, 8},
        **{c: {c, c + 8} for c in range(1, 8)},
        **{c + 8: {c, c + 8} for c in range(1, 8)},
    }
    monkeypatch.setattr(pool, "_siblings", lambda c: frozenset(pairs[c]))
    keep, cores = pool.plan_cores(8, set(range(16)), 0)
    assert keep == {0, 8}
    # One hyper-thread of each of the 7 other physical cores first, then a second thread of one.
    assert cores[:7] == [1, 2, 3, 4, 5, 6, 7] and cores[7] in range(9, 16)
    assert pool.plan_cores(1, {0}, 0) == ({0}, [None])


def test_one_loop_has_one_name_in_every_set():
    # The same settings give the same name whichever set holds them, and two loops never share one.
    seen: dict[str, tuple] = {}
    for s in SETS.values():
        for gpu in (True, False):
            for v in s.variants(2, gpu):
                settings = (
                    v.depth,
                    v.workers,
                    v.readback,
                    v.launch,
                    v.precision,
                    v.upload,
                    v.prefetch,
                    v.post_in,
                )
                assert v.name == name_of(*settings)
                assert seen.setdefault(v.name, settings) == settings or v.is_serial, v.name
    assert {
        "serial",
        "deque",
        "naive",
        "pinned",
        "pool8",
        "graphs",
        "graphs-bf16",
        "deque4",
        "deque-graphs",
    } <= set(seen)
