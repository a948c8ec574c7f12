"""A G/C sweep in words: the CLI's table and the JSON document (the lab's frames: sweep_frames.py).

The ceiling is a curve, not a number: it peaks where L + C = G and falls away on both sides, so
one run shows one point of it. These read each point's own comparison; nothing is measured here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.read.document import document
from engine.result.sweep import SweepPoint


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
