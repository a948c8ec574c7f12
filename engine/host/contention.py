"""Shared-box hygiene: did anything else use the GPU, or overload the host, while we measured?

Checked between blocks, never inside one, so the check costs the measurement nothing. NVML lists
the compute processes on the GPU; in a container it may report them under the host's process
ids, so when our own id is not among them, one of them is taken to be us (this process holds a
CUDA context for the whole run). The host side is the 1-minute load average against the cores this
process may use: above that, runnable threads were queueing for a core.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from engine.result.circumstances import Contention


class ContentionWatch:
    def __init__(self, gpu_index: int | None, cores: int) -> None:
        """`cores`: what this process may use, read before the stand-in narrowed this thread."""
        self._pid = os.getpid()
        self._nvml: Any = None
        self._handle: Any = None
        self._others = 0
        self._load = 0.0
        self._cores = cores
        if gpu_index is not None:
            try:
                import pynvml

                pynvml.nvmlInit()
                self._nvml = pynvml
                self._handle = pynvml.nvmlDeviceGetHandleByIndex(gpu_index)
            except Exception:  # no driver: the GPU side goes unchecked, the host side still works
                self._nvml = None

    def check(self) -> None:
        self._load = max(self._load, os.getloadavg()[0])
        if self._nvml is None:
            return
        try:
            procs = self._nvml.nvmlDeviceGetComputeRunningProcesses(self._handle)
        except Exception:
            return
        pids = [p.pid for p in procs]
        others = len([p for p in pids if p != self._pid])
        if self._pid not in pids and others > 0:
            others -= 1  # our own context, listed under the host's process id
        self._others = max(self._others, others)

    def result(self) -> Contention:
        return Contention(True, self._others, self._load, self._cores)

    def close(self) -> None:
        if self._nvml is not None:
            with contextlib.suppress(Exception):
                self._nvml.nvmlShutdown()
            self._nvml = None
