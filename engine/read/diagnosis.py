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
    low: float | None = None  # the forecast's interval, from the probe's own spread
    high: float | None = None

    @property
    def held(self) -> bool | None:
        """Whether the interval holds the measured speedup; None for a result kept without one."""
        if self.low is None or self.high is None or math.isnan(self.measured):
            return None
        return self.low <= self.measured <= self.high

    @property
    def half_width(self) -> float:
        """Half the interval's width, as a share of the forecast."""
        if self.low is None or self.high is None or self.forecast <= 0:
            return float("nan")
        return (self.high - self.low) / 2 / self.forecast

    @property
    def rule_close(self) -> bool:
        """Whether the rule on the rounds' own costs is within CLOSE of the measured speedup: the
        model's own error, with the host's drift since the probe taken out."""
        return self.rule > 0 and abs(self.measured / self.rule - 1) <= CLOSE

    @property
    def whose(self) -> str:
        """Whose miss a miss is: the model's where its rule misses on the rounds' own costs too,
        the host's where that rule holds and only the probe's costs were off."""
        if self.close:
            return ""
        return "the host's" if self.rule_close else "the model's"

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
            out.append(
                RungCheck(
                    v.name, v.label, r.speedup, measured, r.formula, r.bound, rule(c, v.name), r.low, r.high
                )
            )
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
    compiled = v.launch == "compile"
    costs = dataclasses.replace(
        f.probe,
        g_ms=g,
        l_ms=l_ms,
        c_ms=cc,
        r_ms=readback_ms(period, g, l_ms, cc),
        serial_period_ms=period,
        graph_g_ms=own.g.p50 if graph else f.probe.graph_g_ms,
        graph_l_ms=own.l.p50 if graph else f.probe.graph_l_ms,
        pool_c_ms=own.c.p50 if v.workers and not v.threaded else f.probe.pool_c_ms,
        compile_g_ms=own.g.p50 if compiled else f.probe.compile_g_ms,
        thread_g_ms=own.g.p50 if v.threaded else f.probe.thread_g_ms,
        compile_l_ms=own.l.p50 if compiled else f.probe.compile_l_ms,
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
        if what == "G" and v.launch == "graph":
            probe = p.graph_g_ms if p.graph_g_ms is not None else probe
        if what == "G" and v.launch == "compile":
            probe = p.compile_g_ms if p.compile_g_ms is not None else probe
        if what == "G" and v.threaded and p.thread_g_ms is not None:
            probe = p.thread_g_ms
        if what == "C" and v.threaded:
            continue  # a thread's C is its wall, GIL waits included: not the probe's C
        # A change worth a sentence moves the period: under 2% of it is noise in any rung's words.
        if probe > 0 and abs(now / probe - 1) > CLOSE and abs(now - probe) >= 0.02 * p.serial_period_ms:
            out.append(_moved(what, probe, now, name))
    out += shortfall_reasons(c, name)
    return out or ["no measured cost moved by more than 5% since the probe: the schedule itself differed"]
