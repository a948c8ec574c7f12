"""The seam between the loop shapes and whatever runs the forward passes.

Launching, waiting and reading back device spans are separate calls so that a runner can put host
work between them, and so that tests can drive the runners with a device of fixed, known costs.
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.errors import DeviceError

__all__ = ["Device", "DeviceError"]


class Device(Protocol):
    kind: str  # "cuda", "standin" or "ideal"

    def start_block(self) -> None:
        """Called before each timed block: re-align clocks, clear per-block state."""

    def launch(self, step: int) -> Any:
        """Enqueue one batch's forward pass and return a handle without waiting for it."""

    def wait(self, handle: Any) -> None:
        """Block until that batch's device work is done."""

    def synchronize(self) -> None:
        """Block until everything enqueued so far is done (the drain at the end of a run)."""

    def device_span_ns(self, handle: Any) -> tuple[int, int]:
        """Start and end of the batch's device work on the host clock; valid after it finished."""

    def release(self, handle: Any) -> None:
        """Drop the batch's output buffers once post-processed; its span must stay readable."""

    def close(self) -> None:
        """Free per-run buffers and helpers (worker processes, GPU memory); safe to call twice."""
