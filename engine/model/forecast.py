"""A diagnosis's forecast rules: a short serial probe's costs turned into each rung's period and
block-level speedup, before any rung runs.

The probe runs the serial loop with the pinned readback (the baseline every rung is measured
against), so its own period is the baseline's, and what that period holds beyond max(G, L) and C is
R, the readback: the copy home queues on the compute stream right behind the batch's kernels, so
every overlapped rung pays it there. A rung's terms are the probe's, with what the rung changes:
a graph replay's Gg and Lg where one was captured, a pool worker's own C and the hand-over S where a
pool trial timed them, and a hidden sync in the post-processing, which makes an inline loop serial
again. The period and the block's wall then come from the one cost model (engine/model/period.py
and block.py), the same rules every comparison is held against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from engine.model.block import block_wall_ms
from engine.model.letters import Costs
from engine.model.period import steady
from engine.model.terms import Terms
from engine.spec.variants import Variant

# The least half-width of a forecast's interval: what three rounds of block walls on a quiet host
# still move a measured speedup by.
INTERVAL_FLOOR = 0.03
POOL_HEADROOM = 0.75  # a pool is sized so that C / k stays below this share of the rest of the period


@dataclass(frozen=True)
class ProbeCosts:
    """Medians of the probe's serial batches, in ms, and what else it counted."""

    g_ms: float
    l_ms: float
    c_ms: float
    r_ms: float  # R: the rest of the serial period, the readback home and the read
    serial_period_ms: float
    pre_ms: float = 0.0  # the loop's own pre-processing, part of L
    bytes_per_batch: int = 0  # what one output weighs on the way home
    ship_ms: float = 0.0  # S: handing one output to a pool worker
    kernels_per_batch: int = -1  # CUDA kernels one forward launches; -1 where none are counted
    graph_g_ms: float | None = None  # a CUDA Graph replay's G and L, where the forward was captured
    graph_l_ms: float | None = None
    cores: int = 1  # usable by this process
    batches: int = 0  # probe batches timed
    pool_c_ms: float | None = None  # C in one pool worker, timed alone; None without a pool
    gil_share: float | None = None  # h: the share of C holding the GIL (two threads against one)
    thread_ship_ms: float = 0.0  # S for a thread: copying one output out of the reused buffer
    thread_g_ms: float | None = None  # G while k threads post-process beside the launches
    thread_gap_ms: float | None = None  # the launching thread's launch-to-launch gap meanwhile
    compile_g_ms: float | None = None  # torch.compile (reduce-overhead)'s G and L, where it compiled
    compile_l_ms: float | None = None
    compile_s: float | None = None  # its compile, to a replaying forward; never in a period

    @property
    def h(self) -> float:
        """h as the rule takes it: 1 where no trial measured it, the modest assumption."""
        return 1.0 if self.gil_share is None else self.gil_share

    @property
    def worker_c_ms(self) -> float:
        """The C a pool of k divides: a worker's own, where one was timed."""
        return self.pool_c_ms if self.pool_c_ms is not None else self.c_ms


@dataclass(frozen=True)
class RungForecast:
    name: str
    period_ms: float
    speedup: float  # block-level: baseline wall / this rung's wall for blocks of the run's steps
    formula: str  # the rule, with the probe's numbers in it
    bound: str  # what sets the period
    low: float | None = None  # the interval the probe's own spread allows; None in older results
    high: float | None = None


def readback_ms(serial_period_ms: float, g_ms: float, l_ms: float, c_ms: float) -> float:
    """R from a serial period: whatever the period holds beyond the batch's hold on the device
    (max(G, L)) and its post-processing."""
    return max(0.0, serial_period_ms - max(g_ms, l_ms) - c_ms)


def pool_size(p: ProbeCosts, most: int) -> int:
    """The smallest pool whose C / k sits well under the rest of the period, up to `most`."""
    if most < 1:
        return 0
    rest = max(p.g_ms + p.r_ms, p.l_ms + p.ship_ms, 1e-6)
    return max(1, min(most, math.ceil(p.worker_c_ms / (POOL_HEADROOM * rest))))


def thread_size(p: ProbeCosts, most: int) -> int:
    """The smallest pool of threads whose C / k sits well under the rest of the period, up to
    `most`; the rest includes the GIL share the launching thread waits out."""
    if most < 1:
        return 0
    rest = max(p.g_ms + p.r_ms, p.l_ms + p.thread_ship_ms + p.h * p.c_ms, 1e-6)
    return max(1, min(most, math.ceil(p.c_ms / (POOL_HEADROOM * rest))))


def rung_terms(v: Variant, p: ProbeCosts, synced: bool) -> Terms:
    """A rung's terms from the probe: its own launch mode's G and L, a worker's C in a pool of
    processes, the launching process's own C and the GIL share in a pool of threads."""
    graph = v.launch == "graph" and p.graph_g_ms is not None and p.graph_l_ms is not None
    compiled = v.launch == "compile" and p.compile_g_ms is not None and p.compile_l_ms is not None
    g, l_ms = (p.graph_g_ms, p.graph_l_ms) if graph else (p.g_ms, p.l_ms)
    if compiled:
        g, l_ms = p.compile_g_ms, p.compile_l_ms
    if v.threaded and v.launch == "eager" and p.thread_g_ms is not None:
        g = p.thread_g_ms
    assert g is not None and l_ms is not None
    if v.threaded and v.launch == "eager" and p.thread_gap_ms is not None:
        # The launching thread cannot launch faster than it did beside k busy threads: L is at
        # least that gap less what the L term adds to it, so L + S + hC is at least the gap.
        l_ms = max(l_ms, p.thread_gap_ms - p.thread_ship_ms - p.h * p.c_ms)
    processes = v.workers and not v.threaded
    costs = Costs(
        g_ms=g,
        l_ms=l_ms,
        c_ms=p.worker_c_ms if processes else p.c_ms,
        r_ms=p.r_ms,
        s_ms=p.ship_ms if processes else p.thread_ship_ms if v.workers else 0.0,
        h=p.h,
    )
    drains = v.readback == "naive"
    return Terms(costs, v.depth, v.workers, 0, drains, v.upload, synced and not v.workers, threads=v.threaded)


def _measured_serial(v: Variant, t: Terms) -> bool:
    """Whether the rung runs the probe's own loop: serial, or eager and waiting for each batch."""
    return v.is_serial or (t.serial and v.launch == "eager")


def _speedup(v: Variant, p: ProbeCosts, n: int, synced: bool) -> float:
    t = rung_terms(v, p, synced)
    if _measured_serial(v, t):
        return 1.0
    wall = block_wall_ms(t, n)
    return n * p.serial_period_ms / wall if wall > 0 else 1.0


def forecast_rungs(
    variants: tuple[Variant, ...],
    p: ProbeCosts,
    steps: int,
    synced: bool,
    halves: tuple[ProbeCosts, ...] = (),
) -> tuple[RungForecast, ...]:
    """Each variant's forecast period and block-level speedup against the serial baseline. A rung
    that runs the probe's own loop (serial, a naive read, a hidden sync) is the probe's measured
    period, exactly 1x; every other rung's block wall comes from the block schedule.

    With the probe's `halves` (its costs before and after its checks), each rung also gets an
    interval: the forecasts each half's costs give, and the whole probe's, widened by the rounds'
    own noise (INTERVAL_FLOOR). A host that moved during the probe widens it; a steady one leaves
    it narrow, so the interval says how far the forecast may be trusted before anything runs."""
    out = [_one(v, p, max(1, steps), synced) for v in variants]
    if not halves:
        return tuple(out)
    n = max(1, steps)
    spread = []
    for v, r in zip(variants, out, strict=True):
        seen = [r.speedup, *(_speedup(v, h, n, synced) for h in halves)]
        spread.append(replace(r, low=min(seen) * (1 - INTERVAL_FLOOR), high=max(seen) * (1 + INTERVAL_FLOOR)))
    return tuple(spread)


def _one(v: Variant, p: ProbeCosts, n: int, synced: bool) -> RungForecast:
    """One rung's forecast from the probe's costs."""
    t = rung_terms(v, p, synced)
    if _measured_serial(v, t):
        why = "measured" if v.is_serial else "serial"
        formula = f"{why}: the probe's serial period {p.serial_period_ms:.2f} ms"
        return RungForecast(v.name, p.serial_period_ms, 1.0, formula, steady(t).bound)
    rule = steady(t)
    return RungForecast(v.name, rule.period_ms, _speedup(v, p, n, synced), rule.numbers, rule.bound)
