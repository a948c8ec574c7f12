"""A diagnosis read back: each rung's forecast beside what the rounds measured, the error, and where
the error went.

The forecast was written before any rung ran, from the probe's G, L, C and X. A miss is put down,
with numbers, to what moved between the probe and the rung's own blocks (C, G, the serial period),
or to the same shortfall reasons every comparison gives, so "the prediction was 8% off" always
comes with a because.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from engine.model.forecast import forecast_rungs
from engine.read.truth import shortfall_reasons
from engine.result.comparison import Comparison
from engine.result.forecast import Forecast

CLOSE = 0.05  # a forecast within this of the measured speedup is called right


@dataclass(frozen=True)
class RungCheck:
    name: str
    label: str
    forecast: float  # speedup forecast before the rung ran
    measured: float  # median over the counted rounds, as every speedup in this product
    formula: str
    bound: str
    rule: float  # the same rule on the costs the rounds measured: what the forecast misses for the host

    @property
    def error(self) -> float:
        """Measured against forecast: +3% means the rung did 3% better than forecast."""
        return self.measured / self.forecast - 1 if self.forecast > 0 else float("nan")

    @property
    def close(self) -> bool:
        return not math.isnan(self.error) and abs(self.error) <= CLOSE


def checks(c: Comparison) -> list[RungCheck]:
    """One row per overlapped rung that the forecast covered and the rounds measured."""
    f = c.forecast
    if f is None:
        return []
    out = []
    for v in c.variants[1:]:
        r = f.rung(v.name)
        if r is not None:
            measured = c.speedup_of(v.name)
            out.append(RungCheck(v.name, v.label, r.speedup, measured, r.formula, r.bound, rule(c, v.name)))
    return out


def rule(c: Comparison, name: str) -> float:
    """The forecast's own rule applied to what the rounds measured: the baseline's G, L, C and
    period, and the rung's own G and L (a graph replay) or C (in a pool worker).

    A forecast is made before the rounds, on the host as it was then; on a shared box the host's
    pace then moves by tens of percent. Where this number is close to the measured speedup and the
    forecast is not, the rule held and the host moved."""
    f = c.forecast
    assert f is not None
    b, own, v = c.baseline_summary, c.summary_of(name), c.variant(name)
    g, l_ms, cc, period = b.g.p50, b.l.p50, b.c.p50, b.period_ms
    graph = v.launch == "graph"
    costs = dataclasses.replace(
        f.probe,
        g_ms=g,
        l_ms=l_ms,
        c_ms=cc,
        r_ms=max(0.0, period - max(g, l_ms) - cc),
        serial_period_ms=period,
        graph_g_ms=own.g.p50 if graph else f.probe.graph_g_ms,
        graph_l_ms=own.l.p50 if graph else f.probe.graph_l_ms,
        pool_c_ms=own.c.p50 if v.workers else f.probe.pool_c_ms,
    )
    return forecast_rungs((v,), costs, c.workload.steps, bool(f.syncs))[0].speedup


def _moved(what: str, probe: float, now: float, where: str) -> str:
    change = f"{now / probe - 1:+.0%}"
    return f"{what} was {change} against the probe's in the {where} blocks ({now:.2f} vs {probe:.2f} ms)"


def miss_reasons(c: Comparison, name: str) -> list[str]:
    """Why one rung's measured speedup left its forecast: what moved since the probe, then the
    comparison's own shortfall reasons."""
    f = c.forecast
    assert f is not None
    p = f.probe
    base, own = c.baseline_summary, c.summary_of(name)
    out = []
    if p.serial_period_ms > 0 and abs(base.period_ms / p.serial_period_ms - 1) > CLOSE / 2:
        out.append(_moved("the serial period", p.serial_period_ms, base.period_ms, c.baseline.name))
    v = c.variant(name)
    for what, probe, now in (("C", p.c_ms, own.c.mean), ("G", p.g_ms, own.g.mean)):
        if what == "G" and v.launch != c.baseline.launch:
            probe = p.graph_g_ms if p.graph_g_ms is not None else probe
        if probe > 0.05 and abs(now / probe - 1) > CLOSE:
            out.append(_moved(what, probe, now, name))
    out += shortfall_reasons(c, name)
    return out or ["no measured cost moved by more than 5% since the probe: the schedule itself differed"]


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
        f"  {p.bytes_per_batch / 1e6:.2f} MB read back a batch{worker}{kernels}{graphs}",
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


def cost_rows(f: Forecast) -> list[dict[str, object]]:
    """One serial batch of the probe as the parts of its period, in the order they happen:
    launching, the rest of the forward, the copy home, the post-processing."""
    p = f.probe
    parts = [
        ("L: launch", p.l_ms),
        ("G beyond L: the forward", max(p.g_ms - p.l_ms, 0.0)),
        ("R: readback home and read", p.r_ms),
        ("C: post-processing", p.c_ms),
    ]
    return [{"part": name, "ms": ms, "order": i} for i, (name, ms) in enumerate(parts)]


def check_rows(c: Comparison) -> list[dict[str, object]]:
    """Each rung's forecast and measured speedup, its error and rule, for the lab's chart and table."""
    return [
        {
            "rung": r.name,
            "what": r.label,
            "forecast": r.forecast,
            "measured": r.measured,
            "error": r.error,
            "within 5%": r.close,
            "rule on the rounds' costs": r.rule,
            "formula (ms)": r.formula,
            "set by": r.bound,
        }
        for r in checks(c)
    ]
