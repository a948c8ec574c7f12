"""The CLI's variants table and the hidden syncs found, from the read side's rows.

The lab's variants table reads the same rows (engine/read/rungs.py), so a number printed here is the
number shown there.
"""

from __future__ import annotations

import math

from engine.read.box import box_sentence
from engine.read.gaps import CAUSES
from engine.read.numbers import fmt, gain_share
from engine.read.rungs import rungs
from engine.result.comparison import Comparison


def format_rungs(c: Comparison) -> list[str]:
    w = name_width(c)
    head = (
        f"  {'variant':<{w}} {'speedup':>8} {'limit':>8} {'ceiling':>8} {'eff':>6} {'of box':>6} "
        f"{'period':>8} {'images/s':>9} {'e2e p50':>8} {'e2e p99':>8} {'L ms':>6}  bound"
    )
    lines = [
        f"variants against {c.baseline.name} (ms unless marked; limit: what blocks of {c.workload.steps} "
        f"batches allow; eff: the share of its gain realised, slower: below {c.baseline.name}; period: "
        "wall / batches):",
        head,
    ]
    for r in rungs(c):
        eff = gain_share(r.efficiency, r.speedup)
        box = "-" if math.isnan(r.of_box) else f"{r.of_box:.0%}"
        lines.append(
            f"  {r.name:<{w}} {fmt(r.speedup, 2):>7}x {fmt(r.limit, 2):>7}x {fmt(r.ceiling, 2):>7}x "
            f"{eff:>6} {box:>6} "
            f"{fmt(r.period_ms, 1):>8} {fmt(r.throughput_ips, 1):>9} {fmt(r.latency_p50_ms, 1):>8} "
            f"{fmt(r.latency_p99_ms, 1):>8} {fmt(r.l_ms, 2):>6}  {r.bound}"
        )
    lines += ["", "of box: " + box_sentence(c)]
    lines += ["", "GPU idle per batch, by cause (ms): " + " / ".join(CAUSES)]
    for r in rungs(c):
        lines.append(f"  {r.name:<{w}} " + " / ".join(fmt(ms, 2) for ms in r.idle_ms.values()))
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


def name_width(c: Comparison) -> int:
    """The name column's width: the longest name, and never under 12."""
    return max(12, *(len(n) for n in c.variant_names))
