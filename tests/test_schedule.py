import math

import pytest

from engine.result.schedule import efficiency, predict


def test_gpu_bound_prediction():
    p = predict(g_ms=10.0, l_ms=2.0, c_ms=5.0)
    assert (p.serial_period_ms, p.overlap_period_ms) == (15.0, 10.0)
    assert p.ceiling == 1.5 and p.bottleneck == "GPU"
    assert p.overlap_latency_ms == 17.0


def test_article_numbers_on_an_h100_give_a_small_ceiling():
    # G 10.8 ms, L 3.5 ms, C 116 ms: the host work dominates, so overlap hides only G.
    p = predict(10.8, 3.5, 116.0)
    assert p.bottleneck == "CPU"
    assert p.ceiling == pytest.approx((10.8 + 116.0) / (3.5 + 116.0))
    assert 1.05 < p.ceiling < 1.1


def test_balanced_work_approaches_two():
    assert predict(50.0, 0.0, 50.0).ceiling == 2.0


def test_pool_workers_divide_c():
    p = predict(10.0, 1.0, 40.0, pool_workers=4)
    assert p.overlap_period_ms == 10.0 and p.ceiling == 5.0


def test_efficiency():
    assert efficiency(1.5, 2.0) == 0.5
    assert efficiency(1.0, 2.0) == 0.0
    assert math.isnan(efficiency(1.0, 1.0))
    with pytest.raises(ValueError):
        predict(-1.0, 0.0, 0.0)
