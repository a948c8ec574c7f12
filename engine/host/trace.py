"""Phase ranges for outside tools, a torch.profiler trace, and the trace read back.

A skeptic's first question is whether the lab's G is the GPU's G. The answer is a Chrome/Perfetto
trace of the very loop, with every launch, wait, read and post as a named range (and NVTX ranges,
so that `nsys profile` shows the same phases), and a check that reads each batch's kernels back out
of that trace and compares their span with the G the CUDA events measured.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def phases(nvtx: bool, profiler: bool) -> Any:
    """A (phase, step) -> context manager marker: NVTX ranges, profiler ranges, both, or None."""
    if not nvtx and not profiler:
        return None
    import torch

    @contextlib.contextmanager
    def mark(name: str, step: int) -> Iterator[None]:
        label = f"{name} {step}"
        with contextlib.ExitStack() as stack:
            if profiler:
                stack.enter_context(torch.profiler.record_function(label))
            if nvtx:
                torch.cuda.nvtx.range_push(label)
                stack.callback(torch.cuda.nvtx.range_pop)
            yield

    return mark


@contextlib.contextmanager
def record(path: str | Path, on_cuda: bool) -> Iterator[Any]:
    """Profile the enclosed blocks; the trace is written to `path` when they end."""
    from torch.profiler import ProfilerActivity, profile

    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_cuda else [])
    with profile(activities=activities) as prof:
        yield prof
    prof.export_chrome_trace(str(path))


def kernel_spans_ms(trace: dict[str, Any], block: str) -> dict[int, float]:
    """Each batch's kernels, first start to last end, in one traced block, read from the trace.

    A kernel belongs to the batch whose "launch N" range holds the runtime call that launched it
    (the two share a correlation id): the GPU side of the trace, attributed by the host side.
    """
    events = [e for e in trace.get("traceEvents", []) if e.get("ph") == "X"]
    outer = next((e for e in events if e.get("name") == f"block {block}"), None)
    if outer is None:
        return {}
    lo, hi = outer["ts"], outer["ts"] + outer["dur"]
    launches = [
        (e["ts"], e["ts"] + e["dur"], int(e["name"].split()[1]))
        for e in events
        if e.get("name", "").startswith("launch ")
        and e.get("cat") == "user_annotation"
        and lo <= e["ts"] <= hi
    ]
    step_of: dict[int, int] = {}
    for e in events:
        if e.get("cat") != "cuda_runtime" or "correlation" not in e.get("args", {}):
            continue
        for start, end, step in launches:
            if start <= e["ts"] <= end:
                step_of[e["args"]["correlation"]] = step
                break
    spans: dict[int, list[float]] = {}
    for e in events:
        if e.get("cat") != "kernel":
            continue
        found = step_of.get(e.get("args", {}).get("correlation", -1))
        if found is None:
            continue
        step = found
        first, last = spans.get(step, [e["ts"], e["ts"] + e["dur"]])
        spans[step] = [min(first, e["ts"]), max(last, e["ts"] + e["dur"])]
    return {step: (end - start) / 1e3 for step, (start, end) in sorted(spans.items())}


def read(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
