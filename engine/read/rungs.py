"""One row per variant: its gain over the baseline, its ceiling, its latency and what bounds it.

The CLI's variants table, the lab's ladder table and its charts all read these rows, so a number
shown in one place is the number shown in the others.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.read.box import box_ceiling, box_sentence
from engine.read.gaps import CAUSES, idle_ms_per_batch
from engine.result.comparison import Comparison


@dataclass(frozen=True)
class Rung:
    name: str
    label: str
    depth: int
    workers: int
    speedup: float  # the baseline's counted walls over this variant's
    limit: float  # the block limit: the best speedup blocks of the run's steps allow
    ceiling: float  # the steady ceiling: what a long run tends to
    efficiency: float  # share of the gain its limit allows that it realised; nan where none is allowed
    of_box: float  # the speedup as a share of the box's ceiling (engine/read/box.py)
    period_ms: float  # its counted blocks' wall over their batches
    latency_p50_ms: float
    latency_p99_ms: float
    throughput_ips: float
    g_ms: float
    l_ms: float
    c_ms: float
    bound: str
    idle_ms: dict[str, float]  # GPU idle per batch by cause
    syncs: int  # synchronisations the watch found in this variant's loop


def rungs(c: Comparison) -> list[Rung]:
    out = []
    box = box_ceiling(c)
    for v in c.variants:
        s = c.summary_of(v.name)
        out.append(
            Rung(
                v.name,
                v.label,
                v.depth,
                v.workers,
                c.speedup_of(v.name),
                c.limit_of(v.name),
                c.ceiling_of(v.name),
                c.efficiency_of(v.name),
                box.share(c.speedup_of(v.name)),
                c.period_of(v.name),
                s.latency.p50,
                s.latency.p99,
                s.throughput_ips,
                s.g.mean,
                s.l.mean,
                s.c.mean,
                c.prediction_of(v.name).bound,
                idle_ms_per_batch(c.mode_runs(v.name)),
                sum(f.count for f in c.syncs if f.variant == v.name),
            )
        )
    return out


def _f(x: float, digits: int = 2) -> str:
    return "n/a" if math.isnan(x) else f"{x:,.{digits}f}"


def name_width(c: Comparison) -> int:
    """The name column's width: the longest name, and never under 12."""
    return max(12, *(len(n) for n in c.variant_names))


def format_rungs(c: Comparison) -> list[str]:
    w = name_width(c)
    head = (
        f"  {'variant':<{w}} {'speedup':>8} {'limit':>8} {'ceiling':>8} {'eff':>5} {'of box':>6} "
        f"{'period':>8} {'images/s':>9} {'e2e p50':>8} {'e2e p99':>8} {'L ms':>6}  bound"
    )
    lines = [
        f"variants against {c.baseline.name} (ms unless marked; limit: what blocks of {c.workload.steps} "
        "batches allow, eff: the share of its gain realised; period: wall / batches):",
        head,
    ]
    for r in rungs(c):
        eff = "-" if math.isnan(r.efficiency) else f"{r.efficiency:.0%}"
        box = "-" if math.isnan(r.of_box) else f"{r.of_box:.0%}"
        lines.append(
            f"  {r.name:<{w}} {_f(r.speedup):>7}x {_f(r.limit):>7}x {_f(r.ceiling):>7}x {eff:>5} {box:>6} "
            f"{_f(r.period_ms, 1):>8} {_f(r.throughput_ips, 1):>9} {_f(r.latency_p50_ms, 1):>8} "
            f"{_f(r.latency_p99_ms, 1):>8} {_f(r.l_ms):>6}  {r.bound}"
        )
    lines += ["", "of box: " + box_sentence(c)]
    lines += ["", "GPU idle per batch, by cause (ms): " + " / ".join(CAUSES)]
    for r in rungs(c):
        lines.append(f"  {r.name:<{w}} " + " / ".join(_f(ms) for ms in r.idle_ms.values()))
    return lines


def format_syncs(c: Comparison) -> list[str]:
    if not c.syncs_checked:
        return ["hidden syncs: not checked"]
    if not c.syncs:
        return ["hidden syncs: none found in any variant's loop"]
    lines = ["hidden syncs found (a few untimed batches per variant, after the rounds):"]
    for f in c.syncs:
        lines.append(f"  {f.variant:<12} {f.count:>3}x  {f.where}  {f.code}")
        lines.append(f"  {'':<12}       {f.what}")
    return lines
