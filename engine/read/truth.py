"""Per-block truth, and the one sentence each variant gets against its block limit.

A shared box moves C by tens of percent between blocks, so a speedup far from its limit proves
nothing by itself. Each block is judged against the limit its *own* mean costs allow for its own
steps (its schedule efficiency, from the one cost model's block schedule), and each variant is
held against one limit, the block limit for the steps it ran, with the steady ceiling beside it.
Where it stands is one of three, and it gets exactly one sentence:

- **at** its limit: within the noise of the rounds (at least 1%, and at least twice their CV);
- **short** of it past the noise: where the rest went, with numbers (the loop itself, host drift,
  G drift, a slower pool, unequal work, rounds that disagree);
- **beyond** it past the noise: what ran faster in its blocks than in the baseline's, and only
  where no measured cost explains the excess, that the model misses something.

A card once said "reached 84% of the gain" and "above the limit, the model misses something" of
one variant; a sentence here is built whole from one standing, so that cannot happen again.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from engine.model.ceiling import Prediction
from engine.model.terms import terms_of
from engine.read.numbers import ms
from engine.result.blocks import RunResult
from engine.result.comparison import Comparison

LOOP_OK = 0.95  # a block below this schedule efficiency points at the loop, not the host
TOO_FAST = 1.05  # a block above this schedule efficiency beats its own costs: it is explained too
C_DRIFT = 0.03  # a variant's C this far from the baseline's is host drift worth naming
G_DRIFT = 0.02
NOISE_MIN = 0.01  # the smallest distance from a limit that is read as more than noise
NOISE_CVS = 2.0  # ... and at least this many of the rounds' CVs
AT, SHORT, BEYOND = "at", "short", "beyond"


@dataclass(frozen=True)
class BlockTruth:
    round_index: int
    mode: str
    depth: int
    counted: bool  # False for rounds the stability gate set aside while the host settled
    g_ms: float
    l_ms: float
    c_ms: float
    limit_period_ms: float  # what its own mean costs allow a block of its steps, per batch
    period_ms: float  # its wall over its batches
    schedule_efficiency: float  # the two over each other: 1 is the loop doing what its costs allow
    ms_per_iteration: float  # nan where the loop length per batch is unknown


def block_truth(c: Comparison, run: RunResult, counted: bool = True) -> BlockTruth:
    return BlockTruth(
        run.round_index,
        run.mode,
        run.depth,
        counted,
        run.costs.g_ms,
        run.costs.l_ms,
        run.costs.c_ms,
        c.block_limit_ms(run),
        run.period_ms,
        c.schedule_efficiency(run),
        run.ms_per_iteration,
    )


def blocks(c: Comparison) -> list[BlockTruth]:
    counted = set(c.counted_rounds)
    return [block_truth(c, r, r.round_index in counted) for r in c.runs]


def _mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def _pct(a: float, b: float) -> str:
    return f"{(a / b - 1):+.1%}"


def noise_floor(c: Comparison, name: str) -> float:
    """How far from its limit a variant must be before the distance is more than noise."""
    cv = c.speedup_cv_of(name)
    return max(NOISE_MIN, NOISE_CVS * cv) if math.isfinite(cv) else NOISE_MIN


def over_limit(c: Comparison, name: str) -> float:
    """The speedup's distance from the block limit: +2% is 2% above it."""
    limit = c.limit_of(name)
    return c.speedup_of(name) / limit - 1 if limit > 0 else float("nan")


def standing(c: Comparison, name: str) -> str:
    """at, short or beyond its block limit, past the noise floor; "" for the baseline or a variant
    with no measured speedup."""
    over = over_limit(c, name)
    if name == c.baseline.name or not math.isfinite(over):
        return ""
    floor = noise_floor(c, name)
    return BEYOND if over > floor else SHORT if over < -floor else AT


def _limit_words(c: Comparison, name: str) -> str:
    """The limit with the ceiling beside it: "the 15.62x its blocks of 200 batches allow (steady
    ceiling 16.30x)"."""
    limit, ceiling = c.limit_of(name), c.ceiling_of(name)
    steps = c.workload.steps
    beside = "" if f"{limit:.2f}" == f"{ceiling:.2f}" else f" (steady ceiling {ceiling:.2f}x)"
    return f"the {limit:.2f}x its blocks of {steps} batches allow{beside}"


def _sides(c: Comparison, name: str) -> tuple[list[BlockTruth], list[BlockTruth]]:
    counted = [b for b in blocks(c) if b.counted]
    return [b for b in counted if b.mode == name], [b for b in counted if b.mode == c.baseline.name]


def shortfall_reasons(c: Comparison, name: str | None = None) -> list[str]:
    """Where the gap between a variant's speedup and its block limit went, each with its numbers;
    empty unless the variant stands short of its limit."""
    name = name or c.headline.name
    if standing(c, name) != SHORT:
        return []
    base = c.baseline.name
    ours, theirs = _sides(c, name)
    if not ours or not theirs:
        return []
    reasons = []
    judged = [b for b in ours + theirs if not math.isnan(b.schedule_efficiency)]
    worst = min(judged, key=lambda b: b.schedule_efficiency, default=None)
    if worst is not None and worst.schedule_efficiency < LOOP_OK:
        reasons.append(
            f"the loop itself: round {worst.round_index + 1}'s {worst.mode} block ran at "
            f"{worst.schedule_efficiency:.0%} of what its own costs allow ({ms(worst.period_ms)} ms a batch "
            f"measured, {ms(worst.limit_period_ms)} ms allowed)"
        )
    c_b, c_o = _mean([b.c_ms for b in theirs]), _mean([b.c_ms for b in ours])
    v = c.variant(name)
    if c_b > 0 and abs(c_o / c_b - 1) > C_DRIFT:
        if c.workload.cpu_work == "article" and not v.is_serial:
            reasons.append(
                f"unequal work: the article's overlap loop, run in the {name} blocks, costs "
                f"{_pct(c_o, c_b)} per batch against the {base} blocks' loop ({ms(c_o)} vs {ms(c_b)} ms "
                "for the same iterations)"
            )
        elif v.workers and c_o > c_b:
            k = v.workers
            who = "the worker" if k == 1 else f"each of the {k} workers"
            crowd = (
                ""
                if k == 1
                else f", with {k} threads waiting on one GIL and sharing the host's cores"
                if v.threaded
                else f", with {k} processes sharing the host's cores, caches and memory at once"
            )
            reasons.append(
                f"a slower pool: {who} took C {_pct(c_o, c_b)} longer in the {name} blocks than the {base} "
                f"loop did ({ms(c_o)} vs {ms(c_b)} ms){crowd}"
            )
        else:
            c_all = [b.c_ms for b in ours + theirs]
            reasons.append(
                f"host drift: C was {_pct(c_o, c_b)} in the {name} blocks against the {base} ones "
                f"({ms(c_o)} vs {ms(c_b)} ms) and ranged from {ms(min(c_all))} to {ms(max(c_all))} ms "
                "across their blocks"
            )
    g_b, g_o = _mean([b.g_ms for b in theirs]), _mean([b.g_ms for b in ours])
    if g_b > 0 and abs(g_o / g_b - 1) > G_DRIFT and v.launches_like(c.baseline):
        reasons.append(
            f"G drift: the {name} blocks' G ran {_pct(g_o, g_b)} against the {base} blocks' "
            f"({ms(g_o)} vs {ms(g_b)} ms)"
        )
    cv = c.speedup_cv_of(name)
    if not math.isnan(cv) and cv > c.stability.cv_target:
        reasons.append(f"the rounds disagree: the {name} per-round speedups spread by CV {cv:.1%}")
    if not reasons:
        reasons.append(
            f"no single cause stands out: every {name} and {base} block ran within "
            f"{1 - LOOP_OK:.0%} of what its own costs allow, and G and C held steady between them"
        )
    return reasons


def own_limit(c: Comparison, name: str) -> float:
    """The block limit at the costs the variant's own blocks had, against the baseline's own."""
    v, b = c.variant(name), c.baseline
    own, base = c.summary_of(name).costs, c.baseline_summary.costs
    return Prediction(terms_of(v, own), terms_of(b, base), c.workload.steps).limit


def fast_block_sentences(c: Comparison, name: str | None = None) -> list[str]:
    """One sentence per counted block that ran more than 5% faster than its own costs allow (only
    variant `name`'s, where one is named): the model does not describe such a block, so it is never
    passed over in silence."""
    out = []
    counted = set(c.counted_rounds)
    for r in c.runs:
        eff = c.schedule_efficiency(r)
        if r.round_index not in counted or math.isnan(eff) or eff <= TOO_FAST:
            continue
        if name is not None and r.mode != name:
            continue
        cs = [s.c_ms for s in r.steps]
        spread = f"its C ranged from {ms(min(cs))} to {ms(max(cs))} ms around the {ms(r.c_ms.mean)} ms mean"
        what = (
            f"{spread} that its {r.workers} workers' schedule takes, and uneven finishes let a pool "
            "run ahead of one at the mean"
            if r.workers
            else f"{spread} the model takes"
        )
        out.append(
            f"round {r.round_index + 1}'s {r.mode} block ran at {eff:.0%} of what its own costs allow "
            f"({ms(r.period_ms)} ms a batch measured, {ms(c.block_limit_ms(r))} ms allowed): "
            f"faster than the model allows; {what}"
        )
    return out


def beyond_causes(c: Comparison, name: str) -> list[str]:
    """What ran faster in a variant's blocks than in the baseline's, with numbers; the model
    missing something only where nothing measured explains the excess."""
    base = c.baseline.name
    ours, theirs = _sides(c, name)
    causes = []
    c_b, c_o = _mean([b.c_ms for b in theirs]), _mean([b.c_ms for b in ours])
    g_b, g_o = _mean([b.g_ms for b in theirs]), _mean([b.g_ms for b in ours])
    if c_o < c_b * (1 - C_DRIFT):
        causes.append(
            f"the host ran C {1 - c_o / c_b:.0%} faster in the {name} blocks than in the {base} ones "
            f"({ms(c_o)} vs {ms(c_b)} ms)"
        )
    if g_o < g_b * (1 - G_DRIFT) and c.variant(name).launches_like(c.baseline):
        causes.append(f"the GPU ran G {1 - g_o / g_b:.0%} faster in them ({ms(g_o)} vs {ms(g_b)} ms)")
    if causes:
        causes.append(f"at the costs its own blocks had, the limit is {own_limit(c, name):.2f}x")
    slow = _mean([b.schedule_efficiency for b in theirs])
    if slow < 1 - noise_floor(c, name):
        allowed, took = _mean([b.limit_period_ms for b in theirs]), _mean([b.period_ms for b in theirs])
        causes.append(
            f"the {base} blocks took {ms(took)} ms a batch where their own costs allow {ms(allowed)} "
            f"({slow:.0%}): a baseline slower than its own costs lifts every ratio against it"
        )
    causes += fast_block_sentences(c, name)
    if not causes:
        causes.append(
            f"no measured cost explains it: C held within {C_DRIFT:.0%} and G within {G_DRIFT:.0%} "
            f"between the {name} and {base} blocks, so the model misses something this run did"
        )
    return causes


def limit_sentence(c: Comparison, name: str | None = None) -> str:
    """The one sentence a variant gets against its block limit; "" for the baseline."""
    name = name or c.headline.name
    where = standing(c, name)
    if not where:
        return ""
    speedup, floor = c.speedup_of(name), noise_floor(c, name)
    limit = _limit_words(c, name)
    if where == AT:
        why = _spread_clause(c, name) if floor > NOISE_MIN and abs(over_limit(c, name)) > NOISE_MIN else ""
        return f"{name} at {speedup:.2f}x is at {limit}: within the rounds' noise of {floor:.1%}{why}."
    if where == SHORT:
        eff = c.efficiency_of(name)
        share = "none" if speedup < 1 or math.isnan(eff) else f"{eff:.0%}"
        slower = f" (it ran slower than {c.baseline.name})" if speedup < 1 else ""
        reached = f"reached {share} of the gain over {c.baseline.name} of {limit}{slower}"
        return (
            f"{name} at {speedup:.2f}x {reached}, "
            f"short by more than the rounds' noise of {floor:.1%}. Where the rest went: "
            + "; ".join(shortfall_reasons(c, name))
            + "."
        )
    over = over_limit(c, name)
    return (
        f"{name} at {speedup:.2f}x is {over:.1%} above {limit}, more than the rounds' noise of "
        f"{floor:.1%}, because " + "; ".join(beyond_causes(c, name)) + "."
    )


def _spread_clause(c: Comparison, name: str) -> str:
    """What widened a variant's noise floor, where one of its own blocks shows it: a block that
    lost time to the loop spreads the rounds, and "within the noise" alone would hide it."""
    ours, _theirs = _sides(c, name)
    worst = min(ours, key=lambda b: b.schedule_efficiency, default=None)
    if worst is None or not worst.schedule_efficiency < LOOP_OK:
        return ""
    return (
        f", which round {worst.round_index + 1}'s {name} block widened: it ran at "
        f"{worst.schedule_efficiency:.0%} of what its own costs allow ({ms(worst.period_ms)} ms a batch "
        f"measured, {ms(worst.limit_period_ms)} ms allowed)"
    )


OFF_LIMIT = 0.05  # a table row further than this from its limit always says why beside the table


def rung_sentences(c: Comparison) -> list[str]:
    """The sentence of each variant other than the headline that is short of or beyond its limit,
    or more than 5% from it within a wide noise floor: a table row says why beside it, as the
    headline does in the card."""
    return [
        limit_sentence(c, v.name)
        for v in c.variants[1:-1]
        if standing(c, v.name) in (SHORT, BEYOND) or abs(over_limit(c, v.name)) > OFF_LIMIT
    ]


def best_rung_sentence(c: Comparison) -> str:
    """Where a rung below the headline measured more than the headline, past both their noise
    floors, the card names it and says why the top rung lost: its own limit was lower at these
    costs (a pool on too few cores, a hand-over that costs more than it hides), or it fell short of
    a limit that was higher. "" where the headline is the best rung, within the noise."""
    head = c.headline.name
    lower = [v.name for v in c.variants[1:-1] if math.isfinite(c.speedup_of(v.name))]
    if not lower or not math.isfinite(c.speedup_of(head)):
        return ""
    best = max(lower, key=c.speedup_of)
    s_best, s_head = c.speedup_of(best), c.speedup_of(head)
    floor = max(noise_floor(c, best), noise_floor(c, head))
    if not s_best > s_head * (1 + floor):
        return ""
    l_best, l_head = c.limit_of(best), c.limit_of(head)
    if l_head < l_best * (1 - NOISE_MIN):
        steady = c.prediction_of(head).steady
        why = (
            f"at the costs this run measured, {head}'s own limit is {l_head:.2f}x against {best}'s "
            f"{l_best:.2f}x; its period is {steady.numbers}, {steady.bound}"
        )
    elif standing(c, head) == SHORT:
        why = f"{head} fell short of its own {l_head:.2f}x limit, as its sentence says"
    else:
        why = f"{best} ran above its own {l_best:.2f}x limit, as its row says"
    return f"The best rung of this run is {best} at {s_best:.2f}x, not {head} at {s_head:.2f}x: {why}."
