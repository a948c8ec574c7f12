"""What to run: one frozen, validated description of a workload, and the named presets.

Every entry point (CLI flags, the lab's widgets, a JSON file) ends up here, so validation lives here
once and its messages name the field, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

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
CPU_WORK_KINDS: tuple[str, ...] = ("loop", "ms", "match_g")
_DEVICE_RE = re.compile(r"^(auto|cpu|cuda|cuda:\d+)$")

MAX_BATCH = 4096
MAX_STEPS = 100_000
MAX_DEPTH = 64


class WorkloadError(ValueError):
    """A field holds a value the engine cannot run; the message says which and what is allowed."""

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}={value!r} is not allowed: {allowed}")


@dataclass(frozen=True)
class Workload:
    model: str = "vit_b_16"  # torchvision classifier, built with weights=None (latency ignores weights)
    batch_size: int = 10  # images per forward pass; the article uses 10
    steps: int = 50  # measured iterations per block (one serial or one overlap run)
    warmup_steps: int = 1  # forwards run before timing, to pay for cuDNN/cuBLAS set-up
    precision: str = "fp32"  # fp32 as in the article; bf16/fp16 shrink G
    cpu_work: str = "loop"  # loop: fixed iterations; ms: calibrated to a time; match_g: L + C = ratio x G
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
        _check_int("cpu_iterations", self.cpu_iterations, 0, 100_000_000)
        _check_float("cpu_ms", self.cpu_ms, 0.0, 10_000.0)
        _check_float("cpu_g_ratio", self.cpu_g_ratio, 0.0, 100.0)
        _check_int("depth", self.depth, 1, MAX_DEPTH)
        if not isinstance(self.device, str) or not _DEVICE_RE.match(self.device):
            raise WorkloadError("device", self.device, "one of auto, cpu, cuda, cuda:N")

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
        if self.cpu_work == "ms":
            return f"loop calibrated to {self.cpu_ms:g} ms"
        return f"loop calibrated so L + C = {self.cpu_g_ratio:g} x G"


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
    # The article's workload exactly: ViT-B/16, batch 10, fp32, 50 steps, the 500,000-iteration loop.
    "seed": Workload(),
    # Host work (L + C) calibrated at run time to the measured G. The ceiling is then 2 - L/G, so the
    # batch is large enough for G to dwarf the ~6 ms launch of ViT-B/16 (at batch 10 it would be 1.4x).
    "balanced": Workload(batch_size=128, cpu_work="match_g", cpu_g_ratio=1.0, warmup_steps=5),
    # Sized for the CPU stand-in: one core runs the model (~50-150 ms a batch), the other the loop.
    "cpu-demo": Workload(
        model="resnet18", batch_size=2, steps=12, warmup_steps=2, cpu_work="match_g", device="auto"
    ),
}
PRESET_NOTES: dict[str, str] = {
    "seed": "The article's scripts: ViT-B/16, batch 10, fp32, 500,000-iteration Python loop.",
    "balanced": "ViT-B/16 at batch 128, host work (L + C) calibrated to the measured G: ceiling near 2x.",
    "cpu-demo": "A small model sized for the CPU stand-in, host work matched to G: ceiling near 2x.",
}


def preset(name: str) -> Workload:
    if name not in PRESETS:
        raise WorkloadError("preset", name, "one of " + ", ".join(PRESETS))
    return PRESETS[name]
