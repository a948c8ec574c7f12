"""A diagnosis's forecast as the result keeps it: the probe, each rung's forecast, what was skipped
and the first fix, written down before any rung runs.

The point of predicting first is that the prediction can be wrong where everyone can see it: the
rounds then measure every rung, and the read side sets each measured speedup beside its forecast.
The rules that turn the probe into the forecast are the cost model's (engine/model/forecast.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.model.forecast import ProbeCosts, RungForecast
from engine.result.findings import SyncFinding


@dataclass(frozen=True)
class Skipped:
    rung: str  # what the rung would have added (pool, graphs)
    reason: str  # one line: the loop's name and why


@dataclass(frozen=True)
class Forecast:
    loop: str
    probe: ProbeCosts
    rungs: tuple[RungForecast, ...]
    skipped: tuple[Skipped, ...] = ()
    syncs: tuple[SyncFinding, ...] = ()  # found in the probe, in the loop's own code
    workers: int = 0  # the pool size the forecast chose; 0 without a pool rung
    first_fix: str = ""
    steps: int = 0  # batches per block the speedups are forecast for

    def rung(self, name: str) -> RungForecast | None:
        return next((r for r in self.rungs if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Forecast:
        return cls(
            loop=str(d["loop"]),
            probe=ProbeCosts(**d["probe"]),
            rungs=tuple(RungForecast(**r) for r in d.get("rungs", [])),
            skipped=tuple(Skipped(**s) for s in d.get("skipped", [])),
            syncs=tuple(SyncFinding(**f) for f in d.get("syncs", [])),
            workers=int(d.get("workers", 0)),
            first_fix=str(d.get("first_fix", "")),
            steps=int(d.get("steps", 0)),
        )


def first_fix(rungs: tuple[RungForecast, ...], p: ProbeCosts, syncs: tuple[SyncFinding, ...]) -> str:
    """The one sentence a person acts on: the hidden sync first, else the cheapest rung that gets
    most of the forecast gain, else why overlap has little to give here."""
    if syncs:
        f = syncs[0]
        return (
            f"Remove the sync at {f.where} ({f.code}) first: it makes the host wait for the batch in "
            "flight, so no overlapped rung can gain until it goes."
        )
    best = max(rungs, key=lambda r: r.speedup)
    if best.speedup < 1.05:
        return (
            f"Overlap has little to hide here (best forecast {best.speedup:.2f}x): the GPU's G of "
            f"{p.g_ms:.1f} ms outweighs the host's L + C of {p.l_ms + p.c_ms:.1f} ms, so a smaller G "
            "(bf16, or fewer images per batch) is the lever, not the loop."
        )
    enough = next(r for r in rungs if r.speedup >= 1 + 0.9 * (best.speedup - 1))
    return (
        f"Try {enough.name} first: forecast {enough.speedup:.2f}x, its period then set by {enough.bound}"
        + (f"; {best.name} goes to {best.speedup:.2f}x." if best.name != enough.name else ".")
        + _threads_or_processes(rungs, p)
    )


def _threads_or_processes(rungs: tuple[RungForecast, ...], p: ProbeCosts) -> str:
    """Where both were forecast, which serves this post better and why: its GIL share."""
    threads = next((r for r in rungs if r.name.startswith("threads")), None)
    pool = next((r for r in rungs if r.name.startswith("pool")), None)
    if threads is None or pool is None or p.gil_share is None:
        return ""
    if max(threads.speedup, pool.speedup) < 1.05:
        return ""  # neither pays: which of the two is no question here
    held = f"its post holds the GIL for {p.gil_share:.0%} of its C"
    if threads.speedup >= pool.speedup * 0.95:
        return (
            f" Threads serve it as well as processes ({threads.name} {threads.speedup:.2f}x, "
            f"{pool.name} {pool.speedup:.2f}x): {held}, and threads need no pickling."
        )
    return (
        f" Processes, not threads ({pool.name} {pool.speedup:.2f}x, {threads.name} "
        f"{threads.speedup:.2f}x): {held}."
    )
