"""What to run: one frozen, validated description of a workload, and the named presets.

Every entry point (CLI flags, the lab's widgets, a JSON file) ends up here, so validation lives here
once and its messages name the field, the value and what is allowed. FIELDS holds each field's
bounds, label, unit and help once: validation, the CLI's --help and the lab's widgets all read it,
so a bound can never be one thing in a widget and another in the check.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from engine.errors import WorkloadError

__all__ = ["PRESETS", "Workload", "WorkloadError", "field_names", "preset"]

# Classification models that torchvision builds offline with weights=None and that take a
# 3x224x224 input. An allow-list, because the name reaches getattr() on a module.
MODELS: tuple[str, ...] = (
    "vit_b_16",
    "vit_b_32",
    "resnet18",
    "resnet50",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
    "efficientnet_b0",
    "convnext_tiny",
)
PRECISIONS: tuple[str, ...] = ("fp32", "bf16", "fp16")
CPU_WORK_KINDS: tuple[str, ...] = ("loop", "article", "ms", "match_g")
CPU_FIXED_KINDS: tuple[str, ...] = ("work", "duration")
# What each CPU-work setting means, for --help and the lab's widgets.
CPU_WORK_HELP = {
    "loop": "the article's loop for cpu_iterations iterations, the same loop in both modes",
    "article": "each of the article's scripts with its own loop: the overlap script's computes "
    "batch_id * 31 + i on every iteration and costs more",
    "ms": "host work of cpu_ms milliseconds",
    "match_g": "host work sized so that L + C = cpu_g_ratio x G, measured at run time",
}
CPU_FIXED_HELP = {
    "work": "fixed work: a loop length chosen once; honest about real post-processing, but C moves "
    "with the host's speed",
    "duration": "fixed duration: the loop runs until C has passed, so C holds still on a noisy host "
    "and the schedule, not the host, decides the speedup",
}
# Full match, ASCII digits, no leading zeros: "cuda:00", "cuda:٣" and "cpu\n" are not devices.
_DEVICE_RE = re.compile(r"auto|cpu|cuda|cuda:(?:0|[1-9][0-9]?)", re.ASCII)
DEVICE_ALLOWED = "one of auto, cpu, cuda, cuda:N (N a plain number from 0 to 99)"

MAX_BATCH = 4096
MAX_STEPS = 100_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class FieldSpec:
    label: str  # the lab's widget label
    help: str  # the CLI's --help and the widget's tooltip
    unit: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None  # the widget's step
    widget_high: float | None = None  # a slider's end, where the full range would be unreadable

    @property
    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if isinstance(self.low, int) and isinstance(self.high, int):
            return f"a whole number from {self.low:,} to {self.high:,}"
        return f"a number from {self.low:g} to {self.high:g}"

    @property
    def widget_label(self) -> str:
        return f"{self.label} ({self.unit})" if self.unit else self.label


FIELDS: dict[str, FieldSpec] = {
    "model": FieldSpec(
        "Model",
        "torchvision classifier, built with weights=None: latency does not depend on weights",
        choices=MODELS,
    ),
    "batch_size": FieldSpec(
        "Batch size", "images per forward pass; the article uses 10", "images", low=1, high=MAX_BATCH, step=1
    ),
    "steps": FieldSpec(
        "Steps per block",
        "measured batches per block (one serial or one overlap run)",
        "batches",
        low=2,
        high=MAX_STEPS,
        step=10,
    ),
    "warmup_steps": FieldSpec(
        "Warm-up steps",
        "forwards run before timing, to pay for cuDNN/cuBLAS set-up",
        "batches",
        low=0,
        high=1000,
        step=1,
    ),
    "precision": FieldSpec("Precision", "fp32 as in the article; bf16 and fp16 shrink G", choices=PRECISIONS),
    "cpu_work": FieldSpec(
        "CPU work",
        "how much CPU work per batch: " + "; ".join(f"{k}: {v}" for k, v in CPU_WORK_HELP.items()),
        choices=CPU_WORK_KINDS,
    ),
    "cpu_fixed": FieldSpec(
        "Held as",
        "how the CPU work is held: "
        + "; ".join(f"{k}: {v}" for k, v in CPU_FIXED_HELP.items())
        + ". Both exist because real post-processing is fixed work, while a demo or a talk needs a "
        "speedup that the schedule decides, not the host's mood",
        choices=CPU_FIXED_KINDS,
    ),
    "cpu_iterations": FieldSpec(
        "Loop length",
        "loop length for cpu_work loop and article; the article's is 500,000",
        "iterations",
        low=0,
        high=100_000_000,
        step=50_000,
    ),
    "cpu_ms": FieldSpec(
        "CPU work per batch", "the C aimed at by cpu_work ms", "ms", low=0.0, high=10_000.0, step=1.0
    ),
    "cpu_g_ratio": FieldSpec(
        "L + C as a multiple of G",
        "what cpu_work match_g aims at; 1.0 balances host and device",
        "x G",
        low=0.0,
        high=100.0,
        step=0.1,
    ),
    "depth": FieldSpec(
        "Queue depth",
        "batches held in the deque; 1 is the serial loop, 2 the article's overlap",
        "batches",
        low=1,
        high=MAX_DEPTH,
        step=1,
        widget_high=8,
    ),
    "device": FieldSpec("Device", "auto picks cuda when present, else the CPU stand-in; " + DEVICE_ALLOWED),
}


@dataclass(frozen=True)
class Workload:
    model: str = "vit_b_16"  # torchvision classifier, built with weights=None (latency ignores weights)
    batch_size: int = 10  # images per forward pass; the article uses 10
    steps: int = 50  # measured iterations per block (one serial or one overlap run)
    warmup_steps: int = 1  # forwards run before timing, to pay for cuDNN/cuBLAS set-up
    precision: str = "fp32"  # fp32 as in the article; bf16/fp16 shrink G
    cpu_work: str = "loop"  # loop / article: fixed iterations; ms: a time; match_g: L + C = ratio x G
    cpu_fixed: str = "work"  # work: an iteration count (C moves with the host); duration: C holds still
    cpu_iterations: int = 500_000  # used by cpu_work=loop; the article's loop length
    cpu_ms: float = 10.0  # used by cpu_work=ms
    cpu_g_ratio: float = 1.0  # used by cpu_work=match_g; 1.0 balances host and device
    depth: int = 2  # batches held in the deque; 1 is the serial loop
    device: str = "auto"  # auto picks cuda when present, else the CPU stand-in

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            check_field(f.name, getattr(self, f.name), str(f.type))
        if self.cpu_fixed == "duration" and self.cpu_work in ("loop", "article"):
            raise WorkloadError(
                "cpu_fixed",
                self.cpu_fixed,
                f"work when cpu_work={self.cpu_work!r} (an iteration count is fixed work); "
                "use cpu_work=ms or match_g for a fixed duration",
            )

    def replace(self, **changes: Any) -> Workload:
        """A copy with some fields changed, validated again; unknown names are an error too."""
        unknown = sorted(set(changes) - set(field_names()))
        if unknown:
            raise WorkloadError(
                unknown[0], changes[unknown[0]], "a Workload field: " + ", ".join(field_names())
            )
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        return cls().replace(**data)

    def describe_cpu_work(self) -> str:
        if self.cpu_work == "loop":
            return f"{self.cpu_iterations:,} loop iterations"
        if self.cpu_work == "article":
            return f"{self.cpu_iterations:,} iterations of each article script's own loop"
        target = f"{self.cpu_ms:g} ms" if self.cpu_work == "ms" else f"L + C = {self.cpu_g_ratio:g} x G"
        if self.cpu_fixed == "duration":
            return f"loop held for a fixed duration, {target}"
        return f"loop calibrated once to {target}"


def field_names() -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(Workload))


def check_field(name: str, value: Any, kind: str) -> None:
    """One field against its FieldSpec: a choice, a whole number, a number, or the device grammar.

    Alone, without the rules that tie fields together (those are checked in Workload itself)."""
    spec = FIELDS[name]
    if name == "device":
        ok = isinstance(value, str) and _DEVICE_RE.fullmatch(value) is not None
        allowed = DEVICE_ALLOWED
    elif spec.choices:
        ok = isinstance(value, str) and value in spec.choices
        allowed = spec.allowed
    else:
        assert spec.low is not None and spec.high is not None
        types: tuple[type, ...] = (int,) if kind == "int" else (int, float)
        number = isinstance(value, types) and not isinstance(value, bool)
        ok = number and spec.low <= float(value) <= spec.high
        allowed = spec.allowed
    if not ok:
        raise WorkloadError(name, value, allowed)


PRESETS: dict[str, Workload] = {
    # The article's workload: ViT-B/16, batch 10, fp32, 50 steps, the 500,000-iteration loop, with the
    # same loop in both modes so that only the schedule differs.
    "seed": Workload(),
    # The article's two scripts as published: the overlap script's loop does more arithmetic.
    "article": Workload(cpu_work="article"),
    # The seed's case with C held at 75 ms (the loop's typical cost on an H100 box): the same small
    # ceiling, without the host's mood moving it from run to run.
    "seed-steady": Workload(cpu_work="ms", cpu_ms=75.0, cpu_fixed="duration"),
    # Host work (L + C) set at run time to the measured G and held there by fixed-duration work. The
    # ceiling is then 2 - L/G, so the batch is large enough for G to dwarf the ~6 ms launch of ViT-B/16
    # (at batch 10 it would be 1.4x).
    "balanced": Workload(
        batch_size=128, cpu_work="match_g", cpu_g_ratio=1.0, cpu_fixed="duration", warmup_steps=5
    ),
    # Sized for the CPU stand-in: one core runs the model (~50-150 ms a batch), the other the loop.
    "cpu-demo": Workload(
        model="resnet18",
        batch_size=2,
        steps=12,
        warmup_steps=2,
        cpu_work="match_g",
        cpu_fixed="duration",
        device="auto",
    ),
}
PRESET_NOTES: dict[str, str] = {
    "seed": "The article's workload: ViT-B/16, batch 10, fp32, the 500,000-iteration loop in both modes.",
    "article": "The article's two scripts as published: the overlap script's loop costs more per batch.",
    "seed-steady": "The seed's case with C held at 75 ms (fixed duration): its small ceiling, steadily.",
    "balanced": "ViT-B/16 at batch 128, L + C held at the measured G (fixed duration): ceiling near 2x.",
    "cpu-demo": "A small model sized for the CPU stand-in, L + C held at G: ceiling near 2x.",
}
# Which presets are sized for a CUDA GPU, and what each asks of the host against the device. A link
# to a GPU preset on a machine without CUDA opens cpu-demo, and must say honestly what that changes.
PRESET_CASE: dict[str, str] = {
    "seed": "host-heavy",
    "article": "host-heavy",
    "seed-steady": "host-heavy",
    "balanced": "balanced",
    "cpu-demo": "balanced",
}


def preset(name: str) -> Workload:
    if name not in PRESETS:
        raise WorkloadError("preset", name, "one of " + ", ".join(PRESETS))
    return PRESETS[name]
