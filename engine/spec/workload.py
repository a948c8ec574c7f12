"""What to run: one frozen, validated description of a workload, and the named presets.

Every entry point (CLI flags, the lab's widgets, a JSON file) ends up here, so validation lives here
once and its messages name the field, the value and what is allowed. FIELDS holds each field's
bounds, label, unit and help once: validation, the CLI's --help and the lab's widgets all read it,
so a bound can never be one thing in a widget and another in the check.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, cast

from engine.errors import WorkloadError
from engine.spec.fields import DEVICE_ALLOWED, FieldSpec, check_all, replace
from engine.spec.loop import LOOP_ALLOWED

__all__ = ["FIELDS", "PRESETS", "Workload", "WorkloadError", "field_names", "preset"]

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
    "loop": "the article's loop for cpu_iterations iterations, the same loop in every variant",
    "article": "each of the article's scripts with its own loop: the overlap script's computes "
    "batch_id * 31 + i on every iteration and costs more",
    "ms": "host work of cpu_ms milliseconds",
    "match_g": "host work sized so that L + C = cpu_g_ratio x G, measured at run time",
}
CPU_FIXED_HELP = {
    "work": "fixed work: a loop length chosen once; honest about real post-processing, but C moves "
    "with the host's speed",
    "duration": "fixed duration: the loop runs until C has passed, so C holds still on a noisy host "
    "and the schedule, not the host, decides the speedup (with cpu_work=loop, C is the time this host "
    "takes for cpu_iterations of the loop, timed when the run starts)",
}
MAX_BATCH = 4096
MAX_STEPS = 100_000


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
        "measured batches per block (one run of one variant)",
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
    "pre_ms": FieldSpec(
        "CPU pre-processing per batch",
        "host work that makes each batch's input (decode, resize), held for this long: on the "
        "launching thread before each launch, or in a prefetching pool where a variant has one; 0: none",
        "ms",
        low=0.0,
        high=10_000.0,
        step=1.0,
    ),
    "device": FieldSpec("Device", "auto picks cuda when present, else the CPU stand-in; " + DEVICE_ALLOWED),
    "loop": FieldSpec(
        "Loop",
        "a loop of your own instead of the built-in model and CPU work: its model, batch and "
        "post-processing come from the factory, so model, precision and the CPU-work fields are not used",
        rule=LOOP_ALLOWED,
    ),
}


@dataclass(frozen=True)
class Workload:
    model: str = "vit_b_16"  # torchvision classifier, built with weights=None (latency ignores weights)
    batch_size: int = 10  # images per forward pass; the article uses 10
    steps: int = 50  # measured iterations per block (one run of one variant)
    warmup_steps: int = 1  # forwards run before timing, to pay for cuDNN/cuBLAS set-up
    precision: str = "fp32"  # fp32 as in the article; bf16/fp16 shrink G
    cpu_work: str = "loop"  # loop / article: fixed iterations; ms: a time; match_g: L + C = ratio x G
    cpu_fixed: str = "work"  # work: an iteration count (C moves with the host); duration: C holds still
    cpu_iterations: int = 500_000  # used by cpu_work=loop; the article's loop length
    cpu_ms: float = 10.0  # used by cpu_work=ms
    cpu_g_ratio: float = 1.0  # used by cpu_work=match_g; 1.0 balances host and device
    pre_ms: float = 0.0  # host pre-processing per batch (held for this long); 0: inputs need none
    device: str = "auto"  # auto picks cuda when present, else the CPU stand-in
    loop: str = ""  # a user's loop (registered name or module:function); "" runs the built-in model

    def __post_init__(self) -> None:
        check_all(self, FIELDS)
        if self.cpu_fixed == "duration" and self.cpu_work == "article":
            raise WorkloadError(
                "cpu_fixed",
                self.cpu_fixed,
                "work when cpu_work='article' (the two scripts' loops differ in the work they do, "
                "which a fixed duration would erase); use cpu_work=loop to hold the loop's time",
            )

    def replace(self, **changes: Any) -> Workload:
        """A copy with some fields changed, validated again; unknown names are an error too."""
        return cast(Workload, replace(self, FIELDS, **changes))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Workload:
        return cls().replace(**data)

    def at_ratio(self, ratio: float) -> Workload:
        """One point of a G/C sweep: host work held for a fixed duration at L + C = ratio x G, so
        the host's mood does not move the point."""
        return self.replace(cpu_work="match_g", cpu_fixed="duration", cpu_g_ratio=ratio)

    def describe(self) -> str:
        """The workload in one line: the loop's name, or the built-in model and its CPU work."""
        if self.loop:
            return f"loop {self.loop}, batch {self.batch_size}"
        pre = f", pre-processing {self.pre_ms:g} ms" if self.pre_ms else ""
        return f"{self.model}, batch {self.batch_size}, {self.precision}, {self.describe_cpu_work()}{pre}"

    def describe_cpu_work(self) -> str:
        if self.cpu_work == "loop" and self.cpu_fixed == "duration":
            return f"loop held for the time {self.cpu_iterations:,} iterations take on this host"
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


PRESETS: dict[str, Workload] = {
    # The article's workload: ViT-B/16, batch 10, fp32, 50 steps, the 500,000-iteration loop, with the
    # same loop in every variant so that only the schedule differs.
    "seed": Workload(),
    # The article's two scripts as published: the overlap script's loop does more arithmetic.
    "article": Workload(cpu_work="article"),
    # The seed's case with C held at what the article's loop costs on this host, timed when the run
    # starts: the same small ceiling, without the host's mood moving it from round to round. The
    # lab's first click on a GPU box: 30 steps a block keep three rounds under 40 s where the loop
    # takes 120 ms (an H200 box whose host ran it at 108 to 120 ms took 38 to 42 s with 50).
    "seed-steady": Workload(cpu_fixed="duration", steps=30),
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
GPU_PRESET = "seed-steady"  # the first run on a GPU box, in the lab and the CLI
STANDIN_PRESET = "cpu-demo"  # the first run on the CPU stand-in
PRESET_NOTES: dict[str, str] = {
    "seed": "The article's workload as fixed work: the 500,000-iteration loop in every variant, so C "
    "moves with the host and one click can read 0.94x and the next 1.24x; the noisy one.",
    "article": "The article's two scripts as published: the overlap script's loop costs more per batch.",
    "seed-steady": "The article's workload (ViT-B/16, batch 10, fp32) with C held at what its "
    "500,000-iteration loop takes on this host, 30 steps a block: its small ceiling, steadily.",
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
