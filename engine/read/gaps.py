"""Where the GPU sat idle, and why: every gap in the device lane, labelled by its cause.

A speedup below its ceiling says that time was lost, not where. The records say where: between
one batch's end and the next one's start, the host was either still launching the next batch (L),
sending an input (an upload call, or its copy queued ahead of the compute), post-processing (C),
or had just come out of a read that waited for the whole queue (a sync drain: the GPU emptied
because the host asked it to). Whatever is left is the host's other work
(waiting, reading, bookkeeping). Each gap is split among the causes by the time each one covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.result.blocks import NS_PER_MS, RunResult

CAUSES = ("launch", "upload", "post-process", "sync drain", "other")


@dataclass(frozen=True)
class Gap:
    mode: str
    after_step: int  # the gap follows this batch's device work
    start_ns: int
    end_ns: int
    cause: str  # the cause covering most of the gap
    ms_by_cause: tuple[float, ...]  # time per cause, in the order of CAUSES

    @property
    def ms(self) -> float:
        return (self.end_ns - self.start_ns) / NS_PER_MS


def covered_ns(lo: int, hi: int, spans: list[tuple[int, int]]) -> int:
    """Nanoseconds of [lo, hi) covered by the union of spans."""
    total, cursor = 0, lo
    for a, b in sorted(spans):
        a, b = max(a, cursor), min(b, hi)
        if b > a:
            total += b - a
            cursor = b
    return total


def block_gaps(run: RunResult) -> list[Gap]:
    steps = sorted(run.steps, key=lambda s: s.device_start_ns)
    launches = [(s.launch_start_ns, s.launch_end_ns) for s in steps]
    uploads = [(s.upload_start_ns, s.upload_end_ns) for s in steps if s.upload_start_ns >= 0]
    uploads += [(s.copy_start_ns, s.copy_end_ns) for s in steps if s.copy_start_ns >= 0]
    posts = [] if run.workers else [(s.post_start_ns, s.post_end_ns) for s in steps]
    gaps = []
    for a, b in zip(steps, steps[1:], strict=False):
        lo, hi = a.device_end_ns, b.device_start_ns
        if hi <= lo:
            continue
        # A read of an earlier batch that was still blocked when this batch ended, and came back
        # in the gap: it was waiting for the queue to empty.
        drained = any(
            s.step < a.step and s.read_start_ns < lo <= s.read_end_ns <= hi
            for s in steps
            if s.read_end_ns >= 0
        )
        total = hi - lo
        if drained:
            by = [0.0, 0.0, 0.0, total / NS_PER_MS, 0.0]
        else:
            launch = covered_ns(lo, hi, launches)
            upload = min(covered_ns(lo, hi, uploads), total - launch)
            post = min(covered_ns(lo, hi, posts), total - launch - upload)
            other = total - launch - upload - post
            by = [x / NS_PER_MS for x in (launch, upload, post, 0, other)]
        cause = CAUSES[max(range(len(CAUSES)), key=by.__getitem__)]
        gaps.append(Gap(run.mode, a.step, lo, hi, cause, tuple(by)))
    return gaps


def idle_ms_per_batch(runs: list[RunResult]) -> dict[str, float]:
    """Mean GPU idle time per batch by cause, over some blocks of one variant."""
    totals = dict.fromkeys(CAUSES, 0.0)
    batches = 0
    for run in runs:
        batches += len(run.steps)
        for g in block_gaps(run):
            for cause, ms in zip(CAUSES, g.ms_by_cause, strict=True):
                totals[cause] += ms
    return {k: v / batches if batches else float("nan") for k, v in totals.items()}
