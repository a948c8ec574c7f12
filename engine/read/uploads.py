"""The input side of a comparison: what each upload cost, and whether its copy hid under compute.

For every variant that uploads its inputs, from its own records: the copy's time on the device
(X), the host's time in the call that sent it (a pageable `.to(device)` blocks there while the
stream empties), the share of the copy that ran while a batch computed, and its cost as a share
of its period against the same loop with no upload at all. The CLI table and the lab's upload
table read these rows, so the two show one set of numbers.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from engine.read.gaps import covered_ns
from engine.result.blocks import NS_PER_MS, RunResult
from engine.result.comparison import Comparison
from engine.spec.variants import Variant


@dataclass(frozen=True)
class UploadRow:
    name: str
    upload: str
    x_ms: float  # the copy on the device, per batch
    host_ms: float  # the host in the call that sent it, per batch
    overlapped: float  # share of the copy's time that ran while a batch computed
    period_ms: float  # the variant's period: its counted blocks' wall over their batches
    reference: str  # the same loop with no upload; "" where the set has none
    cost_share: float  # 1 - the reference's period over this one's; nan without a reference


def overlapped_share(runs: list[RunResult]) -> float:
    """The share of the input copies' device time that some batch's compute covered."""
    covered = total = 0
    for run in runs:
        compute = [(s.device_start_ns, s.device_end_ns) for s in run.steps]
        for s in run.steps:
            if s.copy_start_ns >= 0 and s.copy_end_ns > s.copy_start_ns:
                covered += covered_ns(s.copy_start_ns, s.copy_end_ns, compute)
                total += s.copy_end_ns - s.copy_start_ns
    return covered / total if total else float("nan")


def _reference(c: Comparison, v: Variant) -> Variant | None:
    for other in c.variants:
        same = (other.depth, other.workers, other.readback, other.launch, other.precision)
        if not other.uploads and same == (v.depth, v.workers, v.readback, v.launch, v.precision):
            return other
    return None


def upload_rows(c: Comparison) -> list[UploadRow]:
    rows = []
    for v in c.variants:
        if not v.uploads:
            continue
        runs = c.mode_runs(v.name)
        steps = [s for r in runs for s in r.steps if s.upload_start_ns >= 0]
        host = (
            statistics.fmean((s.upload_end_ns - s.upload_start_ns) / NS_PER_MS for s in steps)
            if steps
            else math.nan
        )
        period = c.period_of(v.name)
        ref = _reference(c, v)
        share = 1 - c.period_of(ref.name) / period if ref is not None else float("nan")
        rows.append(
            UploadRow(
                v.name,
                v.upload,
                c.summary_of(v.name).x.mean,
                host,
                overlapped_share(runs),
                period,
                ref.name if ref is not None else "",
                share,
            )
        )
    return rows


def upload_sentence(c: Comparison) -> str:
    """What the pageable upload costs of its period, and how much of that the side stream wins
    back; empty unless the comparison has both beside a loop with no upload."""
    rows = {r.upload: r for r in upload_rows(c) if r.reference}
    page, side = rows.get("pageable"), rows.get("side")
    if page is None or side is None or page.reference != side.reference:
        return ""
    ref_ms = c.period_of(page.reference)
    lost = page.period_ms - ref_ms
    recovered = (page.period_ms - side.period_ms) / lost if lost > 0 else float("nan")
    return (
        f"the pageable upload costs {page.cost_share:.0%} of {page.name}'s {page.period_ms:.2f} ms period "
        f"against {page.reference}'s {ref_ms:.2f} ms (copy {page.x_ms:.2f} ms, host blocked "
        f"{page.host_ms:.2f} ms a batch, {page.overlapped:.0%} of the copy under compute); the side "
        f"stream wins back {recovered:.0%} of it ({side.name} {side.period_ms:.2f} ms, "
        f"{side.overlapped:.0%} of its copy under compute)"
    )
