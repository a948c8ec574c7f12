"""A G/C sweep as tables for the lab: one row per point, and the ceiling curve it is read against.

Reshaping only: every number is a property of a point's own comparison, or the cost model's.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from engine.model.ceiling import predict
from engine.read.numbers import gain_share
from engine.result.sweep import SweepPoint


def points_frame(points: Sequence[SweepPoint], run_ids: Sequence[str | None] = ()) -> pd.DataFrame:
    """One row per point for the lab's table and chart: what the CLI's table prints."""
    ids = list(run_ids) or [None] * len(points)
    return pd.DataFrame(
        [
            {
                "(L + C)/G aimed": pt.ratio,
                "measured (L + C)/G": pt.measured_ratio,
                "G (ms)": pt.result.baseline_summary.g.mean,
                "limit": pt.result.limit,
                "ceiling": pt.result.ceiling,
                "speedup": pt.result.speedup,
                "of the gain": gain_share(pt.result.efficiency, pt.result.speedup, pt.result.baseline.name),
                "stability": pt.result.stability_text,
                "run": run_id or "",
            }
            for pt, run_id in zip(points, ids, strict=True)
        ]
    )


CURVE_POINTS = 60


def curve_frame(points: Sequence[SweepPoint]) -> pd.DataFrame:
    """The predicted ceiling over the sweep's range of (L + C) / G, for the sweep's mean G and L:
    the model's curve that the measured points are read against."""
    g = sum(pt.result.baseline_summary.g.mean for pt in points) / len(points)
    l_ms = sum(pt.result.baseline_summary.l.mean for pt in points) / len(points)
    lo = max(min(pt.measured_ratio for pt in points) / 1.5, l_ms / g if g > 0 else 0.01, 0.01)
    hi = max(pt.measured_ratio for pt in points) * 1.5
    rows = []
    for i in range(CURVE_POINTS + 1):
        ratio = lo * (hi / lo) ** (i / CURVE_POINTS)
        c_ms = max(0.0, ratio * g - l_ms)
        rows.append({"ratio": ratio, "ceiling": predict(g, l_ms, c_ms).ceiling})
    return pd.DataFrame(rows)
