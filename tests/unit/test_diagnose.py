"""Diagnose on the ideal device: the forecast written from the probe is exact for every rung of a
synthetic loop, and a loop that breaks a rule loses the rung that needs it, with one line, and
nothing else.

G 10 ms, L 2 ms, C 24 ms and a graph replay's L of 0.05 ms, on a fake clock. The probe's serial
period is max(G, L) + C = 34 ms (X = 0: nothing else happens in a serial batch here). With 40
batches a block, a rung of period P measures 40 x 34 / (39 P + 34):
  naive    P = 34 (its read waits for the batch in flight)         1.0x
  pinned   P = max(G, L + C) = 26                                   1360 / 1048 = 1.2977x
  pool4    P = max(G, L, Cw / 4) = max(10, 2, 6) = 10, Cw = C in a worker; k = 4 is the
           smallest with Cw / k <= 0.75 x max(G, L) = 7.5           1360 / 424 = 3.2075x
  graphs   P = max(G, 0.05, 6) = 10                                 3.2075x
"""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass
from typing import Any

import pytest

from engine.devices.ideal import FakeClock, FakePool, IdealDevice
from engine.errors import OverlapLabError
from engine.measure.diagnose import pickle_problem
from engine.measure.protocol import Harness, compare
from engine.model.forecast import ProbeCosts, forecast_rungs
from engine.read.diagnosis import checks
from engine.result.comparison import Comparison
from engine.result.forecast import first_fix
from engine.spec.loop import Loop, LoopError
from engine.spec.run_spec import RunSpec
from engine.spec.variants import Variant
from engine.spec.workload import Workload
from engine.words.diagnosis import format_checks
from tests.kits.ideal import MS, ideal_harness

W = Workload(
    model="resnet18", batch_size=1, steps=40, warmup_steps=1, cpu_work="ms", cpu_ms=24.0, device="cpu"
)
SPEC = RunSpec(variants="diagnose", rounds=2, telemetry="off")


def diagnosed(harness: Harness, workload: Workload = W) -> Comparison:
    return compare(workload, SPEC, harness=harness)


def test_every_rung_is_forecast_exactly() -> None:
    c = diagnosed(dataclasses.replace(ideal_harness(c_ms=24, workers=8), cores=9))
    f = c.forecast
    assert f is not None
    assert (f.probe.g_ms, f.probe.l_ms, f.probe.c_ms, f.probe.r_ms) == (10.0, 2.0, 24.0, 0.0)
    assert f.probe.serial_period_ms == 34.0 and f.probe.graph_l_ms == 0.05
    assert f.probe.pool_c_ms == 24.0  # one worker, timed alone in the trial
    assert f.probe.gil_share == 1.0  # the fixed post holds the fake clock, as pure Python holds the GIL
    names = ["serial", "naive", "pinned", "threads2", "pool4", "graphs", "compiled"]
    assert f.workers == 4 and c.variant_names == names
    expected = {
        "naive": 1.0,
        "pinned": 1360 / 1048,
        # max(G, L + hC, C / 2) = 26 ms, the deque's period with h = 1; a pool's fill and drain
        "threads2": 1360 / 1046,
        "pool4": 1360 / 424,
        "graphs": 1360 / 424,
        "compiled": 1360 / 424,  # the ideal device replays a compiled forward as it does a graph
    }
    for r in checks(c):
        assert r.forecast == pytest.approx(expected[r.name], abs=1e-12), r.name
        assert r.measured == pytest.approx(r.forecast, abs=1e-12), r.name
        assert r.rule == pytest.approx(r.forecast, abs=1e-12), r.name  # nothing moved after the probe
        assert r.close and r.whose == ""
        # Both probe halves saw the same costs: the interval is the rounds' own noise floor only.
        assert r.held and r.half_width == pytest.approx(0.03, abs=1e-12), r.name
    assert f.first_fix.startswith("Try pool4 first: forecast 3.21x")
    assert f.first_fix.endswith(
        "Processes, not threads (pool4 3.21x, threads2 1.30x): its post holds the GIL for 100% of its C."
    )
    assert "within 5%: 6 of 6 rungs" in "\n".join(format_checks(c))


def test_the_pool_is_sized_to_the_cores_there_are() -> None:
    c = diagnosed(dataclasses.replace(ideal_harness(c_ms=24, workers=8), cores=3))
    f = c.forecast
    assert f is not None and f.workers == 2  # cores - 1: the launching thread keeps one
    pool = f.rung("pool2")
    assert pool is not None and pool.period_ms == 12.0 and pool.bound == "pool-bound (C / 2)"


def test_a_forecast_survives_the_store_format() -> None:
    c = diagnosed(dataclasses.replace(ideal_harness(c_ms=24, workers=8), cores=9))
    again = Comparison.from_dict(pickle.loads(pickle.dumps(c.to_dict())))
    assert again.forecast == c.forecast


@dataclass(frozen=True)
class Ticking:
    """A post-processing that costs C on the fake clock; picklable, like a real one."""

    clock: FakeClock
    c_ns: int

    def __call__(self, output: Any) -> None:
        self.clock.advance(self.c_ns)


def loop_harness(loop_of: Any, cores: int = 9) -> Harness:
    clock = FakeClock()
    loop = loop_of(clock)
    dev = IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS, graph_l_ns=MS // 20, loop=loop)
    threads = FakePool(clock, 8, 24 * MS, gil_ns=24 * MS)  # a post that holds the GIL throughout
    return Harness(dev, None, clock, FakePool(clock, 8, 24 * MS), cores, threads=threads)


def good(clock: FakeClock, **changes: Any) -> Loop:
    base = {"model": lambda x: x * 2, "make_batch": lambda: Batch(), "post": Ticking(clock, 24 * MS)}
    return Loop(**{**base, **changes})


@dataclass
class Batch:
    """Stands for a tensor on the ideal device: its model doubles it."""

    def __mul__(self, k: int) -> Batch:
        return self


def test_a_loop_on_the_ideal_device_runs_its_own_post_processing() -> None:
    c = diagnosed(loop_harness(good), Workload(steps=40, warmup_steps=1, loop="mine"))
    assert c.workload.loop == "mine"
    assert all(r.close for r in checks(c)) and len(checks(c)) == 6


def test_an_uncapturable_forward_loses_the_graph_rung_only() -> None:
    c = diagnosed(loop_harness(lambda clock: good(clock, graphs=False)), Workload(steps=40, loop="mine"))
    f = c.forecast
    assert f is not None
    assert c.variant_names == ["serial", "naive", "pinned", "threads2", "pool4"]
    (why,) = [s for s in f.skipped if s.rung == "graphs"]
    assert "cannot be captured as a CUDA Graph" in why.reason and "\n" not in why.reason
    assert any(s.rung == "compile" for s in f.skipped)  # torch.compile replays graphs too


def test_an_unpicklable_post_loses_the_pool_and_keeps_graphs_inline() -> None:
    def unpicklable(clock: FakeClock) -> Loop:
        cost = Ticking(clock, 24 * MS)
        return good(clock, post=lambda out: cost(out))  # a lambda: no pool worker can import it

    c = diagnosed(loop_harness(unpicklable), Workload(steps=40, loop="mine"))
    f = c.forecast
    assert f is not None
    assert c.variant_names == ["serial", "naive", "pinned", "threads2", "pinned-graphs", "pinned-compiled"]
    (why,) = [s for s in f.skipped if s.rung == "pool"]
    assert why.reason.startswith("loop mine: its post-processing cannot be sent to a pool worker")
    assert all(r.close for r in checks(c))  # the other rungs are still forecast exactly


def test_a_post_processing_that_raises_is_one_line_naming_the_loop() -> None:
    line = 0

    def broken(clock: FakeClock) -> Loop:
        def post(out: Any) -> None:
            raise ValueError("no boxes\nsecond line")

        nonlocal line
        line = post.__code__.co_firstlineno + 1

        return good(clock, post=post)

    with pytest.raises(LoopError) as caught:
        diagnosed(loop_harness(broken), Workload(steps=40, loop="mine"))
    assert str(caught.value) == f"loop mine: its post raised ValueError: no boxes at {__file__}:{line}"


def test_a_model_that_raises_stops_the_run_before_any_round() -> None:
    calls: list[int] = []

    def broken(clock: FakeClock) -> Loop:
        def model(x: Any) -> Any:
            calls.append(1)
            raise RuntimeError("shape mismatch")

        return good(clock, model=model)

    with pytest.raises(
        LoopError, match="its model raised RuntimeError: shape mismatch at .*test_diagnose.py"
    ):
        diagnosed(loop_harness(broken), Workload(steps=40, loop="mine"))
    assert len(calls) == 1  # the warm-up's first batch: nothing was measured, so nothing is lost


def test_a_gpu_tensor_in_the_post_processing_keeps_it_out_of_a_pool() -> None:
    class FakeGpuTensor:
        dtype = "float32"
        shape = (1,)
        device = type("Dev", (), {"type": "cuda", "__str__": lambda self: "cuda"})()

        def data_ptr(self) -> int:
            return 0

    assert "holds a tensor on cuda" in pickle_problem([FakeGpuTensor()])
    assert pickle_problem(Ticking(FakeClock(), 1)) == ""


def test_a_loop_name_is_checked_before_anything_is_imported() -> None:
    for bad in ("../x", "a b", "os:system;", "Mine"):
        with pytest.raises(OverlapLabError, match="^loop="):
            Workload(loop=bad)
    assert Workload(loop="pkg.mod:make").loop == "pkg.mod:make"


def test_threads_are_forecast_from_the_posts_gil_share() -> None:
    """h = 1 (pure Python): the launching thread waits out every post, so threads are the deque.
    h = 0 (numpy, PIL): threads divide C as processes do, and need no pickling, so the first fix
    names them; the sentence says which serves the post, and why."""
    probe = ProbeCosts(10.0, 2.0, 24.0, 0.0, 36.0, pool_c_ms=24.0, ship_ms=0.5, cores=9, gil_share=1.0)
    rungs = (
        Variant.of(readback="pinned"),
        Variant.of(depth=2, readback="pinned"),
        Variant.of(depth=2, workers=4, readback="pinned", post_in="threads"),
        Variant.of(depth=2, workers=4, readback="pinned"),
    )
    held = {r.name: r for r in forecast_rungs(rungs, probe, 40, False)}
    assert held["threads4"].period_ms == held["pinned"].period_ms == 26.0
    assert held["threads4"].bound == "GIL-bound (L + hC)"
    free = {r.name: r for r in forecast_rungs(rungs, dataclasses.replace(probe, gil_share=0.0), 40, False)}
    assert free["threads4"].period_ms == free["pool4"].period_ms == 10.0
    assert free["threads4"].speedup > free["pool4"].speedup  # no hand-over to another process
    fix = first_fix(tuple(free.values()), dataclasses.replace(probe, gil_share=0.0), ())
    assert fix.startswith("Try threads4 first")
    assert "Threads serve it as well as processes" in fix and "0% of its C" in fix
    fix = first_fix(tuple(held.values()), probe, ())
    assert fix.startswith("Try pool4 first") and "Processes, not threads" in fix and "100% of its C" in fix
