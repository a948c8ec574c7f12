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
from engine.devices.cuda_inputs import Staged, Uploads
from engine.devices.loops import loop_for, one_thread, threads_back, told
from engine.devices.models import IMAGE_SHAPE, build_model, torch_dtype
from engine.devices.outputs import fill, leaves, rebuild
from engine.host.fingerprint import physical_gpu
from engine.spec.loop import Loop, LoopError
from engine.spec.workload import Workload

_ALIGN_TRIES = 7
# Calls of a reduce-overhead forward before it replays: it runs eagerly, then records its graphs.
COMPILE_WARM_CALLS = 3
# Pinned buffers kept for outputs in flight: ten for small outputs, fewer for large ones (a
# segmenter's 350 MB output made ten slots take 3.5 GB of pinned host memory). A slot is reused
# only after several later batches have been launched, read and handed on.
RING_SLOTS = 10
RING_BYTES = 1 << 30


@dataclass
class CudaBatch:
    step: int
    output: Any
    start: Any  # torch.cuda.Event
    end: Any
    copied: Any = None  # pinned readback: recorded after the copy to `host`
    host: Any = None  # the pinned buffer the output is copied to
    copy_start: Any = None  # the input's upload: events around its copy, on the stream it ran on
    copy_end: Any = None


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
        self._compiled: Any = None
        self.compile_s: float | None = None  # torch.compile's time to a replaying forward; in no period
        self.precision = workload.precision  # the precision the next blocks run at
        # Per precision: (model, inputs, graph, graph's output); the workload's is built now, a
        # rung's own (bf16) when a block first asks for it.
        self._kits: dict[str, tuple[Any, Any, Any, Any]] = {}
        self._uploads = Uploads(torch, self.device)
        self._pinned: list[list[Any]] = []
        self._ring_key: list[Any] = []
        self._slot = 0
        self.loop: Loop | None = None
        self._checked = False
        self._threads = 0
        try:
            if workload.loop:
                self._threads = one_thread()
                self.loop = loop_for(workload.loop, str(self.device), workload.batch_size)
                self.model = self.loop.model
                self._inputs = self._loop_batch(self.loop)
            else:
                self.model = build_model(workload.model, str(self.device), workload.precision)
                dtype = torch_dtype(workload.precision)
                self._inputs = torch.randn(workload.batch_size, *IMAGE_SHAPE, device=self.device, dtype=dtype)
        except torch.cuda.OutOfMemoryError as exc:
            self.close()
            raise DeviceError(oom_message(workload, "while loading the model and inputs")) from exc
        except BaseException:
            self.close()
            raise
        self.start_block()

    def _loop_batch(self, loop: Loop) -> Any:
        """The loop's batch, checked to be tensors on this card: a batch on the host would make
        every launch an upload the loop never asked for."""
        name = self.workload.loop
        try:
            batch = loop.make_batch()
        except Exception as exc:
            raise LoopError(name, f"its make_batch raised {told(exc)}") from None
        try:
            found = leaves(batch)
        except ValueError as exc:
            raise LoopError(name, f"its make_batch returned the wrong type: {exc}") from None
        if not found:
            raise LoopError(name, "its make_batch returned no tensor")
        if any(t.device != self.device for t in found):
            where = found[0].device
            raise LoopError(name, f"its make_batch returned a tensor on {where}, not on {self.device}")
        return batch

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

    def set_variant(self, readback: str, launch: str, precision: str = "", upload: str = "none") -> None:
        self.readback = readback
        self.launch_mode = launch
        self._use_precision(precision or self.workload.precision)
        if launch == "graph" and self._graph is None:
            self._capture()
        if launch == "compile" and self._compiled is None:
            self._compile()
        if upload != "none" and self.loop is not None:
            raise LoopError(self.workload.loop, "a loop uploads its own inputs through its pre(step)")
        self._uploads.prepare(upload, self._inputs, launch, (self._graph, self._graph_out), self._captured_on)

    def upload(self, step: int) -> None:
        """This step's input to the device, as `set_variant` chose (engine/devices/cuda_inputs.py)."""
        self._uploads.send(step)

    def _use_precision(self, precision: str) -> None:
        """Swap in the model, inputs and graph of `precision`, building them the first time: a
        rung of its own precision runs the same model and batch in that dtype, and the baseline
        keeps the workload's."""
        if precision == self.precision:
            return
        if self.loop is not None:
            raise LoopError(self.workload.loop, "a loop runs in its own dtype; a rung cannot change it")
        torch = self._torch
        self._kits[self.precision] = (self.model, self._inputs, self._graph, self._graph_out)
        if precision not in self._kits:
            try:
                model = build_model(self.workload.model, str(self.device), precision)
                shape = (self.workload.batch_size, *IMAGE_SHAPE)
                inputs = torch.randn(*shape, device=self.device, dtype=torch_dtype(precision))
            except torch.cuda.OutOfMemoryError as exc:
                raise DeviceError(oom_message(self.workload, f"while loading the {precision} model")) from exc
            self._kits[precision] = (model, inputs, None, None)
        self.model, self._inputs, self._graph, self._graph_out = self._kits.pop(precision)
        self._compiled = None  # compiled for the other precision's model
        self.precision = precision
        self._uploads.reset()  # the uploads' buffers are of the other dtype

    def _capture(self) -> None:
        """Capture the forward once: warmed up on a side stream first, as capture requires, with
        the static input the eager path uses, so both run the same kernels on the same data. A
        loop's forward that cannot be captured is refused with the reason, in one line."""
        torch = self._torch
        self._refuse_uncapturable()
        try:
            self._graph, self._graph_out = self._captured_on(self._inputs)
        except torch.cuda.OutOfMemoryError:
            raise
        except Exception as exc:
            if self.loop is None:
                raise
            torch.cuda.synchronize(self.device)
            raise LoopError(
                self.workload.loop, f"its forward cannot be captured as a CUDA Graph: {told(exc)}"
            ) from None

    def _compile(self) -> None:
        """torch.compile the forward with mode="reduce-overhead" and run it until it replays: the
        first calls trace, compile and record its CUDA Graphs, which takes seconds and is kept out
        of every block (its time is `compile_s`, shown beside the result). fullgraph=True, so a
        forward that would break the graph is refused with torch's reason, not run in pieces; a
        compile that fails loses its rung only, in one line."""
        torch = self._torch
        self._refuse_uncapturable()
        started = time.perf_counter()
        try:
            compiled = torch.compile(self.model, mode="reduce-overhead", fullgraph=True)
            with torch.inference_mode():
                for _ in range(COMPILE_WARM_CALLS):
                    compiled(self._inputs)
            torch.cuda.synchronize(self.device)
        except torch.cuda.OutOfMemoryError:
            raise
        except Exception as exc:
            torch.cuda.synchronize(self.device)
            name = self.workload.loop or self.workload.model
            raise LoopError(name, f"torch.compile failed: {told(exc)}") from None
        self._compiled = compiled
        self.compile_s = time.perf_counter() - started

    def _captured_on(self, inputs: Any) -> tuple[Any, Any]:
        """A graph of the forward reading `inputs`, and its output."""
        torch = self._torch
        side = torch.cuda.Stream(self.device)
        side.wait_stream(torch.cuda.current_stream(self.device))
        with torch.cuda.stream(side), torch.inference_mode():
            for _ in range(3):
                self.model(inputs)
        torch.cuda.current_stream(self.device).wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.inference_mode(), torch.cuda.graph(graph):
            out = self.model(inputs)
        torch.cuda.synchronize(self.device)
        return graph, out

    def _refuse_uncapturable(self) -> None:
        """A loop that says its forward cannot be captured, or whose forward syncs with the GPU, is
        refused before a capture or a compile (which records graphs too) is tried."""
        if self.loop is None:
            return
        if not self.loop.graphs:
            why = "its forward cannot be captured as a CUDA Graph (graphs=False)"
            raise LoopError(self.workload.loop, why)
        self._refuse_syncing_forward()

    def _refuse_syncing_forward(self) -> None:
        """A forward that synchronises with the GPU cannot be captured, and a capture that fails
        leaves torch's CUDA random generator unusable for the rest of the process (every later
        torch.randn raised "Offset increment outside graph capture"). So one forward runs first
        with torch's sync detector set to raise, and such a forward is refused before any capture."""
        torch = self._torch
        old = torch.cuda.get_sync_debug_mode()
        try:
            torch.cuda.set_sync_debug_mode("error")
            with torch.inference_mode():
                self.model(self._inputs)
        except RuntimeError as exc:
            why = "its forward synchronises with the GPU, so it cannot be captured as a CUDA Graph"
            raise LoopError(self.workload.loop, f"{why}: {told(exc)}") from None
        finally:
            torch.cuda.set_sync_debug_mode(old)
        torch.cuda.synchronize(self.device)

    def _host_buffers(self, out: Any) -> list[Any]:
        """Pinned buffers for one output, from a small ring: one set per batch that can be in
        flight, reused. The built-in classifier's logits are read as float32, a loop's in its own
        dtypes."""
        torch = self._torch
        ts = leaves(out)
        dtypes = [t.dtype if self.loop is not None else torch.float32 for t in ts]
        key = [(tuple(t.shape), d) for t, d in zip(ts, dtypes, strict=True)]
        if key != self._ring_key:
            size = sum(t.numel() * t.element_size() for t in ts)
            slots = max(4, min(RING_SLOTS, RING_BYTES // max(size, 1)))
            self._pinned = [
                [torch.empty(shape, dtype=d, pin_memory=True) for shape, d in key] for _ in range(slots)
            ]
            self._ring_key = key
        self._slot = (self._slot + 1) % len(self._pinned)
        return self._pinned[self._slot]

    def _forward(self, step: int, staged: Staged | None = None) -> Any:
        """One forward, eager or replayed, on the static batch, this step's uploaded input (a side
        buffer's own graph reads it where it has one), or this step's pre-processed one."""
        batch = self._inputs if staged is None else staged.tensor
        if self.loop is not None and self.loop.pre is not None:
            host = self.loop.pre(step)
            batch = rebuild(host, lambda t: t.to(self.device))
        own = self._uploads.graph_for(staged, self.launch_mode)
        if own is not None:
            own[0].replay()
            return own[1].clone()
        if self._graph is not None and self.launch_mode == "graph":
            if batch is not self._inputs:
                fill(self._inputs, batch)
            self._graph.replay()
            return rebuild(self._graph_out, lambda t: t.clone())  # the next replay overwrites it
        if self._compiled is not None and self.launch_mode == "compile":
            # Its outputs live in the graphs' own memory, which the next replay reuses.
            return rebuild(self._compiled(batch), lambda t: t.clone())
        return self.model(batch)

    def _checked_output(self, output: Any) -> None:
        """A loop's first output is checked once: a model that returns a number or a string
        is refused by name, not met later as a failed copy."""
        self._checked = True
        try:
            leaves(output)
        except ValueError as exc:
            raise LoopError(self.workload.loop, f"its model returned the wrong type: {exc}") from None

    def launch(self, step: int) -> CudaBatch:
        torch = self._torch
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        try:
            with torch.inference_mode():
                staged = self._uploads.take()
                start.record()
                output = self._forward(step, staged)
                end.record()
                self._uploads.computed(staged, end)
                if not self._checked and self.loop is not None:
                    self._checked_output(output)
                batch = CudaBatch(step, output, start, end)
                if staged is not None:
                    batch.copy_start, batch.copy_end = staged.start, staged.end
                if self.readback == "pinned":
                    buffers = self._host_buffers(output)
                    for buf, t in zip(buffers, leaves(output), strict=True):
                        buf.copy_(t, non_blocking=True)
                    found = iter(buffers)
                    batch.host = rebuild(output, lambda _t: next(found))
                    batch.copied = torch.cuda.Event()
                    batch.copied.record()
        except torch.cuda.OutOfMemoryError as exc:
            raise DeviceError(oom_message(self.workload, "during the forward pass")) from exc
        except (LoopError, DeviceError):
            raise
        except Exception as exc:
            if self.loop is None:
                raise
            raise LoopError(self.workload.loop, f"its model raised {told(exc)}") from None
        return batch

    def read(self, handle: CudaBatch) -> Any:
        """The batch's logits on the host as a float32 array; a loop's output as CPU tensors of
        the structure its model returned."""
        if self.readback == "pinned":
            handle.copied.synchronize()
            return handle.host if self.loop is not None else handle.host.numpy()
        if self.loop is not None:
            return rebuild(handle.output, lambda t: t.cpu())
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

    def copy_span_ns(self, handle: CudaBatch) -> tuple[int, int]:
        if handle.copy_start is None:
            return (-1, -1)
        ref = self._ref_event
        start_ms, end_ms = ref.elapsed_time(handle.copy_start), ref.elapsed_time(handle.copy_end)
        return self._ref_ns + round(start_ms * 1e6), self._ref_ns + round(end_ms * 1e6)

    def release(self, handle: CudaBatch) -> None:
        handle.output = None
        handle.host = None

    def close(self) -> None:
        """Free the inputs and the allocator's cached blocks; the cached model stays for reuse."""
        self._inputs = None
        self._graph = self._graph_out = None
        self._compiled = None
        self._kits.clear()
        self._uploads.reset()
        threads_back(self._threads)
        self._threads = 0
        self._pinned = []
        self._ring_key = []
        torch = self._torch
        if torch.cuda.is_available():
            torch.cuda.synchronize(self.device)
            torch.cuda.empty_cache()
