"""What to run: one frozen, validated description of a workload, and the named presets.

Every entry point (CLI flags, the lab's widgets, a JSON file) ends up here, so validation lives here
once and its messages name the field, the value and what is allowed.
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
        _check_choice("model", self.model, MODELS)
        _check_int("batch_size", self.batch_size, 1, MAX_BATCH)
        _check_int("steps", self.steps, 2, MAX_STEPS)
        _check_int("warmup_steps", self.warmup_steps, 0, 1000)
        _check_choice("precision", self.precision, PRECISIONS)
        _check_choice("cpu_work", self.cpu_work, CPU_WORK_KINDS)
        _check_choice("cpu_fixed", self.cpu_fixed, CPU_FIXED_KINDS)
        if self.cpu_fixed == "duration" and self.cpu_work in ("loop", "article"):
            raise WorkloadError(
                "cpu_fixed",
                self.cpu_fixed,
                f"work when cpu_work={self.cpu_work!r} (an iteration count is fixed work); "
                "use cpu_work=ms or match_g for a fixed duration",
            )
        _check_int("cpu_iterations", self.cpu_iterations, 0, 100_000_000)
        _check_float("cpu_ms", self.cpu_ms, 0.0, 10_000.0)
        _check_float("cpu_g_ratio", self.cpu_g_ratio, 0.0, 100.0)
        _check_int("depth", self.depth, 1, MAX_DEPTH)
        if not isinstance(self.device, str) or not _DEVICE_RE.fullmatch(self.device):
            raise WorkloadError("device", self.device, DEVICE_ALLOWED)

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


def _check_choice(field: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise WorkloadError(field, value, "one of " + ", ".join(allowed))


def _check_int(field: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise WorkloadError(field, value, f"a whole number from {low:,} to {high:,}")


def _check_float(field: str, value: Any, low: float, high: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
    if not ok:
        raise WorkloadError(field, value, f"a number from {low:g} to {high:g}")


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
