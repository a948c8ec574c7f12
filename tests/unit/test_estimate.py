"""The stand-in's time estimate: each variant from its own shape through the cost model, the box's
cores, the history's pace, and a line when other work shares the box. bench/estimates.py holds the
estimates against the runs they speak of."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from engine.measure import estimate
from engine.measure.estimate import (
    busy_text,
    comparison_s,
    pace_of,
    standin_costs,
    standin_spec_s,
    variant_period_ms,
)
from engine.model.block import block_period_ms
from engine.model.terms import terms_of
from engine.spec.run_spec import RunSpec
from engine.spec.sets import SETS
from engine.spec.workload import STANDIN_PRESET, preset
from engine.store.history import History
from tests.kits.ideal import ideal_compare

W = preset(STANDIN_PRESET)


def test_each_variant_runs_at_its_own_block_period_with_no_more_workers_than_the_box_has():
    costs = standin_costs(W)
    pool8 = SETS["pool"].variants(2, False, 2)[-1]
    assert pool8.workers == 8
    on_two = variant_period_ms(pool8, costs, W.steps, cores=2)
    on_ten = variant_period_ms(pool8, costs, W.steps, cores=10)
    one_worker = dataclasses.replace(terms_of(pool8, costs), workers=1)
    shared = (costs.g_ms + costs.l_ms + costs.c_ms) / 2  # every batch's work on the box's two cores
    assert on_two == pytest.approx(max(block_period_ms(one_worker, W.steps), shared))
    assert on_ten <= on_two  # eight workers fit a box of ten cores, not one of two
    serial = SETS["pair"].variants(2, False, 2)[0]
    assert variant_period_ms(serial, costs, W.steps, 2) == pytest.approx(
        block_period_ms(terms_of(serial, costs), W.steps)
    )


def test_a_set_of_more_variants_or_helpers_is_estimated_longer_and_a_sweep_point_by_point():
    pair = standin_spec_s(W, RunSpec(variants="pair", rounds=3), cores=2)
    ladder = standin_spec_s(W, RunSpec(variants="ladder", rounds=3), cores=2)
    pool = standin_spec_s(W, RunSpec(variants="pool", rounds=3), cores=2)
    assert pair < ladder and pair < pool
    sweep = RunSpec(variants="sweep", rounds=1)
    variants = SETS["sweep"].variants(2, False, 2)
    points = [comparison_s(W.at_ratio(r), variants, 1, 2, 1.0) for r in sweep.sweep_ratios]
    assert standin_spec_s(W, sweep, cores=2) == pytest.approx(sum(points))
    assert len(set(points)) == len(points)  # each point at its own ratio of host work


def test_the_pace_scales_what_the_hosts_cores_run():
    slow = standin_spec_s(W, RunSpec(rounds=3), pace=2.0, cores=2)
    fast = standin_spec_s(W, RunSpec(rounds=3), pace=1.0, cores=2)
    fixed = estimate.STANDIN_START_S + estimate.STANDIN_STOP_S
    assert slow - fixed == pytest.approx(2 * (fast - fixed), rel=0.01)  # L, a pipe's write, is not scaled


def test_a_busy_box_is_said_with_what_it_adds_and_an_idle_one_is_not():
    assert busy_text(20.0, 0.3, 2) == ""
    said = busy_text(20.0, 1.0, 2)
    assert said == (
        "The box's 1-minute load is 1.0 on its 2 cores (other work, or a run that just ended); "
        "while it stays, expect about 40 s."
    )
    assert busy_text(20.0, 6.0, 2).endswith("expect about 40 s.")  # never less than one core's share


def test_the_pace_comes_from_this_hosts_newest_standin_run_of_the_model(tmp_path):
    store = History(tmp_path)
    assert store.newest_standin(W.model) is None and pace_of(None) == 1.0  # nothing run here yet
    c = ideal_compare(W.replace(steps=8, warmup_steps=1), 1)
    ran = dataclasses.replace(
        c,
        device_kind="standin",
        provenance=dataclasses.replace(c.provenance, host=socket.gethostname()),
    )
    store.save(ran, "cli")
    newest = store.newest_standin(W.model)
    assert newest is not None and newest.provenance == ran.provenance
    expected = ran.baseline_summary.g.mean / estimate.standin_batch_ms(ran.workload)
    assert pace_of(newest) == pytest.approx(min(4.0, max(0.25, expected)))
    assert store.newest_standin("vit_b_16") is None  # another model's pace is not this one's
    assert store.newest_standin(W.model, host="another-box") is None
