"""The measurement protocol: warm up, calibrate the CPU work, then interleaved rounds.

Each round runs one serial and one overlap block of the same workload, and the order flips every
round (AB BA AB ...), so a CPU clock that drifts during the run weighs on both modes alike. The
spread of the per-round speedups is the honest error bar: above 5% the result is flagged noisy.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.devices.base import Device
from engine.fingerprint import fingerprint, resolve_device
from engine.lock import Waiting, queue_for
from engine.postprocess import LoopPost, iterations_for, ms_per_iteration
from engine.records import Comparison, RunResult
from engine.runners import run_overlap, run_serial
from engine.telemetry import Sampler
from engine.workload import Workload, WorkloadError

PROBE_STEPS = 5  # batches timed to measure G before match_g sizes the CPU work
MAX_ROUNDS = 50


@dataclass(frozen=True)
class Progress:
    phase: str  # starting, warm-up, calibrating, serial, overlap, done
    done_steps: int
    total_steps: int
    round_index: int = 0
    rounds: int = 0
    waiting: Waiting | None = None  # set while queued behind another run of the same device

    @property
    def fraction(self) -> float:
        return min(1.0, self.done_steps / self.total_steps) if self.total_steps else 0.0

    @property
    def message(self) -> str:
        counts = f"({self.done_steps}/{self.total_steps})"
        if self.waiting is not None:
            if self.waiting.other_process:
                return f"waiting for the device: held by {self.waiting.other_process}"
            return f"waiting for the device: {self.waiting.ahead_here} run(s) ahead of you"
        if self.phase in ("serial", "overlap"):
            return f"round {self.round_index + 1}/{self.rounds}: {self.phase} {counts}"
        return f"{self.phase} {counts}"


ProgressFn = Callable[[Progress], None]


def check_device(workload: Workload) -> str:
    """The device a workload would run on, or a WorkloadError saying why it cannot run here."""
    resolved = resolve_device(workload.device)
    if resolved.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise WorkloadError(
                "device", workload.device, "cpu or auto: CUDA is not available on this machine"
            )
        index = torch.device(resolved).index or 0
        if index >= torch.cuda.device_count():
            raise WorkloadError("device", workload.device, f"cuda:0 to cuda:{torch.cuda.device_count() - 1}")
    return resolved


def open_device(workload: Workload) -> Device:
    """The device a workload asks for: a CUDA GPU, or the CPU stand-in worker process."""
    resolved = check_device(workload)
    if resolved.startswith("cuda"):
        from engine.devices.cuda import CudaDevice

        return CudaDevice(workload, resolved)
    from engine.devices.standin import StandinDevice

    return StandinDevice(workload)


def _probe(device: Device, steps: int, clock: Callable[[], int]) -> tuple[float, float]:
    """Median G and L of a few batches run one at a time, with nothing else competing."""
    device.start_block()
    g_ms, l_ms = [], []
    for i in range(steps):
        t0 = clock()
        handle = device.launch(i)
        l_ms.append((clock() - t0) / 1e6)
        device.wait(handle)
        start, end = device.device_span_ns(handle)
        device.release(handle)
        g_ms.append((end - start) / 1e6)
    return statistics.median(g_ms), statistics.median(l_ms)


def calibrate(
    workload: Workload,
    device: Device,
    tick: Callable[[int], None],
    clock: Callable[[], int] = time.perf_counter_ns,
) -> dict[str, float]:
    """Choose the loop length. Measures G and L first when the CPU work is defined relative to G.

    match_g balances the host against the device: L + C = ratio x G. Launching is host work too,
    so matching C alone to G would leave the host side the longer one and the ceiling below 2x.
    """
    calibration: dict[str, float] = {"ms_per_iteration": ms_per_iteration()}
    if workload.cpu_work == "match_g":
        g_ms, l_ms = _probe(device, PROBE_STEPS, clock)
        tick(PROBE_STEPS)
        calibration["probe_g_ms"] = g_ms
        calibration["probe_l_ms"] = l_ms
        calibration["target_c_ms"] = max(0.0, g_ms * workload.cpu_g_ratio - l_ms)
    elif workload.cpu_work == "ms":
        calibration["target_c_ms"] = workload.cpu_ms
    if "target_c_ms" in calibration:
        calibration["cpu_iterations"] = iterations_for(
            calibration["target_c_ms"], calibration["ms_per_iteration"]
        )
    else:
        calibration["cpu_iterations"] = workload.cpu_iterations
    return calibration


def compare(
    workload: Workload,
    rounds: int = 3,
    *,
    progress: ProgressFn | None = None,
    telemetry: str = "process",
    device: Device | None = None,
    post: Any = None,
    clock: Callable[[], int] = time.perf_counter_ns,
    with_environment: bool = True,
) -> Comparison:
    """Measure serial vs overlap for `rounds` interleaved rounds, holding the device's lock.

    `device`, `post` and `clock` are for tests: a device of fixed costs on a fake clock, no lock.
    A progress callback may raise to stop the run; the device and the lock are released anyway.
    """
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise WorkloadError("rounds", rounds, f"a whole number from 1 to {MAX_ROUNDS}")
    report = progress or (lambda _p: None)
    probe = PROBE_STEPS if workload.cpu_work == "match_g" else 0
    total = workload.warmup_steps + probe + rounds * 2 * workload.steps
    report(Progress("starting", 0, total, 0, rounds))
    # Read before the device opens: the stand-in narrows this thread's CPU affinity while it runs.
    environment = fingerprint(workload.device) if with_environment else {}
    if device is not None:
        return _measure(workload, rounds, device, report, total, telemetry, post, clock, environment)
    resolved = check_device(workload)

    def waiting(w: Waiting) -> None:
        report(Progress("waiting", 0, total, 0, rounds, waiting=w))

    with queue_for(resolved).hold(waiting):
        dev = open_device(workload)
        try:
            return _measure(workload, rounds, dev, report, total, telemetry, post, clock, environment)
        finally:
            dev.close()


def _measure(
    workload: Workload,
    rounds: int,
    dev: Device,
    report: ProgressFn,
    total: int,
    telemetry: str,
    post: Any,
    clock: Callable[[], int],
    environment: dict[str, Any],
) -> Comparison:
    done = 0

    def tick(n: int, phase: str, r: int = 0) -> None:
        nonlocal done
        done += n
        report(Progress(phase, done, total, r, rounds))

    dev.start_block()
    for i in range(workload.warmup_steps):
        handle = dev.launch(i)
        dev.wait(handle)
        dev.release(handle)
        tick(1, "warm-up")
    calibration = calibrate(workload, dev, lambda n: tick(n, "calibrating"), clock)
    post = post or LoopPost(int(calibration["cpu_iterations"]))
    runs: list[RunResult] = []
    with Sampler(_gpu_index(dev), mode=telemetry) as sampler:
        for r in range(rounds):
            order = ("serial", "overlap") if r % 2 == 0 else ("overlap", "serial")
            for mode in order:
                step_tick = lambda _i, m=mode, r=r: tick(1, m, r)  # noqa: E731
                runs.append(_block(dev, post, workload, mode, r, clock, step_tick))
    report(Progress("done", total, total, rounds, rounds))
    return Comparison(workload, dev.kind, tuple(runs), calibration, environment, sampler.trace)


def _block(
    dev: Device,
    post: Any,
    workload: Workload,
    mode: str,
    r: int,
    clock: Callable[[], int],
    on_step: Callable[[int], None],
) -> RunResult:
    dev.start_block()
    common: dict[str, Any] = {
        "round_index": r,
        "batch_size": workload.batch_size,
        "clock": clock,
        "on_step": on_step,
    }
    if mode == "serial":
        return run_serial(dev, post, workload.steps, **common)
    return run_overlap(dev, post, workload.steps, depth=workload.depth, **common)


def _gpu_index(dev: Device) -> int | None:
    torch_device = getattr(dev, "device", None)
    if getattr(dev, "kind", "") != "cuda" or torch_device is None:
        return None
    return torch_device.index or 0
