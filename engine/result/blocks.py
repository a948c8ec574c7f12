"""One block's raw records: every batch's spans on one clock, and the statistics they give.

Kept apart from the comparison so that the runners, which produce blocks, need nothing else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from engine.model.letters import Costs
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


def costs_of(g: Summary, l_ms: Summary, c: Summary, x: Summary, p: Summary) -> Costs:
    """Mean costs by letter; a letter the blocks did not have (no upload, no pre-processing) is 0.
    A cost that is not a number (an empty or damaged block) is 0 too, so the model never divides
    by what was not measured."""

    def ms(s: Summary) -> float:
        return s.mean if s.n and math.isfinite(s.mean) and s.mean >= 0 else 0.0

    return Costs(ms(g), ms(l_ms), ms(c), x_ms=ms(x), p_ms=ms(p))


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
    def period_ms(self) -> float:
        """The block's period: its wall over its batches, fill and drain included. Every period the
        product shows is this one, so period, throughput and speedup always agree."""
        return self.wall_s * 1e3 / len(self.steps) if self.steps else float("nan")

    @property
    def launch_gaps_ms(self) -> list[float]:
        """Gaps between consecutive launches: a second timing, with a spread of its own, shown only
        under its own name (a pool's launcher runs ahead into the backlog, so its gaps bunch)."""
        s = self.steps
        return [(b.launch_start_ns - a.launch_start_ns) / NS_PER_MS for a, b in zip(s, s[1:], strict=False)]

    @property
    def latencies_ms(self) -> list[float]:
        return [r.latency_ms for r in self.steps]

    @property
    def throughput_ips(self) -> float:
        return len(self.steps) * self.batch_size / self.wall_s if self.wall_s > 0 else float("nan")

    @cached_property
    def launch_gap(self) -> Summary:
        return summarize(self.launch_gaps_ms)

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

    @cached_property
    def costs(self) -> Costs:
        """This block's own mean costs by letter, as the cost model takes them: means only, so no
        percentile is computed for a block that thousands of others stand beside."""
        steps = self.steps

        def mean(xs: list[float]) -> float:
            return sum(xs) / len(xs) if xs else 0.0

        return Costs(
            max(0.0, mean([s.g_ms for s in steps])),
            max(0.0, mean([s.l_ms for s in steps])),
            max(0.0, mean([s.c_ms for s in steps])),
            x_ms=max(0.0, mean([s.x_ms for s in steps if s.copy_start_ns >= 0])),
            p_ms=max(0.0, mean([s.p_ms for s in steps if s.pre_start_ns >= 0])),
        )

    @property
    def steady_pace_ms(self) -> float:
        """The mean launch gap once the queue is full, without fill and drain: the crossover's
        back-to-back pace of a loop with nothing but the forward. Not a period: shown only under
        its own name."""
        steady = self.launch_gaps_ms[self.depth - 1 :]
        return sum(steady) / len(steady) if steady else float("nan")

    @property
    def ms_per_iteration(self) -> float:
        """The host's speed during this block: post-processing time per loop iteration."""
        known = [r for r in self.steps if r.post_iterations > 0]
        iterations = sum(r.post_iterations for r in known)
        return sum(r.c_ms for r in known) / iterations if iterations else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """The block as a file holds it: each batch a row of numbers in step_fields' order (a
        recursive asdict of every batch cost seconds on a file of thousands of blocks)."""
        d = {f: getattr(self, f) for f in self.__dataclass_fields__ if f != "steps"}
        names = list(StepRecord.__dataclass_fields__)
        d["steps"] = [[getattr(r, n) for n in names] for r in self.steps]
        d["step_fields"] = names
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunResult:
        names = d["step_fields"]
        steps = tuple(StepRecord(**dict(zip(names, row, strict=False))) for row in d["steps"])
        keep = {k: v for k, v in d.items() if k not in ("steps", "step_fields")}
        return cls(**keep, steps=steps)
