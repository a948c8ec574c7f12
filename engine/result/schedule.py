"""The idealised cost model: what period each loop shape should reach for given G, L and C.

Kernels start running while the forward is still being launched, so a batch's device span begins
at its launch and cannot end before the launch does: the device is busy for max(G, L) per batch.
G as measured (start event recorded just before the first kernel) already includes any part of the
launch the device could not hide, which is why the serial period is G + C and not L + G + C.

    serial period   = max(G, L) + C
    overlap period  = max(G, L + C)          post-processing inline, depth >= 2
                      max(G, L) + C           with a naive readback: .cpu() on batch N-1 waits for
                                              batch N on the one in-order stream, so nothing overlaps
                      max(G, L, C / k)        with k post-processing workers
    with the next input's upload of X sent after each launch (inline deque; see upload_period_ms):
                      max(G, L) + X + C       pageable: .to(device) waits for the stream, host blocked
                      max(G + X, L + C)       pinned, on the compute stream
                      max(G, X, L + C, (L + X + G) / 2)
                                              pinned, on a side stream with two buffers
    ceiling         = baseline period / variant period

The ceiling peaks when L + C = G, at 2 - L/G: launch time is host work the serial loop already hides
under the device's own work, so a large L caps the gain of overlapping well below 2x.

`period_ms` is the formula; `predict` is the one function every prediction goes through (cards,
truth, verdict advice, sweeps, the explainer), so no two places can disagree about it.
"""

from __future__ import annotations

from dataclasses import dataclass


def period_ms(
    g_ms: float,
    l_ms: float,
    c_ms: float,
    depth: int,
    workers: int = 0,
    drains: bool = False,
    upload: str = "none",
    x_ms: float = 0.0,
    p_ms: float = 0.0,
    prefetch: int = 0,
) -> float:
    """The steady period of one loop shape: serial, overlapped inline, or with k workers. A loop
    whose read drains the queue (`drains`, the naive readback inline) runs at the serial period.

    With an upload, the next batch's input of X is sent right after this batch's launch, as a
    double-buffered loader does (engine/measure/runners.py), and the period depends on where the
    copy runs; see `upload_period_ms`.

    Pre-processing of P per batch runs on the launching thread just before the input is needed.
    Before the launch, inline, nothing computes while it runs (the serial loop and the deque both
    wait for the batch they launched before the next iteration starts), so it adds to the period;
    a pool's launching thread does not wait, so there, and before an upload sent right after the
    previous launch, it adds to the thread's work, L + P. With m prefetching processes it leaves
    the thread and becomes one more term, P / m."""
    if prefetch:
        return max(period_ms(g_ms, l_ms, c_ms, depth, workers, drains, upload, x_ms), p_ms / prefetch)
    if p_ms:
        if upload == "none" and not workers:
            return p_ms + period_ms(g_ms, l_ms, c_ms, depth, workers, drains)
        return period_ms(g_ms, l_ms + p_ms, c_ms, depth, workers, drains, upload, x_ms)
    if upload != "none":
        return upload_period_ms(g_ms, l_ms, c_ms, x_ms, upload, depth == 1 or drains, workers)
    busy = max(g_ms, l_ms)
    if workers > 0:
        return max(busy, c_ms / workers)
    return busy + c_ms if depth == 1 or drains else max(busy, l_ms + c_ms)


def upload_period_ms(
    g_ms: float, l_ms: float, c_ms: float, x_ms: float, upload: str, serial: bool, workers: int
) -> float:
    """The period with the next batch's input uploaded right after this batch's launch.

    pageable: `.to(device)` waits for the stream to empty (this batch's compute), then for the
    copy, with the host blocked: nothing the host does afterwards overlaps the device.
    pinned: the copy queues on the compute stream behind this batch, so the device does G + X per
    batch, while the host goes on at once (serially, the copy runs during the post-processing).
    side: the copy runs on the copy engine beside this batch's compute, from the moment the
    launch returns: X costs nothing while it fits under the rest."""
    busy = max(g_ms, l_ms)
    pool = c_ms / workers if workers else 0.0
    if upload == "pageable":
        return max(busy + x_ms, pool) if workers else busy + x_ms + c_ms
    if upload == "pinned":
        if workers:
            return max(g_ms + x_ms, l_ms, pool)
        return busy + max(c_ms, x_ms) if serial else max(g_ms + x_ms, l_ms + c_ms)
    # The copy for the next batch cannot start before this launch returns, and a batch cannot start
    # before its copy ends: over the batches in flight (2 inline, 3 with a pool's hand-over) the
    # period covers L + X + G once. The copy engine runs one copy at a time: X.
    if workers:
        return max(g_ms, l_ms, x_ms, pool, (l_ms + x_ms + g_ms) / 3)
    if serial:
        return max(busy + c_ms, l_ms + x_ms)
    return max(g_ms, x_ms, l_ms + c_ms, (l_ms + x_ms + g_ms) / 2)


@dataclass(frozen=True)
class Prediction:
    """One variant against the serial baseline, from G, L and C."""

    g_ms: float
    l_ms: float  # the variant's own launch cost (a CUDA Graph replay's is a fraction of eager)
    c_ms: float
    baseline_period_ms: float  # the serial loop, with the baseline's launches
    period_ms: float  # the variant's steady period
    latency_ms: float  # launch to end of post-processing of one batch, in steady state
    depth: int = 2
    workers: int = 0
    drains: bool = False  # its read waits for every batch in flight (the naive readback)
    upload: str = "none"  # how each batch's input reaches the device
    x_ms: float = 0.0  # the input's copy time per batch
    p_ms: float = 0.0  # the input's pre-processing on the host per batch
    prefetch: int = 0  # processes pre-processing ahead; 0: the launching thread does it

    @property
    def ceiling(self) -> float:
        return self.baseline_period_ms / self.period_ms if self.period_ms > 0 else 1.0

    @property
    def bound(self) -> str:
        """What sets the variant's period, in the words the verdict and the tables use. Inline, a
        host that sets the pace is called launch-bound when launching is most of its work: the
        remedy then is a cheaper launch (CUDA Graphs), not more post-processing workers."""
        if self.depth == 1 and not self.workers:
            return "serial (G + C in turn)"
        if self.drains and not self.workers:
            return "the read's sync (serial)"
        if self.workers:
            terms = {
                "GPU-bound (G)": self.g_ms,
                "launch-bound (L)": self.l_ms,
                f"pool-bound (C / {self.workers})": self.c_ms / self.workers,
            }
            return max(terms, key=lambda k: terms[k])
        if self.g_ms >= self.l_ms + self.c_ms:
            return "GPU-bound (G)"
        return "launch-bound (L)" if self.l_ms > self.c_ms else "host-bound (L + C)"

    @property
    def formula(self) -> str:
        """The rule with its terms named, as the tables print it."""
        rule = self._upload_formula()
        if self.prefetch:
            return f"max({rule}, P / {self.prefetch})"
        if self.p_ms:
            inline = not self.workers and self.upload == "none"
            return f"P + {rule}" if inline else rule.replace("L", "(L + P)")
        return rule

    def _upload_formula(self) -> str:
        serial = (self.depth == 1 or self.drains) and not self.workers
        k = f"C / {self.workers}"
        if self.upload == "pageable":
            return f"max(max(G, L) + X, {k})" if self.workers else "max(G, L) + X + C"
        if self.upload == "pinned":
            if self.workers:
                return f"max(G + X, L, {k})"
            return "max(G, L) + max(C, X)" if serial else "max(G + X, L + C)"
        if self.upload == "side":
            if self.workers:
                return f"max(G, L, X, {k}, (L + X + G) / 3)"
            return "max(max(G, L) + C, L + X)" if serial else "max(G, X, L + C, (L + X + G) / 2)"
        if serial:
            return "max(G, L) + C"
        return f"max(G, L, {k})" if self.workers else "max(G, L + C)"


def predict(
    g_ms: float,
    l_ms: float,
    c_ms: float,
    depth: int = 2,
    workers: int = 0,
    baseline_l_ms: float | None = None,
    drains: bool = False,
    baseline_g_ms: float | None = None,
    upload: str = "none",
    x_ms: float = 0.0,
    baseline_upload: str = "none",
    baseline_x_ms: float | None = None,
    p_ms: float = 0.0,
    prefetch: int = 0,
    baseline_prefetch: int = 0,
) -> Prediction:
    """The serial loop (with the baseline's G and L) against one loop shape (with its own).

    Two launch costs, because a CUDA Graph replay launches in a fraction of the eager L: the
    baseline keeps its eager launches while the graph variant's host work shrinks. Two G, because
    a bf16 rung computes the same batch in a fraction of fp32's time while the baseline keeps the
    workload's precision. A batch waits depth - 1 periods in the deque before its
    post-processing, which is what deeper queues cost.
    """
    base_l = l_ms if baseline_l_ms is None else baseline_l_ms
    base_g = g_ms if baseline_g_ms is None else baseline_g_ms
    base_x = x_ms if baseline_x_ms is None else baseline_x_ms
    if min(g_ms, l_ms, c_ms, base_l, base_g, x_ms, base_x) < 0:
        raise ValueError("G, L, C and X must be non-negative")
    baseline = period_ms(
        base_g, base_l, c_ms, 1, upload=baseline_upload, x_ms=base_x, p_ms=p_ms, prefetch=baseline_prefetch
    )
    period = period_ms(g_ms, l_ms, c_ms, depth, workers, drains, upload, x_ms, p_ms, prefetch)
    if workers > 0:
        latency = period + max(g_ms, l_ms) + c_ms
    elif depth == 1 or drains:
        latency = max(g_ms, l_ms) + c_ms
    else:
        latency = (depth - 1) * period + l_ms + c_ms
    return Prediction(
        g_ms, l_ms, c_ms, baseline, period, latency, depth, workers, drains, upload, x_ms, p_ms, prefetch
    )


def block_wall_ratio(
    baseline_period_ms: float, variant_period_ms: float, steps: int, drain_ms: float | None = None
) -> float:
    """The best baseline/variant wall ratio for blocks of `steps` batches, fill and drain included.

    A serial block costs steps x S. An overlapped block runs steps - 1 overlapped periods O, and its
    last batch is computed and post-processed with nothing to hide behind: one more S. With 12
    steps and S = 2 O this is 1.85x, not 2x: short blocks cannot reach the steady-state ceiling.
    """
    last = baseline_period_ms if drain_ms is None else drain_ms  # what the last batch costs alone
    wall = (steps - 1) * variant_period_ms + last
    return steps * baseline_period_ms / wall if wall > 0 else 1.0


# Below this predicted gain, a measured efficiency is noise divided by almost nothing (a ceiling
# a hair above 1 once printed an efficiency of 18,935%).
MIN_PREDICTED_GAIN = 0.02


def efficiency(speedup: float, ceiling: float) -> float:
    """Share of the predicted gain that was realised; nan when too little gain was predicted."""
    if not ceiling - 1.0 >= MIN_PREDICTED_GAIN:
        return float("nan")
    return (speedup - 1.0) / (ceiling - 1.0)
