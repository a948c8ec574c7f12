"""A G/C sweep in words: the CLI's table and the JSON document (the lab's frames: sweep_frames.py).

The ceiling is a curve, not a number: it peaks where L + C = G and falls away on both sides, so
one run shows one point of it. These read each point's own comparison; nothing is measured here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from engine.read.report import document
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


def sweep_dict(points: Sequence[SweepPoint]) -> dict[str, Any]:
    return {
        "points": [
            {
                "ratio": pt.ratio,
                "measured_ratio": pt.measured_ratio,
                "ceiling": pt.result.ceiling,
                "speedup": pt.result.speedup,
                "efficiency": pt.result.efficiency,
            }
            for pt in points
        ],
        "results": [document(pt.result) for pt in points],
    }
