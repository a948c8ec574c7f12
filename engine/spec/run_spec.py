"""How to run a workload: which set of variants, how many rounds, the stability gate, telemetry,
a trace, and whether to keep the result. Beside Workload, which says what to run.

These settings used to be spread over sixteen keyword arguments, the CLI's flags, the lab's
session keys and the links, each with its own spelling of "3 rounds" and its own bounds. One
frozen spec, with a FieldSpec per field, is what the CLI's flags, the lab's widgets and the links
all read and what the engine runs. The pair's depth lives here and only here: every other set
fixes its own depths, so a depth the set would not use is refused rather than silently ignored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

from engine.errors import WorkloadError
from engine.spec.fields import FieldSpec, check, kinds, replace
from engine.spec.sets import SETS, VariantSet, variant_set
from engine.spec.variants import MAX_DEPTH, Variant

DEFAULT_ROUNDS = 3
DEFAULT_STABLE_ROUNDS = 20  # the most rounds a run until stable may take, unless told
STABLE_WINDOW = 4  # rounds judged together by the stability gate: two AB/BA pairs
MAX_ROUNDS = 50
MAX_RATIOS = 20
RATIO_LOW, RATIO_HIGH = 0.05, 20.0
TELEMETRY_MODES = ("process", "thread", "off")

RUN_FIELDS: dict[str, FieldSpec] = {
    "variants": FieldSpec(
        "Compare",
        "what to compare: " + "; ".join(f"{s.name}: {s.help}" for s in SETS.values()),
        choices=tuple(SETS),
    ),
    "depth": FieldSpec(
        "Queue depth",
        "batches held in the pair's deque: 2 is the article's overlap; the other sets fix their own",
        "batches",
        low=2,
        high=MAX_DEPTH,
        step=1,
        widget_high=8,
    ),
    "rounds": FieldSpec(
        "Rounds",
        f"rounds to run, each one block of every variant in rotating order (default {DEFAULT_ROUNDS}); "
        f"with until_stable, the most to run (default {DEFAULT_STABLE_ROUNDS})",
        "rounds",
        low=1,
        high=MAX_ROUNDS,
        step=1,
        widget_high=10,
    ),
    "until_stable": FieldSpec(
        "Run until stable",
        f"run rounds until the last {STABLE_WINDOW} per-round speedups spread by at most target_cv_pct, "
        f"or a budget runs out; the headline then counts those {STABLE_WINDOW} rounds",
    ),
    "target_cv_pct": FieldSpec(
        "Stable within",
        "the spread (CV) the last rounds must reach to be called stable",
        "%",
        low=0.1,
        high=50.0,
        step=0.5,
    ),
    "max_time_s": FieldSpec(
        "Time budget",
        "with until_stable, stop adding rounds after this long",
        "s",
        low=1.0,
        high=86_400.0,
        step=60.0,
    ),
    "telemetry": FieldSpec(
        "Telemetry",
        "how NVML and per-core CPU are sampled: in a separate process (default), a thread of this "
        "one (to measure what that costs), or off",
        choices=TELEMETRY_MODES,
    ),
    "trace": FieldSpec(
        "Record a profiler trace",
        "after the rounds, each variant runs once more (untimed) under torch.profiler, with launch, "
        "wait, read and post as named ranges",
    ),
    "nvtx": FieldSpec("NVTX ranges", "NVTX ranges around every phase, for `nsys profile` (CUDA)"),
    "save": FieldSpec(
        "Keep in the history",
        "keep the result in the box's history, where the lab and `show` open it",
    ),
    "ratios": FieldSpec(
        "Ratios",
        "(L + C) / G at each point of a sweep, comma-separated; the CPU work is held for a fixed "
        "duration, so every point is steady",
        low=RATIO_LOW,
        high=RATIO_HIGH,
    ),
}
RATIOS_ALLOWED = (
    f"comma-separated numbers from {RATIO_LOW:g} to {RATIO_HIGH:g}, e.g. 0.25,0.5,1,2,4 "
    f"(at most {MAX_RATIOS} of them)"
)


@dataclass(frozen=True)
class RunSpec:
    variants: str = "pair"  # a set from engine/spec/sets.py; "sweep" runs one pair per ratio
    depth: int = 2  # the pair's deque depth; every other set fixes its own
    rounds: int | None = None  # None: 3, or at most 20 until stable
    until_stable: bool = False  # rounds until the last 4 agree, within a budget
    target_cv_pct: float = 3.0  # per-round speedups within this spread are called stable
    max_time_s: float = 600.0  # the until-stable budget in seconds of measuring
    telemetry: str = "process"  # a separate process: a thread would fight the loop for the GIL
    trace: bool = False  # a torch.profiler trace of one more block per variant, untimed
    nvtx: bool = False  # NVTX ranges around every phase, for nsys
    save: bool = True  # keep the result in the box's history
    ratios: tuple[float, ...] = ()  # a sweep's (L + C) / G points; () takes the set's own

    def __post_init__(self) -> None:
        for name, kind in kinds(RunSpec).items():
            if name != "ratios":  # a tuple: checked as a whole below
                check(RUN_FIELDS, name, getattr(self, name), kind)
        chosen = variant_set(self.variants)
        if self.depth != 2 and not chosen.takes_depth:
            raise WorkloadError(
                "depth",
                self.depth,
                f"2 with variants={self.variants}: only the pair takes a depth"
                + ("; this set measures depths 2 to 8 itself" if self.variants == "depth" else ""),
            )
        if self.until_stable and self.rounds is not None and not STABLE_WINDOW <= self.rounds <= MAX_ROUNDS:
            raise WorkloadError(
                "rounds",
                self.rounds,
                f"with until_stable, a whole number from {STABLE_WINDOW} to {MAX_ROUNDS}: "
                "the most rounds to run",
            )
        self._check_ratios(chosen)
        if self.trace and chosen.sweep:
            raise WorkloadError("trace", self.trace, "false with variants=sweep: a sweep records no trace")

    def _check_ratios(self, chosen: VariantSet) -> None:
        if not self.ratios:
            return
        ok = isinstance(self.ratios, tuple) and 0 < len(self.ratios) <= MAX_RATIOS
        numbers = ok and all(isinstance(r, int | float) and not isinstance(r, bool) for r in self.ratios)
        if not numbers or not all(RATIO_LOW <= r <= RATIO_HIGH for r in self.ratios):
            raise WorkloadError("ratios", self.ratios, RATIOS_ALLOWED)
        if not chosen.sweep:
            raise WorkloadError("ratios", self.ratios, f"none with variants={self.variants}: only a sweep")

    @property
    def set(self) -> VariantSet:
        return variant_set(self.variants)

    @property
    def planned_rounds(self) -> int:
        """Rounds to run, or with until_stable the most to run."""
        if self.rounds is not None:
            return self.rounds
        return DEFAULT_STABLE_ROUNDS if self.until_stable else DEFAULT_ROUNDS

    @property
    def sweep_ratios(self) -> tuple[float, ...]:
        return self.ratios or self.set.ratios

    def variants_for(self, on_gpu: bool, cores: int | None = None) -> tuple[Variant, ...]:
        """The set's variants on this device and box (`cores`: this process's unless told); a set
        that needs CUDA is refused by its name."""
        chosen = self.set
        if chosen.gpu_only and not on_gpu:
            runnable = ", ".join(name for name, s in SETS.items() if not s.gpu_only)
            raise WorkloadError(
                "variants",
                self.variants,
                f"one of {runnable}: {self.variants} needs a CUDA GPU, not the CPU stand-in",
            )
        return chosen.variants(self.depth, on_gpu, cores)

    def replace(self, **changes: Any) -> RunSpec:
        return cast(RunSpec, replace(self, RUN_FIELDS, **changes))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def loop_sets(on_gpu: bool, cores: int | None = None) -> list[str]:
    """The sets a loop can run: those whose every rung reads each output back. A loop's post is
    handed the batch's output on the host; a rung that leaves it on the device (the pair's deque)
    has nothing to hand over."""
    out = []
    for name, s in SETS.items():
        if s.gpu_only and not on_gpu:
            continue
        if all(v.readback != "none" for v in s.variants(1, on_gpu, cores)):
            out.append(name)
    return out


def parse_ratios(text: str) -> tuple[float, ...]:
    """A sweep's ratios from comma-separated text, as the CLI and a link give them."""
    try:
        ratios = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise WorkloadError("ratios", text, RATIOS_ALLOWED) from None
    if not ratios or len(ratios) > MAX_RATIOS or not all(RATIO_LOW <= r <= RATIO_HIGH for r in ratios):
        raise WorkloadError("ratios", text, RATIOS_ALLOWED)
    return ratios
