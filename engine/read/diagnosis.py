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

from engine.model.forecast import forecast_rungs, readback_ms
from engine.read.truth import shortfall_reasons
from engine.result.comparison import Comparison

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
        r_ms=readback_ms(period, g, l_ms, cc),
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
