"""A set of more than two variants: each against its ceiling, in a chart and a table, and the depth
or pool-size curve when the set is one. A pair needs none of this: its card says it all."""

from __future__ import annotations

import streamlit as st

from engine.api import DEQUE, POOL, Comparison, box_sentence, rung_sentences, upload_sentence, variant_frames
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
        f"Bars: speedup over {c.baseline.name}, the median over rounds of its wall over each variant's. "
        f"Ticks: each variant's ceiling from {c.baseline.name}'s G, L and C (and its own L for CUDA "
        "Graphs): max(G, L + C) inline, max(G, L, C / k) with k workers."
    )
    st.dataframe(
        frame.drop(columns=["order", "depth", "workers"]),
        hide_index=True,
        column_config={
            "of the gain": st.column_config.NumberColumn(format="percent"),
            "of the box": st.column_config.NumberColumn(format="percent"),
            "speedup": st.column_config.NumberColumn(format="%.2fx"),
            "ceiling": st.column_config.NumberColumn(format="%.2fx"),
        },
    )
    box = box_sentence(c)
    st.markdown(f"**What the box allows.** {box[:1].upper()}{box[1:]}.")
    if any(v.uploads for v in c.variants):
        _uploads(c)
    for said in rung_sentences(c):
        st.markdown(f"- {said}")


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
    st.dataframe(
        variant_frames.uploads_frame(c),
        hide_index=True,
        column_config={
            "copy under compute": st.column_config.NumberColumn(format="percent"),
            "cost of the period": st.column_config.NumberColumn(format="percent"),
        },
    )
    said = upload_sentence(c)
    if said:
        st.markdown(f"{said[:1].upper()}{said[1:]}.")
