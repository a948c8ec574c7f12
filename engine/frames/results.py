"""Long-form tables of a result, shaped for charts and CSV; reshaping only, no new statistics.

Every number here is either a raw record or a Summary field computed in records.py, so a chart
drawn from these frames shows exactly what the CLI prints.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass

import pandas as pd

from engine.read.gaps import block_gaps
from engine.read.truth import blocks
from engine.result.blocks import RunResult
from engine.result.comparison import Comparison
from engine.result.stats import Summary, ecdf

# Per-batch distributions. The period is one number per block (wall / batches), so what has a
# distribution is the gap between launches: shown under that name, never as "period".
METRICS = {"launch_gap": "launch gap (ms)", "latency": "end-to-end latency (ms)"}


def _samples(run_list: list[RunResult], metric: str) -> list[float]:
    if metric == "launch_gap":
        return [v for r in run_list for v in r.launch_gaps_ms]
    return [v for r in run_list for v in r.latencies_ms]


def ends(c: Comparison) -> list[str]:
    """The two variants a card and its distributions set side by side: baseline and headline."""
    return [c.baseline.name, c.headline.name]


def samples_frame(c: Comparison, modes: list[str] | None = None) -> pd.DataFrame:
    """One row per sample: mode, metric, value_ms (for histograms); baseline and headline unless
    other variants are named."""
    rows = [
        {"mode": mode, "metric": METRICS[metric], "value_ms": v}
        for mode in modes or ends(c)
        for metric in METRICS
        for v in _samples(c.mode_runs(mode), metric)
    ]
    return pd.DataFrame(rows, columns=["mode", "metric", "value_ms"])


def ecdf_frame(c: Comparison, modes: list[str] | None = None) -> pd.DataFrame:
    rows = []
    for mode in modes or ends(c):
        for metric in METRICS:
            values, shares = ecdf(_samples(c.mode_runs(mode), metric))
            rows += [
                {"mode": mode, "metric": METRICS[metric], "value_ms": v, "share": s}
                for v, s in zip(values, shares)
            ]
    return pd.DataFrame(rows, columns=["mode", "metric", "value_ms", "share"])


def percentiles_frame(c: Comparison, modes: list[str] | None = None) -> pd.DataFrame:
    """p50/p90/p99 of each variant and metric, straight from the pooled Summary."""
    rows = []
    for mode in modes or ends(c):
        pooled = c.summary_of(mode)
        for metric, summary in (("launch_gap", pooled.launch_gap), ("latency", pooled.latency)):
            rows += [
                {"mode": mode, "metric": METRICS[metric], "percentile": name, "value_ms": value}
                for name, value in _pcts(summary)
            ]
    return pd.DataFrame(rows, columns=["mode", "metric", "percentile", "value_ms"])


def _pcts(s: Summary) -> list[tuple[str, float]]:
    return [("p50", s.p50), ("p90", s.p90), ("p99", s.p99)]


def timeline_frame(runs: list[RunResult], first_step: int = 0, steps: int = 10) -> pd.DataFrame:
    """Spans in the time window of `steps` steps, each run on its own clock from the window's first
    launch. Every span that overlaps the window is kept (clipped at its start), whichever step it
    belongs to: in the overlap loop the host post-processes step N-1 after launching step N, and
    dropping it left the window's first CPU lane looking idle while it was busy.

    `launched` counts the launches begun by the time a span starts (its own included), so a
    step-through that shows spans with `launched` up to k shows the host launching batch k at
    the moment it does, before it post-processes batch k-1; a filter on the span's own step left
    that launch out."""
    rows = []
    for run in runs:
        window = [r for r in run.steps if first_step <= r.step < first_step + steps]
        if not window:
            continue
        t0 = window[0].launch_start_ns
        t1 = max(max(r.device_end_ns, r.post_end_ns) for r in window)
        post_lane = "pool" if run.workers else "CPU"  # k workers' spans overlap each other
        starts = sorted(r.launch_start_ns for r in run.steps if r.launch_start_ns >= t0)

        def launched(at_ns: int, starts: list[int] = starts) -> int:
            return bisect_right(starts, at_ns)

        for r in run.steps:
            spans = [
                ("CPU", "upload", r.upload_start_ns, r.upload_end_ns),
                ("copy", "input copy", r.copy_start_ns, r.copy_end_ns),
                ("CPU", "launch", r.launch_start_ns, r.launch_end_ns),
                ("CPU", "wait", r.wait_start_ns, r.wait_end_ns),
                ("CPU", "read", r.read_start_ns, r.read_end_ns),
                (post_lane, "post-process", r.post_start_ns, r.post_end_ns),
                ("GPU", "GPU forward", r.device_start_ns, r.device_end_ns),
            ]
            rows += [
                {
                    "mode": run.mode,
                    "lane": lane,
                    "activity": act,
                    "step": r.step,
                    "start_ms": (max(a, t0) - t0) / 1e6,
                    "end_ms": (min(b, t1) - t0) / 1e6,
                    "launched": launched(a),
                }
                for lane, act, a, b in spans
                if b > a and b > t0 and a < t1
            ]
        rows += [
            {
                "mode": run.mode,
                "lane": "GPU",
                "activity": f"idle: {g.cause}",
                "step": g.after_step + 1,
                "start_ms": (max(g.start_ns, t0) - t0) / 1e6,
                "end_ms": (min(g.end_ns, t1) - t0) / 1e6,
                "launched": launched(g.start_ns),
            }
            for g in block_gaps(run)
            if g.end_ns > t0 and g.start_ns < t1
        ]
    return pd.DataFrame(rows, columns=["mode", "lane", "activity", "step", "start_ms", "end_ms", "launched"])


def round_runs(c: Comparison, round_index: int = 0, modes: list[str] | None = None) -> list[RunResult]:
    """One round's blocks (of the given variants, or all), in the comparison's variant order."""
    names = modes or c.variant_names
    runs = [r for r in c.runs if r.round_index == round_index and r.mode in names]
    return sorted(runs, key=lambda r: names.index(r.mode))


def telemetry_frame(c: Comparison, round_index: int = 0) -> pd.DataFrame:
    """Samples taken during one round's blocks, with time from each block's start."""
    rows = []
    for run in round_runs(c, round_index):
        t = c.telemetry.window(run.start_ns, run.end_ns)
        gpu_cols = {
            "GPU utilisation (%)": t.gpu_util_pct,
            "GPU memory used (MiB)": t.gpu_mem_used_mib,
            "GPU power (W)": t.gpu_power_w,
        }
        for i, ts in enumerate(t.t_ns):
            t_s = (ts - run.start_ns) / 1e9
            for name, col in gpu_cols.items():
                if col:
                    rows.append(
                        {"mode": run.mode, "t_s": t_s, "metric": name, "series": "GPU", "value": col[i]}
                    )
            for core, pct in enumerate(t.cpu_pct_per_core[i] if t.cpu_pct_per_core else []):
                rows.append(
                    {
                        "mode": run.mode,
                        "t_s": t_s,
                        "metric": "CPU utilisation per core (%)",
                        "series": f"core {core}",
                        "value": pct,
                    }
                )
    return pd.DataFrame(rows, columns=["mode", "t_s", "metric", "series", "value"])


def rounds_frame(c: Comparison) -> pd.DataFrame:
    """Every round's speedup, and whether the headline counts it (the gate sets settling ones aside)."""
    counted = set(c.counted_rounds)
    return pd.DataFrame(
        [
            {"round": i + 1, "speedup": x, "counted": "counted" if i in counted else "settling"}
            for i, x in c.all_round_speedups
        ],
        columns=["round", "speedup", "counted"],
    )


def live_rounds_frame(speedups: tuple[float, ...]) -> pd.DataFrame:
    """The rounds a running comparison has finished, as its progress reports carry them."""
    return pd.DataFrame({"round": range(1, len(speedups) + 1), "speedup": list(speedups)})


def blocks_frame(c: Comparison) -> pd.DataFrame:
    """Per-block truth, one row per block, for the lab's table and chart."""
    rows = [
        {
            "block": f"{b.round_index + 1} {b.mode}",
            "round": b.round_index + 1,
            "mode": b.mode,
            "counted": "counted" if b.counted else "settling",
            "G (ms)": b.g_ms,
            "L (ms)": b.l_ms,
            "C (ms)": b.c_ms,
            "limit (ms a batch)": b.limit_period_ms,
            "period (ms)": b.period_ms,
            "schedule efficiency": b.schedule_efficiency,
        }
        for b in blocks(c)
    ]
    return pd.DataFrame(rows)


def records_frame(c: Comparison) -> pd.DataFrame:
    """Every batch of every run, for the CSV download: raw nanoseconds plus G, L, C and latency."""
    rows = []
    made = asdict(c.provenance)  # who, where, when and how, on every row: a CSV travels alone
    for run in c.runs:
        for r in run.steps:
            rows.append(
                {
                    **made,
                    "round": run.round_index,
                    "mode": run.mode,
                    "depth": run.depth,
                    **asdict(r),
                    "g_ms": r.g_ms,
                    "l_ms": r.l_ms,
                    "c_ms": r.c_ms,
                    "latency_ms": r.latency_ms,
                }
            )
    return pd.DataFrame(rows)


PAIRED = ("period", "latency p50")  # the period (wall / batches), and end-to-end latency p50


def paired_frame(c: Comparison) -> pd.DataFrame:
    """The two numbers the card is about, baseline against headline: the period and end-to-end
    latency p50, and the period the headline's block limit allows, where the chart ticks it."""
    rows = [
        {"measure": measure, "mode": mode, "value_ms": value}
        for mode in ends(c)
        for measure, value in zip(PAIRED, (c.period_of(mode), c.summary_of(mode).latency.p50), strict=True)
    ]
    return pd.DataFrame(rows, columns=["measure", "mode", "value_ms"])


def limit_period_ms(c: Comparison) -> float:
    """The headline's best period for blocks of this run's steps: the tick on the paired chart."""
    return c.prediction.limit_period_ms


@dataclass(frozen=True)
class View:
    """The x range a distribution chart shows: up to the larger p99, so that one outlier does not
    squash the distributions into a corner. What lies beyond is counted, not hidden silently."""

    lo_ms: float
    hi_ms: float
    beyond: int  # samples above hi_ms, across the variants shown
    max_ms: float


def distribution_view(c: Comparison, metric: str, modes: list[str] | None = None) -> View:
    shown = modes or ends(c)
    pooled = [getattr(c.summary_of(mode), metric) for mode in shown]
    hi = max(s.p99 for s in pooled)
    values = [v for mode in shown for v in _samples(c.mode_runs(mode), metric)]
    return View(min(s.min for s in pooled), hi, sum(v > hi for v in values), max(s.max for s in pooled))
