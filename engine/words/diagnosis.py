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
    if p.gil_share is not None:
        lines.append(
            f"  h {p.gil_share:.2f}: two threads post-processing at once took {1 + p.gil_share:.2f}x one's "
            f"time, so {p.gil_share:.0%} of C holds the GIL; a thread's copy of an output (S) "
            f"{p.thread_ship_ms:.3f} ms"
        )
    if p.compile_g_ms is not None and p.compile_l_ms is not None:
        took = f" after a {p.compile_s:.1f} s compile (in no period)" if p.compile_s is not None else ""
        lines.append(
            f"  torch.compile (reduce-overhead): Gc {p.compile_g_ms:.2f} ms, Lc {p.compile_l_ms:.3f} ms{took}"
        )
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
        f"  {'rung':<16} {'forecast':>8} {'interval':>12} {'measured':>8} {'error':>7} {'rule*':>7}  "
        "formula (ms)",
    ]
    for r in rows:
        span = f"{r.low:.2f} to {r.high:.2f}" if r.low is not None and r.high is not None else "—"
        lines.append(
            f"  {r.name:<16} {r.forecast:>7.2f}x {span:>12} {r.measured:>7.2f}x {r.error:>+7.1%} "
            f"{r.rule:>6.2f}x  {r.formula}"
        )
    close = sum(r.close for r in rows)
    held = sum(r.rule_close for r in rows)
    lines.append(
        f"within {CLOSE:.0%}: {close} of {len(rows)} rungs; *the same rule on the costs the rounds "
        f"measured (the model's own error) is within {CLOSE:.0%} on {held}"
    )
    spans = [r for r in rows if r.held is not None]
    if spans:
        inside = sum(bool(r.held) for r in spans)
        widths = sorted(r.half_width for r in spans)
        lines.append(
            f"the interval from the probe's spread held the measured speedup on {inside} of {len(spans)} "
            f"rungs; median half-width {widths[len(widths) // 2]:.1%}"
        )
    for r in rows:
        if not r.close:
            lines.append(
                f"  {r.name} missed by {r.error:+.1%}, {r.whose} miss: " + "; ".join(miss_reasons(c, r.name))
            )
    return lines
