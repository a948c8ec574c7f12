"""A diagnosis in the lab: what the probe measured, the first fix in one sentence, each rung's
forecast against what it measured, where each miss went, and the syncs found in the loop's code.

Everything here is read from the result's forecast and its rounds through engine/read/diagnosis.py,
so the lab, the CLI and the JSON say the same numbers.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engine.api import CLOSE, Comparison, check_rows, checks, cost_rows, miss_reasons, size_text
from ui.charts import variants as variant_charts
from ui.shell import exports
from ui.shell.look import Look
from ui.shell.plain import plain


def applies(c: Comparison) -> bool:
    return c.forecast is not None


def render(c: Comparison, look: Look) -> None:
    f = c.forecast
    assert f is not None
    p = f.probe
    st.subheader(f"Diagnosis of {f.loop or 'the built-in loop'}: forecast first, then measured")
    st.info(plain(f.first_fix))
    exports.show(
        variant_charts.cost_chart(pd.DataFrame(cost_rows(f)), look.style),
        f"{look.name}-probe",
        f"{look.key}_probe",
    )
    ops = f"; {p.kernels_per_batch} GPU operations a forward" if p.kernels_per_batch >= 0 else ""
    st.caption(
        f"The probe: {p.batches} serial batches with the pinned readback. G {p.g_ms:.2f} ms, L "
        f"{p.l_ms:.2f} ms, R {p.r_ms:.2f} ms, C {p.c_ms:.2f} ms; {size_text(p.bytes_per_batch)} read "
        f"back a batch{ops}."
        + (
            f" h {p.gil_share:.2f}: {p.gil_share:.0%} of C holds the GIL (two threads at once against one)."
            if p.gil_share is not None
            else ""
        )
        + (
            f" torch.compile took {p.compile_s:.1f} s, before any block and in no period."
            if p.compile_s is not None
            else ""
        )
    )
    frame = pd.DataFrame(check_rows(c))
    if not frame.empty:
        exports.show(
            variant_charts.forecast_chart(frame, look.style), f"{look.name}-forecast", f"{look.key}_forecast"
        )
        rows = checks(c)
        close = sum(r.close for r in rows)
        spans = [r for r in rows if r.held is not None]
        inside = (
            f" The interval from the probe's two halves held {sum(bool(r.held) for r in spans)} of "
            f"{len(spans)}."
            if spans
            else ""
        )
        st.caption(
            f"Bars: measured speedup over {c.baseline.name}. Ticks: the forecast, written from the "
            f"probe before any rung ran. {close} of {len(rows)} rungs within {CLOSE:.0%}.{inside} "
            "The table's 'rule on the rounds' costs' applies the same formula to what the rounds "
            "measured: where it is close and the forecast is not, the rule held and the host moved "
            "after the probe (the host's miss); where it misses too, the miss is the model's. The "
            "card's ceiling is the shape's best from the baseline's G, L and C alone; the forecast "
            "also counts R, the copy home, and the traps (a naive read, a sync) that keep a rung serial."
        )
        st.dataframe(
            frame,
            hide_index=True,
            column_config={
                "forecast": st.column_config.NumberColumn(format="%.2fx"),
                "interval low": st.column_config.NumberColumn(format="%.2fx"),
                "interval high": st.column_config.NumberColumn(format="%.2fx"),
                "measured": st.column_config.NumberColumn(format="%.2fx"),
                "error": st.column_config.NumberColumn(format="percent"),
                "rule on the rounds' costs": st.column_config.NumberColumn(format="%.2fx"),
            },
        )
        for r in rows:
            if not r.close:
                st.markdown(
                    plain(
                        f"- {r.name} missed by {r.error:+.1%}, {r.whose} miss: "
                        + "; ".join(miss_reasons(c, r.name))
                    )
                )
    if f.syncs:
        st.markdown("**Hidden syncs in the loop's own code**")
        for s in f.syncs:
            st.code(f"{s.where}\n{s.code}", language=None, wrap_lines=True)
            st.caption(plain(f"{s.count}x in {f.probe.batches} probe batches: {s.what}"))
    else:
        st.caption("Hidden syncs in the loop's own code: none found.")
    for skipped in f.skipped:
        st.caption(plain(f"Skipped {skipped.rung}: {skipped.reason}"))
