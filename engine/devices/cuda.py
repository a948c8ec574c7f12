"""A CUDA GPU: asynchronous launches, CUDA events around each batch, one host/device timeline.

Each batch gets a start and an end event on the current stream. After a block they are read
against a reference event whose host time is known to within a few microseconds, which puts the
device spans on the same perf_counter_ns clock as the host spans.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from engine.devices.base import DeviceError
from engine.models import IMAGE_SHAPE, build_model, torch_dtype
from engine.workload import Workload

_ALIGN_TRIES = 7


@dataclass
class CudaBatch:
    step: int
    output: Any
    start: Any  # torch.cuda.Event
    end: Any


def oom_message(workload: Workload, where: str) -> str:
    return (
        f"out of GPU memory {where} with batch_size={workload.batch_size} "
        f"({workload.model}, {workload.precision}); try a smaller batch_size or bf16/fp16"
    )


class CudaDevice:
    kind = "cuda"

    def __init__(self, workload: Workload, device: str) -> None:
        import torch

        self._torch = torch
        self.workload = workload
        self.device = torch.device(device)
        torch.cuda.set_device(self.device)
        self._ref_event: Any = None
        self._ref_ns = 0
        self._inputs: Any = None
        try:
            self.model = build_model(workload.model, str(self.device), workload.precision)
            self._inputs = torch.randn(
                workload.batch_size, *IMAGE_SHAPE, device=self.device, dtype=torch_dtype(workload.precision)
            )
        except torch.cuda.OutOfMemoryError as exc:
            self.close()
            raise DeviceError(oom_message(workload, "while loading the model and inputs")) from exc
        self.start_block()

    def start_block(self) -> None:
        """Pin a reference event to the host clock: record it on an idle device, bracketed by reads.

        The tightest bracket of several tries wins; its midpoint is the event's host time.
        """
        torch = self._torch
        torch.cuda.synchronize(self.device)
        best: tuple[int, Any, int] | None = None
        for _ in range(_ALIGN_TRIES):
            event = torch.cuda.Event(enable_timing=True)
            before = time.perf_counter_ns()
            event.record()
            event.synchronize()
            after = time.perf_counter_ns()
            if best is None or after - before < best[0]:
                best = (after - before, event, (before + after) // 2)
        assert best is not None
        _, self._ref_event, self._ref_ns = best

    def launch(self, step: int) -> CudaBatch:
        torch = self._torch
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        try:
            with torch.inference_mode():
                start.record()
                output = self.model(self._inputs)
                end.record()
        except torch.cuda.OutOfMemoryError as exc:
            raise DeviceError(oom_message(self.workload, "during the forward pass")) from exc
        return CudaBatch(step, output, start, end)

    def wait(self, handle: CudaBatch) -> None:
        handle.end.synchronize()

    def synchronize(self) -> None:
        self._torch.cuda.synchronize(self.device)

    def device_span_ns(self, handle: CudaBatch) -> tuple[int, int]:
        ref = self._ref_event
        start_ms = ref.elapsed_time(handle.start)
        end_ms = ref.elapsed_time(handle.end)
        return self._ref_ns + round(start_ms * 1e6), self._ref_ns + round(end_ms * 1e6)

    def release(self, handle: CudaBatch) -> None:
        handle.output = None

    def close(self) -> None:
        """Free the inputs and the allocator's cached blocks; the cached model stays for reuse."""
        self._inputs = None
        torch = self._torch
        if torch.cuda.is_available():
            torch.cuda.synchronize(self.device)
            torch.cuda.empty_cache()
