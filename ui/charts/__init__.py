"""Pure functions from engine frames to Altair charts, sized to be read from the back of a room.

No statistic is computed here: percentiles, ECDFs, speedups and the x range a distribution shows
arrive in the frames. Every chart is one view (or layers of one view) as wide as its container:
concatenated and faceted charts cannot stretch, and at 1280x720 they ran off the screen. A variant
keeps its colour (a slot the engine gives its name) in every chart and every set, activities in timelines
keep theirs, and telemetry series use a third palette so that a CPU core is never mistaken for a
variant. Charts take the comparison's variant order; they never know a variant by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

import altair as alt
import pandas as pd

from engine.api import View, colour_slots

# A variant's colour is its slot (engine.spec.sets.colour_slots): the same for a variant in every
# chart of every set, whichever variants a chart shows.
VARIANT_RANGE = [
    "#c0392b",
    "#1f6fb2",
    "#2e7d32",
    "#7b3294",
    "#e69f00",
    "#008080",
    "#d01c8b",
    "#4d4d4d",
    "#a6761d",
    "#6b8e23",
]
ACTIVITY_SCALE = alt.Scale(
    domain=[
        "GPU forward",
        "launch",
        "post-process",
        "read",
        "wait",
        "upload",
        "input copy",
        "idle: launch",
        "idle: upload",
        "idle: post-process",
        "idle: sync drain",
        "idle: other",
    ],
    range=[
        "#2e7d32",
        "#6d6d6d",
        "#e69f00",
        "#56b4e9",
        "#d9d9d9",
        "#7b3294",
        "#7b3294",
        "#9e9e9e",
        "#c2a5cf",
        "#f5c77e",
        "#d7191c",
        "#eeeeee",
    ],
)
SERIES_RANGE = ["#2e7d32", "#7b3294", "#8c6d31", "#008080", "#d01c8b", "#4d4d4d", "#a6761d", "#66a61e"]
COUNTED_SCALE = alt.Scale(domain=["counted", "settling"], range=["#1f6fb2", "#b8b8b8"])
FONT = 16
PRESENT_FONT = 22  # presentation mode: read from the back of a room
HEIGHT = 360  # axes and legend included
LEGEND_COLUMNS = 4

Chart = TypeVar("Chart", alt.Chart, alt.LayerChart, alt.VConcatChart)
AnyChart = alt.Chart | alt.LayerChart | alt.VConcatChart


# Text and grid on the light theme (False), the dark one (True), and either (None): a chart drawn
# while a run holds the page cannot be drawn again when the viewer switches theme, so it takes a
# mid grey that reads on both until the run's end draws it in the theme's own ink.
INK = {False: "#111111", True: "#f2f2f2", None: "#8c929c"}
GRID = {False: "#dddddd", True: "#3a4150", None: "rgba(140, 146, 156, 0.35)"}


@dataclass(frozen=True)
class Style:
    """Type size and theme of a chart. Charts draw with theme=None, so that their type stays as
    large as set here (Streamlit's chart theme overrides it), and take the page's light or dark
    theme from here instead."""

    font: int = FONT
    dark: bool | None = False  # None: ink that reads on either theme

    @property
    def ink(self) -> str:
        return INK[self.dark]


def big(chart: Chart, style: Style = Style()) -> Chart:
    """Large type, legends below, and axis labels that drop rather than run together.

    Streamlit fits a chart into its width and height with axes and legend included, so every
    height here leaves room for them; that is also what lets a chart fill the screen in fullscreen.
    """
    font, ink = style.font, style.ink
    return (
        chart.configure(background="transparent")
        .configure_axis(
            labelFontSize=font,
            titleFontSize=font,
            labelOverlap=True,
            labelSeparation=6,
            labelLimit=260,
            labelColor=ink,
            titleColor=ink,
            gridColor=GRID[style.dark],
            domainColor=ink,
            tickColor=ink,
        )
        .configure_legend(
            labelFontSize=font,
            titleFontSize=font,
            orient="bottom",
            columns=LEGEND_COLUMNS,  # a legend of nine activities in one row ran off a 1280 px screen
            labelLimit=320,
            labelColor=ink,
            titleColor=ink,
        )
        .configure_title(fontSize=font + 2, anchor="start", limit=0, color=ink)
        .configure_text(fontSize=font, color=ink)
        .configure_view(stroke=GRID[style.dark])
    )


def colours(order: Sequence[str]) -> dict[str, str]:
    """Each variant's colour: its slot, which the engine keeps the same for a variant in every set
    (pinned is one colour in the ladder and in the readbacks), never shared within one."""
    return {name: VARIANT_RANGE[slot % len(VARIANT_RANGE)] for name, slot in colour_slots(order).items()}


def shown(frame: pd.DataFrame, order: Sequence[str] = (), column: str = "mode") -> list[str]:
    """The variants a frame holds, in the comparison's order (or in the frame's, without one)."""
    present = list(dict.fromkeys(frame[column])) if column in frame else []
    return [m for m in order if m in present] + [m for m in present if m not in order]


def variant_color(
    frame: pd.DataFrame, order: Sequence[str] = (), column: str = "mode", legend: bool = True
) -> alt.Color:
    names = shown(frame, order, column)
    palette = colours([*order, *(m for m in names if m not in order)])
    scale = alt.Scale(domain=names, range=[palette[m] for m in names])
    return alt.Color(
        f"{column}:N", scale=scale, title="variant", sort=names, legend=alt.Undefined if legend else None
    )


def _ms_axis(title: str, view: View | None = None) -> alt.X:
    scale = alt.Scale(domain=[view.lo_ms, view.hi_ms], nice=False, zero=False) if view else alt.Undefined
    return alt.X("value_ms:Q", title=title, scale=scale, axis=alt.Axis(format=",.0f", tickCount=6))


def histogram_chart(
    samples: pd.DataFrame, metric: str, view: View, order: Sequence[str] = (), style: Style = Style()
) -> alt.Chart:
    """Each variant's samples binned over the same range, up to the larger p99 (View)."""
    s = samples[(samples.metric == metric) & (samples.value_ms <= view.hi_ms)]
    chart = (
        alt.Chart(s, title=f"{metric}: histogram")
        .mark_bar(opacity=0.6, binSpacing=0)
        .encode(
            x=alt.X(
                "value_ms:Q",
                bin=alt.Bin(maxbins=40, extent=[view.lo_ms, view.hi_ms]),
                title=metric,
                axis=alt.Axis(format=",.0f", tickCount=6),
            ),
            y=alt.Y("count():Q", stack=None, title="batches"),
            color=variant_color(s, order),
        )
        .properties(width="container", height=HEIGHT)
    )
    return big(chart, style)


def ecdf_chart(
    ecdf: pd.DataFrame,
    pcts: pd.DataFrame,
    metric: str,
    view: View,
    order: Sequence[str] = (),
    style: Style = Style(),
) -> alt.LayerChart:
    """Share of batches at or below each value; p50/p90/p99 as rules told apart by their dash, so
    no label can collide with another (the values are in the tooltip and the table beside it)."""
    e = ecdf[(ecdf.metric == metric) & (ecdf.value_ms <= view.hi_ms)]
    p = pcts[(pcts.metric == metric) & (pcts.value_ms <= view.hi_ms)]
    line = (
        alt.Chart(e)
        .mark_line(interpolate="step-after", strokeWidth=3)
        .encode(
            x=_ms_axis(metric, view),
            y=alt.Y("share:Q", title="share at or below", axis=alt.Axis(format="%")),
            color=variant_color(e, order),
        )
    )
    rules = (
        alt.Chart(p)
        .mark_rule(strokeWidth=2)
        .encode(
            x="value_ms:Q",
            color=variant_color(e, order),
            strokeDash=alt.StrokeDash(
                "percentile:N",
                title="percentile",
                scale=alt.Scale(domain=["p50", "p90", "p99"], range=[[1, 0], [8, 4], [2, 3]]),
            ),
            tooltip=["mode", "percentile", alt.Tooltip("value_ms:Q", format=",.1f", title="ms")],
        )
    )
    chart = alt.LayerChart(layer=[line, rules], title=f"{metric}: ECDF", width="container", height=HEIGHT)
    return big(chart, style)


def timeline_chart(
    frame: pd.DataFrame, title: str = "", style: Style = Style(), stepper: int = 0, order: Sequence[str] = ()
) -> alt.Chart:
    """CPU and GPU lanes per variant, one row each, as recorded (or as the ideal model schedules them).

    With `stepper` > 0 the chart carries a slider of its own, drawn and applied in the browser:
    it shows the schedule up to one launch at a time, so a speaker can step through it with the
    arrow keys and no round trip to the server. The time axis keeps the whole window's span at
    every step, so the bars grow and the axis stays put.
    """
    lanes = [
        f"{m} · {lane}"
        for m in shown(frame, order)
        for lane in ("CPU", "pool", "copy", "GPU")
        if lane not in ("pool", "copy") or ((frame["mode"] == m) & (frame["lane"] == lane)).any()
    ]
    base = alt.Chart(frame, title=title or alt.Undefined)
    if stepper:
        launched = alt.param(
            name="batches",
            value=stepper,
            bind=alt.binding_range(min=1, max=stepper, step=1, name="batches launched so far "),
        )
        base = base.add_params(launched).transform_filter("datum.launched <= batches")
    chart = (
        base.transform_calculate(row="datum.mode + ' · ' + datum.lane")
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "start_ms:Q",
                title="time from the first launch shown (ms)",
                axis=alt.Axis(format=",.0f"),
                scale=alt.Scale(domain=[0, float(frame["end_ms"].max())], nice=False)
                if stepper and len(frame)
                else alt.Undefined,
            ),
            x2="end_ms:Q",
            y=alt.Y("row:N", title=None, sort=lanes, scale=alt.Scale(domain=lanes)),
            color=alt.Color("activity:N", scale=ACTIVITY_SCALE, title="activity"),
            tooltip=[
                "mode",
                "step",
                "activity",
                alt.Tooltip("start_ms:Q", format=".2f"),
                alt.Tooltip("end_ms:Q", format=".2f"),
            ],
        )
        .properties(width="container", height=len(lanes) * (style.font + 22) + 6 * style.font + 60)
    )
    return big(chart, style)


DASHES = [[1, 0], [6, 3], [2, 2], [10, 3, 2, 3], [12, 6], [4, 6], [1, 4], [8, 2, 2, 2]]


def telemetry_chart(
    frame: pd.DataFrame, metric: str, order: Sequence[str] = (), style: Style = Style()
) -> alt.Chart:
    """One metric over each block's own time axis; variant by dash, series (GPU, cores) by colour."""
    f = frame[frame.metric == metric]
    names = shown(f, order)
    chart = (
        alt.Chart(f, title=metric)
        .mark_line(strokeWidth=2, point=alt.OverlayMarkDef(size=16))
        .encode(
            x=alt.X("t_s:Q", title="time from the run's start (s)"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("series:N", title="series", scale=alt.Scale(range=SERIES_RANGE)),
            strokeDash=alt.StrokeDash(
                "mode:N",
                title="variant",
                sort=names,
                scale=alt.Scale(domain=names, range=[DASHES[i % len(DASHES)] for i in range(len(names))]),
                # The dash legend's symbols have no colour of their own: black vanished on dark.
                legend=alt.Legend(
                    symbolStrokeColor=style.ink, symbolFillColor=style.ink, symbolType="stroke"
                ),
            ),
            detail="mode:N",
        )
        .properties(width="container", height=300)
    )
    return big(chart, style)


def paired_chart(
    frame: pd.DataFrame, limit_period_ms: float, variants: Sequence[str] = (), style: Style = Style()
) -> alt.LayerChart:
    """Period and end-to-end latency, baseline against headline, with the period the headline's
    block limit allows.

    Bars fill their bands, so the chart scales with its container (fullscreen included). The
    limit's tick crosses both period bars, and its label sits inside the baseline's bar, just
    left of the tick: the tick is the headline's best period, never longer than the baseline's,
    while to its right the bar may end almost at once (the seed, 71.9 of 76.3 ms).
    """
    order = ["period", "latency p50"]
    names = shown(frame, variants)
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("measure:N", title=None, sort=order, scale=alt.Scale(paddingInner=0.25)),
            yOffset=alt.YOffset("mode:N", sort=names),
            # ~f: 0.5 keeps its decimal, and 100 never reads 1e+2 as ~g wrote it
            x=alt.X("value_ms:Q", title="milliseconds", axis=alt.Axis(format=",~f")),
            color=variant_color(frame, variants),
            tooltip=["measure", "mode", alt.Tooltip("value_ms:Q", format=",.1f", title="ms")],
        )
    )
    text = bars.mark_text(align="left", dx=4, fontWeight="bold").encode(
        text=alt.Text("value_ms:Q", format=",.1f"), color=alt.value(style.ink)
    )
    mark = pd.DataFrame({"value_ms": [limit_period_ms], "measure": ["period"], "mode": names[:1]})
    ceiling = (
        alt.Chart(mark)
        .mark_tick(thickness=4, color=style.ink)
        .encode(
            x="value_ms:Q",
            y=alt.Y("measure:N", sort=order),
            tooltip=[alt.Tooltip("value_ms:Q", format=",.1f", title="period at the limit (ms)")],
        )
    )
    # Left of the tick inside the baseline's bar, unless the tick sits so near zero (a pool's 10 ms
    # against a serial 107 ms) that the word would run off the axis: then right of it.
    near_zero = limit_period_ms < 0.25 * float(frame["value_ms"].max()) if len(frame) else False
    label = (
        alt.Chart(mark)
        .mark_text(
            align="left" if near_zero else "right",
            dx=8 if near_zero else -8,
            text="limit",
            fontWeight="bold",
            color="white",
        )
        .encode(x="value_ms:Q", y=alt.Y("measure:N", sort=order), yOffset=alt.YOffset("mode:N", sort=names))
    )
    height = 2 * (2 * (style.font + 14) + 20) + 4 * style.font + 60  # bars, axis and legend
    chart = alt.LayerChart(layer=[bars, text, ceiling, label], width="container", height=height)
    return big(chart, style)


def blocks_chart(
    frame: pd.DataFrame, loop_ok: float, order: Sequence[str] = (), style: Style = Style()
) -> alt.LayerChart:
    """Each block's schedule efficiency: the period its own costs allow over the period it took.

    Grouped by round, the variants side by side; settling rounds are drawn faint.
    """
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("round:O", title="round", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("mode:N", sort=shown(frame, order)),
            y=alt.Y(
                "schedule efficiency:Q",
                title="allowed / taken",
                scale=alt.Scale(domain=[0, 1.1]),
                axis=alt.Axis(format="%"),
            ),
            color=variant_color(frame, order),
            opacity=alt.condition("datum.counted == 'counted'", alt.value(1.0), alt.value(0.35)),
            tooltip=list(frame.columns),
        )
    )
    ok = pd.DataFrame({"y": [loop_ok]})
    rule = alt.Chart(ok).mark_rule(strokeDash=[8, 4], strokeWidth=2).encode(y="y:Q")
    return big(alt.LayerChart(layer=[bars, rule], width="container", height=HEIGHT), style)
