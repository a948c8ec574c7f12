"""Where CUDA Graphs stop paying, drawn: L and G against the batch size, eager and replayed, with the
predicted and the measured crossover as rules. The numbers are the recorded sweep's (or any
Crossover's); nothing here measures or recomputes them."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from engine.api import PAYS, Crossover, crossover_frame, recorded
from ui.charts import HEIGHT, Style, big
from ui.shell import exports

COST_SCALE = alt.Scale(domain=["L", "G"], range=["#e69f00", "#0072b2"])


def crossover_chart(x: Crossover, style: Style = Style()) -> alt.LayerChart:
    frame = crossover_frame(x)
    log2 = alt.Scale(type="log", base=2)
    lines = (
        alt.Chart(frame)
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=alt.X("batch:Q", scale=log2, title="batch size (images)"),
            y=alt.Y("ms:Q", scale=alt.Scale(type="log"), title="ms per batch"),
            color=alt.Color("cost:N", scale=COST_SCALE, title="cost"),
            # eager solid, graph dashed, as the caption says: Vega's dashed legend symbols did not draw
            strokeDash=alt.StrokeDash("launch:N", sort=["eager", "graph"], legend=None),
            detail="series:N",
            tooltip=["series", "batch", alt.Tooltip("ms:Q", format=".2f")],
        )
    )
    layers: list[alt.Chart] = [lines]
    for what, batch, dash in (
        ("predicted", x.predicted_batch, [6, 4]),
        ("measured", x.measured_batch, [1, 0]),
    ):
        if batch is None:
            continue
        mark = pd.DataFrame([{"batch": batch, "what": f"{what}: batch {batch:.0f}"}])
        rule = alt.Chart(mark).mark_rule(strokeWidth=2, strokeDash=dash, color=style.ink)
        layers.append(rule.encode(x="batch:Q", tooltip=["what"]))
        top = 4 if what == "predicted" else 4 + 2 * style.font
        text = alt.Chart(mark).mark_text(align="left", dx=5, baseline="top", color=style.ink)
        layers.append(text.encode(x="batch:Q", y=alt.value(top), text="what:N"))
    chart = alt.LayerChart(layer=layers, width="container", height=HEIGHT)
    return big(chart, style)


def render(style: Style, key: str = "crossover") -> None:
    """The recorded H200 sweeps, one model at a time, with what they mean in one line."""
    sweeps = recorded()
    names = [f"{x.model} {x.precision}" for x in sweeps]
    pick = st.radio("Model", names, horizontal=True, key=f"{key}_pick", label_visibility="collapsed")
    x = sweeps[names.index(pick)]
    exports.show(crossover_chart(x, style), f"overlap-lab-crossover-{x.model}-{x.precision}", key)
    st.caption(
        f"Recorded on an {x.device}, {x.steps} batches per block. Solid: eager launches; dashed: one "
        "CUDA Graph replay. L is the host's time to launch one batch, G the device's time for it. Graphs "
        f"pay while the eager loop's max(G, L) is {PAYS:.2f}x the replayed one's or more; "
        + x.sentence()
        + ". Measure your own card with `python -m engine crossover --model M --precision P`."
    )
