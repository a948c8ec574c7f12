"""One block's raw records: every batch's spans on one clock, and the statistics they give.

Kept apart from the comparison so that the runners, which produce blocks, need nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from engine.result.schedule import period_ms
from engine.result.stats import Summary, summarize

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class StepRecord:
    """One batch, all on the host's monotonic clock (perf_counter_ns), device spans included."""

    step: int
    launch_start_ns: int
    launch_end_ns: int
    device_start_ns: int
    device_end_ns: int
    wait_start_ns: int  # the host blocked on this batch from here ...
    wait_end_ns: int  # ... to here (equal when it was already done)
    post_start_ns: int
    post_end_ns: int
    post_iterations: int = -1  # loop iterations the post-processing ran; -1 where unknown
    read_start_ns: int = -1  # the host read the batch's output from here ... (-1: no readback)
    read_end_ns: int = -1  # ... to here: a read that waits for later batches shows up as a long one
    upload_start_ns: int = -1  # the host was in the call sending this batch's input from here ...
    upload_end_ns: int = -1  # ... to here (-1: none); made after the previous batch's launch
    copy_start_ns: int = -1  # the input's copy ran on the device from here ... (-1: none)
    copy_end_ns: int = -1  # ... to here, on the compute stream or beside it on a side stream
    pre_start_ns: int = -1  # the input's pre-processing ran from here ... (-1: none)
    pre_end_ns: int = -1  # ... to here, on the launching thread or in a prefetching process

    @property
    def l_ms(self) -> float:
        return (self.launch_end_ns - self.launch_start_ns) / NS_PER_MS

    @property
    def g_ms(self) -> float:
        return (self.device_end_ns - self.device_start_ns) / NS_PER_MS

    @property
    def c_ms(self) -> float:
        return (self.post_end_ns - self.post_start_ns) / NS_PER_MS

    @property
    def x_ms(self) -> float:
        """The input's copy on the device; nan where the batch uploaded nothing."""
        return (
            (self.copy_end_ns - self.copy_start_ns) / NS_PER_MS if self.copy_start_ns >= 0 else float("nan")
        )

    @property
    def p_ms(self) -> float:
        """The input's pre-processing; nan where the batch had none."""
        return (self.pre_end_ns - self.pre_start_ns) / NS_PER_MS if self.pre_start_ns >= 0 else float("nan")

    @property
    def latency_ms(self) -> float:
        """End-to-end: from this batch's launch (its upload, where it has one) to the end of its
        post-processing."""
        start = self.upload_start_ns if self.upload_start_ns >= 0 else self.launch_start_ns
        return (self.post_end_ns - start) / NS_PER_MS


@dataclass(frozen=True)
class TelemetryTrace:
    """Samples on the same clock as the step records; empty lists where a source was unavailable."""

    gpu_status: str = "unavailable"  # "nvml" when the GPU columns hold data, else why not
    t_ns: list[int] = field(default_factory=list)
    gpu_util_pct: list[float] = field(default_factory=list)
    gpu_mem_used_mib: list[float] = field(default_factory=list)
    gpu_power_w: list[float] = field(default_factory=list)
    sm_clock_mhz: list[float] = field(default_factory=list)
    cpu_pct_per_core: list[list[float]] = field(default_factory=list)
    sampler_cpu_s: float = 0.0  # CPU time the sampler itself used: its cost, stated

    def window(self, start_ns: int, end_ns: int) -> TelemetryTrace:
        keep = [i for i, t in enumerate(self.t_ns) if start_ns <= t <= end_ns]

        def pick(col: list[Any]) -> list[Any]:
            return [col[i] for i in keep] if col else []

        return TelemetryTrace(
            self.gpu_status,
            pick(self.t_ns),
            pick(self.gpu_util_pct),
            pick(self.gpu_mem_used_mib),
            pick(self.gpu_power_w),
            pick(self.sm_clock_mhz),
            pick(self.cpu_pct_per_core),
            self.sampler_cpu_s,
        )


@dataclass(frozen=True)
class RunResult:
    """One block of `steps` batches in one loop shape."""

    mode: str  # the name of the variant this block ran (Variant.name)
    depth: int
    round_index: int
    batch_size: int
    start_ns: int  # first launch
    end_ns: int  # last post-processing done and the device drained
    steps: tuple[StepRecord, ...]
    workers: int = 0  # post-processing processes; 0 where the launching thread post-processed
    upload: str = "none"  # how each batch's input reached the device (Variant.upload)
    prefetch: int = 0  # processes that pre-processed inputs ahead (Variant.prefetch)

    @property
    def wall_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9

    @property
    def periods_ms(self) -> list[float]:
        """Gaps between consecutive launches: the steady-state cost of one iteration."""
        s = self.steps
        return [(b.launch_start_ns - a.launch_start_ns) / NS_PER_MS for a, b in zip(s, s[1:], strict=False)]

    @property
    def latencies_ms(self) -> list[float]:
        return [r.latency_ms for r in self.steps]

    @property
    def throughput_ips(self) -> float:
        return len(self.steps) * self.batch_size / self.wall_s if self.wall_s > 0 else float("nan")

    @cached_property
    def period(self) -> Summary:
        return summarize(self.periods_ms)

    @cached_property
    def latency(self) -> Summary:
        return summarize(self.latencies_ms)

    @property
    def g_ms(self) -> Summary:
        return summarize([r.g_ms for r in self.steps])

    @property
    def l_ms(self) -> Summary:
        return summarize([r.l_ms for r in self.steps])

    @property
    def c_ms(self) -> Summary:
        return summarize([r.c_ms for r in self.steps])

    @property
    def x_ms(self) -> Summary:
        """The input's copy time per batch; empty where the block uploaded nothing."""
        return summarize([r.x_ms for r in self.steps if r.copy_start_ns >= 0])

    @property
    def p_ms(self) -> Summary:
        """The input's pre-processing per batch; empty where the block had none."""
        return summarize([r.p_ms for r in self.steps if r.pre_start_ns >= 0])

    @property
    def steady_periods_ms(self) -> list[float]:
        """Periods once the queue is full: a deque block's first depth - 1 launches come early."""
        return self.periods_ms[self.depth - 1 :]

    @property
    def predicted_period_ms(self) -> float:
        """The period this block's own mean G, L and C predict for its loop shape."""
        x = self.x_ms.mean if self.upload != "none" else 0.0
        return period_ms(
            self.g_ms.mean,
            self.l_ms.mean,
            self.c_ms.mean,
            self.depth,
            self.workers,
            upload=self.upload,
            x_ms=x,
        )

    @property
    def measured_period_ms(self) -> float:
        """The block's steady period. Inline, the launcher waits for each post-processing, so the
        gaps between launches are the period. With a pool the launcher runs ahead into the pool's
        backlog while the workers ramp up, and its gaps read 10 to 25% short of what the pool
        delivers (an 8-worker block on an H200 read 121-125% of its own prediction). There the
        period is the pace of finished batches once every worker is busy, over whole turns of k
        finishes (the workers start a launch apart, so their finishes bunch within a turn), with
        the first turn (ramp) and the last k finishes (drain) left out; nan for a block too short
        for one whole turn between them."""
        if self.workers:
            k, n = self.workers, len(self.steps)
            turns = (n - 2 * k - 1) // k
            if turns < 1:
                return float("nan")
            ends = sorted(s.post_end_ns for s in self.steps)
            return (ends[k + turns * k] - ends[k]) / (turns * k) / NS_PER_MS
        steady = self.steady_periods_ms
        return sum(steady) / len(steady) if steady else float("nan")

    @property
    def schedule_efficiency(self) -> float:
        """Predicted over measured period: 1 when the loop did exactly what its own costs allow.

        It separates the loop from the host: a block whose C drifted still scores 1, because its
        prediction uses the C it actually had; a loop that stalls or waits too long scores below.
        """
        measured = self.measured_period_ms
        return self.predicted_period_ms / measured if measured > 0 else float("nan")

    @property
    def ms_per_iteration(self) -> float:
        """The host's speed during this block: post-processing time per loop iteration."""
        known = [r for r in self.steps if r.post_iterations > 0]
        iterations = sum(r.post_iterations for r in known)
        return sum(r.c_ms for r in known) / iterations if iterations else float("nan")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["steps"] = [list(asdict(r).values()) for r in self.steps]
        d["step_fields"] = list(StepRecord.__dataclass_fields__)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunResult:
        names = d["step_fields"]
        steps = tuple(StepRecord(**dict(zip(names, row, strict=False))) for row in d["steps"])
        keep = {k: v for k, v in d.items() if k not in ("steps", "step_fields")}
        return cls(**keep, steps=steps)
