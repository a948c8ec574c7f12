"""The short trials a diagnosis runs beside its serial probe, each timing one cost a rung depends on
that the serial loop cannot show: C in a pool worker and the hand-over S, C with all k workers busy,
h (the share of C that holds the GIL), G and the launching thread's pace beside k threads, and
torch.compile's forward. Each runs before any round, untimed by the rounds, and each names its
reason where the loop cannot run it.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable
from typing import Any

from engine.devices.base import Device, Pool, PostProcess
from engine.devices.pool import ProcessPool
from engine.devices.threads import ThreadPool, own_copy
from engine.errors import OverlapLabError
from engine.measure.runners import run_loop, run_pool
from engine.result.forecast import Skipped

PROBE_BATCHES = 16  # timed serial batches of the probe: the medians settle by then
THREAD_TRIAL_BATCHES = 2 + 2 * PROBE_BATCHES // 4  # the threads' trial: a short block of their loop


def median(xs: list[float]) -> float:
    return float(statistics.median(xs)) if xs else 0.0


def pool_trial(
    pool: Pool | None, post: PostProcess, outputs: list[Any], clock: Callable[[], int]
) -> tuple[float, float, str]:
    """C in one pool worker and S, the launching thread's cost to hand one output over, both in ms
    and measured one task at a time; or the reason the post-processing cannot run in a worker.

    A worker runs the post-processing on one thread, as every rung does, but in a process of its
    own; its C, not the launching process's, is what C / k divides."""
    own = pool is None
    try:
        if pool is None:
            pool = ProcessPool(1)
        pool.use(1, post)
        c_ms, s_ms = [], []
        # Twice over the same buffers, as the pinned ring hands them over again and again: the
        # first hand-over of a tensor moves it into shared memory, later ones send a handle.
        for i, out in enumerate(outputs + outputs):
            t0 = clock()
            pool.submit(i, out)
            if i >= len(outputs):
                s_ms.append((clock() - t0) / 1e6)
            done: list[tuple[int, int, int, int]] = []
            while not done:
                done = pool.collect(True)
            c_ms += [(end - start) / 1e6 for _step, start, end, _work in done]
    except OverlapLabError as exc:
        return 0.0, 0.0, f"its post-processing failed in a pool worker: {exc}"
    finally:
        if own and pool is not None:
            pool.close()
    return median(c_ms), median(s_ms), ""


def gil_trial(post: PostProcess, outputs: list[Any], clock: Callable[[], int]) -> tuple[float, float]:
    """h, the share of C that holds the GIL, and S for a thread (copying one output out of the
    buffer the device reuses), in ms.

    The same outputs are post-processed by one thread, then by two at once: work that releases
    the GIL (numpy, PIL, torch operators) finishes two in the time of one, a pure-Python loop takes
    twice as long. h = (two at once / one) - 1, held to 0..1. Each is timed twice, interleaved,
    and the shorter kept: other work on a busy host only ever adds time, and a stretched "one"
    read a pure-Python post as half free. A post that raises here raises in the probe first, so
    nothing new can fail."""

    def run_all() -> None:
        for i, out in enumerate(outputs):
            post(i, out)

    def one() -> int:
        t0 = clock()
        run_all()
        return clock() - t0

    def two() -> int:
        both = [threading.Thread(target=run_all, name=f"overlap-lab-gil-trial-{i}") for i in range(2)]
        t0 = clock()
        for t in both:
            t.start()
        for t in both:
            t.join()
        return clock() - t0

    alone, together = one(), two()
    alone, together = min(alone, one()), min(together, two())
    copies = []
    for out in outputs:
        t0 = clock()
        own_copy(out)
        copies.append((clock() - t0) / 1e6)
    h = min(1.0, max(0.0, together / alone - 1.0)) if alone > 0 else 1.0
    return h, median(copies)


def pool_load_trial(
    pool: Pool | None, post: PostProcess, outputs: list[Any], k: int, clock: Callable[[], int]
) -> float | None:
    """C in a pool worker, in ms, while all k workers post-process at once: two tasks each, queued
    together, the median of the second wave (the first pays each worker's first call). None where
    the pool could not be started; the one-worker trial's C then stands."""
    own = pool is None
    try:
        if pool is None:
            pool = ProcessPool(k)
        pool.use(k, post)
        for i in range(2 * k):
            pool.submit(i, outputs[i % len(outputs)])
        done: list[tuple[int, int, int, int]] = []
        while pool.pending:
            done += pool.collect(True)
    except OverlapLabError:
        return None
    finally:
        if own and pool is not None:
            pool.close()
    second = [(end - start) / 1e6 for step, start, end, _work in done if step >= k]
    return median(second) if second else None


def thread_trial(
    dev: Device, post: PostProcess, k: int, threads: Pool | None, clock: Callable[[], int]
) -> tuple[float, float]:
    """G, and the launching thread's pace (its median gap from launch to launch), in ms, while k
    threads of this process post-process the batches before: a short block of the threads' own
    loop, too short to fill their backlog, so its gaps are the launching thread's own work under
    the threads' contention for the GIL."""
    own = threads is None
    pool: Pool = ThreadPool(k) if threads is None else threads
    try:
        pool.use(k, post)
        dev.set_variant("pinned", "eager")
        dev.start_block()
        trial = run_pool(dev, pool, THREAD_TRIAL_BATCHES, k, read=dev.read, clock=clock)
    finally:
        if own:
            pool.close()
    gaps = trial.launch_gaps_ms[1:]  # the first launch has no post running beside it
    return median([s.g_ms for s in trial.steps[1:]]), median(gaps) if gaps else 0.0


def compile_probe(
    dev: Device, post: PostProcess, clock: Callable[[], int], skipped: list[Skipped]
) -> tuple[float, float, float] | None:
    """torch.compile's forward (reduce-overhead) compiled and replayed: its G, L and compile time,
    or None with the reason in `skipped`. The compile runs here, before any block, and its
    seconds are reported, never counted in a period."""
    try:
        dev.set_variant("pinned", "compile")
        dev.start_block()
        replayed = run_loop(dev, post, PROBE_BATCHES // 2, 1, read=dev.read, clock=clock)
    except OverlapLabError as exc:
        skipped.append(Skipped("compile", str(exc)))
        return None
    finally:
        dev.set_variant("pinned", "eager")
    return (
        median([s.g_ms for s in replayed.steps]),
        median([s.l_ms for s in replayed.steps]),
        dev.compile_s or 0.0,
    )
