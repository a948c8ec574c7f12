"""Per-block truth: did each block do what its own costs allow, and if the speedup fell short, why.

A shared box moves C by tens of percent between blocks, so a headline speedup far from the ceiling
proves nothing by itself. Each block is therefore judged against the period its *own* mean G, L
and C predict (its schedule efficiency), and a shortfall is put down, with numbers, to what the
records show: the host drifting between blocks, G drifting, fill and drain of short blocks, or the
loop itself.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from engine.result.comparison import Comparison, RunResult
from engine.result.schedule import block_wall_ratio

LOOP_OK = 0.95  # a block below this schedule efficiency points at the loop, not the host
C_DRIFT = 0.03  # overlap blocks' C this far from the serial blocks' is host drift worth naming
G_DRIFT = 0.02
MISS = 0.90  # a speedup below this share of the predicted gain is explained


@dataclass(frozen=True)
class BlockTruth:
    round_index: int
    mode: str
    depth: int
    counted: bool  # False for rounds the stability gate set aside while the host settled
    g_ms: float
    l_ms: float
    c_ms: float
    predicted_period_ms: float
    measured_period_ms: float
    schedule_efficiency: float
    ms_per_iteration: float  # nan where the loop length per batch is unknown


def block_truth(run: RunResult, counted: bool = True) -> BlockTruth:
    return BlockTruth(
        run.round_index,
        run.mode,
        run.depth,
        counted,
        run.g_ms.mean,
        run.l_ms.mean,
        run.c_ms.mean,
        run.predicted_period_ms,
        run.measured_period_ms,
        run.schedule_efficiency,
        run.ms_per_iteration,
    )


def blocks(c: Comparison) -> list[BlockTruth]:
    counted = set(c.counted_rounds)
    return [block_truth(r, r.round_index in counted) for r in c.runs]


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _pct(a: float, b: float) -> str:
    return f"{(a / b - 1):+.1%}"


def shortfall_reasons(c: Comparison) -> list[str]:
    """Sentences, each with its numbers, saying where the gap between speedup and ceiling went.

    Empty when the speedup reached at least MISS of the predicted gain or no gain was predicted.
    """
    eff = c.efficiency
    if math.isnan(eff) or eff >= MISS:
        return []
    counted = [b for b in blocks(c) if b.counted]
    serial = [b for b in counted if b.mode == "serial"]
    overlap = [b for b in counted if b.mode == "overlap"]
    if not serial or not overlap:
        return []
    reasons = []
    worst = min(counted, key=lambda b: b.schedule_efficiency)
    if worst.schedule_efficiency < LOOP_OK:
        reasons.append(
            f"the loop itself: round {worst.round_index + 1}'s {worst.mode} block ran at "
            f"{worst.schedule_efficiency:.0%} of the period its own G, L and C predict "
            f"({worst.measured_period_ms:.1f} ms measured, {worst.predicted_period_ms:.1f} ms predicted)"
        )
    c_s, c_o = _mean([b.c_ms for b in serial]), _mean([b.c_ms for b in overlap])
    if c.workload.cpu_work == "article" and abs(c_o / c_s - 1) > C_DRIFT:
        reasons.append(
            f"unequal work: the overlap script's loop, as the article wrote it, costs {_pct(c_o, c_s)} "
            f"per batch ({c_o:.1f} vs {c_s:.1f} ms for the same iterations)"
        )
    elif abs(c_o / c_s - 1) > C_DRIFT:
        c_all = [b.c_ms for b in counted]
        reasons.append(
            f"host drift: C was {_pct(c_o, c_s)} in the overlap blocks against the serial ones "
            f"({c_o:.1f} vs {c_s:.1f} ms) and ranged from {min(c_all):.1f} to {max(c_all):.1f} ms "
            "across blocks"
        )
    g_s, g_o = _mean([b.g_ms for b in serial]), _mean([b.g_ms for b in overlap])
    if abs(g_o / g_s - 1) > G_DRIFT:
        reasons.append(
            f"G drift: the overlap blocks' G ran {_pct(g_o, g_s)} against the serial blocks' "
            f"({g_o:.2f} vs {g_s:.2f} ms)"
        )
    p = c.prediction
    steps = c.workload.steps
    best_wall = block_wall_ratio(p.serial_period_ms, p.overlap_period_ms, steps)
    if c.ceiling - best_wall > 0.05 * (c.ceiling - 1):  # the drain costs over 5% of the gain
        reasons.append(
            f"fill and drain: with {steps} steps per block the last batch of each overlap block has "
            f"nothing to hide behind, so the best wall ratio is {best_wall:.2f}x, not {c.ceiling:.2f}x"
        )
    if c.stability_state == "unstable":
        reasons.append(f"the rounds disagree: per-round speedups spread by CV {c.speedup_cv:.1%}")
    if not reasons:
        reasons.append(
            "no single cause stands out: every block ran within 5% of its own prediction, and G and C "
            "held steady between modes"
        )
    return reasons


def shortfall_sentence(c: Comparison) -> str:
    """One sentence for the CLI and the lab; empty when nothing needs explaining."""
    reasons = shortfall_reasons(c)
    if not reasons:
        return ""
    return (
        f"The speedup reached {c.efficiency:.0%} of the predicted gain. Where the rest went: "
        + "; ".join(reasons)
        + "."
    )
