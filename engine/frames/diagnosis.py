"""A diagnosis shaped for the lab's chart and table: the probe's costs in the order a batch meets
them, and each rung's forecast beside what it measured; reshaping only."""

from __future__ import annotations

from engine.read.diagnosis import checks
from engine.result.comparison import Comparison
from engine.result.forecast import Forecast

# The parts of one probe batch, named by their letters; the chart's colour scale reads this list.
COST_PARTS = ("L: launch", "G beyond L: the forward", "R: readback home and read", "C: post-processing")


def cost_rows(f: Forecast) -> list[dict[str, object]]:
    """One serial batch of the probe as the parts of its period, in the order they happen:
    launching, the rest of the forward, the copy home, the post-processing."""
    p = f.probe
    parts = list(zip(COST_PARTS, (p.l_ms, max(p.g_ms - p.l_ms, 0.0), p.r_ms, p.c_ms), strict=True))
    return [{"part": name, "ms": ms, "order": i} for i, (name, ms) in enumerate(parts)]


def check_rows(c: Comparison) -> list[dict[str, object]]:
    """Each rung's forecast and measured speedup, its error and rule, for the lab's chart and table."""
    return [
        {
            "rung": r.name,
            "what": r.label,
            "forecast": r.forecast,
            "interval low": r.low,
            "interval high": r.high,
            "measured": r.measured,
            "error": r.error,
            "within 5%": r.close,
            "in the interval": r.held,
            "rule on the rounds' costs": r.rule,
            "whose miss": r.whose or "—",
            "formula (ms)": r.formula,
            "set by": r.bound,
        }
        for r in checks(c)
    ]
