"""A diagnosis's forecast: what a short probe of a loop measured, and the period and speedup it
predicts for every rung, written down before any rung runs.

The point of predicting first is that the prediction can be wrong where everyone can see it: the
rounds then measure every rung, and the read side sets each measured speedup beside its forecast.
The probe runs the serial loop with the pinned readback (the baseline every rung is measured
against), so its own median period is the baseline's, and everything in that period that is
neither launching nor the forward nor the post-processing is X: the copy home, the read and, on
the stand-in, the pipe. X sits on the device's side of the schedule (the copy queues behind the
batch's kernels), so every overlapped rung pays it there:

    serial           P  = max(G, L) + X + C          measured by the probe itself
    naive            P                                 .cpu() on batch N-1 waits for batch N
    pinned           max(G + X, L + C)                 a sync in the post-processing: P
    pool of k        max(G + X, L + S, Cw / k)         S: handing one output to a worker;
                                                       Cw: C in a worker, both timed in a trial
    graphs           max(Gg + X, Lg + S, Cw / k)       Gg, Lg: a replay's, probed; inline: Lg + C

A block of n batches pays its last batch alone (`block_wall_ratio`: n - 1 periods, then one batch
with nothing to hide behind, its post-processing in a worker for a pool), and the forecast speedup
is that block-level ratio, because the measured speedup is a ratio of block walls too.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.result.findings import SyncFinding
from engine.result.schedule import block_wall_ratio
from engine.spec.variants import Variant

POOL_HEADROOM = 0.75  # a pool is sized so that C / k stays below this share of the rest of the period


@dataclass(frozen=True)
class ProbeCosts:
    """Medians of the probe's serial batches, in ms, and what else it counted."""

    g_ms: float
    l_ms: float
    c_ms: float
    x_ms: float  # the rest of the serial period: the copy home and the read
    serial_period_ms: float
    pre_ms: float = 0.0  # the loop's own pre-processing, part of L
    bytes_per_batch: int = 0  # what one output weighs on the way home
    ship_ms: float = 0.0  # pickling one output for a pool worker
    kernels_per_batch: int = -1  # CUDA kernels one forward launches; -1 where none are counted
    graph_g_ms: float | None = None  # a CUDA Graph replay's G and L, where the forward was captured
    graph_l_ms: float | None = None
    cores: int = 1  # usable by this process
    batches: int = 0  # probe batches timed
    pool_c_ms: float | None = None  # C in one pool worker, timed alone; None without a pool

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


@dataclass(frozen=True)
class Skipped:
    rung: str  # what the rung would have added (pool, graphs)
    reason: str  # one line: the loop's name and why


@dataclass(frozen=True)
class Forecast:
    loop: str
    probe: ProbeCosts
    rungs: tuple[RungForecast, ...]
    skipped: tuple[Skipped, ...] = ()
    syncs: tuple[SyncFinding, ...] = ()  # found in the probe, in the loop's own code
    workers: int = 0  # the pool size the forecast chose; 0 without a pool rung
    first_fix: str = ""
    steps: int = 0  # batches per block the speedups are forecast for

    def rung(self, name: str) -> RungForecast | None:
        return next((r for r in self.rungs if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Forecast:
        return cls(
            loop=str(d["loop"]),
            probe=ProbeCosts(**d["probe"]),
            rungs=tuple(RungForecast(**r) for r in d.get("rungs", [])),
            skipped=tuple(Skipped(**s) for s in d.get("skipped", [])),
            syncs=tuple(SyncFinding(**f) for f in d.get("syncs", [])),
            workers=int(d.get("workers", 0)),
            first_fix=str(d.get("first_fix", "")),
            steps=int(d.get("steps", 0)),
        )


@dataclass(frozen=True)
class _Terms:
    """The named terms of one rung's period: the largest sets it."""

    terms: dict[str, float] = field(default_factory=dict)

    @property
    def period_ms(self) -> float:
        return max(self.terms.values())

    @property
    def bound(self) -> str:
        return max(self.terms, key=lambda k: self.terms[k])


def pool_size(p: ProbeCosts, most: int) -> int:
    """The smallest pool whose C / k sits well under the rest of the period, up to `most`."""
    if most < 1:
        return 0
    rest = max(p.g_ms + p.x_ms, p.l_ms + p.ship_ms, 1e-6)
    return max(1, min(most, math.ceil(p.worker_c_ms / (POOL_HEADROOM * rest))))


def _launched(v: Variant, p: ProbeCosts) -> tuple[float, float]:
    """G and L as this rung launches: a graph replay's where the probe captured one."""
    if v.launch == "graph" and p.graph_g_ms is not None and p.graph_l_ms is not None:
        return p.graph_g_ms, p.graph_l_ms
    return p.g_ms, p.l_ms


def _period(v: Variant, p: ProbeCosts, synced: bool) -> tuple[float, str, str]:
    """(period, formula with numbers, bound) of one rung from the probe's costs."""
    (g, l_ms), c, x, s = _launched(v, p), p.c_ms, p.x_ms, p.ship_ms
    if v.is_serial:
        return p.serial_period_ms, f"measured: max(G, L) + X + C = {p.serial_period_ms:.2f}", v.shape
    if v.readback == "naive":
        return (
            p.serial_period_ms,
            f"serial, {p.serial_period_ms:.2f}: .cpu() on batch N-1 waits for batch N",
            "the readback's sync",
        )
    if synced and not v.workers:
        # The sync makes the loop serial again: a graph's cheaper launch is all that is left.
        serial = p.serial_period_ms if v.launch != "graph" else max(g, l_ms) + x + c
        return (
            serial,
            f"serial, {serial:.2f}: the post-processing's sync waits for batch N",
            "the post-processing's sync",
        )
    gl = "Gg" if v.launch == "graph" else "G"
    ll = "Lg" if v.launch == "graph" else "L"
    if v.workers:
        cw, k = p.worker_c_ms, v.workers
        t = _Terms({f"{gl} + X": g + x, f"{ll} + S": l_ms + s, f"Cw / {k}": cw / k})
        text = f"max({gl} + X, {ll} + S, Cw / {k}) = max({g + x:.2f}, {l_ms + s:.2f}, {cw / k:.2f})"
    else:
        t = _Terms({f"{gl} + X": g + x, f"{ll} + C": l_ms + c})
        text = f"max({gl} + X, {ll} + C) = max({g + x:.2f}, {l_ms + c:.2f})"
    return t.period_ms, text, t.bound


def _drain(v: Variant, p: ProbeCosts) -> float:
    """The last batch of a block, with nothing after it to hide behind: launched, computed, read
    and post-processed, in a pool worker for a pool rung (whose C there is its own)."""
    g, l_ms = _launched(v, p)
    return max(g, l_ms) + p.x_ms + (p.worker_c_ms if v.workers else p.c_ms)


def forecast_rungs(
    variants: tuple[Variant, ...], p: ProbeCosts, steps: int, synced: bool
) -> tuple[RungForecast, ...]:
    """Each variant's forecast period and block-level speedup against the serial baseline."""
    out = []
    for v in variants:
        period, formula, bound = _period(v, p, synced)
        same = v.is_serial or period == p.serial_period_ms  # exactly 1x, not 0.9999999999999999x
        speedup = 1.0 if same else block_wall_ratio(p.serial_period_ms, period, steps, _drain(v, p))
        out.append(RungForecast(v.name, period, speedup, formula, bound))
    return tuple(out)


def first_fix(rungs: tuple[RungForecast, ...], p: ProbeCosts, syncs: tuple[SyncFinding, ...]) -> str:
    """The one sentence a person acts on: the hidden sync first, else the cheapest rung that gets
    most of the forecast gain, else why overlap has little to give here."""
    if syncs:
        f = syncs[0]
        return (
            f"Remove the sync at {f.where} ({f.code}) first: it makes the host wait for the batch in "
            "flight, so no overlapped rung can gain until it goes."
        )
    best = max(rungs, key=lambda r: r.speedup)
    if best.speedup < 1.05:
        return (
            f"Overlap has little to hide here (best forecast {best.speedup:.2f}x): the GPU's G of "
            f"{p.g_ms:.1f} ms outweighs the host's L + C of {p.l_ms + p.c_ms:.1f} ms, so a smaller G "
            "(bf16, or fewer images per batch) is the lever, not the loop."
        )
    enough = next(r for r in rungs if r.speedup >= 1 + 0.9 * (best.speedup - 1))
    return (
        f"Try {enough.name} first: forecast {enough.speedup:.2f}x, its period then set by {enough.bound}"
        + (f"; {best.name} goes to {best.speedup:.2f}x." if best.name != enough.name else ".")
    )
