"""The typed result that flows from the engine to the CLI and the charts.

Raw per-batch records are kept; every statistic is a property derived from them, so a result saved
as JSON and loaded again reports exactly the same numbers.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.circumstances import Calibration, Contention, Provenance, Stability
from engine.fingerprint import Environment
from engine.schedule import Prediction, block_period_ms, efficiency, predict
from engine.schema import SCHEMA_VERSION, upgrade
from engine.stats import Summary, coefficient_of_variation, summarize
from engine.workload import Workload

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
    def latency_ms(self) -> float:
        """End-to-end: from this batch's launch to the end of its post-processing."""
        return (self.post_end_ns - self.launch_start_ns) / NS_PER_MS


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

    mode: str  # "serial" or "overlap"
    depth: int
    round_index: int
    batch_size: int
    start_ns: int  # first launch
    end_ns: int  # last post-processing done and the device drained
    steps: tuple[StepRecord, ...]

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
    def steady_periods_ms(self) -> list[float]:
        """Periods once the queue is full: an overlap block's first depth - 1 launches come early."""
        return self.periods_ms[self.depth - 1 :]

    @property
    def predicted_period_ms(self) -> float:
        """The period this block's own mean G, L and C predict for its loop shape."""
        return block_period_ms(self.g_ms.mean, self.l_ms.mean, self.c_ms.mean, self.depth)

    @property
    def measured_period_ms(self) -> float:
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


@dataclass(frozen=True)
class ModeSummary:
    """A mode's runs pooled over all rounds."""

    period: Summary
    latency: Summary
    throughput_ips: float  # images over the summed wall time of every block
    wall_s: float
    g: Summary
    l: Summary  # noqa: E741 - L is the project's name for launch time
    c: Summary


@dataclass(frozen=True)
class Comparison:
    workload: Workload
    device_kind: str  # "cuda" or "standin"
    runs: tuple[RunResult, ...]
    calibration: Calibration = field(default_factory=Calibration)
    environment: Environment = field(default_factory=Environment)
    telemetry: TelemetryTrace = field(default_factory=TelemetryTrace)
    stability: Stability = field(default_factory=Stability)
    contention: Contention = field(default_factory=Contention)
    provenance: Provenance = field(default_factory=Provenance)

    @property
    def counted_rounds(self) -> list[int]:
        """The rounds the headline counts: all, or the last `window` under the stability gate."""
        rounds = sorted({r.round_index for r in self.runs})
        window = self.stability.window
        return rounds[-window:] if window > 0 else rounds

    def mode_runs(self, mode: str) -> list[RunResult]:
        counted = set(self.counted_rounds)
        return [r for r in self.runs if r.mode == mode and r.round_index in counted]

    @property
    def rounds(self) -> int:
        return len({r.round_index for r in self.runs})

    @cached_property
    def all_round_speedups(self) -> list[tuple[int, float]]:
        """(round, serial wall / overlap wall) for every round run, settling ones included."""
        out = []
        for i in sorted({r.round_index for r in self.runs}):
            pair = {r.mode: r for r in self.runs if r.round_index == i}
            if "serial" in pair and "overlap" in pair:
                out.append((i, pair["serial"].wall_s / pair["overlap"].wall_s))
        return out

    @property
    def round_speedups(self) -> list[float]:
        """Serial wall over overlap wall for each counted round, in round order."""
        counted = set(self.counted_rounds)
        return [x for i, x in self.all_round_speedups if i in counted]

    @property
    def speedup(self) -> float:
        return summarize(self.round_speedups).p50

    @property
    def speedup_cv(self) -> float:
        """Spread of the counted per-round speedups; nan with one round (no spread was seen)."""
        return coefficient_of_variation(self.round_speedups)

    @property
    def stability_state(self) -> str:
        """stable, unstable, or n/a when one round gives no spread to judge."""
        cv = self.speedup_cv
        if math.isnan(cv):
            return "n/a"
        return "stable" if cv <= self.stability.cv_target else "unstable"

    @property
    def stability_text(self) -> str:
        state, cv = self.stability_state, self.speedup_cv
        if state == "n/a":
            return "stability n/a: one round, no spread"
        return f"{state}: CV {cv:.1%}" + (f" > {self.stability.cv_target:.0%}" if state == "unstable" else "")

    @property
    def noisy(self) -> bool:
        return self.stability_state == "unstable"

    @cached_property
    def serial(self) -> ModeSummary:
        return _pool(self.mode_runs("serial"))

    @cached_property
    def overlap(self) -> ModeSummary:
        return _pool(self.mode_runs("overlap"))

    @cached_property
    def prediction(self) -> Prediction:
        """From the serial runs, where nothing competes with the GPU or the post-processing."""
        s = self.serial
        return predict(s.g.mean, s.l.mean, s.c.mean)

    @property
    def ceiling(self) -> float:
        return self.prediction.ceiling

    @property
    def efficiency(self) -> float:
        return efficiency(self.speedup, self.ceiling)

    def to_dict(self) -> dict[str, Any]:
        """Summary first, so a person opening the file reads the answer before the records."""
        from engine.report import summary

        return {
            "summary": summary(self),
            "schema_version": SCHEMA_VERSION,
            "provenance": asdict(self.provenance),
            "workload": self.workload.to_dict(),
            "device_kind": self.device_kind,
            "calibration": asdict(self.calibration),
            "stability": asdict(self.stability),
            "contention": asdict(self.contention),
            "environment": asdict(self.environment),
            "telemetry": asdict(self.telemetry),
            "runs": [r.to_dict() for r in self.runs],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Comparison:
        d = upgrade(d)
        return cls(
            workload=Workload.from_dict(d["workload"]),
            device_kind=d["device_kind"],
            runs=tuple(RunResult.from_dict(r) for r in d["runs"]),
            calibration=Calibration.from_dict(d.get("calibration", {})),
            environment=Environment.from_dict(d.get("environment", {})),
            telemetry=TelemetryTrace(**d.get("telemetry", {})),
            stability=Stability(**d.get("stability", {})),
            contention=Contention(**d.get("contention", {})),
            provenance=Provenance(**d.get("provenance", {})),
        )

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1))

    @classmethod
    def from_json(cls, path: str | Path) -> Comparison:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def headline(self) -> dict[str, float | str]:
        """The numbers a reader looks at first; stored in the JSON for people, never read back."""
        s, o, p = self.serial, self.overlap, self.prediction
        return {
            "speedup": self.speedup,
            "speedup_cv": self.speedup_cv,
            "stability": self.stability_state,
            "ceiling": self.ceiling,
            "efficiency": self.efficiency,
            "g_ms": s.g.mean,
            "l_ms": s.l.mean,
            "c_ms": s.c.mean,
            "predicted_serial_period_ms": p.serial_period_ms,
            "predicted_overlap_period_ms": p.overlap_period_ms,
            "serial_period_p50_ms": s.period.p50,
            "overlap_period_p50_ms": o.period.p50,
            "serial_latency_p50_ms": s.latency.p50,
            "overlap_latency_p50_ms": o.latency.p50,
            "serial_throughput_ips": s.throughput_ips,
            "overlap_throughput_ips": o.throughput_ips,
        }


def _pool(runs: list[RunResult]) -> ModeSummary:
    if not runs:
        empty = summarize([])
        return ModeSummary(empty, empty, float("nan"), 0.0, empty, empty, empty)
    steps = [s for r in runs for s in r.steps]
    wall = sum(r.wall_s for r in runs)
    images = sum(len(r.steps) * r.batch_size for r in runs)
    return ModeSummary(
        period=summarize([p for r in runs for p in r.periods_ms]),
        latency=summarize([s.latency_ms for s in steps]),
        throughput_ips=images / wall if wall > 0 else float("nan"),
        wall_s=wall,
        g=summarize([s.g_ms for s in steps]),
        l=summarize([s.l_ms for s in steps]),
        c=summarize([s.c_ms for s in steps]),
    )
