"""A Comparison in words: the JSON summary and the CLI's table, built from one set of numbers.

Nothing here measures or derives a statistic of its own: it reads properties of the result, the
per-block truth and the verdict, and lays them out.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from engine.read.diagnosis import checks, format_checks
from engine.read.rungs import format_rungs, format_syncs, rungs
from engine.read.truth import blocks, fast_block_sentences, limit_sentence, rung_sentences
from engine.read.uploads import format_uploads
from engine.read.verdict import verdict
from engine.result.comparison import Comparison


def fmt(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.0%}"


def cv_text(c: Comparison) -> str:
    return "n/a" if math.isnan(c.speedup_cv) else f"{c.speedup_cv:.1%}"


def limit_text(limit: float, ceiling: float) -> str:
    """A block limit, with the steady ceiling beside it where the two read differently."""
    text = f"{limit:.2f}x limit"
    return text if f"{limit:.2f}" == f"{ceiling:.2f}" else f"{text} (ceiling {ceiling:.2f}x)"


def gain_text(c: Comparison) -> str:
    """The headline's gain against its block limit, with the steady ceiling beside it where the two
    read differently, naming the variant it speaks of."""
    return f"{c.headline.name}: {c.speedup:.2f}x of its {limit_text(c.limit, c.ceiling)}"


def headline_text(c: Comparison) -> str:
    """The one line a reader takes away: speedup against ceiling, with its trust stamps."""
    return f"{gain_text(c)} · {c.stability_text} · {c.contention.stamp}"


def change_text(ratio: float) -> str:
    return "n/a" if math.isnan(ratio) else f"{ratio - 1:+.0%}"


def card_text(c: Comparison) -> str:
    """The message at a glance: gain against its ceiling, what it did to throughput and latency,
    and whether the number can be trusted.

    Every number is a median of per-round paired ratios: the throughput change is the speedup
    itself (a block's wall over the same work), and the latency change pairs each round's p50s.
    Pooled throughput once put "1.71x · throughput +53%" in one line."""
    state = {"n/a": "one round, spread unknown"}.get(c.stability_state, c.stability_state)
    parts = [
        gain_text(c),
        f"throughput {change_text(c.speedup)}",
        f"end-to-end latency {change_text(c.latency_ratio_of(c.headline.name))}",
        state,
    ]
    if c.contention.contended:
        parts.append("contended")
    return " · ".join(parts)


def iterations_used(c: Comparison) -> dict[str, float]:
    """Loop iterations per batch as actually run, per mode (fixed duration runs vary per batch)."""
    out = {}
    for mode in c.variant_names:
        counts = [s.post_iterations for r in c.mode_runs(mode) for s in r.steps if s.post_iterations >= 0]
        out[mode] = sum(counts) / len(counts) if counts else float("nan")
    return out


def headline_numbers(c: Comparison) -> dict[str, float | str]:
    """The numbers a reader looks at first; stored in the JSON for people, never read back."""
    b, h, p = c.baseline_summary, c.headline_summary, c.prediction
    return {
        "baseline": c.baseline.name,
        "headline": c.headline.name,
        "speedup": c.speedup,
        "speedup_cv": c.speedup_cv,
        "stability": c.stability_state,
        "limit": c.limit,
        "ceiling": c.ceiling,
        "efficiency": c.efficiency,
        "g_ms": b.g.mean,
        "l_ms": b.l.mean,
        "c_ms": b.c.mean,
        "steady_baseline_period_ms": p.baseline_period_ms,
        "steady_headline_period_ms": p.period_ms,
        "limit_baseline_period_ms": p.baseline_limit_period_ms,
        "limit_headline_period_ms": p.limit_period_ms,
        "baseline_period_ms": b.period_ms,
        "headline_period_ms": h.period_ms,
        "baseline_latency_p50_ms": b.latency.p50,
        "headline_latency_p50_ms": h.latency.p50,
        "baseline_throughput_ips": b.throughput_ips,
        "headline_throughput_ips": h.throughput_ips,
    }


def summary(c: Comparison) -> dict[str, Any]:
    """What the JSON puts first: the headline numbers, the verdict, the stamps, per-block truth."""
    v = verdict(c)
    return {
        "line": headline_text(c),
        "card": card_text(c),
        **headline_numbers(c),
        "stability_text": c.stability_text,
        "contention": c.contention.stamp,
        "verdict": v.line,
        "standing": limit_sentence(c),
        "cpu_iterations_per_batch": iterations_used(c),
        "counted_rounds": [i + 1 for i in c.counted_rounds],
        "blocks": [asdict(b) for b in blocks(c)],
        "variants": [asdict(r) for r in rungs(c)],
        "forecast_checks": [{**asdict(r), "error": r.error, "close": r.close} for r in checks(c)],
    }


def document(c: Comparison, run_id: str | None = None) -> dict[str, Any]:
    """A result as a file holds it: the summary first, so a person opening it reads the answer
    before the records, then the data that `Comparison.from_dict` reads back. A stored result
    carries its run id, so an import on another box keeps it and the sender's links still work."""
    return {"summary": summary(c), **({"run_id": run_id} if run_id else {}), **c.to_dict()}


def format_blocks(c: Comparison) -> list[str]:
    w = max(8, *(len(n) for n in c.variant_names))
    lines = [
        f"per-block truth (ms a batch: what each block's own costs allow for {c.workload.steps} batches, "
        "and its period):",
        f"  {'round':>5} {'variant':>{w}} {'G ms':>8} {'L ms':>7} {'C ms':>8} {'limit':>10} "
        f"{'period':>9} {'schedule eff':>13}",
    ]
    for b in blocks(c):
        mark = "" if b.counted else "  (settling, not counted)"
        lines.append(
            f"  {b.round_index + 1:>5} {b.mode:>{w}} {fmt(b.g_ms, 2):>8} {fmt(b.l_ms, 2):>7} "
            f"{fmt(b.c_ms):>8} {fmt(b.limit_period_ms):>10} {fmt(b.period_ms):>9} "
            f"{pct(b.schedule_efficiency):>13}{mark}"
        )
    return lines + [f"  {said}" for said in fast_block_sentences(c)]


def format_comparison(c: Comparison) -> str:
    w, s, o, p = c.workload, c.baseline_summary, c.headline_summary, c.prediction
    base, head = c.baseline.name, c.headline.name
    v = verdict(c)
    env = c.environment
    where = env.where
    rows = [
        ("period (ms): wall / batches", s.period_ms, o.period_ms),
        ("launch gap p50 (ms)", s.launch_gap.p50, o.launch_gap.p50),
        ("end-to-end latency p50 (ms)", s.latency.p50, o.latency.p50),
        ("throughput (images/s)", s.throughput_ips, o.throughput_ips),
        ("wall, counted blocks (s)", s.wall_s, o.wall_s),
    ]
    used_text = [f"{k} {fmt(v, 0)}" for k, v in iterations_used(c).items()]
    lines = [
        w.describe(),
        f"variants: {', '.join(f'{v.name} ({v.label})' for v in c.variants)}",
        f"device: {env.device or c.device_kind} ({where}); {c.rounds} rounds x {w.steps} steps per variant",
        *([] if w.loop else ["loop iterations per batch as run: " + ", ".join(used_text)]),
        "",
        *(format_checks(c) + [""] if c.forecast is not None else []),
        f"{'':30}{base[:12]:>12}{head[:12]:>12}",
    ]
    lines += [f"{name:30}{fmt(a):>12}{fmt(b):>12}" for name, a, b in rows]
    ratios = " ".join(f"{x:.3f}" for _, x in c.all_round_speedups)
    eff = "n/a (too little gain predicted)" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
    rule = c.stability
    counted = ""
    if rule.window:
        counted = f" (counted: rounds {c.counted_rounds[0] + 1}-{c.counted_rounds[-1] + 1})"
    lines += [
        "",
        f"G {fmt(s.g.mean)} ms   L {fmt(s.l.mean, 2)} ms   C {fmt(s.c.mean)} ms"
        f"   (means over the counted {base} blocks)",
        f"steady period: {base} {fmt(p.baseline_period_ms)} ms, {head} {fmt(p.period_ms)} ms ({p.formula})",
        f"limit for blocks of {w.steps}: {base} {fmt(p.baseline_limit_period_ms)} ms, {head} "
        f"{fmt(p.limit_period_ms)} ms a batch",
        f"{head} over {base}: speedup {c.speedup:.3f}x   limit {c.limit:.3f}x   ceiling {c.ceiling:.3f}x   "
        f"efficiency {eff}",
        f"per-round speedups: {ratios}{counted}",
        f"{c.stability_text} (stopped by: {rule.stop_reason}) · {c.contention.stamp}",
        "",
        *format_blocks(c),
        "",
        *format_rungs(c),
        *(f"  {said}" for said in rung_sentences(c)),
        *([""] + format_uploads(c) if any(v.uploads for v in c.variants) else []),
        "",
        *format_syncs(c),
        "",
        f"verdict: {v.bounds}",
        f"most help: {v.advice}",
    ]
    lines += [x for x in (limit_sentence(c),) if x]
    return "\n".join(lines)
