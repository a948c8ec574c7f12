"""Per-block truth: did each block do what its own costs allow, and if a variant fell short, why.

A shared box moves C by tens of percent between blocks, so a headline speedup far from the ceiling
proves nothing by itself. Each block is therefore judged against the period its *own* mean G, L
and C predict (its schedule efficiency), and a shortfall is put down, with numbers, to what the
records show: the host drifting between blocks, G drifting, fill and drain of short blocks, or the
loop itself. A shortfall is always a variant's against the baseline, and the sentences name both:
the headline's by default, any other variant's on request.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from engine.result.blocks import RunResult
from engine.result.comparison import Comparison
from engine.result.schedule import block_wall_ratio, predict

LOOP_OK = 0.95  # a block below this schedule efficiency points at the loop, not the host
C_DRIFT = 0.03  # a variant's C this far from the baseline's is host drift worth naming
G_DRIFT = 0.02
MISS = 0.90  # a speedup below this share of the predicted gain is explained
TOO_FAST = 1.05  # a block above this schedule efficiency beats its own costs: it is explained too


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


def shortfall_reasons(c: Comparison, name: str | None = None) -> list[str]:
    """Sentences, each with its numbers, saying where the gap between a variant's speedup and its
    ceiling went (the headline's, unless another is named).

    Empty when the speedup reached at least MISS of the predicted gain or no gain was predicted.
    """
    name = name or c.headline.name
    base = c.baseline.name
    eff = c.efficiency_of(name)
    if math.isnan(eff) or eff >= MISS:
        return []
    counted = [b for b in blocks(c) if b.counted]
    ours = [b for b in counted if b.mode == name]
    theirs = [b for b in counted if b.mode == base]
    if not ours or not theirs:
        return []
    reasons = []
    judged = [b for b in ours + theirs if not math.isnan(b.schedule_efficiency)]
    worst = min(judged, key=lambda b: b.schedule_efficiency, default=None)
    if worst is not None and worst.schedule_efficiency < LOOP_OK:
        reasons.append(
            f"the loop itself: round {worst.round_index + 1}'s {worst.mode} block ran at "
            f"{worst.schedule_efficiency:.0%} of the period its own G, L and C predict "
            f"({worst.measured_period_ms:.1f} ms measured, {worst.predicted_period_ms:.1f} ms predicted)"
        )
    c_b, c_o = _mean([b.c_ms for b in theirs]), _mean([b.c_ms for b in ours])
    unequal = c.workload.cpu_work == "article" and not c.variant(name).is_serial
    if abs(c_o / c_b - 1) > C_DRIFT and unequal:
        reasons.append(
            f"unequal work: the article's overlap loop, run in the {name} blocks, costs {_pct(c_o, c_b)} "
            f"per batch against the {base} blocks' loop ({c_o:.1f} vs {c_b:.1f} ms for the same iterations)"
        )
    elif c.variant(name).workers and c_o / c_b - 1 > C_DRIFT:
        k = c.variant(name).workers
        who = "the worker" if k == 1 else f"each of the {k} workers"
        crowd = "" if k == 1 else f", with {k} processes sharing the host's cores, caches and memory at once"
        reasons.append(
            f"a slower pool: {who} took C {_pct(c_o, c_b)} longer in the {name} blocks than the {base} "
            f"loop did ({c_o:.1f} vs {c_b:.1f} ms){crowd}"
        )
    elif abs(c_o / c_b - 1) > C_DRIFT:
        c_all = [b.c_ms for b in ours + theirs]
        reasons.append(
            f"host drift: C was {_pct(c_o, c_b)} in the {name} blocks against the {base} ones "
            f"({c_o:.1f} vs {c_b:.1f} ms) and ranged from {min(c_all):.1f} to {max(c_all):.1f} ms "
            "across their blocks"
        )
    g_b, g_o = _mean([b.g_ms for b in theirs]), _mean([b.g_ms for b in ours])
    if abs(g_o / g_b - 1) > G_DRIFT and c.variant(name).launches_like(c.baseline):
        reasons.append(
            f"G drift: the {name} blocks' G ran {_pct(g_o, g_b)} against the {base} blocks' "
            f"({g_o:.2f} vs {g_b:.2f} ms)"
        )
    p = c.prediction_of(name)
    steps = c.workload.steps
    best_wall = block_wall_ratio(p.baseline_period_ms, p.period_ms, steps)
    # The drain costs over 5% of the gain, and enough to tell apart in the sentence's own digits.
    if p.ceiling - best_wall > 0.05 * (p.ceiling - 1) and f"{best_wall:.2f}" != f"{p.ceiling:.2f}":
        reasons.append(
            f"fill and drain: with {steps} steps per block the last batch of each {name} block has "
            f"nothing to hide behind, so the best wall ratio is {best_wall:.2f}x, not {p.ceiling:.2f}x"
        )
    cv = c.speedup_cv_of(name)
    if not math.isnan(cv) and cv > c.stability.cv_target:
        reasons.append(f"the rounds disagree: the {name} per-round speedups spread by CV {cv:.1%}")
    if not reasons:
        reasons.append(
            f"no single cause stands out: every {name} and {base} block ran within 5% of its own "
            f"prediction, and G and C held steady between them"
        )
    return reasons


def shortfall_sentence(c: Comparison, name: str | None = None) -> str:
    """One sentence for the CLI and the lab; empty when nothing needs explaining."""
    name = name or c.headline.name
    reasons = shortfall_reasons(c, name)
    if not reasons:
        return ""
    return (
        f"{name} reached {c.efficiency_of(name):.0%} of the gain predicted over {c.baseline.name}. "
        "Where the rest went: " + "; ".join(reasons) + "."
    )


def fast_block_sentences(c: Comparison, name: str | None = None) -> list[str]:
    """One sentence per counted block that ran more than 5% faster than its own G, L and C allow
    (only the blocks of variant `name`, where one is named).

    Such a block means the cost model does not describe it, so it is never passed over in silence:
    the sentence gives the numbers and what the records show about it."""
    out = []
    for r in c.runs:
        eff = r.schedule_efficiency
        if r.round_index not in set(c.counted_rounds) or math.isnan(eff) or eff <= TOO_FAST:
            continue
        if name is not None and r.mode != name:
            continue
        cs = [s.c_ms for s in r.steps]
        what = (
            f"{r.workers} workers busy for their mean C of {r.c_ms.mean:.1f} ms finish one batch every "
            f"{r.c_ms.mean / r.workers:.1f} ms at best, and these finished unevenly (C from {min(cs):.1f} "
            f"to {max(cs):.1f} ms), so over its few whole turns of {r.workers} the pace read faster"
            if r.workers
            else f"its C ranged from {min(cs):.1f} to {max(cs):.1f} ms around the {r.c_ms.mean:.1f} ms mean "
            "the model takes"
        )
        out.append(
            f"round {r.round_index + 1}'s {r.mode} block ran at {eff:.0%} of the period its own G, L and C "
            f"predict ({r.measured_period_ms:.1f} ms measured, {r.predicted_period_ms:.1f} ms predicted): "
            f"faster than the model allows; {what}"
        )
    return out


def beyond_sentence(c: Comparison, name: str | None = None) -> str:
    """Why a variant beat its ceiling (or the best a block of this many batches can do), from the
    records: what ran faster in its blocks than in the baseline's. Empty when it did not.

    The ceiling comes from the baseline's G, L and C; a variant whose blocks had a faster host, a
    faster GPU or cheaper launches can beat it honestly, and the card says which, with numbers."""
    name = name or c.headline.name
    base = c.baseline.name
    if name == base:
        return ""
    speedup, p = c.speedup_of(name), c.prediction_of(name)
    steps = c.workload.steps
    fill_limit = block_wall_ratio(p.baseline_period_ms, p.period_ms, steps)
    # As read: a speedup printed as 1.91x beside a 1.91x limit does not beat it.
    if (
        math.isnan(speedup)
        or round(speedup, 2) <= round(min(p.ceiling, fill_limit), 2)
        or p.ceiling - 1 < 0.02
    ):
        return ""
    counted = [b for b in blocks(c) if b.counted]
    ours = [b for b in counted if b.mode == name]
    theirs = [b for b in counted if b.mode == base]
    if not ours or not theirs:
        return ""
    limit = (
        f"above its {p.ceiling:.2f}x ceiling"
        if round(speedup, 2) > round(p.ceiling, 2)
        else f"above the {fill_limit:.2f}x that blocks of {steps} batches allow once fill and drain are "
        f"paid (its ceiling is {p.ceiling:.2f}x)"
    )
    causes = []
    c_b, c_o = _mean([b.c_ms for b in theirs]), _mean([b.c_ms for b in ours])
    g_b, g_o = _mean([b.g_ms for b in theirs]), _mean([b.g_ms for b in ours])
    l_b, l_o = _mean([b.l_ms for b in theirs]), _mean([b.l_ms for b in ours])
    if c_o < c_b * (1 - C_DRIFT):
        causes.append(
            f"the host ran C {1 - c_o / c_b:.0%} faster in the {name} blocks than in the {base} ones "
            f"({c_o:.1f} vs {c_b:.1f} ms)"
        )
    if g_o < g_b * (1 - G_DRIFT) and c.variant(name).launches_like(c.baseline):
        causes.append(f"the GPU ran G {1 - g_o / g_b:.0%} faster in them ({g_o:.2f} vs {g_b:.2f} ms)")
    if causes:
        v = c.variant(name)
        drains = v.readback == "naive" and not v.is_serial
        own = predict(
            g_o, l_o, c_o, v.depth, v.workers, baseline_l_ms=l_b, drains=drains, baseline_g_ms=g_b
        ).period_ms
        causes.append(f"with the costs its own blocks had, the ceiling is {p.baseline_period_ms / own:.2f}x")
    causes += fast_block_sentences(c, name)
    if not causes:
        cv = c.speedup_cv_of(name)
        over = speedup / min(p.ceiling, fill_limit) - 1
        noise = (
            f"so the {over:.1%} it is over lies within the rounds' spread (CV {cv:.1%})"
            if not math.isnan(cv) and over <= cv
            else f"and the {over:.1%} it is over is more than the rounds' spread: the model misses "
            "something this run did"
        )
        causes.append(
            f"no measured cost explains it: C held within {C_DRIFT:.0%} and G within {G_DRIFT:.0%} between "
            f"the {name} and {base} blocks, {noise}"
        )
    return f"{name} at {speedup:.2f}x is {limit} because " + "; ".join(causes) + "."


def rung_sentences(c: Comparison) -> list[str]:
    """Why each variant other than the headline beat its ceiling, where one did: a table row at
    334% of its gain says why beside it, as the headline does in the card."""
    return [x for v in c.variants[1:-1] if (x := beyond_sentence(c, v.name))]
