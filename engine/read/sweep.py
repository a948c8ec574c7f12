"""A G/C sweep in words: the CLI's table and the JSON document (the lab's frames: sweep_frames.py).

The ceiling is a curve, not a number: it peaks where L + C = G and falls away on both sides, so
one run shows one point of it. These read each point's own comparison; nothing is measured here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.read.document import document
from engine.read.numbers import fmt
from engine.result.sweep import SweepPoint

# A point whose measured (L + C) / G is this far from its aim sits elsewhere on the curve than the
# sweep meant to put it: on a busy host G rises, or the held C cannot hold, and the point says so.
MISSED_AIM = 0.25


def sweep_dict(points: Sequence[SweepPoint]) -> dict[str, Any]:
    return {
        "points": [
            {
                "ratio": pt.ratio,
                "measured_ratio": pt.measured_ratio,
                "ceiling": pt.result.ceiling,
                "speedup": pt.result.speedup,
                "limit": pt.result.limit,
                "efficiency": pt.result.efficiency,
            }
            for pt in points
        ],
        "missed_aims": missed_aims(points),
        "results": [document(pt.result) for pt in points],
    }


def missed_aims(points: Sequence[SweepPoint]) -> list[str]:
    """One sentence for each point whose host work landed more than MISSED_AIM off its aimed ratio,
    with the ratio it got and the costs that put it there: its speedup belongs to that ratio, and
    the chart draws it there, not where the sweep aimed."""
    said = []
    for pt in points:
        got, s = pt.measured_ratio, pt.result.baseline_summary
        if got == got and abs(got / pt.ratio - 1) > MISSED_AIM:
            said.append(
                f"The point aimed at (L + C)/G = {pt.ratio:g} got {fmt(got, 2)} "
                f"(G {fmt(s.g.mean, 1)} ms, L + C {fmt(s.l.mean + s.c.mean, 1)} ms in its serial blocks): "
                f"its speedup of {fmt(pt.result.speedup, 2)}x belongs to {fmt(got, 2)}, "
                "where the chart draws it."
            )
    return said
