"""The measurement protocol: warm up, calibrate the CPU work, then interleaved rounds.

Each round runs one block of every variant of the same workload, and the order rotates every
round (AB BA AB ... for two; ABC BCA CAB ... for three), so a CPU clock that drifts during the
run weighs on every variant alike. The spread of the per-round speedups is the honest error bar:
above the stability target (3%) the result says "unstable". Until stable, rounds go on until the
last few agree or a budget runs out (see engine/measure/stability.py). Between blocks, never
inside one, the run checks for other GPU processes and host overload, and stamps the result with
what it saw.
"""

from __future__ import annotations

import dataclasses
import math
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from engine import __version__
from engine.devices.base import Device, Pool, PostProcess
from engine.devices.cuda import CudaDevice
from engine.devices.standin import StandinDevice
from engine.errors import WorkloadError
from engine.host.contention import ContentionWatch
from engine.host.fingerprint import fingerprint, physical_gpu, resolve_device
from engine.host.lock import Waiting, queue_for
from engine.host.shared_dir import user_name
from engine.host.telemetry import Sampler
from engine.measure.calibrate import PROBE_STEPS, calibrate
from engine.measure.diagnose import PROBE_BATCHES, diagnose
from engine.measure.estimate import STANDIN_STOP_S
from engine.measure.eta import Eta
from engine.measure.progress import Cancelled, Progress, ProgressFn
from engine.measure.rig import SYNC_CHECK_STEPS, Rig, post_of
from engine.measure.stability import StabilityGate
from engine.result.blocks import RunResult
from engine.result.circumstances import Environment, Provenance, Stability
from engine.result.comparison import Comparison, pooled, predict_for
from engine.result.findings import SyncFinding
from engine.result.forecast import Forecast
from engine.result.gate import visible
from engine.spec.run_spec import RunSpec, loop_sets
from engine.spec.sets import READ_BASELINE as BASE
from engine.spec.sets import set_for, usable_cores
from engine.spec.variants import Variant, check_variants, rotation
from engine.spec.workload import Workload

__all__ = ["Harness", "check_device", "compare", "lock_name", "open_device"]

PUBLISH_S = 1.0  # how often a run refreshes the status in its lock file


@dataclass(frozen=True)
class Harness:
    """What a test puts in place of what a run opens: a device of fixed costs on a fake clock,
    its post-processing and its pool. With a harness no lock is taken and no environment read."""

    device: Device
    post: PostProcess | None = None
    clock: Callable[[], int] = field(default=time.perf_counter_ns)
    pool: Pool | None = None
    cores: int | None = None  # the cores a diagnosis may size a pool for; None: this process's
    pre: PostProcess | None = None  # the inputs' pre-processing, in place of the workload's pre_ms
    prefetcher: Pool | None = None  # the prefetching pool
    threads: Pool | None = None  # the pool of post-processing threads


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
        return CudaDevice(workload, resolved)
    return StandinDevice(workload, on_wait)


def provenance(command: str) -> Provenance:
    user = user_name()
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return Provenance(started, visible(socket.gethostname()), visible(user), __version__, visible(command))


def compare(
    workload: Workload,
    spec: RunSpec = RunSpec(),
    *,
    variants: tuple[Variant, ...] | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    command: str = "",
    trace_path: str | None = None,
    harness: Harness | None = None,
) -> Comparison:
    """Measure a set of variants in rotating rounds, holding the device's lock.

    The variants are the spec's set (or `variants`, a set of one's own), measured against the
    first. A progress callback may raise to stop the run; so does setting `cancel`, which is
    looked at on every step and every wait, however rarely the progress callback draws. The
    device, the sampler and the lock are released either way. After the rounds, each variant
    runs a few untimed batches under the hidden-sync watch and, with `trace_path`, once more
    under torch.profiler.
    """
    if spec.set.sweep and variants is None:
        raise WorkloadError("variants", spec.variants, "a set of variants: a sweep runs through execute()")
    # Before anything is reported or read: a device that cannot run says so and nothing else.
    resolved = check_device(workload) if harness is None else ""
    on_gpu = resolved.startswith("cuda") if harness is None else harness.device.kind != "standin"
    cores = harness.cores if harness is not None and harness.cores else usable_cores()
    chosen = variants if variants is not None else spec.variants_for(on_gpu, cores)
    check_variants(chosen, on_gpu)
    if workload.pre_ms == 0 and (
        any(v.prefetch for v in chosen) or (spec.set.needs_pre and variants is None)
    ):
        raise WorkloadError(
            "pre_ms",
            workload.pre_ms,
            f"more than 0 with variants={spec.variants}: it measures pre-processing",
        )
    if workload.loop and any(v.precision for v in chosen):
        raise WorkloadError("precision", "bf16", "the loop's own: a loop brings its model in its own dtype")
    if not workload.loop and workload.cpu_fixed == "duration" and any(v.threaded for v in chosen):
        raise WorkloadError(
            "cpu_fixed",
            workload.cpu_fixed,
            "work with a pool of threads: a hold of fixed duration ends on the clock however little "
            "of it held the GIL, so threads would look free",
        )
    if workload.loop and any(v.readback == "none" for v in chosen):
        raise WorkloadError(
            "variants",
            spec.variants,
            "with a loop, a set whose every rung reads the output back for the loop's post: "
            + ", ".join(loop_sets(on_gpu, cores)),
        )
    shown = progress or (lambda _p: None)

    def report(p: Progress) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled("the run was stopped")
        shown(p)

    budget = spec.planned_rounds
    probe = PROBE_STEPS if workload.cpu_work == "match_g" and not workload.loop else 0
    probe += PROBE_BATCHES if spec.set.probed and variants is None else 0
    total = workload.warmup_steps + probe + budget * len(chosen) * workload.steps
    report(Progress("starting", 0, total, 0, budget))
    # Read before the device opens: the stand-in narrows this thread's CPU affinity while it runs.
    plan = _Plan(
        workload,
        spec,
        StabilityGate.from_spec(spec),
        total,
        harness,
        fingerprint(workload.device) if harness is None else Environment(),
        provenance(command),
        cores,
        chosen,
        variants is None,
        trace_path,
    )
    if harness is not None:
        return _measure(plan, harness.device, report)

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


@dataclass(frozen=True)
class _Plan:
    workload: Workload
    spec: RunSpec
    gate: StabilityGate | None
    total_steps: int
    harness: Harness | None
    environment: Environment
    provenance: Provenance
    cores: int  # usable by this process before a stand-in narrows the thread's affinity
    variants: tuple[Variant, ...]
    named_set: bool  # the spec's own set, not variants of a caller's own
    trace_path: str | None

    @property
    def clock(self) -> Callable[[], int]:
        return self.harness.clock if self.harness is not None else time.perf_counter_ns


def _limit_so_far(runs: list[RunResult], variants: tuple[Variant, ...], steps: int) -> float:
    """The headline's block limit from the blocks run so far, by the rule a finished result uses."""
    base, head = variants[0], variants[-1]
    mine = [r for r in runs if r.mode == base.name], [r for r in runs if r.mode == head.name]
    return predict_for(pooled(mine[0]), pooled(mine[1]), head, base, steps).limit


def _measure(plan: _Plan, dev: Device, report: ProgressFn) -> Comparison:
    workload, gate, clock = plan.workload, plan.gate, plan.clock
    rounds = plan.spec.planned_rounds
    done = 0
    note = ""
    speedups: list[float] = []
    limit: list[float] = []  # the headline's block limit as of the last finished round
    # Stopping the stand-in's worker and draining its pipes took about 1 s on the 2-core machine.
    end_s = STANDIN_STOP_S if dev.kind == "standin" else 0.0
    eta = Eta(plan.variants, workload.steps, rounds, clock, min(SYNC_CHECK_STEPS, workload.steps), end_s)
    forecast: Forecast | None = None

    def tick(n: int, phase: str, r: int = 0, in_block: int | None = None) -> None:
        nonlocal done
        done += n
        # No estimate until every variant left has a pace (the baseline's first block gives them):
        # one pace for all steps, warm-up and the worker's start included, was 40-60% off there.
        eta_s = None
        if in_block is not None:
            eta.step(phase)
            eta_s = eta.left_s(r, phase, in_block)
        report(
            Progress(
                phase,
                done,
                plan.total_steps,
                r,
                rounds,
                note=note,
                eta_s=eta_s,
                round_speedups=tuple(speedups),
                eta_is_bound=gate is not None,
                limit=limit[-1] if limit else None,
            )
        )

    dev.start_block()
    for i in range(workload.warmup_steps):
        handle = dev.launch(i)
        dev.wait(handle)
        dev.release(handle)
        tick(1, "warm-up")
    calibration = calibrate(workload, dev, lambda n: tick(n, "calibrating"), clock)
    if plan.spec.set.probed and plan.named_set:
        given = plan.harness.post if plan.harness else None
        diag = diagnose(
            dev,
            given or post_of(dev, workload, BASE, calibration),
            pool=plan.harness.pool if plan.harness else None,
            threads=plan.harness.threads if plan.harness else None,
            loop=workload.loop,
            steps=workload.steps,
            on_gpu=dev.kind != "standin",
            cores=plan.cores,
            clock=clock,
            tick=lambda n: tick(n, "probing"),
        )
        forecast = diag.forecast
        left = rounds * len(diag.variants) * workload.steps
        plan = dataclasses.replace(plan, variants=diag.variants, total_steps=done + left)
        eta = Eta(plan.variants, workload.steps, rounds, clock, min(SYNC_CHECK_STEPS, workload.steps), end_s)

    def untimed(phase: str, note: str) -> None:
        """A phase after the rounds: every step is done, the rounds' speedups and limit stand."""
        report(
            Progress(
                phase,
                done,
                plan.total_steps,
                note=note,
                round_speedups=tuple(speedups),
                limit=limit[-1] if limit else None,
            )
        )

    def starting() -> None:
        report(Progress("starting", done, plan.total_steps, note="starting the post-processing pool"))

    harness = plan.harness
    rig = Rig(
        dev,
        workload,
        plan.variants,
        calibration,
        harness.post if harness else None,
        harness.pool if harness else None,
        starting,
        plan.spec.nvtx,
        harness.pre if harness else None,
        harness.prefetcher if harness else None,
        harness.threads if harness else None,
    )
    if dev.compile_s is not None:  # a compile rung compiled while the rig was set up
        calibration = dataclasses.replace(calibration, compile_s=dev.compile_s)
    runs: list[RunResult] = []
    found: list[SyncFinding] = []
    stop_reason = "round budget" if gate is not None else "fixed rounds"
    watch = ContentionWatch(dev.nvml_index, plan.cores)
    baseline, headline = plan.variants[0].name, plan.variants[-1].name
    try:
        watch.check()
        with Sampler(dev.nvml_index, mode=plan.spec.telemetry) as sampler:
            started = clock()
            for r in range(rounds):
                walls: dict[str, float] = {}
                for v in rotation(plan.variants, r):
                    step_tick = lambda i, m=v.name, r=r: tick(1, m, r, i)  # noqa: E731
                    run = rig.block(v, r, clock, step_tick)
                    eta.block_done(run)
                    runs.append(run)
                    walls[v.name] = run.wall_s
                    watch.check()
                speedups.append(walls[baseline] / walls[headline])
                limit.append(_limit_so_far(runs, plan.variants, plan.workload.steps))
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
        untimed("checking syncs", "a few untimed batches per variant")
        found = rig.check_syncs(clock, on_cuda)
        if plan.trace_path is not None:
            untimed("tracing", "torch.profiler, untimed")
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
            rounds,
            note=note,
            round_speedups=tuple(speedups),
            limit=limit[-1] if limit else None,
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
        True,
        plan.spec.variants if plan.named_set else set_for(plan.variants),
        forecast,
    )


def _gate_note(gate: StabilityGate, speedups: list[float]) -> str:
    cv = gate.window_cv(speedups)
    now = "n/a" if math.isnan(cv) else f"{cv:.1%}"
    return f"until the last {gate.window} rounds agree within {gate.cv_target:.0%} (now {now})"


def lock_name(resolved: str) -> tuple[str, str]:
    """The lock's key and the name people see: a GPU by its UUID, so that one card is one queue
    whatever CUDA_VISIBLE_DEVICES each user set; the stand-in by its device name."""
    if not resolved.startswith("cuda"):
        return resolved, resolved
    uuid = physical_gpu(int(resolved.partition(":")[2] or 0))[1]
    return (uuid, f"{resolved} ({uuid[:12]})") if uuid else (resolved, resolved)
