"""The graphs crossover on the ideal device, where G grows with the batch and L does not: the
predicted and measured crossover are exact, and the sweep stops once graphs stop paying."""

from __future__ import annotations

import json
import math

import pytest

from engine.devices.ideal import FakeClock, IdealDevice
from engine.measure.crossover import sweep_launches
from engine.result.crossover import Crossover, LaunchPoint, crossing
from engine.words.crossover import format_crossover

MS = 1_000_000
L_MS, GRAPH_L_MS = 4.5, 0.05


def g_ms(batch: int) -> float:
    return 0.5 + 0.5 * batch  # 1 ms at batch 1, 4.5 ms (= L) at batch 8


def _sweep(batches=(1, 2, 4, 8, 16, 32, 64)) -> Crossover:
    clock = FakeClock()

    def open_at(batch: int) -> IdealDevice:
        return IdealDevice(
            clock, round(g_ms(batch) * MS), round(L_MS * MS), graph_l_ns=round(GRAPH_L_MS * MS)
        )

    return sweep_launches(open_at, "vit_b_16", "fp32", "ideal", batches, steps=10, clock=clock)


def test_the_crossover_is_where_g_covers_the_eager_launch():
    x = _sweep()
    # gains max(G, L) / max(G, Lg): 4.5, 3, 1.8, 1.0, 1.0; the sweep stops after two batches without gain
    assert [p.batch for p in x.points] == [1, 2, 4, 8, 16]
    assert [p.predicted_gain for p in x.points] == pytest.approx([4.5, 3.0, 1.8, 1.0, 1.0])
    assert [p.measured_gain for p in x.points] == pytest.approx([4.5, 3.0, 1.8, 1.0, 1.0])
    first = x.points[0]
    # one at a time, the eager span stretches to L; the replay's is the device's own work
    assert (first.eager_l_ms, first.eager_g_ms, first.graph_l_ms, first.graph_g_ms) == pytest.approx(
        (4.5, 4.5, 0.05, 1.0)
    )
    # between batch 4 (1.8x) and 8 (1.0x), 1.05x lies 15/16 of the way on a log2 scale
    assert x.predicted_batch == pytest.approx(2 ** (2 + 15 / 16))
    assert x.measured_batch == pytest.approx(x.predicted_batch) and x.agreement == pytest.approx(0.0)


def test_crossing_reads_between_batches_and_says_when_there_is_none():
    assert crossing([(1, 2.0), (4, 1.0)]) == pytest.approx(2 ** (2 * 0.95 / 1.0))
    assert crossing([(8, 1.01), (16, 1.0)]) == 8.0
    assert crossing([(1, 3.0), (2, 2.0)]) is None


def test_the_table_and_the_round_trip_keep_every_number():
    x = _sweep()
    again = Crossover.from_dict(json.loads(json.dumps(x.to_dict())))
    assert again == x and again.predicted_batch == x.predicted_batch
    text = format_crossover(x)
    assert "vit_b_16 fp32 on ideal" in text and "    1     4.50     4.50     0.05     1.00     4.50x" in text
    assert f"predicted from L and G at batch {x.predicted_batch:.0f}" in text
    assert "(0.00 powers of two apart)" in text
    never = Crossover("m", "bf16", "ideal", (LaunchPoint(1, 5, 5, 0.1, 1, 5, 1),))
    assert never.sentence() == "m bf16 on ideal: graphs paid at every batch swept, up to 1"
    assert math.isclose(never.points[0].measured_gain, 5.0)
