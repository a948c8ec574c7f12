"""Charts of a set of variants: each against its limit, where the GPU idled, depth against
latency, a pool's size against its gain, and a sweep. Pure: variant frames in, Altair charts out."""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from engine.api import COST_PARTS
from ui.charts import HEIGHT, Style, big, variant_color

IDLE_SCALE = alt.Scale(
    domain=["idle: launch", "idle: upload", "idle: post-process", "idle: sync drain", "idle: other"],
    range=["#6d6d6d", "#7b3294", "#e69f00", "#d7191c", "#b8b8b8"],
)


def _band_height(n: int, style: Style) -> int:
    return n * (2 * style.font + 16) + 4 * style.font + 60


def bars_and_ticks(
    frame: pd.DataFrame, row: str, bar: str, tick: str, tooltip: list[Any], style: Style
) -> alt.LayerChart:
    """A speedup per row as a bar with its number, and another speedup as a tick across it, one
    row each in the frame's order: the ceiling over a variant, the forecast over a rung."""
    order = list(frame[row])
    y = alt.Y(f"{row}:N", sort=order, title=None, scale=alt.Scale(paddingInner=0.3))
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(f"{bar}:Q", title="speedup over the baseline (x)", scale=alt.Scale(zero=True)),
            color=variant_color(frame, order, column=row, legend=False),
            tooltip=tooltip,
        )
    )
    text = bars.mark_text(align="left", dx=4, fontWeight="bold").encode(
        text=alt.Text(f"{bar}:Q", format=".2f"), color=alt.value(style.ink)
    )
    ticks = (
        alt.Chart(frame)
        .mark_tick(thickness=4, color=style.ink, size=2 * style.font + 8)
        .encode(y=y, x=f"{tick}:Q", tooltip=[alt.Tooltip(f"{tick}:Q", format=".2f")])
    )
    chart = alt.LayerChart(
        layer=[bars, text, ticks], width="container", height=_band_height(len(order), style)
    )
    return big(chart, style)


def variants_chart(frame: pd.DataFrame, style: Style = Style()) -> alt.LayerChart:
    """Each variant's measured speedup as a bar, its block limit as a tick across it, one row each
    in the comparison's order: the distance from bar end to tick is the gain left on the table."""
    tooltip = [
        "variant",
        "what",
        alt.Tooltip("speedup:Q", format=".2f"),
        alt.Tooltip("limit:Q", format=".2f"),
        alt.Tooltip("ceiling:Q", format=".2f"),
        alt.Tooltip("of the gain:Q", format=".0%"),
        "bound",
    ]
    return bars_and_ticks(frame, "variant", "speedup", "limit", tooltip, style)


def idle_chart(frame: pd.DataFrame, style: Style = Style()) -> alt.Chart:
    """GPU idle time per batch, stacked by cause, one row per variant."""
    order = list(dict.fromkeys(frame.sort_values("order")["variant"]))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("variant:N", sort=order, title=None),
            x=alt.X("ms:Q", title="GPU idle per batch (ms)", stack="zero", axis=alt.Axis(format=",~f")),
            color=alt.Color("cause:N", scale=IDLE_SCALE, title="cause"),
            tooltip=["variant", "cause", alt.Tooltip("ms:Q", format=".2f")],
        )
        .properties(width="container", height=_band_height(len(order), style))
    )
    return big(chart, style)


def depth_chart(frame: pd.DataFrame, style: Style = Style()) -> alt.LayerChart:
    """Throughput (bars, left axis) and end-to-end latency p50 and p99 (lines, right axis) against
    depth: past depth 2 throughput stays flat while every batch waits one period more."""
    x = alt.X("depth:O", title="batches in flight (1 is serial)", axis=alt.Axis(labelAngle=0))
    bars = (
        alt.Chart(frame[frame.series == "images/s"])
        .mark_bar(color="#1f6fb2", opacity=0.8)
        .encode(x=x, y=alt.Y("value:Q", title="throughput (images/s)"), tooltip=["depth", "value"])
    )
    lines = (
        alt.Chart(frame[frame.series != "images/s"])
        .mark_line(point=True, strokeWidth=3)
        .encode(
            x=x,
            y=alt.Y("value:Q", title="end-to-end latency (ms)", axis=alt.Axis(format=",~f")),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["e2e p50 (ms)", "e2e p99 (ms)"], range=[[1, 0], [6, 3]]),
            ),
            color=alt.value("#c0392b"),
            tooltip=["depth", "series", alt.Tooltip("value:Q", format=",.1f")],
        )
    )
    chart = alt.LayerChart(layer=[bars, lines], width="container", height=HEIGHT).resolve_scale(
        y="independent"
    )
    return big(chart, style)


def pool_chart(frame: pd.DataFrame, style: Style = Style()) -> alt.Chart:
    """Measured speedup and the ceiling (L + G + C) / max(G, L, C / k) against the pool's size."""
    chart = (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=80), strokeWidth=3)
        .encode(
            x=alt.X(
                "workers:O", title="post-processing workers k (0 is serial)", axis=alt.Axis(labelAngle=0)
            ),
            y=alt.Y("value:Q", title="speedup over serial (x)"),
            strokeDash=alt.StrokeDash(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["measured speedup", "ceiling"], range=[[1, 0], [8, 4]]),
            ),
            color=alt.value("#1f6fb2"),
            tooltip=["workers", "series", alt.Tooltip("value:Q", format=".2f")],
        )
        .properties(width="container", height=HEIGHT)
    )
    return big(chart, style)


def sweep_chart(points: pd.DataFrame, curve: pd.DataFrame, style: Style = Style()) -> alt.LayerChart:
    """Measured speedup (dots) and each point's ceiling (ticks) over (L + C) / G on a log axis, on the
    predicted ceiling curve (line)."""
    x = alt.X(
        "ratio:Q",
        title="host work over device work, (L + C) / G",
        scale=alt.Scale(type="log"),
        axis=alt.Axis(values=[0.125, 0.25, 0.5, 1, 2, 4, 8], format="g"),
    )
    line = (
        alt.Chart(curve)
        .mark_line(strokeWidth=2, strokeDash=[8, 4], color="#6d6d6d")
        .encode(x=x, y=alt.Y("ceiling:Q", title="speedup over serial (x)"))
    )
    shown = points.rename(columns={"measured (L + C)/G": "ratio"})
    dots = (
        alt.Chart(shown)
        .mark_point(filled=True, size=14 * style.font, color="#1f6fb2")
        .encode(
            x=x,
            y="speedup:Q",
            tooltip=[
                alt.Tooltip("ratio:Q", format=".2f", title="(L + C)/G"),
                alt.Tooltip("speedup:Q", format=".3f"),
                alt.Tooltip("ceiling:Q", format=".3f"),
                alt.Tooltip("of the gain:Q", format=".0%"),
            ],
        )
    )
    ticks = (
        alt.Chart(shown)
        .mark_tick(orient="horizontal", thickness=3, size=3 * style.font, color=style.ink)
        .encode(x=x, y="ceiling:Q")
    )
    chart = alt.LayerChart(layer=[line, ticks, dots], width="container", height=HEIGHT)
    return big(chart, style)


COST_SCALE = alt.Scale(
    domain=list(COST_PARTS),
    range=["#6d6d6d", "#1f6fb2", "#9ecae1", "#e69f00"],
)


def cost_chart(frame: pd.DataFrame, style: Style = Style()) -> alt.LayerChart:
    """One serial batch of the probe as one bar: L, the rest of G, R and C, in the order they
    happen, so the share the host holds is read at a glance."""
    bar = (
        alt.Chart(frame)
        .mark_bar(height=2 * style.font + 16)
        .encode(
            x=alt.X("ms:Q", title="one serial batch (ms)", stack="zero", axis=alt.Axis(format=",~f")),
            color=alt.Color("part:N", scale=COST_SCALE, title=None),
            order=alt.Order("order:Q"),
            tooltip=["part", alt.Tooltip("ms:Q", format=".2f")],
        )
    )
    # Streamlit fits axis and legend inside the height: the bar, the axis, two rows of legend.
    height = 2 * style.font + 16 + 2 * style.font + 30 + 2 * (style.font + 12) + 20
    return big(alt.LayerChart(layer=[bar], width="container", height=height), style)


def forecast_chart(frame: pd.DataFrame, style: Style = Style()) -> alt.LayerChart:
    """Each rung's measured speedup as a bar and its forecast, written before it ran, as a tick:
    a tick far from its bar's end is a forecast that missed."""
    tooltip = [
        "rung",
        "what",
        alt.Tooltip("forecast:Q", format=".2f"),
        alt.Tooltip("measured:Q", format=".2f"),
        alt.Tooltip("error:Q", format="+.1%"),
        "formula (ms)",
    ]
    return bars_and_ticks(frame, "rung", "measured", "forecast", tooltip, style)
