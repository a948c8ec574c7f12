"""The lab's run settings: what to compare, the pair's depth, rounds, until stable, a trace and
telemetry, read back as one RunSpec.

Labels, bounds and help come from RUN_FIELDS, as the CLI's flags do, and the spec validates
itself, so the lab cannot allow what the engine refuses. Widget values live in session_state under
"w_<field>", so settings survive reruns and links can set them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.api import DEFAULT_ROUNDS, RUN_FIELDS, SETS, STABLE_WINDOW, RunSpec, WorkloadError
from ui.controls.refusal import in_lab

KEYS = {name: f"w_{name}" for name in ("variants", "depth", "rounds", "until_stable", "trace", "telemetry")}


def init(settings: dict[str, Any] | None = None) -> None:
    """Defaults on the first visit; a link's settings whenever it brings new ones."""
    for name, value in (settings or {}).items():
        st.session_state[KEYS[name]] = value
    defaults: dict[str, Any] = {
        "variants": "pair",
        "depth": 2,
        "rounds": DEFAULT_ROUNDS,
        "until_stable": False,
        "trace": False,
        "telemetry": True,  # a toggle: sampled in a separate process, or off
    }
    for name, value in defaults.items():
        st.session_state.setdefault(KEYS[name], value)


def settings() -> dict[str, Any]:
    """The settings a link carries, as the widgets hold them."""
    return {name: st.session_state[KEYS[name]] for name in ("variants", "depth", "rounds", "until_stable")}


def spec() -> RunSpec:
    """The RunSpec the widgets describe; a WorkloadError names the setting that cannot be."""
    s = st.session_state
    chosen = SETS[s[KEYS["variants"]]]
    return RunSpec(
        variants=chosen.name,
        depth=s[KEYS["depth"]] if chosen.takes_depth else 2,
        rounds=None if s[KEYS["until_stable"]] else s[KEYS["rounds"]],
        until_stable=bool(s[KEYS["until_stable"]]),
        telemetry="process" if s[KEYS["telemetry"]] else "off",
        trace=bool(s[KEYS["trace"]]) and not chosen.sweep,
    )


def render_choice(
    disabled: bool, on_gpu: bool, on_change: Callable[[], None] | None = None
) -> RunSpec | None:
    """The Compare control first: it decides which of the other settings apply. Returns the spec,
    or None after saying under the control why this device cannot run it."""
    field = RUN_FIELDS["variants"]
    st.selectbox(
        field.label,
        list(SETS),
        key=KEYS["variants"],
        disabled=disabled,
        format_func=lambda name: SETS[name].label,
        on_change=on_change,
        help="  \n".join(f"**{s.label}**: {s.help}" for s in SETS.values())
        + "  \nEvery variant is measured against the same serial baseline, in rotating rounds.",
    )
    said = st.empty()
    chosen = SETS[st.session_state[KEYS["variants"]]]
    try:
        run = spec()
        run.variants_for(on_gpu)
    except WorkloadError as exc:
        said.error(f"{in_lab(exc)}. Pick another comparison, or open the lab on a GPU box.")
        return None
    if not on_gpu and chosen.name == "ladder":
        said.caption("On the CPU stand-in the ladder stops below its CUDA Graphs rung.")
    return run


def render_depth(disabled: bool) -> None:
    field = RUN_FIELDS["depth"]
    assert field.low is not None and field.widget_high is not None
    takes = SETS[st.session_state[KEYS["variants"]]].takes_depth
    st.slider(
        field.widget_label,
        min_value=int(field.low),
        max_value=int(field.widget_high),
        key=KEYS["depth"],
        help=field.help,
        disabled=disabled or not takes,
    )


def render_rounds(disabled: bool) -> None:
    stable, rounds = RUN_FIELDS["until_stable"], RUN_FIELDS["rounds"]
    assert rounds.widget_high is not None
    st.toggle(
        stable.label,
        key=KEYS["until_stable"],
        disabled=disabled,
        help=f"Rounds go on until the last {STABLE_WINDOW} per-round speedups spread by at most "
        f"{RunSpec().target_cv_pct:g}% (CV), up to {RunSpec(until_stable=True).planned_rounds} rounds "
        f"or {RunSpec().max_time_s / 60:.0f} minutes. The headline then counts those rounds.",
    )
    st.slider(
        rounds.label,
        1,
        int(rounds.widget_high),
        key=KEYS["rounds"],
        disabled=disabled or st.session_state[KEYS["until_stable"]],
        help="Each round runs one block of every variant, the order rotating from round to round.",
    )


def render_extras(disabled: bool) -> None:
    sweep = SETS[st.session_state[KEYS["variants"]]].sweep
    st.toggle(
        RUN_FIELDS["trace"].label,
        key=KEYS["trace"],
        disabled=disabled or sweep,
        help=RUN_FIELDS["trace"].help + "; the trace downloads as Chrome/Perfetto JSON. Not for a sweep.",
    )
    st.toggle(
        "Sample telemetry",
        key=KEYS["telemetry"],
        disabled=disabled,
        help="NVML (GPU utilisation, memory, power, clock) and per-core CPU, sampled 10 times a "
        "second in a separate process. Off, the run has nothing beside it.",
    )
