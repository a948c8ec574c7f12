"""The CPU work done per batch: the article's pure-Python trigonometry loop, in three forms.

It holds the GIL for its whole length, like real Python post-processing (decoding, NMS in Python,
logging), which is why overlapping it needs a device that runs outside this interpreter's thread.
None of the forms sleeps; each is real arithmetic on one core:

- fixed work (`FixedWorkPost`): an iteration count, chosen once. Honest about real post-processing, but
  its C moves with the host's speed, by tens of percent on a shared box.
- fixed duration (`SpinPost`): the same loop in short chunks until C has passed. C holds still
  whatever the host does, so the schedule and not the host's mood decides the speedup; the
  iterations it managed are recorded, so a slow host still shows up, as less work done.
- the article's overlap script (`ArticleOverlapPost`): computes `batch_id * 31 + i` on every
  iteration, which its serial script does not, so the two scripts compare unequal work.

Each form returns the iterations it ran, which the runner stores with the batch's record.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

STEP_OFFSET = 31  # each batch starts its loop at step * 31, so no two batches do identical math
SPIN_CHUNK = 200  # iterations between clock reads in SpinPost: about 30 us, so C overshoots by less

Clock = Callable[[], int]


def trig_loop(iterations: int, offset: int = 0) -> float:
    total = 0.0
    for v in range(offset, offset + iterations):
        total += math.sqrt(v) * math.sin(v) * math.cos(v)
    return total


def article_overlap_loop(iterations: int, batch_id: int) -> float:
    """The overlap script's loop: the index arithmetic sits inside the loop, on every iteration."""
    total = 0.0
    for i in range(iterations):
        value = batch_id * STEP_OFFSET + i
        total += math.sqrt(value) * math.sin(value) * math.cos(value)
    return total


def ms_per_iteration(
    sample_iterations: int = 100_000, repeats: int = 7, clock: Clock = time.perf_counter_ns
) -> float:
    """Median cost of one loop iteration on this core right now, in milliseconds.

    About 0.1 to 0.2 s of sampling: long enough to ride out a short hiccup, short enough not to
    delay a run. A shared box's CPU can still drift by tens of percent afterwards; the result's
    measured C, not this estimate, is what the ceiling uses.
    """
    costs = []
    for _ in range(repeats):
        t0 = clock()
        trig_loop(sample_iterations)
        costs.append((clock() - t0) / 1e6 / sample_iterations)
    return statistics.median(costs)


def loop_ms(iterations: int, repeats: int = 3, clock: Clock = time.perf_counter_ns) -> float:
    """Median time of the whole loop on this core right now, in milliseconds: what a fixed-work
    block's C would be, measured once so a fixed-duration block can hold it."""
    costs = []
    for _ in range(repeats):
        t0 = clock()
        trig_loop(iterations)
        costs.append((clock() - t0) / 1e6)
    return statistics.median(costs)


def iterations_for(target_ms: float, ms_per_iter: float) -> int:
    return max(0, round(target_ms / ms_per_iter)) if ms_per_iter > 0 else 0


@dataclass(frozen=True)
class FixedWorkPost:
    """Fixed work: run the loop for a set number of iterations; the batch's output is not read."""

    iterations: int

    def __call__(self, step: int, handle: Any) -> int:
        trig_loop(self.iterations, step * STEP_OFFSET)
        return self.iterations


@dataclass(frozen=True)
class ArticleOverlapPost:
    """Fixed work, as the article's overlap script does it (more arithmetic per iteration)."""

    iterations: int

    def __call__(self, step: int, handle: Any) -> int:
        article_overlap_loop(self.iterations, step)
        return self.iterations


@dataclass(frozen=True)
class SpinPost:
    """Fixed duration: loop in short chunks until `duration_ms` has passed on `clock`."""

    duration_ms: float
    clock: Clock = time.perf_counter_ns

    def __call__(self, step: int, handle: Any) -> int:
        deadline = self.clock() + round(self.duration_ms * 1e6)
        offset = step * STEP_OFFSET
        done = 0
        while self.clock() < deadline:
            trig_loop(SPIN_CHUNK, offset + done)
            done += SPIN_CHUNK
        return done


def post_for(
    cpu_work: str, cpu_fixed: str, iterations: int, target_c_ms: float, serial: bool
) -> FixedWorkPost | ArticleOverlapPost | SpinPost:
    """The post-processing of one block: what the workload asks for, in a serial loop or not
    (the article's overlap script runs its own loop in every overlapped shape)."""
    if cpu_fixed == "duration":
        return SpinPost(target_c_ms)
    if cpu_work == "article" and not serial:
        return ArticleOverlapPost(iterations)
    return FixedWorkPost(iterations)


TOP_K = 5  # classes read per image, as a classifier's serving code would


def top_k(logits: Any, k: int = TOP_K) -> Any:
    """The k best classes of each row, best first: the part of post-processing that reads the output."""
    import numpy as np

    x = np.asarray(logits)
    k = min(k, x.shape[-1])
    best = np.argpartition(-x, k - 1, axis=-1)[..., :k]
    order = np.argsort(-np.take_along_axis(x, best, axis=-1), axis=-1)
    return np.take_along_axis(best, order, axis=-1)


@dataclass(frozen=True)
class ReadPost:
    """Post-processing that reads: the top-k of the batch's logits, then the configured CPU work.

    The output arrives already read (by the device's readback); a loop without a readback passes
    the batch's handle, and then only the CPU work runs.
    """

    work: Any

    def __call__(self, step: int, output: Any) -> Any:
        if output is not None and not isinstance(output, int) and hasattr(output, "shape"):
            top_k(output)
        return self.work(step, None)
