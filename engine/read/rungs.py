"""One row per variant: its gain over the baseline, its ceiling, its latency and what bounds it.

The CLI's variants table, the lab's ladder table and its charts all read these rows, so a number
shown in one place is the number shown in the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.read.box import box_ceiling
from engine.read.gaps import idle_ms_per_batch
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
