"""The first screen of a result: the card, the paired chart and the headline numbers.

A reader should see "throughput up, latency up" without reading: so the card says it in one line,
naming the variant it speaks of, and the paired chart shows baseline against headline. Every
number is a property of the result or a sentence of the engine's read side.
"""

from __future__ import annotations

import math

import streamlit as st

from engine.api import (
    LAB,
    Comparison,
    Variant,
    best_rung_sentence,
    card_text,
    cv_text,
    frames,
    gain_share,
    iterations_used,
    limit_sentence,
    verdict,
)
from ui import charts
from ui.shell import exports
from ui.shell.look import Look
from ui.shell.plain import plain


def _x(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.2f}x"


def _named(v: Variant) -> str:
    """A variant's name, and what it is where the name alone does not say."""
    return f"**{v.name}**" + (f" ({v.label})" if v.label != v.name else "")


def summary_card(c: Comparison) -> None:
    """The answer first: gain against ceiling, throughput and latency change, trust, the verdict."""
    v = verdict(c, LAB)
    box = st.container(border=True)
    box.markdown(f"## {card_text(c)}")
    box.markdown(
        f"{_named(c.headline)} against {_named(c.baseline)}.  \n"
        f"**Verdict.** {plain(v.bounds)}.  \n**Most help:** {plain(v.advice)}."
    )
    if best := best_rung_sentence(c):
        box.markdown(plain(best))
    why = limit_sentence(c)
    if why:
        box.markdown(plain(why))
    if c.contention.contended:
        box.warning(f"Contended: {plain(c.contention.reason)}. Another workload shared what was measured.")


def paired(c: Comparison, look: Look) -> None:
    chart = charts.paired_chart(
        frames.paired_frame(c), frames.limit_period_ms(c), c.variant_names, look.style
    )
    exports.show(chart, f"{look.name}-period-latency", f"{look.key}_paired")
    st.caption(
        f"{c.baseline.name} against {c.headline.name}. Period: a block's wall over its batches (lower "
        "is more throughput). Latency: end to end, one batch's launch to the end of its "
        f"post-processing. The tick marked limit is the period {c.headline.name}'s costs allow blocks of "
        f"{c.workload.steps} batches; its steady rule is {c.prediction.formula}."
    )


def headline(c: Comparison) -> None:
    b, h, p = c.baseline_summary, c.headline_summary, c.prediction
    base, head = c.baseline.name, c.headline.name
    cols = st.columns(6)
    cols[0].metric(
        "Speedup", _x(c.speedup), help=f"{base}'s counted walls over {head}'s: the ratio of their periods."
    )
    cols[1].metric(
        "Limit",
        _x(c.limit),
        help=f"The best speedup blocks of {c.workload.steps} batches allow at {base}'s costs, fill and "
        f"drain included. Steady ceiling: {_x(c.ceiling)}, {p.baseline_steady.formula} over {p.formula}.",
    )
    cols[2].metric(
        "Efficiency",
        gain_share(c.efficiency, c.speedup, base),
        help="(speedup - 1) / (limit - 1): the share of the allowed gain realised",
    )
    pooled = "All counted blocks pooled; the card's throughput change is the speedup itself."
    cols[3].metric(f"{base} images/s", f"{b.throughput_ips:,.1f}", help=pooled)
    cols[4].metric(f"{head} images/s", f"{h.throughput_ips:,.1f}", help=pooled)
    state = c.stability_state
    cols[5].metric(
        "Spread (CV)",
        cv_text(c),
        delta=state,
        delta_color="normal" if state == "stable" else "inverse" if state == "unstable" else "off",
        help=f"Spread of the per-round speedups; at most {c.stability.cv_target:.0%} is stable. "
        "With one round there is no spread to judge.",
    )
    used = iterations_used(c)[base]
    loop = (
        "loop iterations not recorded"
        if math.isnan(used)
        else f"{used:,.0f} loop iterations per batch as run"
    )
    st.markdown(
        f"**G** {b.g.mean:.2f} ms · **L** {b.l.mean:.2f} ms · **C** {b.c.mean:.2f} ms ({base} means; "
        f"{loop}). Period: {base} {b.period_ms:.1f} ms, {head} {h.period_ms:.1f} ms; its limit for "
        f"blocks of {c.workload.steps}: {p.baseline_limit_period_ms:.1f} and {p.limit_period_ms:.1f} ms; "
        f"steady: {p.baseline_period_ms:.1f} and {p.period_ms:.1f} ms. "
        f"End-to-end latency p50 goes from {b.latency.p50:.1f} ms to {h.latency.p50:.1f} ms."
    )
    if c.stability.window:
        counted = c.counted_rounds
        st.caption(
            f"Run until stable: stopped by {plain(c.stability.stop_reason)} after {c.rounds} rounds; the "
            f"headline counts rounds {counted[0] + 1} to {counted[-1] + 1}."
        )
    if state == "unstable":
        st.warning(
            f"Unstable: the per-round speedups spread by {c.speedup_cv:.1%} (CV). Run until stable, "
            "hold C still with fixed duration, or use a quieter machine before trusting the speedup "
            "to better than that."
        )


def article_note(c: Comparison) -> None:
    """With the article's own loops, say how much more the overlap script's loop costs: shown only
    where a result ran them."""
    if c.workload.cpu_work != "article" or c.headline.is_serial:
        return
    c_s, c_o = c.baseline_summary.c.mean, c.headline_summary.c.mean
    st.info(
        f"As in the article, each loop runs its own script's post-processing. The overlap script's "
        f"loop computes `batch_id * 31 + i` on every iteration: C was {c_o:.1f} ms per batch in the "
        f"{c.headline.name} blocks against {c_s:.1f} ms in the {c.baseline.name} ones "
        f"({c_o / c_s - 1:+.0%}) for the same number of iterations, so part of what the article's "
        "comparison measures is that extra work, not the schedule. The seed preset runs one loop in both."
    )
