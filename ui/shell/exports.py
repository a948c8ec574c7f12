"""Charts for slides: every chart with PNG and SVG buttons, and a one-image summary of a run.

Images are rendered by vl-convert (Vega-Lite in-process, no browser) only when a button is
clicked: Streamlit calls the data function then, so a page with a dozen charts does not render a
dozen PNGs on every rerun. On screen the charts stretch to their container; an exported image
needs a width of its own, so `fixed` gives it one.
"""

from __future__ import annotations

import functools
from typing import Any

import altair as alt
import streamlit as st

from engine.api import LAB, Comparison, card_text, document, frames, standard_json, verdict
from ui import charts
from ui.shell.look import Look

EXPORT_WIDTH_PX = 1200
PNG_SCALE = 2  # sharp on a 4K projector and in a slide deck


def fixed(spec: Any, width_px: int = EXPORT_WIDTH_PX) -> Any:
    """A chart spec with every container width replaced by a width in pixels."""
    if isinstance(spec, dict):
        return {
            k: width_px if k == "width" and v == "container" else fixed(v, width_px) for k, v in spec.items()
        }
    if isinstance(spec, list):
        return [fixed(v, width_px) for v in spec]
    return spec


def png(chart: charts.AnyChart) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(fixed(chart.to_dict()), scale=PNG_SCALE))


def svg(chart: charts.AnyChart) -> str:
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(fixed(chart.to_dict())))


def show(chart: charts.AnyChart, name: str, key: str) -> None:
    """Draw a chart at the container's width, with PNG and SVG downloads built on click."""
    st.altair_chart(chart, width="stretch", theme=None)
    row = st.container(horizontal=True)
    formats = (
        ("png", png, "image/png", ":material/image:", "This chart as an image for slides"),
        ("svg", svg, "image/svg+xml", ":material/draw:", "This chart as a vector image"),
    )
    for ext, render, mime, icon, what in formats:
        row.download_button(
            ext.upper(),
            functools.partial(render, chart),
            f"{name}.{ext}",
            mime,
            key=f"{key}_{ext}",
            icon=icon,
            on_click="ignore",
            help=f"{what} (rendered when clicked)",
        )


def summary_chart(c: Comparison, title: str = "") -> alt.VConcatChart:
    """One image of a run: the card's message, the paired chart and a window of the timeline."""
    v = verdict(c, LAB)
    where = c.environment.gpu_name or c.device_kind
    w, b = c.workload, c.baseline_summary
    lines = [
        card_text(c),
        f"{w.describe()} · {c.headline.label} · {where}",
        f"G {b.g.mean:.1f} ms · L {b.l.mean:.2f} ms · C {b.c.mean:.1f} ms · {v.bounds}",
    ]
    rows = alt.Data(values=[{"line": t, "y": 0 if i == 0 else 30 + 28 * i} for i, t in enumerate(lines)])
    base = alt.Chart(rows).encode(text="line:N", y=alt.Y("y:Q", axis=None, scale=None), x=alt.value(0))
    headline = base.transform_filter("datum.y == 0").mark_text(
        align="left", baseline="top", fontSize=30, fontWeight="bold"
    )
    rest = base.transform_filter("datum.y > 0").mark_text(align="left", baseline="top", fontSize=18)
    text = alt.layer(headline, rest).properties(
        width=EXPORT_WIDTH_PX, height=120, title=title or "Overlap Lab"
    )
    first = min(2, max(0, w.steps - 10))
    ends = frames.ends(c)
    frame = frames.timeline_frame(frames.round_runs(c, c.counted_rounds[0], ends), first, 8)
    paired = _body(charts.paired_chart(frames.paired_frame(c), frames.limit_period_ms(c), c.variant_names))
    timeline = _body(charts.timeline_chart(frame, "measured timeline, 8 steps", order=c.variant_names))
    chart = alt.vconcat(text, paired, timeline).properties(padding=24).resolve_scale(color="independent")
    return charts.big(chart, charts.Style(18)).configure_view(stroke=None)


def _body(chart: charts.AnyChart) -> Any:
    """A chart without its top-level config, so it can sit inside a concatenation."""
    out = chart.copy(deep=True)
    out.config = alt.Undefined
    return out.properties(width=EXPORT_WIDTH_PX)


def summary_button(c: Comparison, name: str, key: str) -> None:
    st.download_button(
        "Summary image (PNG)",
        lambda: png(summary_chart(c)),
        f"{name}-summary.png",
        "image/png",
        key=f"{key}_summary",
        icon=":material/slideshow:",
        on_click="ignore",
        help="The card, the paired chart and the timeline in one image, for a slide",
    )


def downloads(c: Comparison, look: Look) -> None:
    cols = st.columns(3)
    cols[0].download_button(
        "Result (JSON)",
        lambda: standard_json(document(c, look.run_id)),
        f"{look.name}.json",
        "application/json",
        on_click="ignore",
        key=f"{look.key}_json",
        icon=":material/data_object:",
    )
    cols[1].download_button(
        "Per-batch records (CSV)",
        lambda: frames.records_frame(c).to_csv(index=False),
        f"{look.name}-records.csv",
        "text/csv",
        on_click="ignore",
        key=f"{look.key}_csv",
        icon=":material/table:",
    )
    with cols[2]:
        summary_button(c, look.name, look.key)
