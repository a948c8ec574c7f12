"""Running a comparison from a browser session: progress, queue position, Stop, errors.

The engine does the timing and holds the device lock; this module only turns its progress reports
into widgets. A click anywhere in the session (Stop included) makes Streamlit raise inside the next
widget update, which unwinds through the engine's finally blocks and releases the worker process,
the sampler and the lock. With fast reruns the next script run starts while that unwinding is
still under way, so session state, not the running thread, says whether a run is requested.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import streamlit as st

from engine.errors import OverlapLabError
from engine.fingerprint import Environment, fingerprint
from engine.progress import Cancelled, Progress, Throttle
from engine.protocol import compare
from engine.records import Comparison
from engine.stability import StabilityGate
from engine.workload import Workload

REQUEST_KEY = "run_request"
CANCEL_KEY = "run_cancel"  # a threading.Event the running comparison looks at on every step
RESULT_KEY = "result"
ERROR_KEY = "run_error"
NOTICE_KEY = "run_notice"


@dataclass(frozen=True)
class RunRequest:
    workload: Workload
    rounds: int
    telemetry: str = "process"
    gate: StabilityGate | None = None
    preset: str = ""

    @property
    def command(self) -> str:
        """How the run was asked for, in the result's provenance: the lab and its settings."""
        how = (
            f"until stable (at most {self.gate.max_rounds} rounds)" if self.gate else f"{self.rounds} rounds"
        )
        return f"lab: preset {self.preset or 'custom'}, {how}, telemetry {self.telemetry}"


@st.cache_resource(show_spinner=False)
def environment() -> Environment:
    """Fingerprint of this server (imports torch once); shared by every session."""
    return fingerprint("auto")


def device_choices(env: Environment) -> list[str]:
    return ["auto", "cpu", *(f"cuda:{i}" for i in range(env.cuda_devices))]


def request_run(
    workload: Workload, rounds: int, telemetry: str, gate: StabilityGate | None = None, preset: str = ""
) -> None:
    st.session_state[REQUEST_KEY] = RunRequest(workload, rounds, telemetry, gate, preset)
    st.session_state[ERROR_KEY] = None
    st.session_state[NOTICE_KEY] = None


def request_stop() -> None:
    """Runs first in the script run that the click starts. With fast reruns, that run begins
    while the stopped one is still unwinding, so the request is cleared here, or the new run
    would see it and start the comparison again."""
    st.session_state[REQUEST_KEY] = None
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
    bar = area.progress(0.0, text="starting")
    line = area.empty()

    def progress(p: Progress) -> None:
        if p.waiting is not None:
            line.info(p.message + ". Press Stop to leave the queue.")
        else:
            line.empty()
        bar.progress(p.fraction, text=p.message)

    # Throttled: a redraw per step competes with the run for the host's cores (engine/progress.py).
    cancel = threading.Event()
    st.session_state[CANCEL_KEY] = cancel
    try:
        st.session_state[RESULT_KEY] = compare(
            req.workload,
            req.rounds,
            progress=Throttle(progress),
            telemetry=req.telemetry,
            gate=req.gate,
            command=req.command,
            cancel=cancel,
        )
    except Cancelled:
        pass  # Stop already said so
    except OverlapLabError as exc:
        st.session_state[ERROR_KEY] = str(exc)
    finally:
        st.session_state[REQUEST_KEY] = None
    st.rerun()


def result() -> Comparison | None:
    return st.session_state.get(RESULT_KEY)
