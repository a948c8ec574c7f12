"""Long-form tables of a comparison's variants for the lab's variants table and charts; reshaping only.

Every number comes from engine.read.rungs's rows or engine.read.gaps, so the lab's table and charts show
what the CLI's variants table prints.
"""

from __future__ import annotations

import math

import pandas as pd

from engine.read.gaps import CAUSES
from engine.read.rungs import rungs
from engine.read.uploads import upload_rows
from engine.result.comparison import Comparison

IDLE = {cause: f"idle: {cause}" for cause in CAUSES}


def variants_frame(c: Comparison) -> pd.DataFrame:
    """One row per variant, in the comparison's order, with the columns a reader compares."""
    rows = []
    for order, r in enumerate(rungs(c)):
        rows.append(
            {
                "order": order,
                "variant": r.name,
                "what": r.label,
                "depth": r.depth,
                "workers": r.workers,
                "speedup": r.speedup,
                "limit": r.limit,
                "ceiling": r.ceiling,
                "of the gain": r.efficiency,
                "of the box": r.of_box,
                "period (ms)": r.period_ms,
                "e2e p50 (ms)": r.latency_p50_ms,
                "e2e p99 (ms)": r.latency_p99_ms,
                "images/s": r.throughput_ips,
                "G (ms)": r.g_ms,
                "L (ms)": r.l_ms,
                "C (ms)": r.c_ms,
                "bound": r.bound,
                "syncs": r.syncs,
            }
        )
    return pd.DataFrame(rows)


def uploads_frame(c: Comparison) -> pd.DataFrame:
    """One row per variant that uploads its inputs: the copy, the host's call, how much of the copy
    ran under compute, and its cost against the same loop with no upload."""
    rows = [
        {
            "variant": r.name,
            "upload": r.upload,
            "copy X (ms)": r.x_ms,
            "host in the call (ms)": r.host_ms,
            "copy under compute": r.overlapped,
            "period (ms)": r.period_ms,
            "cost of the period": r.cost_share,
        }
        for r in upload_rows(c)
    ]
    return pd.DataFrame(rows)


def idle_frame(c: Comparison) -> pd.DataFrame:
    """GPU idle time per batch by cause, one row per (variant, cause)."""
    rows = [
        {"variant": r.name, "order": i, "cause": IDLE[cause], "ms": ms}
        for i, r in enumerate(rungs(c))
        for cause, ms in r.idle_ms.items()
        if not math.isnan(ms)
    ]
    return pd.DataFrame(rows, columns=["variant", "order", "cause", "ms"])


def depth_frame(c: Comparison) -> pd.DataFrame:
    """Throughput and latency against depth (the baseline is depth 1), for the depth sweep chart."""
    rows = []
    for r in rungs(c):
        if r.workers:
            continue
        rows.append({"depth": r.depth, "series": "images/s", "value": r.throughput_ips})
        rows.append({"depth": r.depth, "series": "e2e p50 (ms)", "value": r.latency_p50_ms})
        rows.append({"depth": r.depth, "series": "e2e p99 (ms)", "value": r.latency_p99_ms})
    return pd.DataFrame(rows, columns=["depth", "series", "value"])


def pool_frame(c: Comparison) -> pd.DataFrame:
    """Speedup and ceiling against the pool's size k (0 is the baseline)."""
    rows = []
    for r in rungs(c):
        if r.workers or r.name == c.baseline.name:
            rows.append({"workers": r.workers, "series": "measured speedup", "value": r.speedup})
            rows.append({"workers": r.workers, "series": "limit", "value": r.limit})
    return pd.DataFrame(rows, columns=["workers", "series", "value"])
