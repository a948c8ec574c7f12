"""Running a comparison from a browser session: progress, queue position, Stop, errors, storing.

The engine does the timing and holds the device lock; this module only turns its progress reports
into widgets. A click anywhere in the session (Stop included) makes Streamlit raise inside the next
widget update, which unwinds through the engine's finally blocks and releases the worker process,
the sampler and the lock. With fast reruns the next script run starts while that unwinding is
still under way, so session state, not the running thread, says whether a run is requested.

A finished run is stored in the box's history at once, and the page's link then points at it, so
a reload or a teammate's browser opens the same result. The progress area shows each round's
speedup as it lands, by redrawing one placeholder: nothing else on the page reruns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from engine.api import (
    Cancelled,
    Comparison,
    Environment,
    History,
    OverlapLabError,
    Progress,
    RunSpec,
    SweepPoint,
    Throttle,
    Workload,
    data_dir,
    execute,
    fingerprint,
    frames,
    plural,
)
from ui import shell
from ui.charts import rounds as round_charts
from ui.controls.refusal import in_lab
from ui.shell.look import Look
from ui.shell.plain import plain

REQUEST_KEY = "run_request"  # a run asked for and not yet started: taken by the script run that starts it
ACTIVE_KEY = "run_active"  # the run a script run took and is measuring, until it ends on its own terms
CANCEL_KEY = "run_cancel"  # a threading.Event the running comparison looks at on every step
RESULT_KEY = "result"
ERROR_KEY = "run_error"
NOTICE_KEY = "run_notice"
STOPPED_KEY = "run_stopped"  # the last run was stopped: what is on screen is an earlier one
TRACE_KEY = "run_trace"  # (run id, trace bytes) of this session's last traced run
SWEEP_KEY = "sweep_result"  # the G/C sweep on screen: a ShownSweep
STOPPING_KEY = "run_stopping"  # the command of the run this session's Stop ended, until its lock goes


@dataclass(frozen=True)
class RunRequest:
    workload: Workload
    spec: RunSpec
    preset: str = ""

    @property
    def command(self) -> str:
        """How the run was asked for, in the result's provenance: the lab and its settings."""
        s = self.spec
        how = (
            f"until stable (at most {s.planned_rounds} rounds)"
            if s.until_stable
            else plural(s.planned_rounds, "round")
        )
        what = "" if s.variants == "pair" else f"variants {s.variants}, "
        return f"lab: preset {self.preset or 'custom'}, {what}{how}, telemetry {s.telemetry}"


@dataclass(frozen=True)
class Shown:
    """The result on screen, and where it came from: this session's run, or the history."""

    comparison: Comparison
    run_id: str | None  # None when it could not be stored
    origin: str  # "run" (measured in this session) or "stored" (opened from the history)


def store() -> History:
    """The box's history, opened once per server and folder; raises OverlapLabError when it cannot
    be used."""
    return _open_store(str(data_dir()))


def store_problem() -> str:
    """Why a run would not be stored now (read-only, damaged, or not openable), or ""; said
    beside Run, before anyone waits for a run the history then refuses."""
    try:
        return store().problem()
    except OverlapLabError as exc:
        return str(exc)


@st.cache_resource(show_spinner=False)
def _open_store(folder: str) -> History:
    return History(folder)


def open_stored(run_id: str) -> None:
    """Show a stored run (a ?run=... link); a run that is not there is said, and nothing else changes."""
    try:
        st.session_state[RESULT_KEY] = Shown(store().load(run_id), run_id, "stored")
        st.session_state[SWEEP_KEY] = None
    except OverlapLabError as exc:
        st.session_state[ERROR_KEY] = f"This link's run could not be opened: {exc}"


@st.cache_resource(show_spinner=False)
def environment() -> Environment:
    """Fingerprint of this server (imports torch once); shared by every session."""
    return fingerprint("auto")


def device_choices(env: Environment) -> list[str]:
    return ["auto", "cpu", *(f"cuda:{i}" for i in range(env.cuda_devices))]


def request_run(read: Callable[[], RunRequest]) -> None:
    """Run's callback. It reads the controls as they are at the click, not as they were when the
    button was drawn: a script run that a fragment or a fast click cut short could otherwise leave
    the button holding an earlier setup (three rounds run while the slider said one)."""
    st.session_state[ERROR_KEY] = None
    st.session_state[NOTICE_KEY] = None
    st.session_state[STOPPED_KEY] = False
    try:
        st.session_state[REQUEST_KEY] = read()
    except OverlapLabError as exc:
        st.session_state[ERROR_KEY] = in_lab(exc)


def request_stop() -> None:
    """Runs first in the script run that the click starts. With fast reruns, that run begins
    while the stopped one is still unwinding, so the request is cleared here, or the new run
    would see it and start the comparison again."""
    active = st.session_state.get(ACTIVE_KEY)
    if active is not None:
        st.session_state[STOPPING_KEY] = active.command
    st.session_state[REQUEST_KEY] = None
    st.session_state[ACTIVE_KEY] = None
    st.session_state[STOPPED_KEY] = True
    cancel = st.session_state.get(CANCEL_KEY)
    if cancel is not None:
        cancel.set()  # the engine notices within one step, without waiting for a redraw
    st.session_state[NOTICE_KEY] = (
        "Run stopped. Its worker, sampler and device lock are released as it unwinds."
    )


def stopping() -> str:
    """The command of the run this session stopped, whose unwinding may still hold the device, or
    "": the box panel says that lock is this session's run letting go, not someone's run in use,
    and calls `released` once the lock is gone (no clock: the lock itself says when)."""
    return st.session_state.get(STOPPING_KEY) or ""


def released() -> None:
    st.session_state[STOPPING_KEY] = None


def is_running() -> bool:
    return st.session_state.get(REQUEST_KEY) is not None


INTERRUPTED = (
    "Run stopped before it finished: something other than this page's Stop ended it (a click "
    "elsewhere on the page, a reload, or a closed tab). Nothing was stored, and its worker, sampler "
    "and device lock are released as it unwinds. Press Run to measure again."
)


def settle_interrupted() -> None:
    """Called first by the lab's every script run. A run that an earlier script run took and never
    finished (the script was ended under it: a rerun from another click, a reload, a closed tab)
    is said to be stopped here, and never started again: its request was taken when it began."""
    if st.session_state.get(ACTIVE_KEY) is not None and st.session_state.get(REQUEST_KEY) is None:
        st.session_state[ACTIVE_KEY] = None
        st.session_state[STOPPED_KEY] = True
        st.session_state[NOTICE_KEY] = INTERRUPTED


def run_pending(area: Any) -> None:
    """Run the requested comparison, drawing progress into `area`. The request is taken as the run
    starts, so whatever ends this script run (a Stop, another click's rerun, a reload, an error) a
    later one never starts it again; ACTIVE stays set only where the script was ended under the
    run, and the next script run says so (`settle_interrupted`)."""
    req: RunRequest = st.session_state[REQUEST_KEY]
    st.session_state[REQUEST_KEY] = None
    st.session_state[ACTIVE_KEY] = req
    bar = area.progress(0.0, text="starting: waiting for the device")
    line = area.empty()
    live = area.empty()
    drawn = [0]

    def progress(p: Progress) -> None:
        if p.waiting is not None:
            line.info(p.message + ". Press Stop to leave the queue.")
        else:
            line.empty()
        bar.progress(p.fraction, text=p.message)
        if len(p.round_speedups) != drawn[0]:
            drawn[0] = len(p.round_speedups)
            frame = frames.live_rounds_frame(p.round_speedups)
            chart = round_charts.live_rounds_chart(frame, p.limit, Look(shell.presenting()).style)
            live.altair_chart(chart, width="stretch", theme=None)

    # Throttled: a redraw per step competes with the run for the host's cores (engine/measure/progress.py).
    cancel = threading.Event()
    st.session_state[CANCEL_KEY] = cancel
    try:
        _execute(req, Throttle(progress), cancel)
    except Cancelled:
        pass  # Stop already said so
    except OverlapLabError as exc:
        st.session_state[ERROR_KEY] = in_lab(exc)
    # Ended on its own terms (done, stopped by the page's Stop, or refused). A script ended under
    # it leaves ACTIVE set instead, for the next script run to say what happened.
    st.session_state[ACTIVE_KEY] = None
    st.rerun()


def _execute(req: RunRequest, progress: Throttle, cancel: threading.Event) -> None:
    """Run and store through the engine's one entry point; a history that cannot be used costs
    the run nothing: the result is shown, and the notice says it was not stored."""
    try:
        history: History | None = store()
    except OverlapLabError as exc:
        history = None
        st.session_state[NOTICE_KEY] = f"This run is shown but was not stored in the history: {exc}"
    outcome = execute(
        req.workload,
        req.spec,
        store=history,
        source="lab",
        progress=progress,
        cancel=cancel,
        command=req.command,
    )
    if outcome.not_saved:
        st.session_state[NOTICE_KEY] = (
            f"This run is shown but was not stored in the history: {outcome.not_saved}"
        )
    if outcome.sweep:
        st.session_state[SWEEP_KEY] = ShownSweep(outcome.points, list(outcome.run_ids), outcome.sweep_id)
        st.session_state[RESULT_KEY] = None
        return
    shown = Shown(outcome.result, outcome.run_id, "run")
    st.session_state[RESULT_KEY] = shown
    st.session_state[SWEEP_KEY] = None
    if outcome.trace is not None:
        st.session_state[TRACE_KEY] = (shown.run_id, outcome.trace)


@dataclass(frozen=True)
class ShownSweep:
    """A G/C sweep on screen: its points, each point's run id, and the sweep's id when stored."""

    points: list[SweepPoint]
    run_ids: list[str | None]
    sweep_id: str | None


def open_sweep(sweep_id: str) -> None:
    """Show a stored sweep (a ?sweep=... link); one that is not there is said, nothing else changes."""
    try:
        pairs = store().load_sweep(sweep_id)
    except OverlapLabError as exc:
        st.session_state[ERROR_KEY] = f"This link's sweep could not be opened: {exc}"
        return
    points = [SweepPoint(c.workload.cpu_g_ratio, c) for _, c in pairs]
    st.session_state[SWEEP_KEY] = ShownSweep(points, [i for i, _ in pairs], sweep_id)
    st.session_state[RESULT_KEY] = None


def shown_sweep() -> ShownSweep | None:
    """The G/C sweep on screen (this session's last, or a stored one), until a result replaces it."""
    return st.session_state.get(SWEEP_KEY)


def trace_of(s: Shown) -> bytes | None:
    """The profiler trace this session recorded with the result on screen, if it asked for one."""
    kept = st.session_state.get(TRACE_KEY)
    return kept[1] if kept is not None and s.origin == "run" and kept[0] == s.run_id else None


def origin_line(s: Shown, earlier: bool) -> str:
    """Where the result on screen came from, and when; an earlier run says so while a new one goes."""
    p = s.comparison.provenance
    when = plain(p.started_at[:16].replace("T", " ")) + " UTC" if p.started_at else "at an unrecorded time"
    who = f" by {plain(p.user)} on {plain(p.host)}" if p.user else ""
    kind = "Earlier run" if earlier else ("Stored run" if s.origin == "stored" else "This run")
    if s.run_id is None:
        return f"{kind} (not stored), started {when}{who}."
    return f"{kind} {s.run_id}, started {when}{who}. This page's link opens it: ?run={s.run_id}"


def shown() -> Shown | None:
    return st.session_state.get(RESULT_KEY)
