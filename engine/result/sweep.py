"""One point of a G/C sweep: the ratio of host work to device work it aimed at, and its comparison."""

from __future__ import annotations

from dataclasses import dataclass

from engine.result.comparison import Comparison


@dataclass(frozen=True)
class SweepPoint:
    ratio: float  # (L + C) / G aimed at
    result: Comparison

    @property
    def measured_ratio(self) -> float:
        s = self.result.baseline_summary
        return (s.l.mean + s.c.mean) / s.g.mean if s.g.mean > 0 else float("nan")
