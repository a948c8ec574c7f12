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

from engine.host.fingerprint import Environment
from engine.host.syncs import SyncFinding
from engine.result.blocks import NS_PER_MS, RunResult, StepRecord, TelemetryTrace
from engine.result.circumstances import Calibration, Contention, Provenance, Stability
from engine.result.schedule import Prediction, efficiency, predict, predict_shape
from engine.result.schema import SCHEMA_VERSION, upgrade
from engine.result.stats import Summary, coefficient_of_variation, summarize
from engine.spec.variants import Variant, pair
from engine.spec.workload import Workload

__all__ = ["NS_PER_MS", "Comparison", "ModeSummary", "RunResult", "StepRecord", "TelemetryTrace"]


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
    """Variants measured against one baseline (the first), in rounds that rotate their order.

    `serial` and `overlap` are the baseline's and the headline variant's pooled summaries: in the
    article's pair they are exactly the serial and the overlap loop; in a ladder the headline is
    the top rung.
    """

    workload: Workload
    device_kind: str  # "cuda" or "standin"
    runs: tuple[RunResult, ...]
    calibration: Calibration = field(default_factory=Calibration)
    environment: Environment = field(default_factory=Environment)
    telemetry: TelemetryTrace = field(default_factory=TelemetryTrace)
    stability: Stability = field(default_factory=Stability)
    contention: Contention = field(default_factory=Contention)
    provenance: Provenance = field(default_factory=Provenance)
    variants: tuple[Variant, ...] = field(default_factory=pair)
    syncs: tuple[SyncFinding, ...] = ()  # synchronisations found inside the loops, per variant
    syncs_checked: bool = False

    @property
    def baseline_name(self) -> str:
        return self.variants[0].name

    @property
    def headline_name(self) -> str:
        return self.variants[-1].name

    @property
    def variant_names(self) -> list[str]:
        return [v.name for v in self.variants]

    def variant(self, name: str) -> Variant:
        for v in self.variants:
            if v.name == name:
                return v
        raise KeyError(name)

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

    def all_round_speedups_of(self, name: str) -> list[tuple[int, float]]:
        """(round, baseline wall / this variant's wall) for every round run, settling ones included."""
        out = []
        base = self.baseline_name
        for i in sorted({r.round_index for r in self.runs}):
            both = {r.mode: r for r in self.runs if r.round_index == i}
            if base in both and name in both:
                out.append((i, both[base].wall_s / both[name].wall_s))
        return out

    def round_speedups_of(self, name: str) -> list[float]:
        counted = set(self.counted_rounds)
        return [x for i, x in self.all_round_speedups_of(name) if i in counted]

    def speedup_of(self, name: str) -> float:
        return summarize(self.round_speedups_of(name)).p50

    @cached_property
    def all_round_speedups(self) -> list[tuple[int, float]]:
        """(round, baseline wall / headline wall) for every round run, settling ones included."""
        return self.all_round_speedups_of(self.headline_name)

    @property
    def round_speedups(self) -> list[float]:
        """Baseline wall over headline wall for each counted round, in round order."""
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
    def _summaries(self) -> dict[str, ModeSummary]:
        return {name: _pool(self.mode_runs(name)) for name in self.variant_names}

    def summary_of(self, name: str) -> ModeSummary:
        return self._summaries[name]

    @property
    def serial(self) -> ModeSummary:
        return self.summary_of(self.baseline_name)

    @property
    def overlap(self) -> ModeSummary:
        return self.summary_of(self.headline_name)

    def prediction_of(self, name: str) -> Prediction:
        """G, L and C from the baseline's blocks, where nothing competes with the GPU or the host.

        A CUDA Graph variant brings its own G and L: replaying changes what launching costs,
        which is the whole point of it, while the baseline keeps its eager launches.
        """
        s, v = self.serial, self.variant(name)
        own = self.summary_of(name)
        g, l_ms = (own.g.mean, own.l.mean) if v.launch != self.variants[0].launch else (s.g.mean, s.l.mean)
        return predict_shape(g, l_ms, s.c.mean, s.l.mean, v.depth, v.workers)

    def ceiling_of(self, name: str) -> float:
        return self.prediction_of(name).ceiling

    def efficiency_of(self, name: str) -> float:
        return efficiency(self.speedup_of(name), self.ceiling_of(name))

    @cached_property
    def prediction(self) -> Prediction:
        """The headline variant's prediction; for the article's pair, serial against depth 2."""
        if len(self.variants) == 2 and self.variants[1] == Variant("overlap", depth=self.variants[1].depth):
            s = self.serial
            return predict(s.g.mean, s.l.mean, s.c.mean)
        return self.prediction_of(self.headline_name)

    @property
    def ceiling(self) -> float:
        return self.prediction.ceiling

    @property
    def efficiency(self) -> float:
        return efficiency(self.speedup, self.ceiling)

    def to_dict(self) -> dict[str, Any]:
        """Summary first, so a person opening the file reads the answer before the records."""
        from engine.read.report import summary

        return {
            "summary": summary(self),
            "schema_version": SCHEMA_VERSION,
            "provenance": asdict(self.provenance),
            "workload": self.workload.to_dict(),
            "device_kind": self.device_kind,
            "variants": [v.to_dict() for v in self.variants],
            "syncs_checked": self.syncs_checked,
            "syncs": [asdict(f) for f in self.syncs],
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
            variants=tuple(Variant.from_dict(v) for v in d["variants"]),
            syncs=tuple(SyncFinding(**f) for f in d.get("syncs", [])),
            syncs_checked=bool(d.get("syncs_checked", False)),
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
