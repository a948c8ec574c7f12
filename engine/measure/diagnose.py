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
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict

from engine.devices.base import Device, Pool, PostProcess
from engine.devices.outputs import is_tensor, nbytes
from engine.errors import OverlapLabError
from engine.host import syncs
from engine.measure.runners import run_loop
from engine.measure.trials import (
    PROBE_BATCHES,
    compile_probe,
    gil_trial,
    median,
    pool_load_trial,
    pool_trial,
    thread_trial,
)
from engine.model.forecast import ProbeCosts, forecast_rungs, pool_size, readback_ms, thread_size
from engine.result.blocks import RunResult
from engine.result.findings import SyncFinding
from engine.result.forecast import Forecast, Skipped, first_fix
from engine.spec.variants import Variant

WARM_BATCHES = 8  # untimed serial batches first: the probe right after warm-up read 26-34% off
TRIAL_TASKS = 4  # outputs handed, one at a time, to a pool worker to time its C and the hand-over
SYNC_BATCHES = 3  # batches under the sync watch, whose warnings cost time and are never timed


@dataclass(frozen=True)
class Diagnosis:
    forecast: Forecast
    variants: tuple[Variant, ...]  # the rungs the rounds measure, baseline first


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


class _Serial(TypedDict):
    g_ms: float
    l_ms: float
    c_ms: float
    r_ms: float
    serial_period_ms: float


def _serial_costs(blocks: tuple[RunResult, ...]) -> _Serial:
    """G, L, C (medians), the one period (wall over batches) and R of serial probe blocks: the
    whole probe's, or one half's, which is what a forecast's interval is made of."""
    steps = [x for r in blocks for x in r.steps]
    g = median([x.g_ms for x in steps])
    l_ms = median([x.l_ms for x in steps])
    c = median([x.c_ms for x in steps])
    period = sum(r.wall_s for r in blocks) * 1e3 / max(1, len(steps))
    return {
        "g_ms": g,
        "l_ms": l_ms,
        "c_ms": c,
        "r_ms": readback_ms(period, g, l_ms, c),
        "serial_period_ms": period,
    }


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
        pre_ms = median(times)
    graph_g = graph_l = None
    if on_gpu:
        try:
            dev.set_variant("pinned", "graph")
            dev.start_block()
            replayed = run_loop(dev, post, PROBE_BATCHES // 2, 1, read=dev.read, clock=clock)
            graph_g = median([s.g_ms for s in replayed.steps])
            graph_l = median([s.l_ms for s in replayed.steps])
        except OverlapLabError as exc:
            skipped.append(Skipped("graphs", str(exc)))
        finally:
            dev.set_variant("pinned", "eager")
    compiled = compile_probe(dev, post, clock, skipped) if on_gpu else None
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
    costs = ProbeCosts(
        **_serial_costs(halves),
        pre_ms=pre_ms,
        bytes_per_batch=nbytes(outputs[0]),
        ship_ms=ship_ms,
        kernels_per_batch=_kernels(dev),
        graph_g_ms=graph_g,
        graph_l_ms=graph_l,
        cores=cores,
        batches=len(steps_run),
        pool_c_ms=pool_c if not why and most >= 1 else None,
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
        tuple(variants),
        costs,
        steps,
        synced=bool(mine),
        halves=tuple(dataclasses.replace(costs, **_serial_costs((r,))) for r in halves),
    )
    forecast = Forecast(
        loop, costs, rungs, tuple(skipped), mine, workers, first_fix(rungs, costs, mine), steps
    )
    return Diagnosis(forecast, tuple(variants))
