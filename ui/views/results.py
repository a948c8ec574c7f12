"""Drawing any Comparison, whatever its set: the message first (card and paired chart), then the
variants when there are more than two, then whether to believe it (per round, per block, traps),
the timeline, and the rest of the evidence, folded.

One view for every set. The pair is a set of two, so it gets the card, the paired chart and the
evidence; a ladder, readback, depth or pool set gets its variants table and curves too. Panels
that fit only some results (the article's loops, a depth or pool curve) appear where they apply.
In presentation mode everything is one column, in larger type.
"""

from __future__ import annotations

import streamlit as st

from engine.api import Comparison
from ui.shell import exports
from ui.shell.look import Look
from ui.views import card, diagnosis_view, evidence, variants_view


def render(c: Comparison, look: Look = Look()) -> None:
    card.summary_card(c)
    if diagnosis_view.applies(c):
        diagnosis_view.render(c, look)
    card.paired(c, look)
    card.headline(c)
    card.article_note(c)
    if variants_view.applies(c):
        st.subheader(f"Every variant against {c.baseline.name}")
        variants_view.table(c, look)
        variants_view.curves(c, look)
    evidence.rounds_and_blocks(c, look)
    evidence.traps(c)
    st.subheader("Measured timeline")
    evidence.timelines(c, look)
    with st.expander("Where the GPU idled", expanded=False):
        evidence.idle(c, look)
    with st.expander(f"Latency distributions: {c.baseline.name} and {c.headline.name}", expanded=False):
        evidence.distributions(c, look)
    with st.expander("Telemetry", expanded=False):
        evidence.telemetry(c, look)
    with st.expander("Environment and provenance", expanded=False):
        evidence.environment(c)
    exports.downloads(c, look)
