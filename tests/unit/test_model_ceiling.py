import math

import pytest

from engine.model.ceiling import efficiency, predict


def test_gpu_bound_prediction():
    p = predict(g_ms=10.0, l_ms=2.0, c_ms=5.0)
    assert (p.baseline_period_ms, p.period_ms) == (15.0, 10.0)
    assert p.ceiling == 1.5 and p.bound == "GPU-bound (G)" and p.formula == "max(G, L + C)"
    assert p.latency_ms == 17.0


def test_article_numbers_on_an_h100_give_a_small_ceiling():
    # G 10.8 ms, L 3.5 ms, C 116 ms: the host work dominates, so overlap hides only G.
    p = predict(10.8, 3.5, 116.0)
    assert p.bound == "host-bound (L + C)"
    assert p.ceiling == pytest.approx((10.8 + 116.0) / (3.5 + 116.0))
    assert 1.05 < p.ceiling < 1.1


def test_balanced_work_approaches_two():
    assert predict(50.0, 0.0, 50.0).ceiling == 2.0


def test_pool_workers_divide_c():
    p = predict(10.0, 1.0, 40.0, workers=4)
    assert p.period_ms == 10.0 and p.ceiling == 5.0 and p.formula == "max(G, L, C / 4)"
    assert predict(10.0, 1.0, 80.0, workers=4).bound == "pool-bound (C / 4)"


def test_a_graph_variant_keeps_the_baselines_eager_launch():
    # Replaying cuts L from 8 to 0.1 ms; the serial baseline still launches eagerly.
    p = predict(10.0, 0.1, 4.0, baseline_l_ms=8.0)
    assert (p.baseline_period_ms, p.period_ms) == (14.0, 10.0)
    assert predict(10.0, 8.0, 4.0).bound == "launch-bound (L)"


def test_depth_costs_latency_and_no_period():
    two, four = predict(10.0, 2.0, 5.0, depth=2), predict(10.0, 2.0, 5.0, depth=4)
    assert two.period_ms == four.period_ms == 10.0
    assert four.latency_ms - two.latency_ms == 2 * 10.0
    assert predict(10.0, 2.0, 5.0, depth=1).bound == "serial (G + C in turn)"


def test_efficiency():
    assert efficiency(1.5, 2.0) == 0.5
    assert efficiency(1.0, 2.0) == 0.0
    assert math.isnan(efficiency(1.0, 1.0))
    with pytest.raises(ValueError):
        predict(-1.0, 0.0, 0.0)
