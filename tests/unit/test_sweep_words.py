"""A G/C sweep said in every view: the CLI's table with its header, the JSON, the lab's frame, and
the sentence for a point whose host work did not land where the sweep aimed it."""

from __future__ import annotations

import pytest

from engine.frames.sweep import points_frame
from engine.read.numbers import gain_share
from engine.read.sweep import MISSED_AIM, missed_aims, sweep_dict
from engine.result.sweep import SweepPoint
from engine.spec.workload import Workload
from engine.words.sweep import format_sweep
from tests.kits.ideal import ideal_compare

W = Workload(model="resnet18", batch_size=1, steps=8, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu")


@pytest.fixture(scope="module")
def measured():
    """One comparison on the ideal device: G 10 ms, L 2 ms, C 5 ms, so (L + C) / G is 0.7."""
    return ideal_compare(W, 1)


def test_the_ideal_point_measures_the_ratio_its_costs_give(measured):
    assert SweepPoint(0.7, measured).measured_ratio == pytest.approx(0.7, rel=1e-9)


def test_a_point_more_than_a_quarter_off_its_aim_says_the_ratio_it_got(measured):
    near = SweepPoint(0.7 / (1 + MISSED_AIM * 0.9), measured)  # 22.5% off: within the margin
    far = SweepPoint(2.0, measured)  # 65% off
    said = missed_aims([near, far])
    assert len(said) == 1
    assert said[0].startswith("The point aimed at (L + C)/G = 2 got 0.70 (G 10.0 ms, L + C 7.0 ms")
    assert f"{measured.speedup:.2f}x belongs to 0.70" in said[0]


def test_every_view_of_a_sweep_holds_the_same_numbers(measured):
    points = [SweepPoint(0.7, measured), SweepPoint(2.0, measured)]
    text = format_sweep(points).splitlines()
    assert text[0] == f"G/C sweep, 2 points: {W.describe()}"
    assert text[1].startswith("device: ") and "1 round x 8 steps" in text[1]
    head = text.index(next(line for line in text if line.split()[:2] == ["(L+C)/G", "aimed"]))
    assert text[head].split()[2:7] == ["measured", "G", "ms", "limit", "ceiling"]
    row = text[head + 1].split()
    assert row[3:6] == [f"{measured.limit:.2f}x", f"{measured.ceiling:.2f}x", f"{measured.speedup:.2f}x"]
    assert text[head + 3 :] == missed_aims(points)  # the missed point's line follows the table
    doc = sweep_dict(points)
    assert doc["missed_aims"] == missed_aims(points)
    assert [p["limit"] for p in doc["points"]] == [measured.limit] * 2
    frame = points_frame(points)
    assert list(frame["limit"]) == [measured.limit] * 2
    share = gain_share(measured.efficiency, measured.speedup, "serial")
    assert list(frame["of the gain"]) == [share] * 2 and share in text[head + 1]
