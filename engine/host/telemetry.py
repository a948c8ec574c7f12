"""NVML and per-core CPU sampling, on the same clock as the step records.

The sampler runs in its own process by default: a thread in this process would need the GIL, which
the post-processing loop holds for tens of milliseconds at a time, so it would be starved (and it
would steal switch intervals from the loop). `mode="thread"` exists so the benchmark can measure
that difference. NVML utilisation is the share of the driver's last sample window (1/6 s to 1 s)
in which any kernel ran, so it cannot resolve single batches; the charts say so.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import signal
import threading
import time
from typing import Any

from engine.errors import TelemetryError
from engine.host.spawn import die_with_parent, start_without_main
from engine.result.blocks import TelemetryTrace

DEFAULT_INTERVAL_S = 0.1
STARTUP_TIMEOUT_S = 30.0


def _open_nvml(gpu_index: int | None) -> tuple[Any, Any, str]:
    """NVML module and device handle, or (None, None, reason) when there is no NVIDIA driver."""
    if gpu_index is None:
        return None, None, "unavailable: no CUDA device in use"
    try:
        import pynvml

        pynvml.nvmlInit()
        return pynvml, pynvml.nvmlDeviceGetHandleByIndex(gpu_index), "nvml"
    except Exception as exc:  # ImportError, NVMLError_LibraryNotFound, NVMLError_DriverNotLoaded ...
        return None, None, f"unavailable: {type(exc).__name__}"


def _sample_loop(gpu_index: int | None, interval_s: float, stop: Any, sink: Any, ready: Any) -> None:
    """Poll until `stop` is set, on a drift-free schedule, then hand the columns to `sink`."""
    import psutil

    nvml, handle, status = _open_nvml(gpu_index)
    cols = TelemetryTrace(gpu_status=status)  # its lists fill in place; status and cost are set at the end
    psutil.cpu_percent(percpu=True)  # the first call only starts psutil's interval
    cpu_start = time.thread_time()
    ready()
    next_t = time.monotonic()
    while not stop.is_set():
        cols.t_ns.append(time.perf_counter_ns())
        cols.cpu_pct_per_core.append(psutil.cpu_percent(percpu=True))
        if nvml is not None:
            try:
                cols.gpu_util_pct.append(float(nvml.nvmlDeviceGetUtilizationRates(handle).gpu))
                cols.gpu_mem_used_mib.append(nvml.nvmlDeviceGetMemoryInfo(handle).used / 2**20)
                cols.gpu_power_w.append(nvml.nvmlDeviceGetPowerUsage(handle) / 1000.0)
                cols.sm_clock_mhz.append(float(nvml.nvmlDeviceGetClockInfo(handle, nvml.NVML_CLOCK_SM)))
            except Exception as exc:
                status = f"unavailable: {type(exc).__name__} while sampling"
                nvml = None
                for col in (cols.gpu_util_pct, cols.gpu_mem_used_mib, cols.gpu_power_w, cols.sm_clock_mhz):
                    col.clear()
        next_t += interval_s
        stop.wait(max(0.0, next_t - time.monotonic()))
    if nvml is not None:
        nvml.nvmlShutdown()
    sink(dataclasses.replace(cols, gpu_status=status, sampler_cpu_s=time.thread_time() - cpu_start))


def _process_entry(gpu_index: int | None, interval_s: float, stop: Any, conn: Any, parent_pid: int) -> None:
    # Ctrl-C reaches the whole process group; the parent decides when this process stops, or its death.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent_pid)
    _sample_loop(gpu_index, interval_s, stop, conn.send, lambda: conn.send("ready"))


class Sampler:
    """Context manager: samples from __enter__ to __exit__; `trace` holds the result afterwards."""

    def __init__(
        self, gpu_index: int | None, interval_s: float = DEFAULT_INTERVAL_S, mode: str = "process"
    ) -> None:
        if mode not in ("process", "thread", "off"):
            raise ValueError(f"mode={mode!r} is not allowed: one of process, thread, off")
        self.gpu_index = gpu_index
        self.interval_s = interval_s
        self.mode = mode
        self.trace = TelemetryTrace(gpu_status="off" if mode == "off" else "unavailable")
        self._worker: Any = None
        self._stop: Any = None
        self._conn: Any = None
        self._box: list[TelemetryTrace] = []

    def __enter__(self) -> Sampler:
        if self.mode == "process":
            ctx = mp.get_context("spawn")
            self._stop = ctx.Event()
            self._conn, child = ctx.Pipe(duplex=False)
            self._worker = ctx.Process(
                target=_process_entry,
                name="overlap-lab-sampler",
                daemon=True,
                args=(self.gpu_index, self.interval_s, self._stop, child, os.getpid()),
            )
            start_without_main(self._worker)
            child.close()
            # Sampling must cover the run from its first step, so wait for the first sample.
            if not self._conn.poll(STARTUP_TIMEOUT_S) or self._conn.recv() != "ready":
                self.__exit__(TelemetryError, None, None)
                raise TelemetryError(
                    f"the telemetry sampler process did not start within {STARTUP_TIMEOUT_S:g} s; "
                    "run with telemetry off (--telemetry off, or the lab's switch)"
                )
        elif self.mode == "thread":
            self._stop = threading.Event()
            started = threading.Event()
            self._worker = threading.Thread(
                target=_sample_loop,
                name="overlap-lab-sampler",
                daemon=True,
                args=(self.gpu_index, self.interval_s, self._stop, self._box.append, started.set),
            )
            self._worker.start()
            started.wait(STARTUP_TIMEOUT_S)
        return self

    def __exit__(self, *exc: object) -> None:
        """Collect the trace; on an error or a Stop, end the sampler at once and keep nothing."""
        if self._worker is None:
            return
        self._stop.set()
        aborted = bool(exc) and exc[0] is not None
        trace = None
        if self.mode == "process":
            if not aborted and self._conn.poll(10):
                trace = self._conn.recv()
            if aborted:
                self._worker.terminate()
            self._worker.join(timeout=5)
            if self._worker.is_alive():
                self._worker.kill()
                self._worker.join(timeout=5)
            self._conn.close()
        else:
            self._worker.join(timeout=10)
            trace = self._box[0] if self._box else None
        self._worker = None
        if trace is not None:
            self.trace = trace
