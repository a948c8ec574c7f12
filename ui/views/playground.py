"""The explainer's playground: sliders for G, L and C, the real loop shapes run on a device of
exactly those costs, their numbers, and the idealised timeline to step through.

A fragment, so that moving a slider reruns this part of the page only.
"""

from __future__ import annotations

import streamlit as st

from engine.api import frames, predict, simulate
from ui import charts, shell
from ui.shell.look import Look

STEPS = 8  # batches in the idealised timeline


@st.fragment
def render() -> None:
    """Sliders, numbers and chart in a fragment: moving a slider reruns only this part of the page."""
    style = Look(shell.presenting()).style
    cols = st.columns(4)
    g_ms = cols[0].slider("G: GPU forward (ms)", 1.0, 150.0, 11.0, 0.5, key="ex_g")
    l_ms = cols[1].slider("L: launch (ms)", 0.0, 30.0, 6.0, 0.5, key="ex_l")
    c_ms = cols[2].slider("C: post-processing (ms)", 0.0, 150.0, 10.0, 0.5, key="ex_c")
    depth = cols[3].slider("Queue depth", 2, 4, 2, key="ex_depth")

    serial, overlap = simulate(g_ms, l_ms, c_ms, depth=depth, steps=STEPS)
    p = predict(g_ms, l_ms, c_ms, depth)
    m = st.columns(5)
    m[0].metric("Serial period", f"{p.baseline_period_ms:.1f} ms")
    m[1].metric("Deque period", f"{p.period_ms:.1f} ms")
    m[2].metric("Speedup (ceiling)", f"{p.ceiling:.2f}x")
    m[3].metric("Serial latency", f"{serial.latency.p50:.1f} ms")
    m[4].metric("Deque latency", f"{overlap.latency.p50:.1f} ms")
    bound = "the GPU: G" if p.bound.startswith("GPU") else "the host: L + C"
    st.markdown(
        f"The serial loop pays max(G, L) + C = **{p.baseline_period_ms:.1f} ms** per batch, because "
        f"kernels start running while the launch is still going. The deque pays max(G, L + C) = "
        f"**{p.period_ms:.1f} ms**: it is bound by {bound}. Throughput rises "
        f"**{p.ceiling - 1:.0%}** (a {p.ceiling:.2f}x ceiling), but each batch now also waits a period "
        f"in the queue, so its end-to-end latency grows from {serial.latency.p50:.1f} to "
        f"{overlap.latency.p50:.1f} ms."
    )
    frame = frames.timeline_frame([serial, overlap], 0, STEPS)
    st.altair_chart(charts.timeline_chart(frame, style=style, stepper=STEPS), width="stretch", theme=None)
    st.caption(
        "The slider under the chart steps through the schedule one launch at a time, in the browser: "
        "click it and use the arrow keys."
    )
    host_heavy = (l_ms + c_ms) > 3 * g_ms
    target = "seed" if host_heavy else "balanced"
    st.page_link(
        "pages/lab.py",
        label=f"Measure it in the Lab with the {target} preset",
        icon=":material/science:",
        query_params={"preset": target},
    )
    if host_heavy:
        standin = (
            "On a machine without a CUDA GPU the Lab uses the CPU stand-in and opens its cpu-demo preset "
            "instead. That is the opposite case, balanced rather than host-heavy; to see this one there, "
            "raise its 'L + C as a multiple of G' to 5 or more."
        )
    else:
        standin = (
            "On a machine without a CUDA GPU the Lab uses the CPU stand-in and opens its cpu-demo preset "
            "instead: the same balanced case, sized for one CPU core."
        )
    st.caption(standin)
