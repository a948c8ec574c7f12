"""A CUDA GPU: asynchronous launches, CUDA events around each batch, one host/device timeline.

Each batch gets a start and an end event on the current stream. After a block they are read
against a reference event whose host time is known to within a few microseconds, which puts the
device spans on the same perf_counter_ns clock as the host spans.

Readbacks: naive is what code first written does, `.cpu()` on the output when the host gets to
it, which on one in-order stream waits for every batch launched since. pinned queues a
non_blocking copy into a reused pinned buffer right after the batch's kernels, with an event, and
the host waits on that event only. A graph launch replays the forward captured once, so the host
pays one replay call instead of hundreds of kernel launches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from engine.devices.base import DeviceError
from engine.devices.models import IMAGE_SHAPE, build_model, torch_dtype
from engine.host.fingerprint import physical_gpu
from engine.spec.workload import Workload

_ALIGN_TRIES = 7


@dataclass
class CudaBatch:
    step: int
    output: Any
    start: Any  # torch.cuda.Event
    end: Any
    copied: Any = None  # pinned readback: recorded after the copy to `host`
    host: Any = None  # the pinned buffer the output is copied to


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
        self.readback = "none"
        self.launch_mode = "eager"
        self._graph: Any = None
        self._graph_out: Any = None
        self._pinned: list[Any] = []
        self._slot = 0
        try:
            self.model = build_model(workload.model, str(self.device), workload.precision)
            self._inputs = torch.randn(
                workload.batch_size, *IMAGE_SHAPE, device=self.device, dtype=torch_dtype(workload.precision)
            )
        except torch.cuda.OutOfMemoryError as exc:
            self.close()
            raise DeviceError(oom_message(workload, "while loading the model and inputs")) from exc
        self.start_block()

    @property
    def nvml_index(self) -> int:
        return physical_gpu(self.device.index or 0)[0]

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

    def set_variant(self, readback: str, launch: str) -> None:
        self.readback = readback
        self.launch_mode = launch
        if launch == "graph" and self._graph is None:
            self._capture()

    def _capture(self) -> None:
        """Capture the forward once: warmed up on a side stream first, as capture requires, with
        the static input the eager path uses, so both run the same kernels on the same data."""
        torch = self._torch
        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side), torch.inference_mode():
            for _ in range(3):
                self.model(self._inputs)
        torch.cuda.current_stream(self.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.inference_mode(), torch.cuda.graph(graph):
            out = self.model(self._inputs)
        torch.cuda.synchronize(self.device)
        self._graph, self._graph_out = graph, out

    def _host_buffer(self, like: Any) -> Any:
        """A pinned buffer from a small ring: one per batch that can be in flight, reused."""
        torch = self._torch
        if not self._pinned or self._pinned[0].shape != like.shape:
            self._pinned = [torch.empty(like.shape, dtype=torch.float32, pin_memory=True) for _ in range(10)]
        self._slot = (self._slot + 1) % len(self._pinned)
        return self._pinned[self._slot]

    def launch(self, step: int) -> CudaBatch:
        torch = self._torch
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        try:
            with torch.inference_mode():
                start.record()
                if self._graph is not None and self.launch_mode == "graph":
                    self._graph.replay()
                    output = self._graph_out.clone()  # the next replay overwrites the static output
                else:
                    output = self.model(self._inputs)
                end.record()
                batch = CudaBatch(step, output, start, end)
                if self.readback == "pinned":
                    batch.host = self._host_buffer(output)
                    batch.host.copy_(output, non_blocking=True)
                    batch.copied = torch.cuda.Event()
                    batch.copied.record()
        except torch.cuda.OutOfMemoryError as exc:
            raise DeviceError(oom_message(self.workload, "during the forward pass")) from exc
        return batch

    def read(self, handle: CudaBatch) -> Any:
        """The batch's logits on the host as a float32 array."""
        if self.readback == "pinned":
            handle.copied.synchronize()
            return handle.host.numpy()
        return handle.output.float().cpu().numpy()

    def wait(self, handle: CudaBatch) -> None:
        handle.end.synchronize()

    def synchronize(self) -> None:
        """The drain after a loop, through an event: the same wait as cudaDeviceSynchronize on one
        stream, but not one that the hidden-sync watch counts against the loop."""
        done = self._torch.cuda.Event()
        done.record()
        done.synchronize()

    def device_span_ns(self, handle: CudaBatch) -> tuple[int, int]:
        ref = self._ref_event
        start_ms = ref.elapsed_time(handle.start)
        end_ms = ref.elapsed_time(handle.end)
        return self._ref_ns + round(start_ms * 1e6), self._ref_ns + round(end_ms * 1e6)

    def release(self, handle: CudaBatch) -> None:
        handle.output = None
        handle.host = None

    def close(self) -> None:
        """Free the inputs and the allocator's cached blocks; the cached model stays for reuse."""
        self._inputs = None
        self._graph = self._graph_out = None
        self._pinned = []
        torch = self._torch
        if torch.cuda.is_available():
            torch.cuda.synchronize(self.device)
            torch.cuda.empty_cache()
