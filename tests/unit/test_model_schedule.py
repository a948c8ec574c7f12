"""The cost model against the loop itself: the block schedule plays exactly what the real runners
do on the ideal device, for every loop shape; the steady rules are that schedule's long-run limit;
and one mapping turns a variant into its terms.

The block schedule (engine/model/block.py) and the ideal device (engine/devices/ideal.py driving
engine/measure/runners.py) are two implementations of one loop, written apart: where they agree to
the nanosecond on random costs, neither has drifted from the loop the lab measures.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from engine.devices.ideal import FakeClock, FakePool, IdealDevice, fixed_post
from engine.measure.runners import Inputs, run_loop, run_pool
from engine.model.block import block_wall_ms
from engine.model.letters import LETTERS, Costs
from engine.model.period import long_run_ms, steady
from engine.model.terms import Terms, terms_of
from engine.spec.sets import SETS
from engine.spec.variants import Variant
from tests.kits.ideal import MS

CHOICES = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 24.0)


def _ideal_wall_ms(costs: Costs, v: Variant, steps: int) -> float:
    """One block of `v` run by the real runners on the ideal device, at exactly these costs."""
    clock = FakeClock()
    device = IdealDevice(clock, round(costs.g_ms * MS), round(costs.l_ms * MS), x_ns=round(costs.x_ms * MS))
    device.set_variant(v.readback, "eager", "", v.upload)
    p_ns = round(costs.p_ms * MS)
    inputs = None
    if costs.p_ms:
        inputs = Inputs(
            pre=None if v.prefetch else fixed_post(clock, p_ns),
            pool=FakePool(clock, v.prefetch, p_ns) if v.prefetch else None,
            prefetch=v.prefetch,
        )
    read = device.read if v.readback != "none" else None
    kwargs = {"clock": clock, "read": read, "upload": v.upload, "inputs": inputs}
    if v.workers:
        gil = round(costs.h * costs.c_ms * MS) if v.threaded else 0
        pool = FakePool(clock, v.workers, round(costs.c_ms * MS), gil_ns=gil)
        run = run_pool(device, pool, steps, v.workers, **kwargs)
    else:
        run = run_loop(device, fixed_post(clock, round(costs.c_ms * MS)), steps, v.depth, **kwargs)
    return (run.end_ns - run.start_ns) / MS


def _random_variant(rng: random.Random, costs: Costs) -> Variant:
    workers = rng.choice((0, 0, 1, 4, 8))
    return Variant.of(
        depth=2 if workers else rng.choice((1, 2, 3)),
        workers=workers,
        readback=rng.choice(("none", "naive", "pinned")),
        upload=rng.choice(("none", "pageable", "pinned", "side")),
        prefetch=rng.choice((0, 0, 2)) if costs.p_ms else 0,
        post_in=rng.choice(("processes", "threads")) if workers else "processes",
    )


def test_the_block_schedule_is_the_loop_the_ideal_device_runs():
    rng = random.Random(7)
    for _ in range(400):
        costs = Costs(
            *(rng.choice(CHOICES) for _ in range(3)),
            x_ms=rng.choice(CHOICES),
            p_ms=rng.choice(CHOICES),
            h=rng.choice((0.0, 0.5, 1.0)),
        )
        v = _random_variant(rng, costs)
        costs = costs.but(x_ms=costs.x_ms if v.uploads else 0.0)
        steps = rng.choice((1, 2, 3, 6, 17, 30))
        got = block_wall_ms(terms_of(v, costs), steps)
        assert got == pytest.approx(_ideal_wall_ms(costs, v, steps), abs=1e-5), (costs, v, steps)


@pytest.mark.parametrize("name", [n for n, s in SETS.items() if not s.sweep])
def test_every_variant_of_every_named_set_has_a_closed_form_that_is_its_long_run(name):
    """Each named set's variants, at several costs: the steady rule equals the schedule's own pace."""
    rng = random.Random(name)
    for v in SETS[name].variants(on_gpu=True, cores=9):
        for _ in range(40):
            costs = Costs(
                *(rng.choice(CHOICES) for _ in range(3)),
                x_ms=rng.choice(CHOICES) if v.uploads else 0.0,
                r_ms=rng.choice((0.0, 1.0, 3.0)),
                s_ms=rng.choice((0.0, 0.5, 2.0)) if v.workers else 0.0,
                p_ms=rng.choice(CHOICES) if SETS[name].needs_pre or rng.random() < 0.3 else 0.0,
                h=rng.choice((0.0, 0.25, 0.5, 1.0)),
            )
            t = terms_of(v, costs)
            rule = steady(t)
            assert rule.bound != "its schedule", (name, v.name)
            assert rule.period_ms == pytest.approx(long_run_ms(t), rel=1e-6), (
                name,
                v.name,
                costs,
                rule.formula,
            )


def test_a_hidden_sync_makes_an_inline_loop_serial_and_leaves_a_pool_alone():
    costs = Costs(10.0, 2.0, 24.0, r_ms=1.0)
    deque = terms_of(Variant.of(depth=2, readback="pinned"), costs, synced=True)
    pool = terms_of(Variant.of(depth=2, workers=4, readback="pinned"), costs.but(s_ms=0.5), synced=True)
    assert steady(deque).period_ms == long_run_ms(deque) == 35.0  # max(G + R, L) + C
    assert steady(deque).bound == "the post-processing's sync (serial)"
    assert steady(pool).period_ms == long_run_ms(pool) == 11.0  # max(G + R, L + S, C / 4)
    assert steady(pool).formula == "max((G + R), L + S, C / 4)"


def test_a_shape_without_a_closed_form_takes_its_schedules_pace():
    t = Terms(Costs(10.0, 2.0, 5.0, x_ms=3.0), depth=3, drains=True, upload="side")
    rule = steady(t)
    assert rule.bound == "its schedule" and rule.period_ms == long_run_ms(t)


def test_a_variant_takes_the_baselines_costs_but_what_it_changes_on_purpose():
    base = Costs(10.0, 5.0, 24.0, x_ms=0.0, p_ms=2.0)
    own = Costs(1.3, 0.2, 30.0, x_ms=3.0, s_ms=0.4, p_ms=9.0)
    serial = Variant.of(readback="pinned")
    graphs = terms_of(
        Variant.of(depth=2, workers=8, readback="pinned", launch="graph"), own, base, like=serial
    )
    assert graphs.costs == Costs(
        1.3, 0.2, 24.0, x_ms=0.0, s_ms=0.4, p_ms=2.0
    )  # its G and L, the baseline's C
    side = terms_of(Variant.of(depth=2, upload="side"), own, base, like=serial)
    assert side.costs == Costs(10.0, 5.0, 24.0, x_ms=3.0, p_ms=2.0)  # the baseline's G and L, its own X
    naive = terms_of(Variant.of(depth=2, readback="naive"), own, base, like=serial)
    assert naive.drains and naive.serial and steady(naive).bound == "the read's sync (serial)"
    assert terms_of(graphs_v := Variant.of(launch="graph"), own, base, like=graphs_v).costs.g_ms == 10.0


def test_costs_refuse_what_is_not_a_time():
    with pytest.raises(ValueError, match="C must be a number of ms, 0 or more"):
        Costs(1.0, 1.0, float("nan"))
    with pytest.raises(ValueError, match="G must be a number of ms"):
        Costs(-1.0, 1.0, 1.0)


def test_every_letter_means_one_thing():
    assert list(LETTERS) == ["P", "X", "L", "G", "R", "S", "C", "h", "k", "m", "n"]
    assert len(set(LETTERS.values())) == len(LETTERS)


def test_the_readme_lists_every_letter_with_its_one_meaning():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for letter, meaning in LETTERS.items():
        assert f"| **{letter}** | {meaning} |" in readme, letter
