"""The measurement protocol: warm up, calibrate the CPU work, then interleaved rounds.

Each round runs one block of every variant of the same workload, and the order rotates every
round (AB BA AB ... for two; ABC BCA CAB ... for three), so a CPU clock that drifts during the
run weighs on every variant alike. The spread of the per-round speedups is the honest error bar:
above the stability target (3%) the result says "unstable". With a StabilityGate, rounds go on
until the last few agree or a budget runs out (see engine/measure/stability.py). Between blocks, never
inside one, the run checks for other GPU processes and host overload, and stamps the result with
what it saw.
"""

from __future__ import annotations

import getpass
import math
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from engine import __version__
from engine.devices.base import Device
from engine.host.contention import ContentionWatch
from engine.host.fingerprint import Environment, fingerprint, physical_gpu, resolve_device, usable_cores
from engine.host.lock import Waiting, queue_for
from engine.host.telemetry import Sampler
from engine.measure.progress import Cancelled, Progress, ProgressFn
from engine.measure.rig import Rig
from engine.measure.stability import StabilityGate
from engine.result.circumstances import Calibration, Provenance, Stability
from engine.result.comparison import Comparison, RunResult
from engine.spec.postprocess import iterations_for, ms_per_iteration
from engine.spec.variants import Variant, check_variants, pair, rotation
from engine.spec.workload import Workload, WorkloadError

__all__ = ["calibrate", "check_device", "check_rounds", "compare", "lock_name", "open_device"]

PROBE_STEPS = 5  # batches timed to measure G before match_g sizes the CPU work
MAX_ROUNDS = 50


def check_rounds(rounds: object) -> None:
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= MAX_ROUNDS:
        raise WorkloadError("rounds", rounds, f"a whole number from 1 to {MAX_ROUNDS}")


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


def open_device(workload: Workload, on_wait: Callable[[], None] | None = None) -> Device:
    """The device a workload asks for: a CUDA GPU, or the CPU stand-in worker process.

    `on_wait` is called while the stand-in's worker builds its model (seconds), so the caller
    can say so and can stop there.
    """
    resolved = check_device(workload)
    if resolved.startswith("cuda"):
        from engine.devices.cuda import CudaDevice

        return CudaDevice(workload, resolved)
    from engine.devices.standin import StandinDevice

    return StandinDevice(workload, on_wait)


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
    loop_cost: Callable[[], float] = ms_per_iteration,
) -> Calibration:
    """Size the CPU work. Measures G and L first when the CPU work is defined relative to G.

    match_g balances the host against the device: L + C = ratio x G. Launching is host work too,
    so matching C alone to G would leave the host side the longer one and the ceiling below 2x.
    Fixed work turns the target into a loop length once, here; fixed duration keeps the target.
    `clock` times the probe batches and `loop_cost` measures one loop iteration in ms; tests
    pass fixed ones, so calibration is checked exactly without running a real loop.
    """
    per_iteration = loop_cost()
    probe_g: float | None = None
    probe_l: float | None = None
    target: float | None = None
    if workload.cpu_work == "match_g":
        probe_g, probe_l = _probe(device, PROBE_STEPS, clock)
        tick(PROBE_STEPS)
        target = max(0.0, probe_g * workload.cpu_g_ratio - probe_l)
    elif workload.cpu_work == "ms":
        target = workload.cpu_ms
    if workload.cpu_fixed == "duration":
        iterations = -1
    elif target is None:
        iterations = workload.cpu_iterations
    else:
        iterations = iterations_for(target, per_iteration)
    return Calibration(per_iteration, iterations, target, probe_g, probe_l)


def provenance(command: str) -> Provenance:
    try:
        user = getpass.getuser()
    except Exception:  # no name for this uid, as in some containers
        user = "unknown"
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return Provenance(started, socket.gethostname(), user, __version__, command)


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
    gate: StabilityGate | None = None,
    command: str = "",
    cancel: threading.Event | None = None,
    variants: tuple[Variant, ...] | None = None,
    check_syncs: bool = True,
    trace_path: str | None = None,
    nvtx: bool = False,
    pool: Any = None,
) -> Comparison:
    """Measure variants (serial vs overlap unless told) in rotating rounds, holding the device's lock.

    `rounds` rounds are run, or with a `gate`, rounds until the last few agree (or its budget
    runs out). `command` records how the run was asked for. `device`, `post` and `clock` are for
    tests: a device of fixed costs on a fake clock, no lock. A progress callback may raise to
    stop the run; so does setting `cancel`, which is looked at on every step and every wait,
    however rarely the progress callback draws. The device, the sampler and the lock are
    released either way. After the rounds, each variant runs a few untimed batches under the
    hidden-sync watch (`check_syncs`) and, with `trace_path`, once more under torch.profiler.
    `nvtx` puts NVTX ranges around every phase, for nsys. `pool` is a test's fake worker pool.
    """
    check_rounds(rounds)
    # Before anything is reported or read: a device that cannot run says so and nothing else.
    resolved = check_device(workload) if device is None else ""
    variants = variants or pair(workload.depth)
    on_gpu = resolved.startswith("cuda") if device is None else device.kind != "standin"
    check_variants(variants, on_gpu)
    shown = progress or (lambda _p: None)

    def report(p: Progress) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("the run was stopped")
        shown(p)

    budget = gate.max_rounds if gate is not None else rounds
    probe = PROBE_STEPS if workload.cpu_work == "match_g" else 0
    total = workload.warmup_steps + probe + budget * len(variants) * workload.steps
    report(Progress("starting", 0, total, 0, budget))
    # Read before the device opens: the stand-in narrows this thread's CPU affinity while it runs.
    environment = fingerprint(workload.device) if with_environment else Environment()
    made = provenance(command)
    plan = _Plan(
        workload,
        budget,
        gate,
        total,
        telemetry,
        post,
        clock,
        environment,
        made,
        usable_cores(),
        variants,
        check_syncs,
        trace_path,
        nvtx,
        pool,
    )
    if device is not None:
        return _measure(plan, device, report)

    def waiting(w: Waiting) -> None:
        report(Progress("waiting", 0, total, 0, budget, waiting=w))

    def loading() -> None:
        report(Progress("starting", 0, total, 0, budget, note="loading the model in the worker"))

    key, label = lock_name(resolved)
    with queue_for(key, label).hold(waiting, what=command or "a comparison") as holding:
        last_published = [0.0]

        def report_and_publish(p: Progress) -> None:
            """Keep the lock file's status current (at most once a second) for people waiting."""
            report(p)
            now = time.monotonic()
            if now - last_published[0] >= PUBLISH_S or p.phase == "done":
                last_published[0] = now
                holding.publish(fraction=p.fraction, eta_s=p.eta_s, phase=p.phase)

        report_and_publish(Progress("starting", 0, total, 0, budget, note="loading the model"))
        dev = open_device(workload, loading)
        try:
            return _measure(plan, dev, report_and_publish)
        finally:
            dev.close()


PUBLISH_S = 1.0  # how often a run refreshes the status in its lock file


@dataclass(frozen=True)
class _Plan:
    workload: Workload
    rounds: int  # the most rounds to run
    gate: StabilityGate | None
    total_steps: int
    telemetry: str
    post: Any
    clock: Callable[[], int]
    environment: Environment
    provenance: Provenance
    cores: int  # usable by this process before a stand-in narrows the thread's affinity
    variants: tuple[Variant, ...]
    check_syncs: bool
    trace_path: str | None
    nvtx: bool
    pool: Any


def _measure(plan: _Plan, dev: Device, report: ProgressFn) -> Comparison:
    workload, gate, clock = plan.workload, plan.gate, plan.clock
    done = 0
    note = ""
    speedups: list[float] = []
    began = clock()

    def tick(n: int, phase: str, r: int = 0) -> None:
        nonlocal done
        done += n
        pace_ns = (clock() - began) / done  # warm-up is slower than the rest: an early overestimate
        eta_s = pace_ns * (plan.total_steps - done) / 1e9
        report(
            Progress(
                phase,
                done,
                plan.total_steps,
                r,
                plan.rounds,
                note=note,
                eta_s=eta_s,
                round_speedups=tuple(speedups),
                eta_is_bound=gate is not None,
            )
        )

    dev.start_block()
    for i in range(workload.warmup_steps):
        handle = dev.launch(i)
        dev.wait(handle)
        dev.release(handle)
        tick(1, "warm-up")
    calibration = calibrate(workload, dev, lambda n: tick(n, "calibrating"), clock)

    def starting() -> None:
        report(Progress("starting", done, plan.total_steps, note="starting the post-processing pool"))

    rig = Rig(dev, workload, plan.variants, calibration, plan.post, plan.pool, starting, plan.nvtx)
    runs: list[RunResult] = []
    found: list[Any] = []
    stop_reason = "round budget" if gate is not None else "fixed rounds"
    watch = ContentionWatch(_gpu_index(dev), plan.cores)
    headline = plan.variants[-1].name
    try:
        watch.check()
        with Sampler(_gpu_index(dev), mode=plan.telemetry) as sampler:
            started = clock()
            for r in range(plan.rounds):
                walls: dict[str, float] = {}
                for v in rotation(plan.variants, r):
                    step_tick = lambda _i, m=v.name, r=r: tick(1, m, r)  # noqa: E731
                    run = rig.block(v, r, clock, step_tick)
                    runs.append(run)
                    walls[v.name] = run.wall_s
                    watch.check()
                speedups.append(walls[plan.variants[0].name] / walls[headline])
                if gate is None:
                    continue
                note = _gate_note(gate, speedups)
                if gate.met(speedups):
                    stop_reason = "stability target met"
                    break
                if (clock() - started) / 1e9 >= gate.max_s:
                    stop_reason = f"time budget of {gate.max_s:g} s"
                    break
        on_cuda = dev.kind == "cuda"
        if plan.check_syncs:
            report(
                Progress(
                    "checking syncs",
                    done,
                    plan.total_steps,
                    note="a few untimed batches per variant",
                    round_speedups=tuple(speedups),
                )
            )
            found = rig.check_syncs(clock, on_cuda)
        if plan.trace_path is not None:
            report(
                Progress(
                    "tracing",
                    done,
                    plan.total_steps,
                    note="torch.profiler, untimed",
                    round_speedups=tuple(speedups),
                )
            )
            rig.trace(plan.trace_path, clock, on_cuda)
    finally:
        watch.close()
        rig.close()
    report(
        Progress(
            "done",
            plan.total_steps,
            plan.total_steps,
            len(speedups),
            plan.rounds,
            note=note,
            round_speedups=tuple(speedups),
        )
    )
    stability = Stability(gate.cv_target, gate.window, True, stop_reason) if gate is not None else Stability()
    return Comparison(
        workload,
        dev.kind,
        tuple(runs),
        calibration,
        plan.environment,
        sampler.trace,
        stability,
        watch.result(),
        plan.provenance,
        plan.variants,
        tuple(found),
        plan.check_syncs,
    )


def _gate_note(gate: StabilityGate, speedups: list[float]) -> str:
    cv = gate.window_cv(speedups)
    now = "n/a" if math.isnan(cv) else f"{cv:.1%}"
    return f"until the last {gate.window} rounds agree within {gate.cv_target:.0%} (now {now})"


def _gpu_index(dev: Device) -> int | None:
    """NVML's index of the card a CUDA device runs on (not torch's: see physical_gpu)."""
    torch_device = getattr(dev, "device", None)
    if getattr(dev, "kind", "") != "cuda" or torch_device is None:
        return None
    return physical_gpu(torch_device.index or 0)[0]


def lock_name(resolved: str) -> tuple[str, str]:
    """The lock's key and the name people see: a GPU by its UUID, so that one card is one queue
    whatever CUDA_VISIBLE_DEVICES each user set; the stand-in by its device name."""
    if not resolved.startswith("cuda"):
        return resolved, resolved
    uuid = physical_gpu(int(resolved.partition(":")[2] or 0))[1]
    return (uuid, f"{resolved} ({uuid[:12]})") if uuid else (resolved, resolved)
