"""A G/C sweep in the lab: measured speedup at each ratio of host to device work, against the
ceiling curve the cost model predicts, with the share of the gain realised at each point."""

from __future__ import annotations

import streamlit as st

from engine.api import SweepPoint, curve_frame, missed_aims, points_frame
from ui.charts import variants as variant_charts
from ui.shell import exports
from ui.shell.look import Look


def render(points: list[SweepPoint], run_ids: list[str | None], look: Look) -> None:
    table = points_frame(points, run_ids)
    best = table.loc[table["speedup"].idxmax()]
    box = st.container(border=True)
    box.markdown(
        f"## G/C sweep: {len(points)} points, best {best['speedup']:.2f}x at (L + C)/G = "
        f"{best['measured (L + C)/G']:.2f}"
    )
    box.markdown(
        "The ceiling peaks where the host's work equals the device's (L + C = G) and falls away on "
        "both sides: with less host work there is little to hide, with more the host sets the pace."
    )
    for said in missed_aims(points):
        box.warning(said)
    chart = variant_charts.sweep_chart(table, curve_frame(points), look.style)
    exports.show(chart, f"{look.name}-sweep", f"{look.key}_sweep")
    st.caption(
        "Dots: measured speedup at each point (median over its rounds). Ticks: that point's ceiling "
        "from its own G, L and C. Line: the ceiling (max(G, L) + C) / max(G, L + C) over the range, "
        "for the mean G and L of the sweep. Each point holds its CPU work for a fixed duration."
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "(L + C)/G aimed": st.column_config.NumberColumn(format="%g"),
            "measured (L + C)/G": st.column_config.NumberColumn(format="%.2f"),
            "G (ms)": st.column_config.NumberColumn(format="%.1f"),
            "speedup": st.column_config.NumberColumn(format="%.2fx"),
            "limit": st.column_config.NumberColumn(format="%.2fx"),
            "ceiling": st.column_config.NumberColumn(format="%.2fx"),
        },
    )
