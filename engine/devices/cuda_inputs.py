"""A CUDA device's input uploads: each batch's input, made on the host, copied to the card.

Three ways, as code is written. pageable: `.to(device)` from ordinary memory, which on one stream
waits for every batch queued and then for the copy, with the host blocked. pinned: a non_blocking
copy from pinned memory, queued on the compute stream behind the batch computing. side: that copy
on a side stream into one of two device buffers, once the buffer's last reader is done; the compute
stream waits on the copy's end event. With graph launches each side buffer has a graph of its own,
so a replay computes on the buffer its copy filled and nothing is copied between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Capture = Callable[[Any], tuple[Any, Any]]  # a graph of the forward reading this input, and its output


@dataclass
class Staged:
    """One step's input on the device, with events around its copy."""

    tensor: Any
    start: Any
    end: Any
    slot: int  # the side buffer it filled; -1 where the copy ran on the compute stream


class Uploads:
    def __init__(self, torch: Any, device: Any) -> None:
        self._torch, self._device = torch, device
        self.mode = "none"
        self._host: Any = None  # the batch's input as the host makes it: pageable memory
        self._pinned: Any = None  # the same in pinned memory
        self._buffers: list[Any] = []  # two device buffers a side stream fills in turn
        self._free: list[Any] = [None, None]  # each buffer's last reader, as an event
        self._graphs: list[tuple[Any, Any]] = []  # a graph reading each buffer, with its output
        self._stream: Any = None
        self._staged: Staged | None = None

    def prepare(self, mode: str, inputs: Any, launch: str, graph: tuple[Any, Any], capture: Capture) -> None:
        """Everything `mode` needs, made once per precision, outside any timed block: the host's
        copies of `inputs` and, for the side stream, two buffers (the first is `inputs` itself, which
        `graph` reads) and a graph for the second."""
        torch = self._torch
        self.mode = mode
        if mode == "none":
            return
        if self._host is None:
            self._host = inputs.cpu()
            self._pinned = self._host.pin_memory()
        if mode == "side" and not self._buffers:
            self._buffers, self._free = [inputs, torch.empty_like(inputs)], [None, None]
        if mode == "side" and launch == "graph" and not self._graphs:
            self._graphs = [graph, capture(self._buffers[1])]
        if self._stream is None:
            self._stream = torch.cuda.Stream(self._device)

    def reset(self) -> None:
        """Drop the buffers: the model's precision changed, or the device closes."""
        self._host = self._pinned = self._staged = None
        self._buffers, self._free, self._graphs = [], [None, None], []

    def send(self, step: int) -> None:
        """This step's input to the device, the way `prepare` chose."""
        torch = self._torch
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        if self.mode == "side":
            slot = step % 2
            with torch.cuda.stream(self._stream):
                if self._free[slot] is not None:
                    self._stream.wait_event(self._free[slot])
                start.record(self._stream)
                tensor = self._buffers[slot].copy_(self._pinned, non_blocking=True)
                end.record(self._stream)
            self._staged = Staged(tensor, start, end, slot)
            return
        start.record()
        if self.mode == "pageable":
            tensor = self._host.to(self._device)
        else:
            tensor = self._pinned.to(self._device, non_blocking=True)
        end.record()
        self._staged = Staged(tensor, start, end, -1)

    def take(self) -> Staged | None:
        """The input the next launch computes on; the compute stream waits for a side copy."""
        staged, self._staged = self._staged, None
        if staged is not None and staged.slot >= 0:
            self._torch.cuda.current_stream(self._device).wait_event(staged.end)
        return staged

    def graph_for(self, staged: Staged | None, launch: str) -> tuple[Any, Any] | None:
        """The graph that reads this input's side buffer, where graphs replay."""
        if staged is None or staged.slot < 0 or launch != "graph" or not self._graphs:
            return None
        return self._graphs[staged.slot]

    def computed(self, staged: Staged | None, end: Any) -> None:
        """The forward reading a side buffer is queued: the side stream may refill it after `end`."""
        if staged is not None and staged.slot >= 0:
            self._free[staged.slot] = end
