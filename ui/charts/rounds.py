"""Speedup per round: the finished result's chart and the one drawn live while a run goes, both
against no gain and the limit, in the page's ink."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import COUNTED_SCALE, FONT, HEIGHT, Style, big


def rounds_chart(frame: pd.DataFrame, limit: float, style: Style = Style()) -> alt.LayerChart:
    """Per-round speedups against the limit (dashed) and no gain (solid); settling rounds grey."""
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("round:O", title="round", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("speedup:Q", title="speedup"),
            color=alt.Color("counted:N", scale=COUNTED_SCALE, title=None),
            tooltip=["round", alt.Tooltip("speedup:Q", format=".3f"), "counted"],
        )
    )
    return big(
        alt.LayerChart(layer=[bars, gain_rules(limit, style)], width="container", height=HEIGHT), style
    )


def gain_rules(limit: float | None, style: Style) -> alt.Chart:
    """No gain (solid) and the limit (dashed) across a chart of speedups, in the page's ink."""
    lines = pd.DataFrame(
        {"y": [1.0] + ([limit] if limit else []), "what": ["no gain"] + (["limit"] if limit else [])}
    )
    return (
        alt.Chart(lines)
        .mark_rule(strokeWidth=2, color=style.ink)
        .encode(
            y="y:Q",
            strokeDash=alt.StrokeDash(
                "what:N",
                title=None,
                scale=alt.Scale(domain=["no gain", "limit"], range=[[1, 0], [8, 4]]),
                legend=alt.Legend(symbolStrokeColor=style.ink, symbolType="stroke"),
            ),
        )
    )


def live_rounds_chart(frame: pd.DataFrame, limit: float | None, style: Style = Style()) -> alt.LayerChart:
    """The rounds finished so far in a running comparison, one bar each as it lands, against the
    limit the finished rounds predict (dashed) and no gain (solid), so a room sees where the run
    is heading before it ends."""
    bars = (
        alt.Chart(frame)
        .mark_bar(color="#1f6fb2")
        .encode(
            x=alt.X("round:O", title="round", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("speedup:Q", title="speedup", scale=alt.Scale(zero=False)),
            tooltip=["round", alt.Tooltip("speedup:Q", format=".3f")],
        )
    )
    rules = gain_rules(limit, style)
    height = 240 if style.font == FONT else 420
    chart = alt.LayerChart(
        layer=[bars, rules], title="speedup per finished round", width="container", height=height
    )
    return big(chart, style)
