"""Threads and torch.compile on a real CUDA device (marked `gpu`, skipped elsewhere): the GIL trial
tells the pure-Python loop from the numpy one, diagnose forecasts threads beside processes, and the
compile rung compiles, replays and keeps its compile time out of every period."""

import pytest

from engine.measure.protocol import compare
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload

pytestmark = pytest.mark.gpu


def diagnosed(loop: str):
    spec = RunSpec(variants="diagnose", rounds=1, telemetry="off", save=False)
    return compare(Workload(loop=loop, batch_size=8, steps=10, warmup_steps=2, device="cuda"), spec)


def test_the_gil_share_tells_pure_python_from_numpy_and_threads_are_forecast_for_both():
    held, released = diagnosed("python-fp32"), diagnosed("numpy-fp32")
    for c in (held, released):
        f = c.forecast
        assert f is not None and f.probe.gil_share is not None
        assert any(n.startswith("threads") for n in c.variant_names), c.variant_names
        assert any(r.low is not None and r.low <= r.speedup <= r.high for r in f.rungs)
    assert held.forecast.probe.gil_share > 0.6
    assert released.forecast.probe.gil_share < held.forecast.probe.gil_share


def test_the_compile_rung_compiles_replays_and_keeps_its_time_apart():
    w = Workload(batch_size=10, precision="bf16", steps=10, warmup_steps=2, device="cuda")
    c = compare(w, RunSpec(variants="compile", rounds=1, telemetry="off", save=False))
    assert c.variant_names == ["serial", "deque", "deque-graphs", "deque-compiled"]
    assert c.calibration.compile_s is not None and c.calibration.compile_s > 0
    compiled, eager = c.summary_of("deque-compiled"), c.summary_of("deque")
    assert compiled.l.p50 < eager.l.p50 / 2  # it replays graphs, so it launches for far less
