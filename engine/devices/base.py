"""The seams between the loop shapes and whatever runs the forward passes and the post-processing.

Launching, waiting and reading back device spans are separate calls so that a runner can put host
work between them, and so that tests can drive the runners with a device of fixed, known costs.
Every device implements the whole of `Device`, readbacks and launch modes included: a runner never
asks whether a call exists, and a new device cannot forget one without mypy saying so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from engine.errors import DeviceError
from engine.spec.loop import Loop

__all__ = ["Device", "DeviceError", "Pool", "PostProcess"]

PostProcess = Callable[[int, Any], object]  # (step, output or handle) -> the loop iterations it ran


class Device(Protocol):
    kind: str  # "cuda", "standin" or "ideal"
    loop: Loop | None  # the user's loop this device runs, or None for the built-in model
    compile_s: float | None  # torch.compile's time to a replaying forward; None where none compiled

    @property
    def nvml_index(self) -> int | None:
        """NVML's index of the card this device runs on, for telemetry and the contention check
        (not torch's: CUDA_VISIBLE_DEVICES renumbers those); None without a CUDA card."""
        ...

    def start_block(self) -> None:
        """Called before each timed block: re-align clocks, clear per-block state."""

    def set_variant(self, readback: str, launch: str, precision: str = "", upload: str = "none") -> None:
        """How the next blocks read outputs back (none, naive, pinned), launch (eager, graph), at
        which precision they run ("": the workload's) and how each batch's input is uploaded
        (none, pageable, pinned, side). Anything slow (capturing a graph, building a model of
        another precision, pinning host buffers) happens here, never inside a timed block."""

    def upload(self, step: int) -> None:
        """Send this step's input, made on the host, to the device the way `set_variant` chose;
        the next `launch` computes on it."""

    def copy_span_ns(self, handle: Any) -> tuple[int, int]:
        """Start and end of the batch's input copy on the device, on the host clock; (-1, -1)
        where it uploaded nothing."""
        ...

    def launch(self, step: int) -> Any:
        """Enqueue one batch's forward pass and return a handle without waiting for it."""

    def wait(self, handle: Any) -> None:
        """Block until that batch's device work is done."""

    def read(self, handle: Any) -> Any:
        """The batch's output on the host, read the way `set_variant` chose."""

    def synchronize(self) -> None:
        """Block until everything enqueued so far is done (the drain at the end of a run)."""

    def device_span_ns(self, handle: Any) -> tuple[int, int]:
        """Start and end of the batch's device work on the host clock; valid after it finished."""

    def release(self, handle: Any) -> None:
        """Drop the batch's output buffers once post-processed; its span must stay readable."""

    def close(self) -> None:
        """Free per-run buffers and helpers (worker processes, GPU memory); safe to call twice."""


class Pool(Protocol):
    """Post-processing outside the launching thread; results carry the worker's own clock."""

    def use(self, workers: int, post: PostProcess) -> None:
        """The next block's pool: its first `workers` workers, each running `post` per task."""

    def submit(self, step: int, payload: Any) -> None: ...

    def collect(self, block: bool) -> list[tuple[int, int, int, int]]:
        """Finished tasks as (step, post_start_ns, post_end_ns, iterations); with block, at least one."""
        ...

    @property
    def pending(self) -> int: ...

    def close(self) -> None: ...
