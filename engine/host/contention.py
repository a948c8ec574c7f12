"""Shared-box hygiene: did anything else use the GPU or the host's cores while we measured?

Checked between blocks, never inside one, so the check costs the measurement nothing. NVML lists
the compute processes on the GPU; in a container it may report them under the host's process
ids, so when our own id is not among them, one of them is taken to be us (this process holds a
CUDA context for the whole run). On the host, three things are read:
- the CPU time every other process we can see used during the run (ours, our workers and our
  sampler left out), as the cores it kept busy on average: a 1-minute load average lags by a
  minute and missed a browser redrawing beside a stand-in run;
- other runs of this product holding a device on this box (their lock files), on any device;
- the 1-minute load average against the cores this process may use.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any

import psutil

from engine.host.lock import holders
from engine.result.circumstances import Contention


def _ours(pid: int) -> set[int]:
    try:
        me = psutil.Process(pid)
        return {pid, *(c.pid for c in me.children(recursive=True))}
    except psutil.Error:
        return {pid}


def _cpu_s_by_process() -> dict[tuple[int, float], float]:
    """CPU seconds used so far by every process we can see, keyed by (pid, start time) so a reused
    pid is a new process."""
    out = {}
    for proc in psutil.process_iter(["create_time", "cpu_times"]):
        info = proc.info
        times = info.get("cpu_times")
        if times is None or info.get("create_time") is None:
            continue
        out[(proc.pid, info["create_time"])] = times.user + times.system
    return out


class ContentionWatch:
    def __init__(self, gpu_index: int | None, cores: int) -> None:
        """`cores`: what this process may use, read before the stand-in narrowed this thread."""
        self._pid = os.getpid()
        self._nvml: Any = None
        self._handle: Any = None
        self._others = 0
        self._load = 0.0
        self._cores = cores
        self._other_runs: set[tuple[str, int]] = set()
        self._started = time.monotonic()
        self._first = _cpu_s_by_process()
        self._seen: set[tuple[int, float]] = set()  # processes that were ours at some check
        self._other_cpu_s = 0.0
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
        self._check_host()
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

    def _check_host(self) -> None:
        """Other processes' CPU time since the watch began, and other runs holding a device."""
        ours = _ours(self._pid)
        now = _cpu_s_by_process()
        self._seen |= {key for key in now if key[0] in ours}
        self._other_cpu_s = sum(
            used - self._first.get(key, 0.0) for key, used in now.items() if key not in self._seen
        )
        with contextlib.suppress(OSError):
            for h in holders():
                if h.pid and h.pid not in ours:
                    self._other_runs.add((h.device, h.pid))

    def result(self) -> Contention:
        wall_s = max(time.monotonic() - self._started, 1e-9)
        return Contention(
            True,
            self._others,
            self._load,
            self._cores,
            other_cpu_cores=max(0.0, self._other_cpu_s) / wall_s,
            other_runs=len(self._other_runs),
            other_devices=", ".join(sorted({d for d, _ in self._other_runs})),
        )

    def close(self) -> None:
        if self._nvml is not None:
            with contextlib.suppress(Exception):
                self._nvml.nvmlShutdown()
            self._nvml = None
