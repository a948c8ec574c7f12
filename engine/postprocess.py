"""The CPU work done per batch: the article's pure-Python trigonometry loop.

It holds the GIL for its whole length, like real Python post-processing (decoding, NMS in Python,
logging), which is why overlapping it needs a device that runs outside this interpreter's thread.
Calibrated modes keep it real work: they choose an iteration count, never a sleep.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Any

STEP_OFFSET = 31  # each batch starts its loop at step * 31, so no two batches do identical math


def trig_loop(iterations: int, offset: int = 0) -> float:
    total = 0.0
    for v in range(offset, offset + iterations):
        total += math.sqrt(v) * math.sin(v) * math.cos(v)
    return total


def ms_per_iteration(sample_iterations: int = 100_000, repeats: int = 7) -> float:
    """Median cost of one loop iteration on this core right now, in milliseconds.

    About 0.1 to 0.2 s of sampling: long enough to ride out a short hiccup, short enough not to
    delay a run. A shared box's CPU can still drift by tens of percent afterwards; the result's
    measured C, not this estimate, is what the ceiling uses.
    """
    costs = []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        trig_loop(sample_iterations)
        costs.append((time.perf_counter_ns() - t0) / 1e6 / sample_iterations)
    return statistics.median(costs)


def iterations_for(target_ms: float, ms_per_iter: float) -> int:
    return max(0, round(target_ms / ms_per_iter)) if ms_per_iter > 0 else 0


@dataclass(frozen=True)
class LoopPost:
    """Post-process a batch by running the loop; the batch's output is not read."""

    iterations: int

    def __call__(self, step: int, handle: Any) -> float:
        return trig_loop(self.iterations, step * STEP_OFFSET)
