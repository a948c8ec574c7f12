"""The verdict: what bounds each loop, and the one change that would help it most.

trtexec ends its report by saying what limited the run; this does the same for the two loops, from
the cost model and the measured G, L and C, so the advice is a prediction with a number on it and
not a rule of thumb. The candidates are the techniques a reader can apply to their own loop.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from engine.result.comparison import Comparison
from engine.result.schedule import Prediction, predict

GRAPH_L_SHARE = 0.01  # CUDA Graph replay cost about 1% of eager launch for ViT-B/16 at batch 10
MAX_POOL = 16
BALANCED = 0.10  # G and L + C this close count as balanced: nothing in the loop is worth changing


@dataclass(frozen=True)
class Verdict:
    serial_bound: str
    overlap_bound: str  # GPU-bound, launch-bound (L), host-bound (L + C) or pool-bound (C / k)
    advice: str
    name: str = "overlap"  # the variant the second half speaks of: the headline

    @property
    def bounds(self) -> str:
        return f"serial: {self.serial_bound}; {self.name}: {self.overlap_bound}"

    @property
    def line(self) -> str:
        return f"{self.bounds}. Most help: {self.advice}"


def overlap_bound(p: Prediction) -> str:
    if p.g_ms >= p.l_ms + p.c_ms:
        return "GPU-bound"
    return "launch-bound (L)" if p.l_ms > p.c_ms else "host-bound (L + C)"


def _pool_size(p: Prediction, cores: int) -> int:
    """Workers that bring C / k down to the device's pace, within the cores left to use."""
    wanted = math.ceil(p.c_ms / max(p.g_ms, p.l_ms, 1e-9))
    return max(2, min(wanted, cores - 2, MAX_POOL))


def verdict(c: Comparison) -> Verdict:
    p = c.prediction
    share_c = p.c_ms / p.serial_period_ms if p.serial_period_ms > 0 else float("nan")
    serial = f"max(G, L) + C = {p.serial_period_ms:.1f} ms in turn, C {share_c:.0%} of it"
    v = c.variant(c.headline_name)
    bound = overlap_bound(p)
    formula = "max(G, L + C)"
    if v.workers:
        formula = f"max(G, L, C / {v.workers})"
        pace = max(
            ("GPU-bound", p.g_ms),
            ("launch-bound (L)", p.l_ms),
            (f"pool-bound (C / {v.workers})", p.c_ms / v.workers),
            key=lambda t: t[1],
        )
        bound = pace[0]
    overlap = f"{bound}, {formula} = {p.overlap_period_ms:.1f} ms"
    return Verdict(serial, overlap, _advice(c, p, bound), c.headline_name)


def _advice(c: Comparison, p: Prediction, bound: str) -> str:
    if c.contention.contended:
        return f"a quieter host ({c.contention.reason}): rerun when the box is idle"
    if c.stability_state == "unstable":
        hold = "" if c.workload.cpu_fixed == "duration" else ", or hold C still with --cpu-fixed duration"
        return f"a quieter host: the rounds spread by CV {c.speedup_cv:.1%}; rerun with --until-stable{hold}"
    g, l_, cc = p.g_ms, p.l_ms, p.c_ms
    serial = p.serial_period_ms
    if g > 0 and abs((l_ + cc) / g - 1) < BALANCED:
        return (
            f"nothing in the loop: G and L + C are within {BALANCED:.0%} of each other, the balanced "
            f"case, where the ceiling is at its highest, 2 - L/G = {2 - l_ / g:.2f}x"
        )
    if bound == "GPU-bound":
        k = c.variant(c.headline_name).workers
        slack = g - max(l_, cc / k) if k else g - l_ - cc
        if c.device_kind != "cuda":
            faster = "a bigger batch"
        else:
            faster = "a bigger batch" if c.workload.precision != "fp32" else "bf16 or a bigger batch"
        return (
            f"{faster}: the device sets the pace. The host idles {slack:.1f} ms per batch, so that much "
            "more CPU work per GPU batch costs nothing"
        )
    if bound.startswith("pool-bound"):
        k = c.variant(c.headline_name).workers
        return (
            f"more post-processing workers: C / {k} = {cc / k:.1f} ms sets the pace, against G "
            f"{g:.1f} ms; with {math.ceil(cc / max(g, l_, 1e-9))} the device would"
        )
    if bound == "launch-bound (L)":
        if c.variant(c.headline_name).launch == "graph":
            return "a bigger batch: even replayed, launching sets the pace, and G grows with the batch"
        if c.device_kind == "cuda":
            graphs = predict(g, l_ * GRAPH_L_SHARE, cc)
            return (
                f"CUDA Graphs: replaying a captured forward cuts L to about {l_ * GRAPH_L_SHARE:.2f} ms, "
                f"predicted period {graphs.overlap_period_ms:.1f} ms, "
                f"{serial / graphs.overlap_period_ms:.2f}x over serial; the ladder measures it"
            )
        return "a bigger batch: G grows with it and L does not"
    cores = c.environment.cpu_cores_usable or os.cpu_count() or 2
    k = _pool_size(p, cores)
    pool = predict(g, l_, cc, pool_workers=k)
    if cores >= 4 and pool.overlap_period_ms < 0.9 * p.overlap_period_ms:
        return (
            f"a post-processing pool of {k} worker processes: predicted period "
            f"max(G, L, C / {k}) = {pool.overlap_period_ms:.1f} ms, {serial / pool.overlap_period_ms:.2f}x "
            "over serial; the ladder measures it"
        )
    return (
        "more GPU work per batch (a bigger batch): the host's C sets the pace and this machine has no "
        "spare cores for a post-processing pool"
    )
