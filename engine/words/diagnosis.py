"""A diagnosis in the CLI's words: the probe, then each rung's forecast beside what it measured, and
where each miss went."""

from __future__ import annotations

from engine.read.diagnosis import CLOSE, checks, miss_reasons
from engine.read.numbers import size_text
from engine.result.comparison import Comparison
from engine.result.forecast import Forecast


def format_forecast(f: Forecast) -> list[str]:
    p = f.probe
    graphs = (
        f"; a graph replay: Gg {p.graph_g_ms:.2f} ms, Lg {p.graph_l_ms:.3f} ms"
        if p.graph_g_ms is not None and p.graph_l_ms is not None
        else ""
    )
    kernels = f"; {p.kernels_per_batch} GPU operations a forward" if p.kernels_per_batch >= 0 else ""
    worker = (
        f"; in a pool worker C is {p.pool_c_ms:.2f} ms, and handing it over (S) {p.ship_ms:.2f} ms"
        if p.pool_c_ms is not None
        else ""
    )
    lines = [
        f"probe of {f.loop or 'the built-in loop'}: {p.batches} serial batches with the pinned readback",
        f"  G {p.g_ms:.2f} ms   L {p.l_ms:.2f} ms (pre-processing {p.pre_ms:.2f})   C {p.c_ms:.2f} ms   "
        f"R {p.r_ms:.2f} ms   serial period {p.serial_period_ms:.2f} ms",
        f"  {size_text(p.bytes_per_batch)} read back a batch{worker}{kernels}{graphs}",
    ]
    if f.syncs:
        lines.append("  hidden syncs in the loop's own code:")
        lines += [f"    {s.where}  {s.code}  ({s.count}x: {s.what})" for s in f.syncs]
    else:
        lines.append("  hidden syncs in the loop's own code: none")
    lines += [f"  skipped {s.rung}: {s.reason}" for s in f.skipped]
    lines.append(f"first fix: {f.first_fix}")
    return lines


def format_checks(c: Comparison) -> list[str]:
    f = c.forecast
    if f is None:
        return []
    rows = checks(c)
    lines = [
        *format_forecast(f),
        "",
        f"forecast, then measured (blocks of {f.steps} batches, against {c.baseline.name}):",
        f"  {'rung':<14} {'forecast':>8} {'measured':>8} {'error':>7} {'rule*':>7}  formula (ms)",
    ]
    for r in rows:
        lines.append(
            f"  {r.name:<14} {r.forecast:>7.2f}x {r.measured:>7.2f}x {r.error:>+7.1%} {r.rule:>6.2f}x  "
            f"{r.formula}"
        )
    close = sum(r.close for r in rows)
    held = sum(abs(r.measured / r.rule - 1) <= CLOSE for r in rows)
    lines.append(
        f"within {CLOSE:.0%}: {close} of {len(rows)} rungs; *the same rule on the costs the rounds "
        f"measured is within {CLOSE:.0%} on {held}"
    )
    for r in rows:
        if not r.close:
            lines.append(f"  {r.name} missed by {r.error:+.1%}: " + "; ".join(miss_reasons(c, r.name)))
    return lines
