"""Drawing a Comparison: headline numbers, distributions, timeline, telemetry, rounds, downloads."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import streamlit as st

from engine import frames
from engine.records import Comparison
from engine.report import cv_text, headline_text, iterations_used
from engine.truth import LOOP_OK, shortfall_sentence
from engine.verdict import verdict
from ui import charts

NVML_CAVEAT = (
    "NVML utilisation is the share of the driver's last sample window (1/6 s to 1 s) in which any "
    "kernel ran: it cannot resolve single batches, and 100% does not mean the GPU was saturated."
)


def _x(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.2f}x"


def summary_card(c: Comparison) -> None:
    """The answer first: speedup against ceiling with its stamps, the verdict, and any shortfall."""
    v = verdict(c)
    box = st.container(border=True)
    box.markdown(f"### {headline_text(c)}")
    box.markdown(f"**Verdict.** {v.bounds}.  \n**Most help:** {v.advice}.")
    why = shortfall_sentence(c)
    if why:
        box.markdown(why)
    if c.contention.contended:
        box.warning(f"Contended: {c.contention.reason}. Another workload shared what was measured.")


def article_note(c: Comparison) -> None:
    """With the article's own loops, say how much more the overlap script's loop costs."""
    if c.workload.cpu_work != "article":
        return
    c_s, c_o = c.serial.c.mean, c.overlap.c.mean
    st.info(
        f"As in the article, each loop runs its own script's post-processing. The overlap script's "
        f"loop computes `batch_id * 31 + i` on every iteration: C was {c_o:.1f} ms per batch in the "
        f"overlap blocks against {c_s:.1f} ms in the serial ones ({c_o / c_s - 1:+.0%}) for the same "
        "number of iterations, so part of what the article's comparison measures is that extra work, "
        "not the schedule. The seed preset runs one loop in both."
    )


def headline(c: Comparison) -> None:
    s, o, p = c.serial, c.overlap, c.prediction
    cols = st.columns(6)
    cols[0].metric("Speedup", _x(c.speedup), help="Median over rounds of serial wall / overlap wall.")
    cols[1].metric("Ceiling", _x(c.ceiling), help="(max(G, L) + C) / max(G, L + C) from the serial runs.")
    eff = "n/a" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
    cols[2].metric("Efficiency", eff, help="(speedup - 1) / (ceiling - 1)")
    cols[3].metric("Serial images/s", f"{s.throughput_ips:,.1f}")
    cols[4].metric("Overlap images/s", f"{o.throughput_ips:,.1f}")
    state = c.stability_state
    cols[5].metric(
        "Spread (CV)",
        cv_text(c),
        delta=state,
        delta_color="normal" if state == "stable" else "inverse" if state == "unstable" else "off",
        help=f"Spread of the per-round speedups; at most {c.stability.cv_target:.0%} is stable. "
        "With one round there is no spread to judge.",
    )
    used = iterations_used(c)
    st.markdown(
        f"**G** {s.g.mean:.2f} ms · **L** {s.l.mean:.2f} ms · **C** {s.c.mean:.2f} ms (serial means; "
        f"{used['serial']:,.0f} loop iterations per batch as run). "
        f"Predicted period: serial {p.serial_period_ms:.1f} ms, overlap {p.overlap_period_ms:.1f} ms. "
        f"Measured p50: serial {s.period.p50:.1f} ms, overlap {o.period.p50:.1f} ms. "
        f"End-to-end latency p50 goes from {s.latency.p50:.1f} ms to {o.latency.p50:.1f} ms."
    )
    if c.stability.window:
        counted = c.counted_rounds
        st.caption(
            f"Run until stable: stopped by {c.stability.stop_reason} after {c.rounds} rounds; the "
            f"headline counts rounds {counted[0] + 1} to {counted[-1] + 1}."
        )
    if state == "unstable":
        st.warning(
            f"Unstable: the per-round speedups spread by {c.speedup_cv:.1%} (CV). Run until stable, "
            "hold C still with fixed duration, or use a quieter machine before trusting the speedup "
            "to better than that."
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


def rounds_and_blocks(c: Comparison) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Speedup per round")
        st.altair_chart(charts.rounds_chart(frames.rounds_frame(c), c.ceiling), theme=None)
    with right:
        st.subheader("Per-block truth")
        table = frames.blocks_frame(c)
        st.altair_chart(charts.blocks_chart(table, LOOP_OK), theme=None)
    st.caption(
        "Each block's period as its own mean G, L and C predict it (serial: max(G, L) + C; overlap: "
        f"max(G, L + C)), over the period it measured. Below {LOOP_OK:.0%} the loop itself lost time; "
        "at 100% any gap between speedup and ceiling is the host moving between blocks."
    )
    st.dataframe(
        table.drop(columns=["block"]),
        hide_index=True,
        column_config={"schedule efficiency": st.column_config.NumberColumn(format="percent")},
    )


def environment(c: Comparison) -> None:
    st.subheader("Environment")
    env = {k: str(v) for k, v in asdict(c.environment).items() if v is not None}
    env.update({f"calibration: {k}": str(v) for k, v in asdict(c.calibration).items()})
    env.update({f"run: {k}": str(v) for k, v in asdict(c.provenance).items()})
    env["contention"] = c.contention.stamp
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
    summary_card(c)
    headline(c)
    article_note(c)
    rounds_and_blocks(c)
    distributions(c)
    timeline(c)
    telemetry(c)
    environment(c)
    downloads(c)
