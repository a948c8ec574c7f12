"""Running one variant's block on an open device: its post-processing, readback, launch and pool.

The protocol decides which blocks run and in what order; this module knows how each variant is
set up, so adding a rung touches the variant table and this file, not the protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.devices.base import Device
from engine.host import syncs
from engine.measure.runners import run_loop, run_pool
from engine.result.blocks import RunResult
from engine.result.circumstances import Calibration
from engine.spec.postprocess import ReadPost, post_for
from engine.spec.variants import Variant
from engine.spec.workload import Workload

SYNC_CHECK_STEPS = 6  # batches each variant runs under the sync watch: enough to see a pattern


class Rig:
    """A device plus what the variants need beside it: a post per variant and, if any variant
    uses one, a pool of worker processes started once, before any block is timed."""

    def __init__(
        self,
        device: Device,
        workload: Workload,
        variants: tuple[Variant, ...],
        calibration: Calibration,
        post: Any = None,
        pool: Any = None,
        on_wait: Callable[[], None] | None = None,
        nvtx: bool = False,
    ) -> None:
        self.device = device
        self.nvtx = nvtx
        self._phase: Any = None
        if nvtx:
            from engine.host.trace import phases

            self._phase = phases(True, False)
        self.workload = workload
        self.variants = variants
        self._test_post = post
        self._posts = {v.name: self._post_for(v, calibration) for v in variants}
        self.pool = pool
        self._own_pool = False
        workers = max(v.workers for v in variants)
        if workers and self.pool is None:
            from engine.devices.pool import ProcessPool

            self.pool = ProcessPool(workers, on_wait)
            self._own_pool = True
        for v in variants:  # a graph is captured here, not inside a timed block
            if v.readback != "none" or v.launch != "eager":
                self._configure(v)
        self._configure(variants[0])

    def _post_for(self, v: Variant, calibration: Calibration) -> Any:
        if self._test_post is not None:
            return self._test_post
        w = self.workload
        mode = "serial" if v.shape == "serial" else "overlap"
        work = post_for(
            w.cpu_work, w.cpu_fixed, calibration.cpu_iterations, calibration.target_c_ms or 0.0, mode
        )
        return ReadPost(work) if v.readback != "none" else work

    def _configure(self, v: Variant) -> None:
        setter = getattr(self.device, "set_variant", None)
        if setter is not None:
            setter(v.readback, v.launch)
        elif v.readback != "none" or v.launch != "eager":
            raise ValueError(f"this device runs eager launches without readback only, not {v.label}")

    def block(
        self, v: Variant, r: int, clock: Callable[[], int], on_step: Callable[[int], None]
    ) -> RunResult:
        return self._run(v, self.workload.steps, r, clock, on_step)

    def _run(
        self, v: Variant, steps: int, r: int, clock: Callable[[], int], on_step: Callable[[int], None] | None
    ) -> RunResult:
        dev = self.device
        self._configure(v)
        dev.start_block()
        read = getattr(dev, "read", None) if v.readback != "none" else None
        common: dict[str, Any] = {
            "mode": v.name,
            "round_index": r,
            "batch_size": self.workload.batch_size,
            "clock": clock,
            "on_step": on_step,
            "read": read,
            "phase": self._phase,
        }
        if v.workers:
            assert self.pool is not None
            self.pool.use(v.workers, self._raw_post(v))
            return run_pool(dev, self.pool, steps, v.workers, **common)
        return run_loop(dev, self._posts[v.name], steps, v.depth, **common)

    def _raw_post(self, v: Variant) -> Any:
        """What a pool worker runs: the CPU work alone, because the worker adds the top-k itself."""
        post = self._posts[v.name]
        return post.work if isinstance(post, ReadPost) else post

    def check_syncs(self, clock: Callable[[], int], on_cuda: bool) -> list[syncs.SyncFinding]:
        """A few untimed batches of each variant under the sync watch: its warnings cost time, so it
        never runs inside a measured block."""
        found: list[syncs.SyncFinding] = []
        steps = min(SYNC_CHECK_STEPS, self.workload.steps)
        for v in self.variants:
            with syncs.watch(v.name, on_cuda, found):
                self._run(v, steps, -1, clock, None)
        return found

    def trace(self, path: str, clock: Callable[[], int], on_cuda: bool) -> list[RunResult]:
        """One untimed block per variant under torch.profiler, each phase a named range; the
        blocks come back so a check can set their event-timed G against the trace's kernels."""
        import torch

        from engine.host.trace import phases, record

        steps = min(SYNC_CHECK_STEPS * 2, self.workload.steps)
        kept, self._phase = self._phase, phases(self.nvtx and on_cuda, True)
        blocks = []
        try:
            with record(path, on_cuda):
                for v in self.variants:
                    with torch.profiler.record_function(f"block {v.name}"):
                        blocks.append(self._run(v, steps, -1, clock, None))
        finally:
            self._phase = kept
        return blocks

    def close(self) -> None:
        if self._own_pool and self.pool is not None:
            self.pool.close()
