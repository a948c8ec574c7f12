"""Drawing a Comparison: headline numbers, distributions, timeline, telemetry, rounds, downloads."""

from __future__ import annotations

import json
import math

import streamlit as st

from engine import frames
from engine.records import Comparison
from ui import charts

NVML_CAVEAT = (
    "NVML utilisation is the share of the driver's last sample window (1/6 s to 1 s) in which any "
    "kernel ran: it cannot resolve single batches, and 100% does not mean the GPU was saturated."
)


def _x(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.2f}x"


def headline(c: Comparison) -> None:
    s, o, p = c.serial, c.overlap, c.prediction
    cols = st.columns(6)
    cols[0].metric("Speedup", _x(c.speedup), help="Median over rounds of serial wall / overlap wall.")
    cols[1].metric("Ceiling", _x(c.ceiling), help="(max(G, L) + C) / max(G, L + C) from the serial runs.")
    eff = "n/a" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
    cols[2].metric("Efficiency", eff, help="(speedup - 1) / (ceiling - 1)")
    cols[3].metric("Serial images/s", f"{s.throughput_ips:,.1f}")
    cols[4].metric("Overlap images/s", f"{o.throughput_ips:,.1f}")
    cols[5].metric(
        "Noise (CV)",
        f"{c.speedup_cv:.1%}",
        delta="noisy" if c.noisy else "steady",
        delta_color="inverse" if c.noisy else "normal",
        help="Spread of the per-round speedups; above 5% the result is flagged noisy.",
    )
    bound = "the GPU (G)" if p.bottleneck == "GPU" else "the host (L + C)"
    st.markdown(
        f"**G** {s.g.mean:.2f} ms · **L** {s.l.mean:.2f} ms · **C** {s.c.mean:.2f} ms (serial means). "
        f"Predicted period: serial {p.serial_period_ms:.1f} ms, overlap {p.overlap_period_ms:.1f} ms, "
        f"bound by {bound}. Measured p50: serial {s.period.p50:.1f} ms, overlap {o.period.p50:.1f} ms. "
        f"End-to-end latency p50 goes from {s.latency.p50:.1f} ms to {o.latency.p50:.1f} ms."
    )
    if c.noisy:
        st.warning(
            f"Noisy: the per-round speedups spread by {c.speedup_cv:.1%} (CV). Run more rounds, "
            "or on a quieter machine, before trusting the speedup to better than that."
        )


def distributions(c: Comparison) -> None:
    st.subheader("Latency distributions")
    samples, ecdf, pcts = frames.samples_frame(c), frames.ecdf_frame(c), frames.percentiles_frame(c)
    for metric in frames.METRICS.values():
        st.altair_chart(charts.distribution_chart(samples, ecdf, pcts, metric), theme=None)


def timeline(c: Comparison) -> None:
    st.subheader("Measured timeline")
    st.caption(
        "CPU and GPU spans as recorded, on one clock; GPU spans come from CUDA events (or the "
        "stand-in worker's clock). A window of 10 steps from one round."
    )
    left, right = st.columns(2)
    rnd = left.selectbox("Round", range(1, c.rounds + 1), key="tl_round") - 1
    last_start = max(0, c.workload.steps - 10)
    first = (
        right.slider("First step shown", 0, last_start, min(5, last_start), key="tl_first")
        if last_start > 0
        else 0
    )
    frame = frames.timeline_frame(frames.round_runs(c, rnd), first, 10)
    st.altair_chart(charts.timeline_chart(frame), theme=None)


def telemetry(c: Comparison) -> None:
    st.subheader("Telemetry")
    t = c.telemetry
    if t.gpu_status != "nvml":
        st.caption(f"GPU telemetry: {t.gpu_status}. CPU utilisation per core is shown.")
    else:
        st.caption(NVML_CAVEAT)
    frame = frames.telemetry_frame(c, 0)
    if frame.empty:
        st.caption("No samples in this run (telemetry off, or the runs were shorter than one sample).")
        return
    st.altair_chart(charts.telemetry_chart(frame), theme=None)


def rounds_and_environment(c: Comparison) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Speedup per round")
        st.altair_chart(charts.rounds_chart(frames.rounds_frame(c), c.ceiling), theme=None)
    with right:
        st.subheader("Environment")
        env = {k: str(v) for k, v in c.environment.items()}
        env.update({f"calibration: {k}": f"{v:.6g}" for k, v in c.calibration.items()})
        st.table(env)


def downloads(c: Comparison) -> None:
    left, right = st.columns(2)
    left.download_button(
        "Download result (JSON)",
        json.dumps(c.to_dict()),
        "overlap-lab-result.json",
        "application/json",
        on_click="ignore",
    )
    right.download_button(
        "Download per-batch records (CSV)",
        frames.records_frame(c).to_csv(index=False),
        "overlap-lab-records.csv",
        "text/csv",
        on_click="ignore",
    )


def render(c: Comparison) -> None:
    headline(c)
    distributions(c)
    timeline(c)
    telemetry(c)
    rounds_and_environment(c)
    downloads(c)
