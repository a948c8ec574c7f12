"""A comparison as the CLI prints it: the header, the baseline against the headline, the per-block
truth, the variants, the uploads, the syncs, the verdict and the one sentence of the headline.

Nothing here derives a number: every figure is a property of the result or a row of the read side,
laid out for a terminal, so `compare`, `show` and a teammate's `show FILE` print the same text.
"""

from __future__ import annotations

import math

from engine.read.document import iterations_used
from engine.read.numbers import fmt, pct, plural
from engine.read.truth import best_rung_sentence, blocks, fast_block_sentences, limit_sentence, rung_sentences
from engine.read.verdict import verdict
from engine.result.comparison import Comparison
from engine.words.diagnosis import format_checks
from engine.words.uploads import format_uploads
from engine.words.variants import format_rungs, format_syncs


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
        f"device: {env.device or c.device_kind} ({where}); {plural(c.rounds, 'round')} x {w.steps} steps "
        "per variant",
        *([] if w.loop else ["loop iterations per batch as run: " + ", ".join(used_text)]),
        *(
            [
                f"torch.compile: {c.calibration.compile_s:.1f} s to a replaying forward, before the rounds "
                "(in no period)"
            ]
            if c.calibration.compile_s is not None
            else []
        ),
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
    lines += [x for x in (best_rung_sentence(c), limit_sentence(c)) if x]
    return "\n".join(lines)
