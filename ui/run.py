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

import dataclasses
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from engine.errors import OverlapLabError
from engine.host.fingerprint import Environment, fingerprint
from engine.measure.progress import Cancelled, Progress, ProgressFn, Throttle
from engine.measure.protocol import compare
from engine.measure.stability import StabilityGate
from engine.measure.sweep import SWEEP_RATIOS, run_sweep
from engine.read import frames
from engine.result.comparison import Comparison
from engine.spec.variants import variant_set
from engine.spec.workload import Workload
from engine.store.history import History, data_dir
from ui import charts

REQUEST_KEY = "run_request"
CANCEL_KEY = "run_cancel"  # a threading.Event the running comparison looks at on every step
RESULT_KEY = "result"
ERROR_KEY = "run_error"
NOTICE_KEY = "run_notice"
STOPPED_KEY = "run_stopped"  # the last run was stopped: what is on screen is an earlier one
TRACE_KEY = "run_trace"  # (run id, trace bytes) of this session's last traced run
SWEEP_KEY = "sweep_result"  # (points, run ids) of this session's last G/C sweep, while it is shown


@dataclass(frozen=True)
class RunRequest:
    workload: Workload
    rounds: int
    telemetry: str = "process"
    gate: StabilityGate | None = None
    preset: str = ""
    variants: str = "pair"  # a named set: pair, ladder, readback, depth, pool, graphs
    on_gpu: bool = True  # whether the ladder gets its CUDA Graphs rung
    trace: bool = False  # record a torch.profiler trace after the rounds

    @property
    def command(self) -> str:
        """How the run was asked for, in the result's provenance: the lab and its settings."""
        how = (
            f"until stable (at most {self.gate.max_rounds} rounds)" if self.gate else f"{self.rounds} rounds"
        )
        what = "" if self.variants == "pair" else f"variants {self.variants}, "
        return f"lab: preset {self.preset or 'custom'}, {what}{how}, telemetry {self.telemetry}"


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
        st.session_state[ERROR_KEY] = str(exc)


def request_stop() -> None:
    """Runs first in the script run that the click starts. With fast reruns, that run begins
    while the stopped one is still unwinding, so the request is cleared here, or the new run
    would see it and start the comparison again."""
    st.session_state[REQUEST_KEY] = None
    st.session_state[STOPPED_KEY] = True
    cancel = st.session_state.get(CANCEL_KEY)
    if cancel is not None:
        cancel.set()  # the engine notices within one step, without waiting for a redraw
    st.session_state[NOTICE_KEY] = (
        "Run stopped. Its worker, sampler and device lock are released as it unwinds."
    )


def is_running() -> bool:
    return st.session_state.get(REQUEST_KEY) is not None


def run_pending(area: Any) -> None:
    """Run the requested comparison, drawing progress into `area`; always clears the request."""
    req: RunRequest = st.session_state[REQUEST_KEY]
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
            chart = charts.live_rounds_chart(frames.live_rounds_frame(p.round_speedups))
            live.altair_chart(chart, width="stretch", theme=None)

    # Throttled: a redraw per step competes with the run for the host's cores (engine/measure/progress.py).
    cancel = threading.Event()
    st.session_state[CANCEL_KEY] = cancel
    trace_path = _trace_file() if req.trace else None
    try:
        if req.variants == "sweep":
            _sweep(req, Throttle(progress), cancel)
        else:
            _compare(req, Throttle(progress), cancel, trace_path)
    except Cancelled:
        pass  # Stop already said so
    except OverlapLabError as exc:
        st.session_state[ERROR_KEY] = str(exc)
    finally:
        st.session_state[REQUEST_KEY] = None
        if trace_path is not None:
            Path(trace_path).unlink(missing_ok=True)
    st.rerun()


def _compare(req: RunRequest, progress: ProgressFn, cancel: threading.Event, trace_path: str | None) -> None:
    variants = variant_set(req.variants, req.workload.depth, on_gpu=req.on_gpu)
    result = compare(
        req.workload,
        req.rounds,
        progress=progress,
        telemetry=req.telemetry,
        gate=req.gate,
        command=req.command,
        cancel=cancel,
        variants=variants,
        trace_path=trace_path,
    )
    shown = Shown(result, _save(result), "run")
    st.session_state[RESULT_KEY] = shown
    st.session_state[SWEEP_KEY] = None
    if trace_path is not None:
        st.session_state[TRACE_KEY] = (shown.run_id, Path(trace_path).read_bytes())


def _sweep(req: RunRequest, progress: ProgressFn, cancel: threading.Event) -> None:
    """A G/C sweep: one stored comparison per point, shown together by the sweep view."""

    def labelled(i: int, ratio: float, p: Progress) -> None:
        point = f"point {i + 1}/{len(SWEEP_RATIOS)}, (L + C)/G = {ratio:g}"
        progress(dataclasses.replace(p, note=point + (f" · {p.note}" if p.note else "")))

    points = run_sweep(
        req.workload, SWEEP_RATIOS, req.rounds, labelled, req.command, telemetry=req.telemetry, cancel=cancel
    )
    st.session_state[SWEEP_KEY] = (points, [_save(pt.result) for pt in points])
    st.session_state[RESULT_KEY] = None


def shown_sweep() -> tuple[list[Any], list[str | None]] | None:
    """This session's last G/C sweep, while no other result has replaced it on screen."""
    return st.session_state.get(SWEEP_KEY)


def _trace_file() -> str:
    fd, path = tempfile.mkstemp(prefix="overlap-lab-trace-", suffix=".json")
    os.close(fd)
    return path


def trace_of(s: Shown) -> bytes | None:
    """The profiler trace this session recorded with the result on screen, if it asked for one."""
    kept = st.session_state.get(TRACE_KEY)
    return kept[1] if kept is not None and s.origin == "run" and kept[0] == s.run_id else None


def _save(result: Comparison) -> str | None:
    """Store a finished run; if the history cannot be used, keep the result on screen and say so."""
    try:
        return store().save(result, "lab")
    except OverlapLabError as exc:
        st.session_state[NOTICE_KEY] = f"This run is shown but was not stored in the history: {exc}"
        return None


def origin_line(s: Shown, earlier: bool) -> str:
    """Where the result on screen came from, and when; an earlier run says so while a new one goes."""
    p = s.comparison.provenance
    when = p.started_at[:16].replace("T", " ") + " UTC" if p.started_at else "at an unrecorded time"
    who = f" by {p.user} on {p.host}" if p.user else ""
    kind = "Earlier run" if earlier else ("Stored run" if s.origin == "stored" else "This run")
    if s.run_id is None:
        return f"{kind} (not stored), started {when}{who}."
    return f"{kind} {s.run_id}, started {when}{who}. This page's link opens it: ?run={s.run_id}"


def shown() -> Shown | None:
    return st.session_state.get(RESULT_KEY)
