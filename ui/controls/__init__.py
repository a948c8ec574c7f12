"""The lab's workload widgets: a preset picker and one control per Workload field, read back as a
Workload, beside the run settings of ui/run_controls.py.

Widget values live in session_state under "w_<field>", so results and settings survive reruns.
Choosing a preset fills the fields; editing a field that no longer matches turns the preset into
"custom". Every control is disabled while a run is going, because in Streamlit any click in the
session stops the running script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import streamlit as st

from engine.api import (
    CPU_FIXED_HELP,
    CPU_FIXED_KINDS,
    CPU_WORK_HELP,
    CPU_WORK_KINDS,
    FIELDS,
    MODELS,
    PRECISIONS,
    PRESET_CASE,
    PRESET_NOTES,
    PRESETS,
    SETS,
    OverlapLabError,
    RunSpec,
    Workload,
    WorkloadError,
    busy_text,
    crowded,
    listed,
    loop_sets,
    other_load,
    own_batch,
    pace_of,
    standin_spec_s,
    usable_cores,
)
from engine.api import (
    GPU_PRESET as GPU_PRESET,
)
from engine.api import (
    STANDIN_PRESET as STANDIN_PRESET,
)
from ui.controls import run, run_controls
from ui.controls.links import Setup
from ui.controls.refusal import in_lab
from ui.controls.run import RunRequest
from ui.shell.plain import plain

CUSTOM = "custom"
BUILT_IN = "built-in model and CPU work"
# How the Preset control shows each: the fixed-work seed says it is the noisy one.
PRESET_LABELS = {
    "seed": "seed (fixed work: noisy)",
    "seed-steady": "seed-steady (the article's, C held still)",
}
ON_GPU_KEY = "_on_gpu"
WORK_LABELS = {"loop": "fixed loop", "article": "article's loops", "ms": "milliseconds", "match_g": "match G"}
FIXED_LABELS = {"work": "fixed work", "duration": "fixed duration"}
WARN_STANDIN_S = 120
STANDIN_CORES_WITH_BROWSER = 3  # model worker + post-processing + a browser and the server
MAX_STANDIN_S = 1800


def _key(name: str) -> str:
    return f"w_{name}"


def load_preset(name: str) -> None:
    for f in fields(Workload):
        st.session_state[_key(f.name)] = getattr(PRESETS[name], f.name)


def init_state(default_preset: str, on_gpu: bool, link: Setup | None = None) -> tuple[str | None, str | None]:
    """Fill the controls on the first visit, and again when a link brings a new setup.

    Returns (note, problem). Without a GPU, a link to a GPU-sized preset lands on cpu-demo
    instead and the note says so; parameters the link got wrong are listed in the problem, and
    the rest of the link still applies.
    """
    note = problem = None
    if link is not None:
        if link.problems:
            problem = "This link's " + "; ".join(link.problems) + ". Defaults are kept for those."
        wanted = link.preset
        if wanted is not None or link.overrides:
            wanted = wanted or default_preset
            if not on_gpu and wanted != STANDIN_PRESET and link.preset is not None:
                note = standin_note(wanted)
                wanted = STANDIN_PRESET
            load_preset(wanted)
            for name, value in link.overrides.items():
                st.session_state[_key(name)] = value
            st.session_state.preset = wanted if read_values() == PRESETS[wanted].to_dict() else CUSTOM
    if "preset" not in st.session_state:
        st.session_state.preset = default_preset
        load_preset(default_preset)
    run_controls.init(link.run_settings if link is not None else None)
    if link is not None and link.run_settings:
        _on_compare()  # a link to the threads set gets the fixed work it needs, as a click does
    st.session_state[ON_GPU_KEY] = on_gpu
    return note, problem


def standin_note(wanted: str) -> str:
    """What opening cpu-demo instead of a GPU preset changes, said honestly for each case."""
    if PRESET_CASE[wanted] == PRESET_CASE[STANDIN_PRESET]:
        return (
            f"The {wanted} preset is sized for a GPU. On the CPU stand-in, {STANDIN_PRESET} plays the "
            "same case: host work matched to G, a ceiling near 2x."
        )
    return (
        f"The {wanted} preset is sized for a GPU, and it is the host-heavy case: C far above G, a "
        f"ceiling near 1.1x. The CPU stand-in opens {STANDIN_PRESET} instead, which is the opposite, "
        "balanced case (L + C = G, a ceiling near 2x). To see the host-heavy case here, raise "
        "'L + C as a multiple of G' to 5 or more."
    )


def request() -> RunRequest:
    """The run the controls describe right now; a WorkloadError when they describe none."""
    return RunRequest(Workload(**read_values()), run_controls.spec(), st.session_state.preset)


def runs_on_gpu(on_gpu: bool) -> bool:
    """Whether this run gets a GPU: the box has one and the Device control does not ask for the CPU."""
    return on_gpu and st.session_state.get(_key("device")) != "cpu"


def link_state() -> tuple[str, dict[str, Any], dict[str, Any]]:
    """What a link must carry to reproduce the current setup: preset, fields and run settings."""
    return st.session_state.preset, read_values(), run_controls.settings()


def _on_preset() -> None:
    if st.session_state.preset != CUSTOM:
        load_preset(st.session_state.preset)


def _on_cpu_work() -> None:
    # The article's two loops differ in work, which a fixed duration would erase: keep the pair valid.
    if st.session_state[_key("cpu_work")] == "article":
        st.session_state[_key("cpu_fixed")] = "work"
    _on_field()


def _on_loop() -> None:
    """A loop that names its own batch (its factory's default) brings it to the batch control,
    where the user may still change it, and a set the loop cannot run gives way to diagnose."""
    chosen = st.session_state[_key("loop")]
    own = own_batch(chosen) if chosen else None
    low, high = FIELDS["batch_size"].low, FIELDS["batch_size"].high
    if own is not None and low is not None and high is not None and low <= own <= high:
        st.session_state[_key("batch_size")] = own
    # A loop's post needs each output on the host: a set that leaves it on the device gives way to
    # diagnose, the loop's own comparison.
    if chosen and st.session_state[run_controls.KEYS["variants"]] not in loop_sets(True):
        st.session_state[run_controls.KEYS["variants"]] = "diagnose"
    _on_field()


def _threaded(set_name: str) -> bool:
    return any(v.threaded for v in SETS[set_name].variants(2, True, 4))


def _on_compare() -> None:
    """A set with a pool of threads runs fixed work: the engine refuses a hold of fixed duration
    there, which would make threads look free."""
    chosen = st.session_state[run_controls.KEYS["variants"]]
    loop = st.session_state[_key("loop")]
    if _threaded(chosen) and not loop and st.session_state[_key("cpu_fixed")] == "duration":
        st.session_state[_key("cpu_fixed")] = "work"
        if "preset" in st.session_state:
            _on_field()


def _on_field() -> None:
    name = st.session_state.preset
    if name != CUSTOM and read_values() != PRESETS[name].to_dict():
        st.session_state.preset = CUSTOM


def read_values() -> dict[str, Any]:
    return {f.name: st.session_state[_key(f.name)] for f in fields(Workload)}


def render(disabled: bool, devices: list[str], on_gpu: bool) -> Workload | None:
    """Draw the controls in the sidebar, leaving the page to the run and its results.

    Returns the Workload, or None when the controls describe nothing this box can run (the
    control at fault says why).
    """
    with st.sidebar:
        st.header("Workload")
        return _render(disabled, devices, on_gpu)


def _number(name: str, disabled: bool, whole: bool) -> None:
    """A number input with the bounds, step, label and help that validation uses (FIELDS)."""
    spec = FIELDS[name]
    assert spec.low is not None and spec.high is not None and spec.step is not None
    cast = int if whole else float
    st.number_input(
        spec.widget_label,
        min_value=cast(spec.low),
        max_value=cast(spec.high),
        step=cast(spec.step),
        key=_key(name),
        help=spec.help,
        disabled=disabled,
        on_change=_on_field,
    )


def _choice(name: str, options: Sequence[str], disabled: bool) -> None:
    spec = FIELDS[name]
    st.selectbox(
        spec.widget_label, options, key=_key(name), help=spec.help, disabled=disabled, on_change=_on_field
    )


def _loop_choice(disabled: bool) -> bool:
    """The loops the box's owner registered (and the shipped ones), by name only: a browser never
    names code, it picks from what the server lists. True when one is chosen."""
    names = ["", *listed()]
    if st.session_state[_key("loop")] not in names:
        st.session_state[_key("loop")] = ""
    st.selectbox(
        FIELDS["loop"].label,
        names,
        key=_key("loop"),
        format_func=lambda name: name or BUILT_IN,
        help=FIELDS["loop"].help + ". Register your own in the folder $OVERLAP_LAB_LOOPS names (see the "
        "README); the Compare choice 'diagnose' forecasts every rung, then measures it.",
        disabled=disabled,
        on_change=_on_loop,
    )
    return bool(st.session_state[_key("loop")])


def _render(disabled: bool, devices: list[str], on_gpu: bool) -> Workload | None:
    spec = run_controls.render_choice(disabled, runs_on_gpu(on_gpu), _on_compare)
    st.selectbox(
        "Preset",
        [*PRESETS, CUSTOM],
        key="preset",
        format_func=lambda name: PRESET_LABELS.get(name, name),
        on_change=_on_preset,
        disabled=disabled,
        help="  \n".join(f"**{name}**: {note}" for name, note in PRESET_NOTES.items()),
    )
    mine = _loop_choice(disabled)
    _choice("model", MODELS, disabled or mine)
    _number("batch_size", disabled, whole=True)
    batch_msg = st.empty()
    _choice("precision", PRECISIONS, disabled or mine)
    _number("steps", disabled, whole=True)
    _number("warmup_steps", disabled, whole=True)
    asked = st.session_state[_key("device")]
    if asked not in devices:  # a link's cuda:99, or a card this box does not have
        st.session_state[_key("device")] = "auto"
    _choice("device", devices, disabled)
    device_msg = st.empty()
    if asked not in devices:
        allowed = "one of " + ", ".join(devices) + " on this box; auto is used"
        device_msg.warning(plain(in_lab(WorkloadError("device", asked, allowed))))
    st.radio(
        FIELDS["cpu_work"].label,
        CPU_WORK_KINDS,
        key=_key("cpu_work"),
        horizontal=True,
        disabled=disabled or mine,
        on_change=_on_cpu_work,
        format_func=WORK_LABELS.__getitem__,
        help="  \n".join(f"**{WORK_LABELS[k]}**: {v}" for k, v in CPU_WORK_HELP.items()),
    )
    kind = st.session_state[_key("cpu_work")]
    threads = spec is not None and _threaded(spec.variants)
    st.radio(
        FIELDS["cpu_fixed"].label,
        CPU_FIXED_KINDS,
        key=_key("cpu_fixed"),
        horizontal=True,
        format_func=FIXED_LABELS.__getitem__,
        help="  \n".join(f"**{FIXED_LABELS[k]}**: {v}" for k, v in CPU_FIXED_HELP.items())
        + "  \nReal post-processing is fixed work; a talk needs a speedup the schedule decides.",
        disabled=disabled or kind == "article" or mine or threads,
        on_change=_on_field,
    )
    if threads and not mine:
        st.caption(
            "Fixed work with threads: a hold of fixed duration ends on the clock however little of it "
            "held the GIL, so threads would look free."
        )
    _number("cpu_iterations", disabled or mine or kind not in ("loop", "article"), whole=True)
    _number("cpu_ms", disabled or mine or kind != "ms", whole=False)
    _number("cpu_g_ratio", disabled or mine or kind != "match_g", whole=False)
    _number("pre_ms", disabled or mine, whole=False)
    run_controls.render_depth(disabled)
    run_controls.render_rounds(disabled)
    run_controls.render_extras(disabled)
    if spec is None:
        return None
    try:
        workload = Workload(**read_values())
    except WorkloadError as exc:
        (device_msg if exc.field == "device" else batch_msg).error(in_lab(exc))
        return None
    if not on_gpu or workload.device == "cpu":
        return _within_standin_time(workload, spec, batch_msg)
    return workload


def standin_estimate(workload: Workload | None) -> str:
    """What the lab says before a stand-in run: how long it should take (empty on a GPU or without
    a valid setup; the GPU has no estimator)."""
    if workload is None or (st.session_state.get(ON_GPU_KEY) and workload.device != "cpu"):
        return ""
    est = standin_spec_s(workload, run_controls.spec(), pace=_pace(workload.loop or workload.model))
    said = f"About {est:.0f} s on the CPU stand-in."
    busy = busy_text(est, other_load(), usable_cores())
    return f"{said} {busy}" if busy else said


def _pace(model: str) -> float:
    """This box's pace on the stand-in from its history (1.0 where it has none or cannot say)."""
    try:
        return pace_of(run.store().newest_standin(model))
    except OverlapLabError:
        return 1.0


def crowding(workload: Workload | None) -> str:
    """What the lab says before a run whose set asks for more helper processes than the box has
    cores for (the CLI prints the same sentence), or "" where every variant fits."""
    if workload is None:
        return ""
    on_gpu = bool(st.session_state.get(ON_GPU_KEY)) and workload.device != "cpu"
    spec = run_controls.spec()
    try:
        variants = spec.variants_for(on_gpu)
    except WorkloadError:  # a set this device cannot run is refused by its own control
        return ""
    return crowded(variants, usable_cores(), on_gpu)


def _within_standin_time(workload: Workload, spec: RunSpec, where: Any) -> Workload | None:
    """Refuse a stand-in run of half an hour or more, and warn before a run of minutes."""
    est = standin_spec_s(workload, spec)
    if est > MAX_STANDIN_S:
        where.error(
            f"On the CPU stand-in this would take about {est / 60:.0f} minutes: "
            f"lower the batch size, steps or rounds, or pick a smaller model."
        )
        return None
    if est > WARN_STANDIN_S:
        where.warning(f"On the CPU stand-in this takes about {est / 60:.1f} minutes.")
    return workload
