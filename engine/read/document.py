"""A Comparison in words: the JSON summary and the CLI's table, built from one set of numbers.

Nothing here measures or derives a statistic of its own: it reads properties of the result, the
per-block truth and the verdict, and lays them out.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

from engine.read.diagnosis import checks
from engine.read.rungs import rungs
from engine.read.truth import blocks, limit_sentence
from engine.read.verdict import verdict
from engine.result.comparison import Comparison


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

    The throughput change is the speedup itself (the ratio of the counted walls over the same
    work), so the two can never disagree, as "1.71x · throughput +53%" once did; the latency change
    pairs each round's p50s."""
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


def stored_document(c: Comparison) -> dict[str, Any]:
    """A result as the history keeps it: the data, and only the card's line before it. Every view
    and export builds the full summary from the data again, so the store need not hold it, and a
    result imported near the size limit is not pushed past it by a summary of its every block."""
    return {"summary": {"line": headline_text(c), "card": card_text(c)}, **c.to_dict()}


def document(c: Comparison, run_id: str | None = None) -> dict[str, Any]:
    """A result as a file holds it: the summary first, so a person opening it reads the answer
    before the records, then the data that `Comparison.from_dict` reads back. A stored result
    carries its run id, so an import on another box keeps it and the sender's links still work."""
    return {"summary": summary(c), **({"run_id": run_id} if run_id else {}), **c.to_dict()}


# Why a number a person would look for is null in a file: JSON has no NaN, and other tools refuse it.
NULL_REASONS = {
    "efficiency": "too little gain allowed to share out (the baseline, or a limit within 2% of 1x)",
    "speedup_cv": "one round: no spread to judge",
    "of_box": "no speedup to set against the box",
    "ms_per_iteration": "the post-processing's loop length was not recorded",
    "cpu_iterations_per_batch": "the post-processing's loop length was not recorded",
    "error": "no forecast to hold the measurement against",
}


def standard_json(data: Any, indent: int | None = None) -> str:
    """A document as standard JSON: every number that is not a number (no gain to share, no
    spread from one round) becomes null, and the summary's `nulls` says why each one is."""
    nulls: dict[str, str] = {}

    def clean(x: Any, path: str) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            key = next((k for k in reversed(path.replace("[", ".").split(".")) if k in NULL_REASONS), "")
            nulls[path] = NULL_REASONS.get(key, "not measured")
            return None
        if isinstance(x, dict):
            return {k: clean(v, f"{path}.{k}" if path else str(k)) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v, f"{path}[{i}]") for i, v in enumerate(x)]
        return x

    out = clean(data, "")
    if nulls and isinstance(out, dict) and isinstance(out.get("summary"), dict):
        out["summary"]["nulls"] = nulls
    return json.dumps(out, indent=indent, allow_nan=False)
