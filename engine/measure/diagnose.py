"""Diagnose: probe a loop briefly, forecast every rung from what the probe measured, and choose the
rungs the rounds will then measure.

The probe is the serial loop with the pinned readback (the baseline), run for a few batches in two
halves, one before the checks below and one after: its
G, L, C and period give every formula in engine/model/forecast.py. Around it, the rules a rung
needs are checked before anything is timed, so a loop that breaks one loses that rung, with one
line saying why, and nothing else: whether its post-processing pickles for a pool (and holds no
GPU tensor, which a worker process cannot read), whether its forward can be captured as a CUDA
Graph, and whether its post-processing synchronises with the GPU (torch's sync debug mode, with
the file and line).
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.devices.base import Device, Pool, PostProcess
from engine.devices.outputs import is_tensor, nbytes
from engine.devices.pool import ProcessPool
from engine.devices.threads import ThreadPool, own_copy
from engine.errors import OverlapLabError
from engine.host import syncs
from engine.measure.runners import run_loop, run_pool
from engine.model.forecast import ProbeCosts, forecast_rungs, pool_size, readback_ms, thread_size
from engine.result.blocks import RunResult
from engine.result.findings import SyncFinding
from engine.result.forecast import Forecast, Skipped, first_fix
from engine.spec.variants import Variant

WARM_BATCHES = 8  # untimed serial batches first: the probe right after warm-up read 26-34% off
PROBE_BATCHES = 16  # timed serial batches: the medians settle by then, and the probe stays short
TRIAL_TASKS = 4  # outputs handed, one at a time, to a pool worker to time its C and the hand-over
THREAD_TRIAL_BATCHES = 2 + 2 * PROBE_BATCHES // 4  # the threads' trial: a short block of their loop
SYNC_BATCHES = 3  # batches under the sync watch, whose warnings cost time and are never timed


@dataclass(frozen=True)
class Diagnosis:
    forecast: Forecast
    variants: tuple[Variant, ...]  # the rungs the rounds measure, baseline first


def _median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0


class _NoGpuTensors(pickle.Pickler):
    """Pickles as a pool's pipe would, but refuses a tensor that is not on the CPU: a worker process
    has no CUDA context of its own, and making one per worker costs seconds and memory."""

    def reducer_override(self, obj: Any) -> Any:
        if is_tensor(obj) and getattr(obj.device, "type", "cpu") != "cpu":
            raise pickle.PicklingError(f"it holds a tensor on {obj.device} (move it to the CPU)")
        return NotImplemented


def pickle_problem(post: object) -> str:
    """Why a post-processing cannot run in a pool worker, or "" when it can."""
    try:
        _NoGpuTensors(io.BytesIO(), protocol=pickle.HIGHEST_PROTOCOL).dump(post)
    except Exception as exc:
        return f"its post-processing cannot be sent to a pool worker: {type(exc).__name__}: {exc}"
    return ""


def _outputs(dev: Device, n: int) -> list[Any]:
    """n outputs read back the pinned way, as the pool rungs hand them over."""
    dev.start_block()
    out = []
    for i in range(n):
        handle = dev.launch(i)
        dev.wait(handle)
        out.append(dev.read(handle))  # a pinned buffer, as a pool rung hands it over
        dev.release(handle)
    return out


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
    return _median(c_ms), _median(s_ms), ""


def gil_trial(post: PostProcess, outputs: list[Any], clock: Callable[[], int]) -> tuple[float, float]:
    """h, the share of C that holds the GIL, and S for a thread (copying one output out of the
    buffer the device reuses), in ms.

    The same outputs are post-processed by one thread, then by two at once: work that releases
    the GIL (numpy, PIL, torch operators) finishes two in the time of one, a pure-Python loop takes
    twice as long. h = (two at once / one) - 1, held to 0..1. A post that raises here raises in
    the probe first, so nothing new can fail."""

    def run_all() -> None:
        for i, out in enumerate(outputs):
            post(i, out)

    t0 = clock()
    run_all()
    alone = clock() - t0
    both = [threading.Thread(target=run_all, name=f"overlap-lab-gil-trial-{i}") for i in range(2)]
    t0 = clock()
    for t in both:
        t.start()
    for t in both:
        t.join()
    together = clock() - t0
    copies = []
    for out in outputs:
        t0 = clock()
        own_copy(out)
        copies.append((clock() - t0) / 1e6)
    h = min(1.0, max(0.0, together / alone - 1.0)) if alone > 0 else 1.0
    return h, _median(copies)


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
    return _median(second) if second else None


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
    return _median([s.g_ms for s in trial.steps[1:]]), _median(gaps) if gaps else 0.0


def _half_costs(costs: ProbeCosts, half: RunResult) -> ProbeCosts:
    """The probe's costs as one of its two halves measured them: what the interval is made of."""
    g = _median([x.g_ms for x in half.steps])
    l_ms = _median([x.l_ms for x in half.steps])
    c = _median([x.c_ms for x in half.steps])
    period = half.period_ms
    return dataclasses.replace(
        costs, g_ms=g, l_ms=l_ms, c_ms=c, r_ms=readback_ms(period, g, l_ms, c), serial_period_ms=period
    )


def _compile_probe(
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
    took = getattr(dev, "compile_s", None)
    return (
        _median([s.g_ms for s in replayed.steps]),
        _median([s.l_ms for s in replayed.steps]),
        float(took) if took is not None else 0.0,
    )


def _kernels(dev: Device) -> int:
    """CUDA kernels one forward launches, from torch.profiler; -1 off CUDA."""
    if dev.kind != "cuda":
        return -1
    import torch
    from torch.profiler import ProfilerActivity, profile

    dev.start_block()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        handle = dev.launch(0)
        dev.wait(handle)
        torch.cuda.synchronize()
    dev.release(handle)
    return sum(1 for e in prof.events() if str(e.device_type).endswith("CUDA"))


def diagnose(
    dev: Device,
    post: PostProcess,
    *,
    pool: Pool | None = None,
    threads: Pool | None = None,
    loop: str,
    steps: int,
    on_gpu: bool,
    cores: int,
    clock: Callable[[], int] = time.perf_counter_ns,
    tick: Callable[[int], None] = lambda _n: None,
) -> Diagnosis:
    """Probe the loop on an open, warmed-up device, check each rung's rule, and forecast the rungs.

    `cores` are those this process may use; the launching thread keeps one and the stand-in's
    worker another, and a pool gets the rest."""
    baseline = Variant.of(readback="pinned")
    dev.set_variant("pinned", "eager")
    dev.start_block()
    run_loop(dev, post, WARM_BATCHES, 1, read=dev.read, clock=clock)  # caches and clocks settle
    half = PROBE_BATCHES // 2

    def serial_half() -> RunResult:
        dev.start_block()
        return run_loop(dev, post, half, 1, read=dev.read, clock=clock, on_step=lambda _i: tick(1))

    first = serial_half()
    found: list[SyncFinding] = []
    dev.start_block()
    with syncs.watch("probe", dev.kind == "cuda", found):
        run_loop(dev, post, SYNC_BATCHES, 1, read=dev.read, clock=clock)
    outputs = _outputs(dev, TRIAL_TASKS)
    skipped: list[Skipped] = []
    pre_ms = 0.0
    if dev.loop is not None and dev.loop.pre is not None:
        pre = dev.loop.pre
        times = []
        for i in range(3):
            t0 = clock()
            pre(i)
            times.append((clock() - t0) / 1e6)
        pre_ms = _median(times)
    graph_g = graph_l = None
    if on_gpu:
        try:
            dev.set_variant("pinned", "graph")
            dev.start_block()
            replayed = run_loop(dev, post, PROBE_BATCHES // 2, 1, read=dev.read, clock=clock)
            graph_g = _median([s.g_ms for s in replayed.steps])
            graph_l = _median([s.l_ms for s in replayed.steps])
        except OverlapLabError as exc:
            skipped.append(Skipped("graphs", str(exc)))
        finally:
            dev.set_variant("pinned", "eager")
    compiled = _compile_probe(dev, post, clock, skipped) if on_gpu else None
    if not on_gpu:
        skipped.append(Skipped("graphs", "CUDA Graphs need a CUDA GPU; the CPU stand-in has none"))
    most = cores - 1 - (1 if dev.kind == "standin" else 0)
    pool_c = ship_ms = 0.0
    why = pickle_problem(post)
    if not why and most >= 1:
        pool_c, ship_ms, why = pool_trial(pool, post, outputs, clock)
    h, thread_ship = gil_trial(post, outputs, clock) if most >= 1 else (None, 0.0)
    # The host's pace moves by tens of percent within seconds on a shared box: the serial probe's
    # two halves sit before and after the checks, so its medians span that much more of it.
    halves = (first, serial_half())
    steps_run = [x for r in halves for x in r.steps]
    g = _median([x.g_ms for x in steps_run])
    l_ms = _median([x.l_ms for x in steps_run])
    c = _median([x.c_ms for x in steps_run])
    period = sum(r.wall_s for r in halves) * 1e3 / max(1, len(steps_run))  # the one period: wall / batches
    costs = ProbeCosts(
        g,
        l_ms,
        c,
        readback_ms(period, g, l_ms, c),
        period,
        pre_ms,
        nbytes(outputs[0]),
        ship_ms,
        _kernels(dev),
        graph_g,
        graph_l,
        cores,
        len(steps_run),
        pool_c if not why and most >= 1 else None,
        gil_share=h,
        thread_ship_ms=thread_ship,
        compile_g_ms=compiled[0] if compiled else None,
        compile_l_ms=compiled[1] if compiled else None,
        compile_s=compiled[2] if compiled else None,
    )
    workers = 0
    if why:
        skipped.append(Skipped("pool", f"loop {loop}: {why}" if loop else why))
    elif most < 1:
        takers = (
            "the launching thread and the stand-in's worker take"
            if dev.kind == "standin"
            else ("the launching thread takes")
        )
        why = f"no core is left for a pool: {takers} the {cores} this process may use"
        skipped.append(Skipped("pool", why))
        skipped.append(Skipped("threads", why.replace("for a pool", "for post-processing threads")))
    else:
        workers = pool_size(costs, most)
        if workers > 1:
            # k workers at once are slower than one alone (shared caches, memory bandwidth, a
            # busier host): C measured under that load is the C the pool divides.
            loaded = pool_load_trial(pool, post, outputs, workers, clock)
            if loaded is not None:
                costs = dataclasses.replace(costs, pool_c_ms=loaded)
    variants = [baseline, Variant.of(depth=2, readback="naive"), Variant.of(depth=2, readback="pinned")]
    # Threads before processes: no pickling and no helper processes, so where they get most of
    # the gain the first fix names them.
    in_threads = thread_size(costs, most)
    if in_threads:
        # The forward launched while k threads post-process: each operator's launch gives up the
        # GIL and must win it back from them, which stretches the forward on the device. Measured,
        # not modelled: a short pool of threads, its G as the rung's.
        g_t, gap_t = thread_trial(dev, post, in_threads, threads, clock)
        costs = dataclasses.replace(costs, thread_g_ms=g_t, thread_gap_ms=gap_t)
        variants.append(Variant.of(depth=2, workers=in_threads, readback="pinned", post_in="threads"))
    if workers:
        variants.append(Variant.of(depth=2, workers=workers, readback="pinned"))
    if graph_g is not None:
        variants.append(Variant.of(depth=2, workers=workers, readback="pinned", launch="graph"))
    if compiled is not None:
        variants.append(Variant.of(depth=2, workers=workers, readback="pinned", launch="compile"))
    mine = tuple(f for f in found if "/engine/" not in f"/{f.where}")
    rungs = forecast_rungs(
        tuple(variants), costs, steps, synced=bool(mine), halves=tuple(_half_costs(costs, r) for r in halves)
    )
    forecast = Forecast(
        loop, costs, rungs, tuple(skipped), mine, workers, first_fix(rungs, costs, mine), steps
    )
    return Diagnosis(forecast, tuple(variants))
