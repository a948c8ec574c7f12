"""A bare re-implementation of the article's two scripts: the reference the engine is held to.

No records, no events, no telemetry: one perf_counter pair per iteration and the mean of those
durations, which is what the article prints as its "avg latency". The CPU work is the engine's loop
function so that both sides do the same arithmetic.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from engine.spec.postprocess import STEP_OFFSET, trig_loop


def bare_serial(model: Any, x: Any, steps: int, iterations: int) -> list[float]:
    import torch

    durations = []
    with torch.inference_mode():
        for step in range(steps):
            began = time.perf_counter()
            model(x)
            torch.cuda.synchronize()
            trig_loop(iterations, step * STEP_OFFSET)
            durations.append(time.perf_counter() - began)
    return durations


def bare_overlap(model: Any, x: Any, steps: int, iterations: int) -> list[float]:
    import torch

    durations = []
    pending: deque[tuple[int, Any]] = deque()
    with torch.inference_mode():
        for step in range(steps):
            began = time.perf_counter()
            pending.append((step, model(x)))
            if len(pending) >= 2:
                older, _ = pending.popleft()
                trig_loop(iterations, older * STEP_OFFSET)
            torch.cuda.synchronize()
            durations.append(time.perf_counter() - began)
        while pending:
            older, _ = pending.popleft()
            trig_loop(iterations, older * STEP_OFFSET)
        torch.cuda.synchronize()
    return durations
