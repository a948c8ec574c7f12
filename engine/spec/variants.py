"""Loop variants as data: one frozen description per loop shape, and the named sets a run compares.

"serial" and "overlap" used to be spelled in every layer. A variant says what a block runs (depth,
post-processing workers, readback, launch), so a comparison can hold any number of them against
one baseline, and a new rung is a new row here instead of a new branch in every file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.errors import WorkloadError

READBACKS = ("none", "naive", "pinned")
LAUNCHES = ("eager", "graph")
MAX_WORKERS = 64
DEPTH_SWEEP = range(2, 9)
POOL_SIZES = (1, 2, 4, 8)
LADDER_WORKERS = 8
READBACK_HELP = {
    "none": "the output is never read, as in the article",
    "naive": ".cpu() on the previous output after the next launch: the stream is FIFO, so it also "
    "waits for the batch just launched",
    "pinned": "a non_blocking copy into a reused pinned buffer, queued right after the launch; the host "
    "waits only on that batch's copy event",
}


@dataclass(frozen=True)
class Variant:
    name: str  # the block's mode in the records and the charts
    depth: int = 1  # batches in flight: 1 is the serial loop
    workers: int = 0  # post-processing processes; 0 runs it inline on the launching thread
    readback: str = "none"  # none, naive or pinned: how the host reads each batch's output
    launch: str = "eager"  # eager, or graph: one CUDA Graph replay per batch

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise WorkloadError("variant", self.name, "a name of letters, digits, - and _")
        if isinstance(self.depth, bool) or not isinstance(self.depth, int) or not 1 <= self.depth <= 64:
            raise WorkloadError("depth", self.depth, "a whole number from 1 to 64")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int):
            raise WorkloadError("workers", self.workers, f"a whole number from 0 to {MAX_WORKERS}")
        if not 0 <= self.workers <= MAX_WORKERS:
            raise WorkloadError("workers", self.workers, f"a whole number from 0 to {MAX_WORKERS}")
        if self.readback not in READBACKS:
            raise WorkloadError("readback", self.readback, "one of " + ", ".join(READBACKS))
        if self.launch not in LAUNCHES:
            raise WorkloadError("launch", self.launch, "one of " + ", ".join(LAUNCHES))
        if self.workers and self.depth != 2:
            raise WorkloadError("depth", self.depth, "2 with a pool: one batch computes while one is read")

    @property
    def shape(self) -> str:
        """serial, overlap (a deque on the launching thread) or pool (k processes post-process)."""
        if self.workers:
            return "pool"
        return "serial" if self.depth == 1 else "overlap"

    @property
    def label(self) -> str:
        """What a person reads in a table or legend."""
        parts = [self.shape if self.shape != "overlap" or self.depth == 2 else f"overlap, depth {self.depth}"]
        if self.workers:
            parts = [f"pool of {self.workers}"]
        if self.readback != "none":
            parts.append(f"{self.readback} readback")
        if self.launch == "graph":
            parts.append("CUDA Graphs")
        return " + ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Variant:
        return cls(**d)


SERIAL = Variant("serial")


def rotation(variants: tuple[Variant, ...], r: int) -> tuple[Variant, ...]:
    """Round r's order: the list turned by r places, so each variant takes each place equally.
    For two variants this is the AB BA AB order that cancels a drifting host."""
    k = r % len(variants)
    return variants[k:] + variants[:k]


def pair(depth: int = 2) -> tuple[Variant, ...]:
    """The article's comparison: the serial loop against the deque."""
    return (SERIAL, Variant("overlap", depth=depth))


def ladder(on_gpu: bool, workers: int = LADDER_WORKERS) -> tuple[Variant, ...]:
    """Each rung keeps the one below and adds one technique. Every rung reads the top-k back (the
    baseline too), so all do the same work and only the schedule differs; the first overlap rung
    reads it the way code first written does, and falls into the FIFO trap."""
    rungs = [
        Variant("serial", readback="pinned"),
        Variant("overlap", depth=2, readback="naive"),
        Variant("pinned", depth=2, readback="pinned"),
        Variant(f"pool{workers}", depth=2, workers=workers, readback="pinned"),
    ]
    if on_gpu:
        rungs.append(Variant("graphs", depth=2, workers=workers, readback="pinned", launch="graph"))
    return tuple(rungs)


def readbacks() -> tuple[Variant, ...]:
    return (
        Variant("serial", readback="pinned"),
        Variant("none", depth=2),
        Variant("naive", depth=2, readback="naive"),
        Variant("pinned", depth=2, readback="pinned"),
    )


def depths() -> tuple[Variant, ...]:
    return (SERIAL, *(Variant(f"depth{d}", depth=d) for d in DEPTH_SWEEP))


def pools() -> tuple[Variant, ...]:
    return (
        Variant("serial", readback="pinned"),
        *(Variant(f"pool{k}", depth=2, workers=k, readback="pinned") for k in POOL_SIZES),
    )


def launches() -> tuple[Variant, ...]:
    return (
        SERIAL,
        Variant("overlap", depth=2),
        Variant("serial-graph", launch="graph"),
        Variant("overlap-graph", depth=2, launch="graph"),
    )


SETS = ("pair", "ladder", "readback", "depth", "pool", "graphs")
SET_HELP = {
    "pair": "serial against the deque at the workload's depth, as in the article",
    "ladder": "serial, overlap (naive readback), + pinned readback, + a pool of 8, + CUDA Graphs (GPU)",
    "readback": "the deque with no readback, naive .cpu() and pinned copies, against serial",
    "depth": "the deque at depth 2 to 8 against serial: throughput against end-to-end latency",
    "pool": "post-processing pools of 1, 2, 4 and 8 processes against serial",
    "graphs": "serial and overlap, each with eager launches and with CUDA Graph replays (GPU)",
}


def variant_set(name: str, depth: int = 2, on_gpu: bool = True) -> tuple[Variant, ...]:
    """A named set; the first variant is the baseline every other one is measured against."""
    if name == "pair":
        return pair(depth)
    if name == "ladder":
        return ladder(on_gpu)
    if name == "readback":
        return readbacks()
    if name == "depth":
        return depths()
    if name == "pool":
        return pools()
    if name == "graphs":
        return launches()
    raise WorkloadError("variants", name, "one of " + ", ".join(SETS))


def check_variants(variants: tuple[Variant, ...], on_gpu: bool) -> None:
    """Refuse what the device cannot run before anything starts, naming the field."""
    if len(variants) < 2:
        raise WorkloadError("variants", [v.name for v in variants], "a baseline and at least one more")
    if variants[0].shape != "serial":
        raise WorkloadError("variants", variants[0].name, "a serial baseline first (depth 1, no workers)")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise WorkloadError("variants", names, "distinct names")
    if not on_gpu:
        for v in variants:
            if v.launch == "graph":
                raise WorkloadError(
                    "launch", v.launch, "eager: CUDA Graphs need a CUDA GPU, not the CPU stand-in"
                )
