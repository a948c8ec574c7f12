"""One mapping from a variant to the terms of its rule: which costs it runs with, and its shape.

Four places once turned a variant into the rule's terms, each with its own subset (one forgot that
a naive read drains the queue, so one screen predicted 103 ms and 202.5 ms for the same block).
`terms_of` is now the only place: the ceiling, the block limit, each block's own limit, the box,
the forecast and the time estimates all ask it.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.model.letters import Costs
from engine.spec.sets import BASELINE
from engine.spec.variants import Variant


@dataclass(frozen=True)
class Terms:
    """A loop shape with the costs it runs at: everything the period rule and the block schedule
    need, and nothing that names a variant."""

    costs: Costs
    depth: int = 1  # batches in flight; 1 is the serial loop
    workers: int = 0  # k: post-processing processes; 0 post-processes on the launching thread
    prefetch: int = 0  # m: processes making inputs ahead; 0 makes them on the launching thread
    drains: bool = False  # its read waits for every batch in flight (naive .cpu() on one stream)
    upload: str = "none"  # how each input reaches the device: none, pageable, pinned or side
    synced: bool = False  # its post-processing waits for the batch in flight (a hidden sync)
    threads: bool = False  # its k workers are threads of the launching process, sharing its GIL

    @property
    def gil_ms(self) -> float:
        """What each batch adds to the launching thread in a thread pool: the share of C that holds
        the GIL (h x C), during which the launching thread cannot run Python. 0 for processes."""
        return self.costs.h * self.costs.c_ms if self.threads else 0.0

    @property
    def serial(self) -> bool:
        """Whether nothing the host does overlaps the device: depth 1, or an inline loop whose read
        or post-processing waits for the batch launched after it."""
        return not self.workers and (self.depth == 1 or self.drains or self.synced)

    @property
    def inline_pre(self) -> bool:
        """Pre-processing on the launching thread while nothing computes: before a launch, in a
        loop that waited for the batch before (serial, or the article's deque of depth 2). A
        deeper queue, a pool or an upload leaves work on the device while it runs: there it is
        launching work, L + P."""
        shallow = self.serial or self.depth == 2
        return (
            bool(self.costs.p_ms)
            and not self.prefetch
            and self.upload == "none"
            and not self.workers
            and shallow
        )


def terms_of(
    v: Variant,
    own: Costs,
    baseline: Costs | None = None,
    like: Variant | None = None,
    synced: bool = False,
) -> Terms:
    """The terms a variant runs with.

    With only `own`, every cost is the variant's own: the costs its blocks had, for judging a block
    against its own limit. With a `baseline`, the variant is predicted from the baseline's costs,
    where nothing competes with the device or the host, except what the variant changes on purpose:
    a CUDA Graph replay or a bf16 model brings its own G and L (cheaper launching and computing is
    the point of those rungs), and an upload its own X (the baseline may send no input at all).
    `like` is the baseline's variant: a variant that launches as it does takes its G and L.
    """
    base = own if baseline is None else baseline
    same = baseline is None or v.launches_like(like if like is not None else BASELINE)
    costs = Costs(
        g_ms=base.g_ms if same else own.g_ms,
        l_ms=base.l_ms if same else own.l_ms,
        c_ms=base.c_ms,
        x_ms=own.x_ms if v.uploads else 0.0,
        r_ms=base.r_ms,
        s_ms=own.s_ms if v.workers else 0.0,
        p_ms=base.p_ms or own.p_ms,
        h=base.h,
    )
    return Terms(
        costs,
        depth=v.depth,
        workers=v.workers,
        prefetch=v.prefetch,
        drains=v.readback == "naive",
        upload=v.upload,
        synced=synced and not v.workers,
        threads=v.threaded,
    )
