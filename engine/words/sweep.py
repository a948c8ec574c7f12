"""A G/C sweep as the CLI prints it: one row per point, aimed and measured (L + C) / G against the
speedup and its limit."""

from __future__ import annotations

from collections.abc import Sequence

from engine.read.numbers import gain_share, plural
from engine.read.sweep import missed_aims
from engine.result.sweep import SweepPoint


def format_sweep(points: Sequence[SweepPoint]) -> str:
    """The sweep's header (its workload and card), one row per point, and a line for each point
    that missed its aim. "of gain" is against the point's limit, as in every other table."""
    first = points[0].result if points else None
    header = (
        [
            f"G/C sweep, {plural(len(points), 'point')}: {first.workload.describe()}",
            f"device: {first.environment.device or first.device_kind} ({first.environment.where}); "
            f"{plural(first.rounds, 'round')} x {first.workload.steps} steps per variant at each point",
            "",
        ]
        if first is not None
        else []
    )
    lines = [
        *header,
        f"{'(L+C)/G aimed':>13} {'measured':>9} {'G ms':>7} {'limit':>8} {'ceiling':>8} {'speedup':>8} "
        f"{'of gain':>14}  stability",
    ]
    for pt in points:
        c = pt.result
        eff = gain_share(c.efficiency, c.speedup, c.baseline.name)
        lines.append(
            f"{pt.ratio:>13g} {pt.measured_ratio:>9.2f} {c.baseline_summary.g.mean:>7.2f} {c.limit:>7.2f}x "
            f"{c.ceiling:>7.2f}x {c.speedup:>7.2f}x {eff:>14}  {c.stability_text}"
        )
    return "\n".join(lines + missed_aims(points))
