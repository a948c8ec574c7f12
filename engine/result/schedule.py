"""The idealised cost model: what period each loop shape should reach for given G, L and C.

Kernels start running while the forward is still being launched, so a batch's device span begins
at its launch and cannot end before the launch does: the device is busy for max(G, L) per batch.
G as measured (start event recorded just before the first kernel) already includes any part of the
launch the device could not hide, which is why the serial period is G + C and not L + G + C.

    serial period   = max(G, L) + C
    overlap period  = max(G, L + C)          post-processing inline, depth >= 2
                      max(G, L, C / k)        with k post-processing workers
    ceiling         = serial period / overlap period

The ceiling peaks when L + C = G, at 2 - L/G: launch time is host work the serial loop already hides
under the device's own work, so a large L caps the gain of overlapping well below 2x.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prediction:
    g_ms: float
    l_ms: float
    c_ms: float
    serial_period_ms: float
    overlap_period_ms: float
    serial_latency_ms: float  # launch to end of post-processing, one batch
    overlap_latency_ms: float

    @property
    def ceiling(self) -> float:
        return self.serial_period_ms / self.overlap_period_ms if self.overlap_period_ms > 0 else 1.0

    @property
    def bottleneck(self) -> str:
        """Which resource sets the overlap period: the device, or the host's launch + post work."""
        return "GPU" if self.overlap_period_ms <= max(self.g_ms, self.l_ms) + 1e-12 else "CPU"


def predict(g_ms: float, l_ms: float, c_ms: float, pool_workers: int = 0) -> Prediction:
    """Steady-state periods and latencies of the serial and the depth-2 overlap loops.

    pool_workers=0 means the post-processing runs inline on the launching thread.
    """
    if min(g_ms, l_ms, c_ms) < 0:
        raise ValueError("G, L and C must be non-negative")
    busy = max(g_ms, l_ms)
    serial = busy + c_ms
    overlap = max(busy, c_ms / pool_workers) if pool_workers > 0 else max(busy, l_ms + c_ms)
    # In the overlap loop a batch waits one period in the deque before its post-processing runs.
    overlap_latency = overlap + l_ms + c_ms if pool_workers == 0 else overlap + c_ms
    return Prediction(g_ms, l_ms, c_ms, serial, overlap, serial, overlap_latency)


def block_period_ms(g_ms: float, l_ms: float, c_ms: float, depth: int, workers: int = 0) -> float:
    """The steady period one block should reach from its own G, L and C: serial, overlapped, or
    with k post-processing workers."""
    busy = max(g_ms, l_ms)
    if workers > 0:
        return max(busy, c_ms / workers)
    return busy + c_ms if depth == 1 else max(busy, l_ms + c_ms)


def predict_shape(
    g_ms: float, l_ms: float, c_ms: float, serial_l_ms: float, depth: int, workers: int
) -> Prediction:
    """The serial loop (with the baseline's L) against one loop shape (with its own L).

    Two launch costs, because a CUDA Graph replay launches in a fraction of the eager L: the
    baseline keeps its eager launches while the graph variant's host work shrinks. A batch waits
    depth - 1 periods in the deque before its post-processing, which is what deeper queues cost.
    """
    if min(g_ms, l_ms, c_ms, serial_l_ms) < 0:
        raise ValueError("G, L and C must be non-negative")
    serial = max(g_ms, serial_l_ms) + c_ms
    period = block_period_ms(g_ms, l_ms, c_ms, depth, workers)
    if workers > 0:
        latency = period + max(g_ms, l_ms) + c_ms
    elif depth == 1:
        latency = max(g_ms, l_ms) + c_ms
    else:
        latency = (depth - 1) * period + l_ms + c_ms
    return Prediction(g_ms, l_ms, c_ms, serial, period, serial, latency)


def block_wall_ratio(serial_period_ms: float, overlap_period_ms: float, steps: int) -> float:
    """The best serial/overlap wall ratio for blocks of `steps` batches, fill and drain included.

    A serial block costs steps x S. An overlap block runs steps - 1 overlapped periods O, and its
    last batch is computed and post-processed with nothing to hide behind: one more S. With 12
    steps and S = 2 O this is 1.85x, not 2x: short blocks cannot reach the steady-state ceiling.
    """
    overlap_wall = (steps - 1) * overlap_period_ms + serial_period_ms
    return steps * serial_period_ms / overlap_wall if overlap_wall > 0 else 1.0


# Below this predicted gain, a measured efficiency is noise divided by almost nothing (a ceiling
# a hair above 1 once printed an efficiency of 18,935%).
MIN_PREDICTED_GAIN = 0.02


def efficiency(speedup: float, ceiling: float) -> float:
    """Share of the predicted gain that was realised; nan when too little gain was predicted."""
    if not ceiling - 1.0 >= MIN_PREDICTED_GAIN:
        return float("nan")
    return (speedup - 1.0) / (ceiling - 1.0)
