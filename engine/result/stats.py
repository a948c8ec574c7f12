"""Summary statistics, computed in one place so that the CLI, the charts and the tests agree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Summary:
    """Mean and tail percentiles of one sample; percentiles use numpy's default (linear) method."""

    n: int
    mean: float
    p50: float
    p90: float
    p99: float
    min: float
    max: float


def summarize(values: Sequence[float]) -> Summary:
    if len(values) == 0:
        nan = float("nan")
        return Summary(0, nan, nan, nan, nan, nan, nan)
    arr = np.asarray(values, dtype=float)
    p50, p90, p99 = np.percentile(arr, [50, 90, 99])
    return Summary(
        len(arr), float(arr.mean()), float(p50), float(p90), float(p99), float(arr.min()), float(arr.max())
    )


def coefficient_of_variation(values: Sequence[float]) -> float:
    """Sample standard deviation over the mean; nan for fewer than two values (no spread to see)."""
    if len(values) < 2:
        return float("nan")
    arr = np.asarray(values, dtype=float)
    return float(arr.std(ddof=1) / arr.mean())


def ecdf(values: Sequence[float]) -> tuple[list[float], list[float]]:
    """Sorted values and the share of samples at or below each, ready to draw as a step line."""
    ordered = sorted(float(v) for v in values)
    n = len(ordered)
    return ordered, [(i + 1) / n for i in range(n)]
