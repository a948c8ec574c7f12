"""A G/C sweep as the CLI prints it: one row per point, aimed and measured (L + C) / G against the
speedup and its limit."""

from __future__ import annotations

import math
from collections.abc import Sequence

from engine.result.sweep import SweepPoint


def format_sweep(points: Sequence[SweepPoint]) -> str:
    lines = [
        f"{'(L+C)/G aimed':>13} {'measured':>9} {'G ms':>7} {'ceiling':>8} {'speedup':>8} "
        f"{'of gain':>8}  stability",
    ]
    for pt in points:
        c = pt.result
        eff = "n/a" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
        lines.append(
            f"{pt.ratio:>13g} {pt.measured_ratio:>9.2f} {c.baseline_summary.g.mean:>7.2f} {c.ceiling:>7.3f}x "
            f"{c.speedup:>7.3f}x {eff:>8}  {c.stability_text}"
        )
    return "\n".join(lines)
