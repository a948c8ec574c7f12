"""A set of more than two variants: each against its ceiling, in a chart and a table, and the depth
or pool-size curve when the set is one. A pair needs none of this: its card says it all."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.api import (
    DEQUE,
    POOL,
    Comparison,
    box_sentence,
    gain_share,
    rung_sentences,
    upload_sentence,
    variant_frames,
)
from ui.charts import variants as variant_charts
from ui.shell import exports
from ui.shell.look import Look


def applies(c: Comparison) -> bool:
    return len(c.variants) > 2


def table(c: Comparison, look: Look) -> None:
    frame = variant_frames.variants_frame(c)
    exports.show(
        variant_charts.variants_chart(frame, look.style), f"{look.name}-variants", f"{look.key}_variants"
    )
    st.caption(
        f"Bars: speedup over {c.baseline.name}, its counted walls over each variant's. Ticks: each "
        f"variant's limit, the best blocks of {c.workload.steps} batches allow at {c.baseline.name}'s "
        "costs (and its own G and L for CUDA Graphs and bf16): the cost model plays the loop's own "
        "schedule, fill, drain and a pool's waves included. The ceiling column is its long-run value."
    )
    st.dataframe(
        shown_frame(c, frame.drop(columns=["order", "depth", "workers"])),
        hide_index=True,
        column_config={
            "of the box": st.column_config.NumberColumn(format="percent"),
            "speedup": st.column_config.NumberColumn(format="%.2fx"),
            "limit": st.column_config.NumberColumn(format="%.2fx"),
            "ceiling": st.column_config.NumberColumn(format="%.2fx"),
            "period (ms)": st.column_config.NumberColumn(format="%.1f"),
            "images/s": st.column_config.NumberColumn(format="%.1f"),
            "e2e p50 (ms)": st.column_config.NumberColumn(format="%.1f"),
            "e2e p99 (ms)": st.column_config.NumberColumn(format="%.1f"),
            "G (ms)": st.column_config.NumberColumn(format="%.2f"),
            "L (ms)": st.column_config.NumberColumn(format="%.2f"),
            "C (ms)": st.column_config.NumberColumn(format="%.1f"),
        },
    )
    box = box_sentence(c)
    st.markdown(f"**What the box allows.** {box[:1].upper()}{box[1:]}.")
    if any(v.uploads for v in c.variants):
        _uploads(c)
    for said in rung_sentences(c):
        st.markdown(f"- {said}")


def shown_frame(c: Comparison, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as a person reads it: each variant's share of its gain in words where a number
    would mislead (none to share, or slower than the baseline), never a bare -82% or None."""
    out = frame.copy()
    out["of the gain"] = [
        gain_share(e, s, c.baseline.name) for e, s in zip(frame["of the gain"], frame["speedup"], strict=True)
    ]
    return out


def curves(c: Comparison, look: Look) -> None:
    """The depth or pool-size curve, when the comparison is one."""
    shapes = {v.shape for v in c.variants[1:]}
    if shapes == {DEQUE} and len({v.depth for v in c.variants}) > 2:
        st.subheader("Depth: throughput against latency")
        exports.show(
            variant_charts.depth_chart(variant_frames.depth_frame(c), look.style),
            f"{look.name}-depth",
            f"{look.key}_depth",
        )
        st.caption("One more batch in flight adds one period of end-to-end latency and no throughput.")
    if shapes == {POOL} and len(c.variants) > 2:
        st.subheader("Pool size: speedup and ceiling")
        exports.show(
            variant_charts.pool_chart(variant_frames.pool_frame(c), look.style),
            f"{look.name}-pool",
            f"{look.key}_pool",
        )


def _uploads(c: Comparison) -> None:
    """The input side beside the output side's table: each upload's copy, whether it hid under
    compute, and what it cost of its period."""
    st.markdown(
        "**Inputs.** Each batch's input uploaded from the host, sent right after the launch before it."
    )
    frame = variant_frames.uploads_frame(c)
    for share in ("copy under compute", "cost of the period"):  # "—" where a row has none to show
        frame[share] = ["—" if x != x else f"{x:.0%}" for x in frame[share]]
    st.dataframe(frame, hide_index=True)
    said = upload_sentence(c)
    if said:
        st.markdown(f"{said[:1].upper()}{said[1:]}.")
