"""The typed result that flows from the engine to the CLI and the charts.

Raw per-batch records are kept; every statistic is a property derived from them, so a result saved
as JSON and loaded again reports exactly the same numbers. A comparison holds any number of
variants against its first, the baseline; the card speaks of its last, the headline. Nothing here
knows a variant by name: callers ask for the baseline, the headline, or a variant by its name.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from engine.model.ceiling import Prediction, efficiency
from engine.model.letters import Costs
from engine.model.terms import terms_of
from engine.result.blocks import RunResult, TelemetryTrace, costs_of
from engine.result.circumstances import Calibration, Contention, Environment, Provenance, Stability
from engine.result.findings import SyncFinding
from engine.result.forecast import Forecast
from engine.result.schema import SCHEMA_VERSION, upgrade
from engine.result.stats import Summary, coefficient_of_variation, summarize
from engine.spec.sets import pair
from engine.spec.variants import Variant
from engine.spec.workload import Workload


@dataclass(frozen=True)
class VariantSummary:
    """One variant's blocks pooled over the counted rounds.

    `period_ms` is the one period: the counted blocks' wall over their batches, fill and drain
    included, so that period, throughput (images over the same wall) and speedup (the ratio of
    the same walls) can never disagree. The gaps between launches are a second timing, kept for
    their spread and shown only under their own name: a pool's launcher runs ahead into its
    backlog, and its median gap once read 1.3 ms beside a period of 8.7 ms."""

    period_ms: float
    launch_gap: Summary
    latency: Summary
    throughput_ips: float  # images over the summed wall time of every block
    wall_s: float
    g: Summary
    l: Summary  # noqa: E741 - L is the project's name for launch time
    c: Summary
    x: Summary  # the input's copy per batch, where the variant uploads one
    p: Summary  # the input's pre-processing per batch, where there is any

    @property
    def costs(self) -> Costs:
        """The mean costs by letter, as the cost model takes them."""
        return costs_of(self.g, self.l, self.c, self.x, self.p)


@dataclass(frozen=True)
class Comparison:
    """Variants measured against one baseline (the first), in rounds that rotate their order."""

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
    variant_set: str = ""  # the named set the variants came from; "" for a custom one
    forecast: Forecast | None = None  # a diagnosis's probe and its prediction for every rung

    @property
    def baseline(self) -> Variant:
        """The variant every other one is measured against: the serial loop."""
        return self.variants[0]

    @property
    def headline(self) -> Variant:
        """The variant the card speaks of: the article's overlap loop, or a ladder's top rung."""
        return self.variants[-1]

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

    def mode_runs(self, name: str) -> list[RunResult]:
        """A variant's blocks in the counted rounds."""
        counted = set(self.counted_rounds)
        return [r for r in self.runs if r.mode == name and r.round_index in counted]

    @property
    def rounds(self) -> int:
        return len({r.round_index for r in self.runs})

    @cached_property
    def _by_round(self) -> dict[int, dict[str, RunResult]]:
        """Each round's blocks by variant, grouped once: a file of 6,000 blocks spent 25 s
        scanning every block for every round."""
        out: dict[int, dict[str, RunResult]] = {}
        for r in self.runs:
            out.setdefault(r.round_index, {})[r.mode] = r
        return dict(sorted(out.items()))

    def _rounds_with(self, name: str) -> list[tuple[int, RunResult, RunResult]]:
        """(round, the baseline's block, this variant's block) for every round that ran both."""
        base = self.baseline.name
        return [
            (i, both[base], both[name]) for i, both in self._by_round.items() if base in both and name in both
        ]

    def all_round_speedups_of(self, name: str) -> list[tuple[int, float]]:
        """(round, baseline wall / this variant's wall) for every round run, settling ones included."""
        return [(i, _ratio(b.wall_s, v.wall_s)) for i, b, v in self._rounds_with(name)]

    def round_speedups_of(self, name: str) -> list[float]:
        counted = set(self.counted_rounds)
        return [x for i, x in self.all_round_speedups_of(name) if i in counted]

    def speedup_of(self, name: str) -> float:
        """The baseline's counted walls over this variant's, summed over the rounds that ran both.

        Blocks hold the same batches, so this is the ratio of the two periods and of the two
        throughputs: one estimator for all three, and the rotating rounds still weigh a
        drifting host on every variant alike. The rounds' spread (its CV) is the error bar."""
        if name == self.baseline.name:
            return 1.0
        counted = set(self.counted_rounds)
        pairs = [(b.wall_s, v.wall_s) for i, b, v in self._rounds_with(name) if i in counted]
        return _ratio(sum(b for b, _v in pairs), sum(v for _b, v in pairs)) if pairs else float("nan")

    def period_of(self, name: str) -> float:
        """A variant's period in ms: its counted blocks' wall over their batches."""
        return self.summary_of(name).period_ms

    def latency_ratio_of(self, name: str) -> float:
        """Median over the counted rounds of this variant's p50 end-to-end latency over the
        baseline's in the same round: paired by round like the speedup, so the card's throughput
        and latency changes come from one estimator and a drifting host weighs on both alike."""
        if name == self.baseline.name:
            return 1.0
        counted = set(self.counted_rounds)
        ratios = [
            v.latency.p50 / b.latency.p50
            for i, b, v in self._rounds_with(name)
            if i in counted and b.latency.p50 > 0
        ]
        return summarize(ratios).p50

    def speedup_cv_of(self, name: str) -> float:
        """Spread of a variant's counted per-round speedups; nan with one round (no spread seen)."""
        return coefficient_of_variation(self.round_speedups_of(name))

    @cached_property
    def all_round_speedups(self) -> list[tuple[int, float]]:
        """The headline's speedup in every round run, settling ones included."""
        return self.all_round_speedups_of(self.headline.name)

    @property
    def round_speedups(self) -> list[float]:
        return self.round_speedups_of(self.headline.name)

    @property
    def speedup(self) -> float:
        return self.speedup_of(self.headline.name)

    @property
    def speedup_cv(self) -> float:
        return self.speedup_cv_of(self.headline.name)

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
    def _summaries(self) -> dict[str, VariantSummary]:
        return {name: pooled(self.mode_runs(name)) for name in self.variant_names}

    def summary_of(self, name: str) -> VariantSummary:
        return self._summaries[name]

    @property
    def baseline_summary(self) -> VariantSummary:
        return self.summary_of(self.baseline.name)

    @property
    def headline_summary(self) -> VariantSummary:
        return self.summary_of(self.headline.name)

    def prediction_of(self, name: str) -> Prediction:
        """The variant against the baseline, from the baseline's costs (where nothing competes with
        the device or the host) and the variant's own where it changes them on purpose, for blocks
        of the steps this run measured (engine/model/terms.py says which)."""
        return predict_for(
            self.baseline_summary,
            self.summary_of(name),
            self.variant(name),
            self.baseline,
            self.workload.steps,
        )

    def ceiling_of(self, name: str) -> float:
        """The steady ceiling: what a long run of this variant tends to."""
        return self.prediction_of(name).ceiling

    def limit_of(self, name: str) -> float:
        """The block limit: the best speedup blocks of this run's steps allow, fill, drain and a
        pool's waves included. Every variant is held against this."""
        return self.prediction_of(name).limit

    def efficiency_of(self, name: str) -> float:
        """Share of the gain its block limit allows that a variant realised; nan for the baseline."""
        if name == self.baseline.name:
            return float("nan")
        return efficiency(self.speedup_of(name), self.limit_of(name))

    def block_limit_ms(self, run: RunResult) -> float:
        """The period a block's own mean costs allow it, for its own steps: its own limit."""
        return self._block_limits[id(run)]

    @cached_property
    def _block_limits(self) -> dict[int, float]:
        """Every block's own limit, played once: the tables, the chart and the sentences all ask."""
        out = {}
        for run in self.runs:
            v = self.variant(run.mode)
            out[id(run)] = prediction_from(run.costs, run.costs, v, v, len(run.steps)).limit_period_ms
        return out

    def schedule_efficiency(self, run: RunResult) -> float:
        """A block's own limit over the period it took: 1 when the loop did exactly what its own
        costs allow. A block whose C drifted still scores 1, because its limit uses the C it had;
        a loop that stalled scores below, and one faster than the model allows above."""
        return _ratio(self.block_limit_ms(run), run.period_ms)

    @property
    def prediction(self) -> Prediction:
        return self.prediction_of(self.headline.name)

    @property
    def ceiling(self) -> float:
        return self.prediction.ceiling

    @property
    def limit(self) -> float:
        return self.prediction.limit

    @property
    def efficiency(self) -> float:
        return self.efficiency_of(self.headline.name)

    def to_dict(self) -> dict[str, Any]:
        """The data itself; engine/read/document.py's `document` puts a summary for people first."""
        return {
            "schema_version": SCHEMA_VERSION,
            "provenance": asdict(self.provenance),
            "workload": self.workload.to_dict(),
            "device_kind": self.device_kind,
            "variant_set": self.variant_set,
            "variants": [v.to_dict() for v in self.variants],
            "syncs_checked": self.syncs_checked,
            "syncs": [asdict(f) for f in self.syncs],
            "calibration": asdict(self.calibration),
            "stability": asdict(self.stability),
            "contention": asdict(self.contention),
            "environment": asdict(self.environment),
            "telemetry": asdict(self.telemetry),
            "forecast": self.forecast.to_dict() if self.forecast is not None else None,
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
            telemetry=TelemetryTrace(**_known(TelemetryTrace, d.get("telemetry", {}))),
            stability=Stability(**_known(Stability, d.get("stability", {}))),
            contention=Contention(**_known(Contention, d.get("contention", {}))),
            provenance=Provenance(**_known(Provenance, d.get("provenance", {}))),
            variants=tuple(Variant.from_dict(v) for v in d["variants"]),
            syncs=tuple(SyncFinding(**f) for f in d.get("syncs", [])),
            syncs_checked=bool(d.get("syncs_checked", False)),
            variant_set=str(d.get("variant_set", "")),
            forecast=Forecast.from_dict(d["forecast"]) if d.get("forecast") else None,
        )

    @classmethod
    def from_json(cls, path: str | Path) -> Comparison:
        return cls.from_dict(json.loads(Path(path).read_text()))


def prediction_from(base: Costs, own: Costs, v: Variant, baseline: Variant, steps: int) -> Prediction:
    """The one way a variant and its costs become a prediction: the cost model's terms for both."""
    return Prediction(terms_of(v, own, base, like=baseline), terms_of(baseline, base), steps)


def predict_for(
    base: VariantSummary, own: VariantSummary, v: Variant, baseline: Variant, steps: int = 0
) -> Prediction:
    """A variant's prediction from the baseline's pooled blocks and its own: every ceiling and
    block limit, a finished result's and a running one's."""
    return prediction_from(base.costs, own.costs, v, baseline, steps)


def _known(cls: type, d: dict[str, Any]) -> dict[str, Any]:
    """A part's fields this version knows: a newer file may add some, which the gate lets pass
    (its known fields are checked) and this version cannot use."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")


def pooled(runs: list[RunResult]) -> VariantSummary:
    """Blocks of one variant as one summary: every step's spans, all walls and images together."""
    if not runs:
        empty = summarize([])
        nan = float("nan")
        return VariantSummary(nan, empty, empty, nan, 0.0, empty, empty, empty, empty, empty)
    steps = [s for r in runs for s in r.steps]
    wall = sum(r.wall_s for r in runs)
    images = sum(len(r.steps) * r.batch_size for r in runs)
    return VariantSummary(
        period_ms=_ratio(wall * 1e3, len(steps)),
        launch_gap=summarize([p for r in runs for p in r.launch_gaps_ms]),
        latency=summarize([s.latency_ms for s in steps]),
        throughput_ips=_ratio(images, wall),
        wall_s=wall,
        g=summarize([s.g_ms for s in steps]),
        l=summarize([s.l_ms for s in steps]),
        c=summarize([s.c_ms for s in steps]),
        x=summarize([s.x_ms for s in steps if s.copy_start_ns >= 0]),
        p=summarize([s.p_ms for s in steps if s.pre_start_ns >= 0]),
    )
