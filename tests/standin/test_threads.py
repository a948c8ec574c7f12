"""A pool of threads: the post-processing in threads of the launching process, on the real clock.

What the GIL trial says a post is (h), whether the pool hands each thread its own copy of the
output, and the `threads` set run end to end on the stand-in, stored and read back.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from engine.devices.threads import ThreadPool
from engine.errors import WorkloadError
from engine.execute import execute
from engine.measure.trials import gil_trial
from engine.read.document import document
from engine.spec.loop import LoopError, UserPost
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.reading import parse_result


def _spin(step: int, out: object) -> None:
    """A fixed amount of pure-Python work (some ms): holds the GIL all along."""
    total = 0
    for i in range(200_000):
        total += i % 7


def _sleeps(step: int, out: object) -> None:
    """20 ms that hold no GIL, as numpy, PIL and torch operators release it."""
    time.sleep(0.02)


@pytest.mark.quiet  # one thread's time against two's: another test's process beside it skews both
def test_the_gil_trial_tells_a_pure_python_post_from_one_that_releases_the_gil() -> None:
    outputs = [np.zeros(4) for _ in range(4)]
    held, copy_ms = gil_trial(_spin, outputs, time.perf_counter_ns)
    released, _ = gil_trial(_sleeps, outputs, time.perf_counter_ns)
    # Two spinning threads take twice one's time under one GIL; two sleepers take one's.
    assert held > 0.6, held
    assert released < 0.4, released
    assert 0 <= copy_ms < 20


def test_each_thread_gets_its_own_copy_and_its_errors_reach_the_launching_thread() -> None:
    seen: list[float] = []

    def post(step: int, out: np.ndarray) -> None:
        time.sleep(0.01)
        seen.append(float(out[0]))

    pool = ThreadPool(2)
    try:
        pool.use(2, post)
        buffer = np.zeros(1)
        for i in range(4):
            buffer[0] = i  # the device's reused buffer: overwritten for the next batch at once
            pool.submit(i, buffer)
        done: list[tuple[int, int, int, int]] = []
        while pool.pending:
            done += pool.collect(True)
        assert sorted(seen) == [0.0, 1.0, 2.0, 3.0]
        assert sorted(d[0] for d in done) == [0, 1, 2, 3] and all(d[1] <= d[2] for d in done)

        def broken(out: object) -> None:
            raise ValueError("no boxes")

        pool.use(1, UserPost(broken, "mine"))
        pool.submit(0, None)
        with pytest.raises(LoopError, match="^loop mine: its post raised ValueError: no boxes at "):
            while pool.pending:
                pool.collect(True)
    finally:
        pool.close()


def test_the_threads_set_runs_on_the_standin_and_reads_back() -> None:
    w = Workload(
        model="resnet18", batch_size=1, steps=5, warmup_steps=1, cpu_work="ms", cpu_fixed="work", device="cpu"
    )
    spec = RunSpec(variants="threads", rounds=1, telemetry="off", save=False)
    c = execute(w.replace(cpu_ms=5.0), spec).result
    assert c.variant_names == ["serial", "pinned", "threads1", "pool1"]
    threads = next(v for v in c.variants if v.name == "threads1")
    assert threads.threaded and threads.workers == 1 and threads.label == "1 threads + pinned readback"
    again = parse_result(json.dumps(document(c)), "result")
    assert [v.post_in for v in again.variants] == ["processes", "processes", "threads", "processes"]
    assert all(len(r.steps) == 5 for r in again.runs)
    # Work held for a fixed duration ends on the clock however little of it held the GIL.
    with pytest.raises(
        WorkloadError, match="^cpu_fixed='duration' is not allowed: work with a pool of threads"
    ):
        execute(w.replace(cpu_fixed="duration"), spec)
