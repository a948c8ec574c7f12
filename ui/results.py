"""Drawing a Comparison: the message first (card and paired chart), then the evidence, folded.

A reader of the first screen after a run should see "throughput up, latency up" without reading:
so the card says it in one line and the paired chart shows it. The per-round speedups and the
per-block truth say whether to believe it; distributions, timeline, telemetry and environment
follow for whoever wants to dig. In presentation mode everything is one column, in larger type.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import streamlit as st

from engine.read import frames
from engine.read.report import card_text, cv_text, iterations_used
from engine.read.truth import LOOP_OK, shortfall_sentence
from engine.read.verdict import verdict
from engine.result.comparison import Comparison
from ui import charts, exports

NVML_CAVEAT = (
    "NVML utilisation is the share of the driver's last sample window (1/6 s to 1 s) in which any "
    "kernel ran: it cannot resolve single batches, and 100% does not mean the GPU was saturated."
)


@dataclass(frozen=True)
class Look:
    """How to draw: in larger type and one column (presentation mode), and a key prefix so that
    two results can sit on one page without their widgets colliding."""

    present: bool = False
    key: str = "r"
    name: str = "overlap-lab"  # file names of downloads start with this
    dark: bool = field(default_factory=lambda: dark_theme())

    @property
    def style(self) -> charts.Style:
        return charts.Style(charts.PRESENT_FONT if self.present else charts.FONT, self.dark)


def dark_theme() -> bool:
    """Whether the viewer's page is dark (the menu's theme switch), so charts draw light ink."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser context, as in a bare script or a test
        return False


def look_for(c: Comparison, run_id: str | None, present: bool, key: str = "r") -> Look:
    """A Look whose download names carry the run's start time and id, so files sort and trace back."""
    stamp = c.provenance.started_at[:19].replace(":", "").replace("-", "") or "recorded"
    return Look(present, key, f"overlap-lab-{stamp}" + (f"-{run_id}" if run_id else ""))


def _x(v: float) -> str:
    return "n/a" if math.isnan(v) else f"{v:.2f}x"


def _columns(look: Look, n: int = 2) -> list:
    """Side by side on a desk screen, stacked in presentation mode where each chart gets the width."""
    return [st.container() for _ in range(n)] if look.present else st.columns(n)


def summary_card(c: Comparison, look: Look = Look()) -> None:
    """The answer first: gain against ceiling, throughput and latency change, trust, the verdict."""
    v = verdict(c)
    box = st.container(border=True)
    box.markdown(f"## {card_text(c)}")
    box.markdown(f"**Verdict.** {v.bounds}.  \n**Most help:** {v.advice}.")
    why = shortfall_sentence(c)
    if why:
        box.markdown(why)
    if c.contention.contended:
        box.warning(f"Contended: {c.contention.reason}. Another workload shared what was measured.")


def paired(c: Comparison, look: Look) -> None:
    chart = charts.paired_chart(frames.paired_frame(c), c.prediction.overlap_period_ms, look.style)
    exports.show(chart, f"{look.name}-period-latency", f"{look.key}_paired")
    st.caption(
        "Period: time between finished batches (lower is more throughput). Latency: end to end, one "
        "batch's launch to the end of its post-processing. The tick marked ceiling is the period the "
        "ceiling allows, max(G, L + C)."
    )


def article_note(c: Comparison) -> None:
    """With the article's own loops, say how much more the overlap script's loop costs."""
    if c.workload.cpu_work != "article":
        return
    c_s, c_o = c.serial.c.mean, c.overlap.c.mean
    st.info(
        f"As in the article, each loop runs its own script's post-processing. The overlap script's "
        f"loop computes `batch_id * 31 + i` on every iteration: C was {c_o:.1f} ms per batch in the "
        f"overlap blocks against {c_s:.1f} ms in the serial ones ({c_o / c_s - 1:+.0%}) for the same "
        "number of iterations, so part of what the article's comparison measures is that extra work, "
        "not the schedule. The seed preset runs one loop in both."
    )


def headline(c: Comparison) -> None:
    s, o, p = c.serial, c.overlap, c.prediction
    cols = st.columns(6)
    cols[0].metric("Speedup", _x(c.speedup), help="Median over rounds of serial wall / overlap wall.")
    cols[1].metric("Ceiling", _x(c.ceiling), help="(max(G, L) + C) / max(G, L + C) from the serial runs.")
    eff = "n/a" if math.isnan(c.efficiency) else f"{c.efficiency:.0%}"
    cols[2].metric("Efficiency", eff, help="(speedup - 1) / (ceiling - 1)")
    cols[3].metric("Serial images/s", f"{s.throughput_ips:,.1f}")
    cols[4].metric("Overlap images/s", f"{o.throughput_ips:,.1f}")
    state = c.stability_state
    cols[5].metric(
        "Spread (CV)",
        cv_text(c),
        delta=state,
        delta_color="normal" if state == "stable" else "inverse" if state == "unstable" else "off",
        help=f"Spread of the per-round speedups; at most {c.stability.cv_target:.0%} is stable. "
        "With one round there is no spread to judge.",
    )
    used = iterations_used(c)[c.baseline_name]
    loop = (
        "loop iterations not recorded"
        if math.isnan(used)
        else f"{used:,.0f} loop iterations per batch as run"
    )
    st.markdown(
        f"**G** {s.g.mean:.2f} ms · **L** {s.l.mean:.2f} ms · **C** {s.c.mean:.2f} ms (serial means; "
        f"{loop}). "
        f"Predicted period: serial {p.serial_period_ms:.1f} ms, overlap {p.overlap_period_ms:.1f} ms. "
        f"Measured p50: serial {s.period.p50:.1f} ms, overlap {o.period.p50:.1f} ms. "
        f"End-to-end latency p50 goes from {s.latency.p50:.1f} ms to {o.latency.p50:.1f} ms."
    )
    if c.stability.window:
        counted = c.counted_rounds
        st.caption(
            f"Run until stable: stopped by {c.stability.stop_reason} after {c.rounds} rounds; the "
            f"headline counts rounds {counted[0] + 1} to {counted[-1] + 1}."
        )
    if state == "unstable":
        st.warning(
            f"Unstable: the per-round speedups spread by {c.speedup_cv:.1%} (CV). Run until stable, "
            "hold C still with fixed duration, or use a quieter machine before trusting the speedup "
            "to better than that."
        )


def rounds_and_blocks(c: Comparison, look: Look) -> None:
    left, right = _columns(look)
    with left:
        st.subheader("Speedup per round")
        exports.show(
            charts.rounds_chart(frames.rounds_frame(c), c.ceiling, look.style),
            f"{look.name}-rounds",
            f"{look.key}_rounds",
        )
    table = frames.blocks_frame(c)
    with right:
        st.subheader("Per-block truth")
        exports.show(
            charts.blocks_chart(table, LOOP_OK, look.style), f"{look.name}-blocks", f"{look.key}_blocks"
        )
    st.caption(
        "Each block's period as its own mean G, L and C predict it (serial: max(G, L) + C; overlap: "
        f"max(G, L + C)), over the period it measured. Below {LOOP_OK:.0%} the loop itself lost time; "
        "at 100% any gap between speedup and ceiling is the host moving between blocks."
    )
    st.dataframe(
        table.drop(columns=["block"]),
        hide_index=True,
        column_config={"schedule efficiency": st.column_config.NumberColumn(format="percent")},
    )


def distributions(c: Comparison, look: Look) -> None:
    samples, ecdf, pcts = frames.samples_frame(c), frames.ecdf_frame(c), frames.percentiles_frame(c)
    for metric, title in frames.METRICS.items():
        view = frames.distribution_view(c, metric)
        left, right = _columns(look)
        with left:
            exports.show(
                charts.histogram_chart(samples, title, view, look.style),
                f"{look.name}-{metric}-histogram",
                f"{look.key}_{metric}_hist",
            )
        with right:
            exports.show(
                charts.ecdf_chart(ecdf, pcts, title, view, look.style),
                f"{look.name}-{metric}-ecdf",
                f"{look.key}_{metric}_ecdf",
            )
        shown = pcts[pcts.metric == title].pivot(index="mode", columns="percentile", values="value_ms")
        st.dataframe(shown.loc[["serial", "overlap"]].round(2), width="content")
        if view.beyond:
            st.caption(
                f"Drawn up to the larger p99, {view.hi_ms:,.1f} ms: {view.beyond} batch(es) lie beyond, "
                f"up to {view.max_ms:,.1f} ms."
            )


def timeline(c: Comparison, look: Look) -> None:
    st.caption(
        "CPU and GPU spans as recorded, on one clock; GPU spans come from CUDA events (or the "
        "stand-in worker's clock). A window of 10 steps from one round; spans of earlier steps that "
        "run inside it are drawn too."
    )
    left, right = st.columns(2)
    rnd = left.selectbox("Round", range(1, c.rounds + 1), key=f"{look.key}_tl_round") - 1
    last_start = max(0, c.workload.steps - 10)
    first = (
        right.slider("First step shown", 0, last_start, min(2, last_start), key=f"{look.key}_tl_first")
        if last_start > 0
        else 0
    )
    frame = frames.timeline_frame(frames.round_runs(c, rnd), first, 10)
    exports.show(
        charts.timeline_chart(frame, style=look.style), f"{look.name}-timeline", f"{look.key}_timeline"
    )


def telemetry(c: Comparison, look: Look) -> None:
    t = c.telemetry
    if t.gpu_status != "nvml":
        st.caption(f"GPU telemetry: {t.gpu_status}. CPU utilisation per core is shown.")
    else:
        st.caption(NVML_CAVEAT + " Solid lines: serial; dashed: overlap. Round 1.")
    frame = frames.telemetry_frame(c, 0)
    if frame.empty:
        st.caption("No samples in this run (telemetry off, or the runs were shorter than one sample).")
        return
    for i, metric in enumerate(dict.fromkeys(frame.metric)):
        exports.show(
            charts.telemetry_chart(frame, metric, look.style),
            f"{look.name}-telemetry-{i}",
            f"{look.key}_tel{i}",
        )


def environment(c: Comparison) -> None:
    env = {k: str(v) for k, v in asdict(c.environment).items() if v is not None}
    env.update({f"calibration: {k}": str(v) for k, v in asdict(c.calibration).items()})
    env.update({f"run: {k}": str(v) for k, v in asdict(c.provenance).items()})
    env["contention"] = c.contention.stamp
    st.table(env)


def downloads(c: Comparison, look: Look) -> None:
    cols = st.columns(3)
    cols[0].download_button(
        "Result (JSON)",
        lambda: json.dumps(c.to_dict()),
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
        exports.summary_button(c, look.name, look.key)


def render(c: Comparison, look: Look = Look()) -> None:
    from ui import ladder_view

    if not ladder_view.is_pair(c):
        ladder_view.render_ladder(c, look)
        return
    summary_card(c, look)
    paired(c, look)
    headline(c)
    article_note(c)
    rounds_and_blocks(c, look)
    with st.expander("Latency distributions", expanded=False):
        distributions(c, look)
    st.subheader("Measured timeline")
    timeline(c, look)
    with st.expander("Where the GPU idled, and traps found", expanded=False):
        ladder_view.idle(c, look)
        ladder_view.traps(c)
    with st.expander("Telemetry", expanded=False):
        telemetry(c, look)
    with st.expander("Environment and provenance", expanded=False):
        environment(c)
    downloads(c, look)
