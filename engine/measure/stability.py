"""The stability gate: keep running rounds until the speedup stops moving, or a budget runs out.

The rule, and why. perf_analyzer calls a measurement stable when its last three windows agree
within a band; torch.utils.benchmark's adaptive autorange keeps timing until the spread of its
samples falls under a threshold or a time limit is reached. Both judge the *latest* samples, so
a noisy start (a host still settling, a neighbour finishing its job) is outlived instead of
averaged in forever. Here a sample is one round's speedup, and the gate looks at the last
`window` rounds: four by default, two AB/BA pairs, so that a drifting clock still weighs on both
modes alike inside the window. Once their coefficient of variation is at or below the target, the
run stops and the headline counts those rounds; the earlier ones stay in the records, marked as
settling. When the budget runs out first, the last window is still what is reported, and the
headline says "unstable" with its CV.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.result.stats import coefficient_of_variation
from engine.spec.workload import WorkloadError

DEFAULT_CV_TARGET = 0.03
DEFAULT_WINDOW = 4
DEFAULT_MAX_ROUNDS = 20
DEFAULT_MAX_S = 600.0
MAX_ROUNDS_LIMIT = 50


@dataclass(frozen=True)
class StabilityGate:
    cv_target: float = DEFAULT_CV_TARGET  # the last `window` round speedups must spread by at most this
    window: int = DEFAULT_WINDOW  # rounds judged together; even, so AB and BA rounds pair up
    max_rounds: int = DEFAULT_MAX_ROUNDS  # budget in rounds
    max_s: float = DEFAULT_MAX_S  # budget in seconds of measuring, calibration excluded

    def __post_init__(self) -> None:
        if not 0.001 <= self.cv_target <= 0.5:
            raise WorkloadError("target_cv", self.cv_target, "a share from 0.001 to 0.5 (0.03 is 3%)")
        if not 2 <= self.window <= MAX_ROUNDS_LIMIT:
            raise WorkloadError("window", self.window, f"a whole number from 2 to {MAX_ROUNDS_LIMIT}")
        if not self.window <= self.max_rounds <= MAX_ROUNDS_LIMIT:
            raise WorkloadError(
                "max_rounds", self.max_rounds, f"a whole number from {self.window} to {MAX_ROUNDS_LIMIT}"
            )
        if not 1.0 <= self.max_s <= 24 * 3600:
            raise WorkloadError("max_time_s", self.max_s, "a number of seconds from 1 to 86,400")

    def window_cv(self, speedups: list[float]) -> float:
        """CV of the last `window` speedups; nan until that many rounds have run."""
        if len(speedups) < self.window:
            return float("nan")
        return coefficient_of_variation(speedups[-self.window :])

    def met(self, speedups: list[float]) -> bool:
        cv = self.window_cv(speedups)
        return cv == cv and cv <= self.cv_target  # nan never meets it
