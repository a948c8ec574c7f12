"""Pure functions from engine frames to Altair charts, sized to be read from the back of a room.

No statistic is computed here: percentiles, ECDFs and speedups arrive in the frames. Serial and
overlap keep the same two colours everywhere; activities in timelines keep theirs.
"""

from __future__ import annotations

from typing import TypeVar

import altair as alt
import pandas as pd

MODE_SCALE = alt.Scale(domain=["serial", "overlap"], range=["#c0392b", "#1f6fb2"])
ACTIVITY_SCALE = alt.Scale(
    domain=["GPU forward", "launch", "post-process", "wait"],
    range=["#2e7d32", "#6d6d6d", "#e69f00", "#d9d9d9"],
)
FONT = 16
WIDTH = 420


Chart = TypeVar("Chart", alt.HConcatChart, alt.FacetChart, alt.LayerChart)


def _big(chart: Chart) -> Chart:
    return (
        chart.configure_axis(labelFontSize=FONT, titleFontSize=FONT)
        .configure_legend(labelFontSize=FONT, titleFontSize=FONT, orient="bottom")
        .configure_header(labelFontSize=FONT + 1, titleFontSize=FONT + 1)
        .configure_title(fontSize=FONT + 2)
    )


def _mode_color(title: str = "mode") -> alt.Color:
    return alt.Color("mode:N", scale=MODE_SCALE, title=title)


def distribution_chart(
    samples: pd.DataFrame, ecdf: pd.DataFrame, pcts: pd.DataFrame, metric: str
) -> alt.HConcatChart:
    """Histogram and ECDF of one metric, serial vs overlap, with p50/p90/p99 marked on the ECDF."""
    s = samples[samples.metric == metric]
    e = ecdf[ecdf.metric == metric]
    p = pcts[pcts.metric == metric]
    x = alt.X("value_ms:Q", title=metric)
    hist = (
        alt.Chart(s, title=f"{metric}: histogram")
        .mark_bar(opacity=0.6, binSpacing=0)
        .encode(
            x=alt.X("value_ms:Q", bin=alt.Bin(maxbins=40), title=metric),
            y=alt.Y("count():Q", stack=None, title="batches"),
            color=_mode_color(),
        )
        .properties(width=WIDTH, height=260)
    )
    line = (
        alt.Chart(e)
        .mark_line(interpolate="step-after", strokeWidth=3)
        .encode(x=x, y=alt.Y("share:Q", title="share of batches at or below"), color=_mode_color())
    )
    rules = (
        alt.Chart(p).mark_rule(strokeDash=[6, 4], strokeWidth=2).encode(x="value_ms:Q", color=_mode_color())
    )
    # Staggered heights keep p50, p90 and p99 readable when they sit close together.
    labels = (
        alt.Chart(p)
        .transform_calculate(
            label_y="datum.percentile == 'p50' ? 0.3 : datum.percentile == 'p90' ? 0.2 : 0.1"
        )
        .mark_text(fontSize=FONT - 2, align="left", dx=4, fontWeight="bold")
        .encode(x="value_ms:Q", y="label_y:Q", text="percentile:N", color=_mode_color())
    )
    cdf = alt.layer(line, rules, labels, title=f"{metric}: ECDF, p50/p90/p99 dashed").properties(
        width=WIDTH, height=260
    )
    return _big(alt.hconcat(hist, cdf))


def timeline_chart(frame: pd.DataFrame, title: str = "") -> alt.FacetChart:
    """CPU and GPU lanes per mode: the spans as recorded (or as the ideal model schedules them)."""
    bars = (
        alt.Chart(frame)
        .mark_bar(height=26, stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("start_ms:Q", title="time from the first launch shown (ms)"),
            x2="end_ms:Q",
            y=alt.Y("lane:N", title=None, sort=["CPU", "GPU"]),
            color=alt.Color("activity:N", scale=ACTIVITY_SCALE, title="activity"),
            tooltip=[
                "mode",
                "step",
                "activity",
                alt.Tooltip("start_ms:Q", format=".2f"),
                alt.Tooltip("end_ms:Q", format=".2f"),
            ],
        )
        .properties(width=2 * WIDTH, height=80)
    )
    chart = bars.facet(row=alt.Row("mode:N", sort=["serial", "overlap"], title=None), title=title)
    return _big(chart.resolve_scale(x="shared"))


def telemetry_chart(frame: pd.DataFrame) -> alt.FacetChart:
    """One row per metric, serial and overlap side by side on their own time axes."""
    lines = (
        alt.Chart(frame)
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=20))
        .encode(
            x=alt.X("t_s:Q", title="time from the run's start (s)"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("series:N", title="series"),
        )
        .properties(width=WIDTH, height=150)
    )
    chart = lines.facet(
        row=alt.Row("metric:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        column=alt.Column("mode:N", sort=["serial", "overlap"], title=None),
    )
    return _big(chart.resolve_scale(y="independent"))


COUNTED_SCALE = alt.Scale(domain=["counted", "settling"], range=["#1f6fb2", "#b8b8b8"])


def rounds_chart(frame: pd.DataFrame, ceiling: float) -> alt.LayerChart:
    """Per-round speedups against the ceiling (dashed) and no gain (solid); settling rounds grey."""
    bars = (
        alt.Chart(frame)
        .mark_bar(size=28)
        .encode(
            x=alt.X("round:O", title="round", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("speedup:Q", title="serial wall / overlap wall"),
            color=alt.Color("counted:N", scale=COUNTED_SCALE, title=None),
        )
    )
    marks = pd.DataFrame({"y": [1.0, ceiling], "what": ["no gain", "ceiling"]})
    rules = (
        alt.Chart(marks)
        .mark_rule(strokeWidth=2)
        .encode(
            y="y:Q",
            strokeDash=alt.StrokeDash(
                "what:N", title=None, scale=alt.Scale(domain=["no gain", "ceiling"], range=[[1, 0], [8, 4]])
            ),
        )
    )
    return _big(alt.LayerChart(layer=[bars, rules], width=WIDTH, height=300))


def blocks_chart(frame: pd.DataFrame, loop_ok: float) -> alt.LayerChart:
    """Each block's schedule efficiency: its own G, L and C's predicted period over the measured one.

    Grouped by round, serial and overlap side by side; settling rounds are drawn faint.
    """
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("round:O", title="round", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("mode:N", sort=["serial", "overlap"]),
            y=alt.Y(
                "schedule efficiency:Q",
                title="predicted / measured period",
                scale=alt.Scale(domain=[0, 1.1]),
                axis=alt.Axis(format="%"),
            ),
            color=_mode_color(),
            opacity=alt.condition("datum.counted == 'counted'", alt.value(1.0), alt.value(0.35)),
            tooltip=list(frame.columns),
        )
    )
    ok = pd.DataFrame({"y": [loop_ok]})
    rule = alt.Chart(ok).mark_rule(strokeDash=[8, 4], strokeWidth=2).encode(y="y:Q")
    return _big(alt.LayerChart(layer=[bars, rule], width=WIDTH, height=300))
