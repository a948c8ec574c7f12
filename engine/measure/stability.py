"""The stability gate: keep running rounds until the speedup stops moving, or a budget runs out.

The rule, and why. perf_analyzer calls a measurement stable when its last three windows agree
within a band; torch.utils.benchmark's adaptive autorange keeps timing until the spread of its
samples falls under a threshold or a time limit is reached. Both judge the *latest* samples, so
a noisy start (a host still settling, a neighbour finishing its job) is outlived instead of
averaged in forever. Here a sample is one round's speedup, and the gate looks at the last
`window` rounds: four, two AB/BA pairs, so that a drifting clock still weighs on every variant
alike inside the window. Once their coefficient of variation is at or below the target, the
run stops and the headline counts those rounds; the earlier ones stay in the records, marked as
settling. When the budget runs out first, the last window is still what is reported, and the
headline says "unstable" with its CV.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.result.stats import coefficient_of_variation
from engine.spec.run_spec import STABLE_WINDOW, RunSpec


@dataclass(frozen=True)
class StabilityGate:
    """The rule of a run until stable, built from a RunSpec, which validated its numbers."""

    cv_target: float  # the last `window` round speedups must spread by at most this share
    window: int  # rounds judged together; even, so AB and BA rounds pair up
    max_rounds: int  # budget in rounds
    max_s: float  # budget in seconds of measuring, calibration excluded

    @classmethod
    def from_spec(cls, spec: RunSpec) -> StabilityGate | None:
        """The gate a spec asks for; None when it runs a fixed number of rounds."""
        if not spec.until_stable:
            return None
        return cls(spec.target_cv_pct / 100, STABLE_WINDOW, spec.planned_rounds, spec.max_time_s)

    def window_cv(self, speedups: list[float]) -> float:
        """CV of the last `window` speedups; nan until that many rounds have run."""
        if len(speedups) < self.window:
            return float("nan")
        return coefficient_of_variation(speedups[-self.window :])

    def met(self, speedups: list[float]) -> bool:
        cv = self.window_cv(speedups)
        return cv == cv and cv <= self.cv_target  # nan never meets it
