"""A result with more than the article's pair: the ladder table and chart first, then what each
rung lost and where, the traps the sync watch found, and one round's timelines side by side.

Shared with the pair's view: the traps panel and the idle-gap totals, which every result has.
"""

from __future__ import annotations

import streamlit as st

from engine.read import frames
from engine.read import variant_frames as ladder_frames
from engine.read.rungs import format_syncs
from engine.result.comparison import Comparison
from ui import charts, exports, ladder_charts
from ui.results import Look, downloads, environment, rounds_and_blocks, summary_card, telemetry

IDLE_NOTE = (
    "Each gap in the GPU lane, labelled by what the host was doing: still launching the next batch "
    "(launch), post-processing (post-process), just out of a read that waited for the whole queue "
    "(sync drain), or anything else (other)."
)


def is_pair(c: Comparison) -> bool:
    """The article's comparison: serial against the plain deque, drawn by the pair's own view."""
    return c.variant_names == ["serial", "overlap"] and all(
        v.readback == "none" and v.launch == "eager" and not v.workers for v in c.variants
    )


def traps(c: Comparison) -> None:
    """The hidden syncs found in each variant's loop, with the line that made them."""
    box = st.container(border=True)
    box.markdown("**Traps found**")
    if not c.syncs_checked:
        box.caption("Not checked in this run.")
        return
    if not c.syncs:
        box.success("No hidden synchronisation in any variant's loop.", icon=":material/check_circle:")
        return
    for line in format_syncs(c)[1:]:
        box.markdown(f"`{line.strip()}`")
    box.caption(
        "Found in a few untimed batches per variant after the rounds: on CUDA by torch's sync debug "
        "mode, on the stand-in by the device itself. A read that waits for every batch launched "
        "turns the overlap back into the serial loop."
    )


def idle(c: Comparison, look: Look) -> None:
    exports.show(
        ladder_charts.idle_chart(ladder_frames.idle_frame(c), look.style),
        f"{look.name}-idle",
        f"{look.key}_idle",
    )
    st.caption(IDLE_NOTE)


def rungs_table(c: Comparison, look: Look) -> None:
    table = ladder_frames.ladder_frame(c)
    exports.show(ladder_charts.ladder_chart(table, look.style), f"{look.name}-ladder", f"{look.key}_ladder")
    st.caption(
        "Bars: speedup over the baseline, the median over rounds of its wall over each variant's. "
        "Ticks: each variant's ceiling from the baseline's G, L and C (and its own L for CUDA "
        "Graphs): max(G, L + C) inline, max(G, L, C / k) with k workers."
    )
    st.dataframe(
        table.drop(columns=["order", "depth", "workers"]),
        hide_index=True,
        column_config={
            "of the gain": st.column_config.NumberColumn(format="percent"),
            "speedup": st.column_config.NumberColumn(format="%.2fx"),
            "ceiling": st.column_config.NumberColumn(format="%.2fx"),
        },
    )


def sweeps(c: Comparison, look: Look) -> None:
    """The depth or pool-size curve, when the comparison is one."""
    shapes = {v.shape for v in c.variants[1:]}
    if shapes == {"overlap"} and len({v.depth for v in c.variants}) > 2:
        st.subheader("Depth: throughput against latency")
        exports.show(
            ladder_charts.depth_chart(ladder_frames.depth_frame(c), look.style),
            f"{look.name}-depth",
            f"{look.key}_depth",
        )
        st.caption("One more batch in flight adds one period of end-to-end latency and no throughput.")
    if shapes == {"pool"} and len(c.variants) > 2:
        st.subheader("Pool size: speedup and ceiling")
        exports.show(
            ladder_charts.pool_chart(ladder_frames.pool_frame(c), look.style),
            f"{look.name}-pool",
            f"{look.key}_pool",
        )


def timelines(c: Comparison, look: Look) -> None:
    names = c.variant_names
    left, right = st.columns(2)
    shown = left.multiselect(
        "Variants",
        names,
        default=names[: min(3, len(names))],
        key=f"{look.key}_lt_variants",
        max_selections=4,
    )
    rnd = right.selectbox("Round", range(1, c.rounds + 1), key=f"{look.key}_lt_round") - 1
    if not shown:
        st.caption("Pick a variant to draw its timeline.")
        return
    frame = frames.timeline_frame(frames.round_runs(c, rnd, shown), min(2, max(0, c.workload.steps - 8)), 8)
    exports.show(
        charts.timeline_chart(frame, style=look.style),
        f"{look.name}-ladder-timeline",
        f"{look.key}_ladder_timeline",
    )
    st.caption(IDLE_NOTE)


def render_ladder(c: Comparison, look: Look) -> None:
    summary_card(c, look)
    st.markdown(f"**Top rung:** {c.variant(c.headline_name).label}, against {c.baseline_name}.")
    rungs_table(c, look)
    sweeps(c, look)
    traps(c)
    st.subheader("Where the GPU idled")
    idle(c, look)
    st.subheader("Measured timelines")
    timelines(c, look)
    with st.expander("Rounds and per-block truth", expanded=False):
        rounds_and_blocks(c, look)
    with st.expander("Telemetry", expanded=False):
        telemetry(c, look)
    with st.expander("Environment and provenance", expanded=False):
        environment(c)
    downloads(c, look)
