"""Running one variant's block on an open device: its post-processing, readback, launch and pool.

The protocol decides which blocks run and in what order; this module knows how each variant is
set up, so adding a rung touches the variant table and this file, not the protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.devices.base import Device, Pool, PostProcess
from engine.devices.pool import ProcessPool
from engine.devices.threads import ThreadPool
from engine.errors import WorkloadError
from engine.host import syncs, trace
from engine.measure.runners import Inputs, Phase, run_loop, run_pool
from engine.result.blocks import RunResult
from engine.result.circumstances import Calibration
from engine.result.findings import SyncFinding
from engine.spec.loop import UserPost
from engine.spec.postprocess import ReadPost, SpinPost, post_for
from engine.spec.variants import Variant
from engine.spec.workload import Workload

SYNC_CHECK_STEPS = 6  # batches each variant runs under the sync watch: enough to see a pattern


def post_of(device: Device, workload: Workload, v: Variant, calibration: Calibration) -> PostProcess:
    """A variant's post-processing: the loop's own, or the built-in CPU work (with the top-k
    where the variant reads the output back)."""
    if device.loop is not None:
        return UserPost(device.loop.post, workload.loop, apart=device.kind == "standin")
    work = post_for(
        workload.cpu_work,
        workload.cpu_fixed,
        calibration.cpu_iterations,
        calibration.target_c_ms or 0.0,
        v.is_serial,
    )
    return ReadPost(work) if v.readback != "none" else work


class Rig:
    """A device plus what the variants need beside it: a post per variant and, if any variant
    uses one, a pool of worker processes started once, before any block is timed."""

    def __init__(
        self,
        device: Device,
        workload: Workload,
        variants: tuple[Variant, ...],
        calibration: Calibration,
        post: PostProcess | None = None,
        pool: Pool | None = None,
        on_wait: Callable[[], None] | None = None,
        nvtx: bool = False,
        pre: PostProcess | None = None,
        prefetcher: Pool | None = None,
        threads: Pool | None = None,
    ) -> None:
        """`pre`, `prefetcher` and `threads` replace the workload's pre-processing, the prefetching
        pool and the pool of threads (tests: fixed costs on a fake clock)."""
        self.device = device
        self.nvtx = nvtx
        self._phase: Phase | None = trace.phases(True, False) if nvtx else None
        self.workload = workload
        self.variants = variants
        self._test_post = post
        self._posts = {v.name: self._post_for(v, calibration) for v in variants}
        self.pool = pool
        self._own_pool = False
        workers = max((v.workers for v in variants if not v.threaded), default=0)
        if workers and self.pool is None:
            self.pool = ProcessPool(workers, on_wait)
            self._own_pool = True
            # Every worker takes its post-processing once now: unpickling a loop's imports its
            # module (and torch), which took 3 to 11 s inside the first timed pool block.
            name = next(v.name for v in variants if v.workers and not v.threaded)
            self.pool.use(workers, self._posts[name])
        self.threads = threads
        self._own_threads = False
        in_threads = max((v.workers for v in variants if v.threaded), default=0)
        if in_threads and self.threads is None:
            self.threads = ThreadPool(in_threads)
            self._own_threads = True
        self.pre = pre or (SpinPost(workload.pre_ms) if workload.pre_ms > 0 else None)
        self.prefetcher = prefetcher
        self._own_prefetcher = False
        ahead = max(v.prefetch for v in variants)
        if ahead and self.pre is None:
            raise WorkloadError("pre_ms", workload.pre_ms, "more than 0 where a variant prefetches inputs")
        if ahead and self.prefetcher is None:
            after = self.pool if isinstance(self.pool, ProcessPool) else None
            self.prefetcher = ProcessPool(ahead, on_wait, after)
            self._own_prefetcher = True
        if self.prefetcher is not None and self.pre is not None:
            self.prefetcher.use(ahead, self.pre)
        for v in variants:  # a graph is captured here, not inside a timed block
            if v.readback != "none" or v.launch != "eager" or v.precision or v.uploads:
                device.set_variant(v.readback, v.launch, v.precision, v.upload)
        first = variants[0]
        device.set_variant(first.readback, first.launch, first.precision, first.upload)

    def _post_for(self, v: Variant, calibration: Calibration) -> PostProcess:
        return self._test_post or post_of(self.device, self.workload, v, calibration)

    def block(
        self, v: Variant, r: int, clock: Callable[[], int], on_step: Callable[[int], None]
    ) -> RunResult:
        return self._run(v, self.workload.steps, r, clock, on_step)

    def _run(
        self, v: Variant, steps: int, r: int, clock: Callable[[], int], on_step: Callable[[int], None] | None
    ) -> RunResult:
        dev = self.device
        dev.set_variant(v.readback, v.launch, v.precision, v.upload)
        dev.start_block()
        read = dev.read if v.readback != "none" else None
        common: dict[str, Any] = {
            "mode": v.name,
            "round_index": r,
            "batch_size": self.workload.batch_size,
            "clock": clock,
            "on_step": on_step,
            "read": read,
            "phase": self._phase,
            "upload": v.upload,
            "inputs": Inputs(self.pre if not v.prefetch else None, self._prefetcher_for(v), v.prefetch),
        }
        if v.workers:
            pool = self.threads if v.threaded else self.pool
            assert pool is not None
            pool.use(v.workers, self._posts[v.name])
            return run_pool(dev, pool, steps, v.workers, **common)
        return run_loop(dev, self._posts[v.name], steps, v.depth, **common)

    def _prefetcher_for(self, v: Variant) -> Pool | None:
        if not v.prefetch:
            return None
        assert self.prefetcher is not None and self.pre is not None
        self.prefetcher.use(v.prefetch, self.pre)
        return self.prefetcher

    def check_syncs(self, clock: Callable[[], int], on_cuda: bool) -> list[SyncFinding]:
        """A few untimed batches of each variant under the sync watch: its warnings cost time, so it
        never runs inside a measured block."""
        found: list[SyncFinding] = []
        steps = min(SYNC_CHECK_STEPS, self.workload.steps)
        for v in self.variants:
            with syncs.watch(v.name, on_cuda, found):
                self._run(v, steps, -1, clock, None)
        return found

    def trace(self, path: str, clock: Callable[[], int], on_cuda: bool) -> list[RunResult]:
        """One untimed block per variant under torch.profiler, each phase a named range; the
        blocks come back so a check can set their event-timed G against the trace's kernels."""
        import torch

        steps = min(SYNC_CHECK_STEPS * 2, self.workload.steps)
        kept, self._phase = self._phase, trace.phases(self.nvtx and on_cuda, True)
        blocks = []
        try:
            with trace.record(path, on_cuda):
                for v in self.variants:
                    with torch.profiler.record_function(f"block {v.name}"):
                        blocks.append(self._run(v, steps, -1, clock, None))
        finally:
            self._phase = kept
        return blocks

    def close(self) -> None:
        if self._own_prefetcher and self.prefetcher is not None:
            self.prefetcher.close()
        if self._own_pool and self.pool is not None:
            self.pool.close()
        if self._own_threads and self.threads is not None:
            self.threads.close()
