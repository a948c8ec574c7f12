"""Two stored runs side by side: an H100 against the stand-in, fp32 against bf16, depth 2 against 3,
a pair against a ladder.

Each run keeps its own card and paired chart; one table lines up the numbers that differ between
setups (G, L, C, periods, latency, throughput, speedup against ceiling), each run's baseline and
headline read from its own properties, so nothing is recomputed for the comparison.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from engine.api import Comparison, card_text, frames
from ui import charts
from ui.shell import exports
from ui.shell.look import Look
from ui.shell.plain import plain


def numbers(c: Comparison) -> dict[str, str]:
    s, o, w = c.baseline_summary, c.headline_summary, c.workload

    def ms(x: float) -> str:
        return "n/a" if math.isnan(x) else f"{x:,.2f}"

    return {
        "card": c.environment.gpu_name or c.device_kind,
        "setup": f"loop {w.loop}, batch {w.batch_size}"
        if w.loop
        else f"{w.model}, batch {w.batch_size}, {w.precision}",
        "variants": f"{c.headline.name} ({c.headline.label}) against {c.baseline.name}",
        "CPU work": "the loop's own post-processing" if w.loop else w.describe_cpu_work(),
        "G (ms)": ms(s.g.mean),
        "L (ms)": ms(s.l.mean),
        "C (ms)": ms(s.c.mean),
        "baseline period (ms)": ms(s.period_ms),
        "headline period (ms)": ms(o.period_ms),
        "baseline latency p50 (ms)": ms(s.latency.p50),
        "headline latency p50 (ms)": ms(o.latency.p50),
        "baseline images/s": ms(s.throughput_ips),
        "headline images/s": ms(o.throughput_ips),
        "speedup": f"{c.speedup:.3f}x",
        "limit": f"{c.limit:.3f}x",
        "ceiling": f"{c.ceiling:.3f}x",
        "efficiency": "n/a" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}",
        "stability": c.stability_text,
        "contention": c.contention.stamp,
    }


def render(runs: list[tuple[str, Comparison]], present: bool) -> None:
    cols = [st.container() for _ in runs] if present else st.columns(len(runs))
    for i, ((run_id, c), col) in enumerate(zip(runs, cols)):
        look = Look(present, f"cmp{i}", f"overlap-lab-{run_id}")
        with col:
            st.subheader(run_id)
            box = st.container(border=True)
            box.markdown(f"### {card_text(c)}")
            chart = charts.paired_chart(
                frames.paired_frame(c), frames.limit_period_ms(c), c.variant_names, look.style
            )
            exports.show(chart, f"{look.name}-period-latency", f"{look.key}_paired")
    table = pd.DataFrame({run_id: numbers(c) for run_id, c in runs})
    st.table(table.map(plain))  # st.table renders its cells as Markdown
