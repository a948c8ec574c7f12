"""The evidence under a card: per-round speedups, per-block truth, distributions, timelines, where
the GPU idled, the traps the sync watch found, telemetry and the environment.

Each panel reads frames built by the engine's read side; none computes a statistic of its own.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import streamlit as st

from engine.api import (
    LOOP_OK,
    TOO_FAST,
    Comparison,
    fast_block_sentences,
    format_syncs,
    frames,
    variant_frames,
)
from ui import charts
from ui.charts import rounds as round_charts
from ui.charts import variants as variant_charts
from ui.shell import exports
from ui.shell.look import Look, columns
from ui.shell.plain import plain

NVML_CAVEAT = (
    "NVML utilisation is the share of the driver's last sample window (1/6 s to 1 s) in which any "
    "kernel ran: it cannot resolve single batches, and 100% does not mean the GPU was saturated."
)
IDLE_NOTE = (
    "Each gap in the GPU lane, labelled by what the host was doing: still launching the next batch "
    "(launch), post-processing (post-process), just out of a read that waited for the whole queue "
    "(sync drain), or anything else (other)."
)
TIMELINE_STEPS = 8


def rounds_and_blocks(c: Comparison, look: Look) -> None:
    left, right = columns(look)
    with left:
        st.subheader("Speedup per round")
        exports.show(
            round_charts.rounds_chart(frames.rounds_frame(c), c.limit, look.style),
            f"{look.name}-rounds",
            f"{look.key}_rounds",
        )
        st.caption(
            f"{c.headline.name} over {c.baseline.name}, one bar per round, against the limit its blocks of "
            f"{c.workload.steps} batches allow."
        )
    table = frames.blocks_frame(c)
    with right:
        st.subheader("Per-block truth")
        exports.show(
            charts.blocks_chart(table, LOOP_OK, c.variant_names, look.style),
            f"{look.name}-blocks",
            f"{look.key}_blocks",
        )
    st.caption(
        "The period each block's own mean costs allow it for its steps (the cost model's schedule of "
        "the loop, fill and drain included), over the period it took (its wall over its batches). Below "
        f"{LOOP_OK:.0%} the loop itself lost time; at 100% any gap between speedup and limit is the host "
        f"moving between blocks; above {TOO_FAST:.0%} a block beat its own costs, and the sentence below "
        "says how."
    )
    for said in fast_block_sentences(c):
        st.markdown(f"- {said[0].upper()}{said[1:]}.")
    st.dataframe(
        table.drop(columns=["block"]),
        hide_index=True,
        column_config={"schedule efficiency": st.column_config.NumberColumn(format="percent")},
    )


def distributions(c: Comparison, look: Look) -> None:
    """Baseline against headline: the two the card sets side by side."""
    samples, ecdf, pcts = frames.samples_frame(c), frames.ecdf_frame(c), frames.percentiles_frame(c)
    order = c.variant_names
    for metric, title in frames.METRICS.items():
        view = frames.distribution_view(c, metric)
        if not math.isfinite(view.hi_ms) or not math.isfinite(view.lo_ms):
            # one batch a block has no gap between launches: nothing to draw, and an empty range
            # once reached the browser as a chart error
            st.caption(f"{title}: no samples to draw (a block of one batch has no gap between launches).")
            continue
        left, right = columns(look)
        with left:
            exports.show(
                charts.histogram_chart(samples, title, view, order, look.style),
                f"{look.name}-{metric}-histogram",
                f"{look.key}_{metric}_hist",
            )
        with right:
            exports.show(
                charts.ecdf_chart(ecdf, pcts, title, view, order, look.style),
                f"{look.name}-{metric}-ecdf",
                f"{look.key}_{metric}_ecdf",
            )
        table = pcts[pcts.metric == title].pivot(index="mode", columns="percentile", values="value_ms")
        st.dataframe(table.loc[frames.ends(c)].round(2), width="content")
        if view.beyond:
            st.caption(
                f"Drawn up to the larger p99, {view.hi_ms:,.1f} ms: {view.beyond} batch(es) lie beyond, "
                f"up to {view.max_ms:,.1f} ms."
            )


def timelines(c: Comparison, look: Look) -> None:
    """Up to four variants of one round, on one clock; the baseline and the headline to start."""
    names = c.variant_names
    top, middle, bottom = st.columns(3)
    picked = top.multiselect(
        "Variants",
        names,
        default=[names[0], *names[1:][-2:]],
        key=f"{look.key}_tl_variants",
        max_selections=4,
    )
    rnd = middle.selectbox("Round", range(1, c.rounds + 1), key=f"{look.key}_tl_round") - 1
    last_start = max(0, c.workload.steps - TIMELINE_STEPS)
    first = (
        bottom.slider("First step shown", 0, last_start, min(2, last_start), key=f"{look.key}_tl_first")
        if last_start > 0
        else 0
    )
    if not picked:
        st.caption("Pick a variant to draw its timeline.")
        return
    frame = frames.timeline_frame(frames.round_runs(c, rnd, picked), first, TIMELINE_STEPS)
    exports.show(
        charts.timeline_chart(frame, style=look.style, order=names),
        f"{look.name}-timeline",
        f"{look.key}_timeline",
    )
    st.caption(
        "CPU and GPU spans as recorded, on one clock; GPU spans come from CUDA events (or the "
        f"stand-in worker's clock). A window of {TIMELINE_STEPS} steps from one round; spans of "
        "earlier steps that run inside it are drawn too. " + IDLE_NOTE
    )


def idle(c: Comparison, look: Look) -> None:
    exports.show(
        variant_charts.idle_chart(variant_frames.idle_frame(c), look.style),
        f"{look.name}-idle",
        f"{look.key}_idle",
    )
    st.caption(IDLE_NOTE)


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
    box.code("\n".join(line.strip() for line in format_syncs(c)[1:]), language=None, wrap_lines=True)
    box.caption(
        "Found in a few untimed batches per variant after the rounds: on CUDA by torch's sync debug "
        "mode, on the stand-in by the device itself. A read that waits for every batch launched "
        "turns the overlap back into the serial loop."
    )


def telemetry(c: Comparison, look: Look) -> None:
    t = c.telemetry
    if t.gpu_status != "nvml":
        st.caption(f"GPU telemetry: {plain(t.gpu_status)}. CPU utilisation per core is shown.")
    else:
        st.caption(NVML_CAVEAT + " One line style per variant. Round 1.")
    frame = frames.telemetry_frame(c, 0)
    if frame.empty:
        st.caption("No samples in this run (telemetry off, or the runs were shorter than one sample).")
        return
    for i, metric in enumerate(dict.fromkeys(frame.metric)):
        exports.show(
            charts.telemetry_chart(frame, metric, c.variant_names, look.style),
            f"{look.name}-telemetry-{i}",
            f"{look.key}_tel{i}",
        )


def environment(c: Comparison) -> None:
    """Where and how the run ran, one row a field; a field the run did not use reads "—", never
    Python's None."""
    env = {k: str(v) for k, v in asdict(c.environment).items() if v is not None}
    env.update({f"calibration: {k}": "—" if v is None else str(v) for k, v in asdict(c.calibration).items()})
    env.update({f"run: {k}": "—" if v is None else str(v) for k, v in asdict(c.provenance).items()})
    env["contention"] = c.contention.stamp
    st.table({k: plain(v) for k, v in env.items()})  # st.table renders its cells as Markdown
