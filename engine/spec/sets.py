"""The named sets a run compares: one registry entry per set, holding its label, its help and how
to build its variants, and one entry of another kind for the G/C sweep.

A set's name used to be known in four places (a tuple of names, a help table, an if-chain and the
lab's labels), and the sweep rode on the same field as a string that every caller tested for. Here
a set is one row: the CLI's choices and help, the lab's Compare control, the links and the run all
read it, and a sweep is the entry whose `ratios` are not empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.errors import WorkloadError
from engine.spec.variants import Variant

DEPTH_SWEEP = range(2, 9)
POOL_SIZES = (1, 2, 4, 8)
LADDER_WORKERS = 8
SWEEP_RATIOS = (0.25, 0.5, 1.0, 2.0, 4.0)  # (L + C) / G at each point of the lab's and CLI's sweep
BASELINE = Variant("serial")


def pair(depth: int = 2) -> tuple[Variant, ...]:
    """The article's comparison: the serial loop against the deque."""
    return (BASELINE, Variant("overlap", depth=depth))


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
    return (BASELINE, *(Variant(f"depth{d}", depth=d) for d in DEPTH_SWEEP))


def pools() -> tuple[Variant, ...]:
    return (
        Variant("serial", readback="pinned"),
        *(Variant(f"pool{k}", depth=2, workers=k, readback="pinned") for k in POOL_SIZES),
    )


def launches() -> tuple[Variant, ...]:
    return (
        BASELINE,
        Variant("overlap", depth=2),
        Variant("serial-graph", launch="graph"),
        Variant("overlap-graph", depth=2, launch="graph"),
    )


@dataclass(frozen=True)
class VariantSet:
    name: str
    label: str  # the lab's Compare control
    help: str  # the CLI's --help and the control's tooltip
    build: Callable[[int, bool], tuple[Variant, ...]]  # (depth, on_gpu) -> baseline first
    gpu_only: bool = False  # nothing of it runs without CUDA
    ratios: tuple[float, ...] = ()  # a sweep: one comparison of the built set per (L + C) / G
    takes_depth: bool = False  # whether the run's depth reaches the variants

    @property
    def sweep(self) -> bool:
        return bool(self.ratios)

    def variants(self, depth: int = 2, on_gpu: bool = True) -> tuple[Variant, ...]:
        """The set's variants; the first is the baseline every other one is measured against."""
        return self.build(depth, on_gpu)


def _ratios_text(ratios: tuple[float, ...]) -> str:
    return ", ".join(f"{r:g}" for r in ratios)


SETS: dict[str, VariantSet] = {
    s.name: s
    for s in (
        VariantSet(
            "pair",
            "serial vs overlap",
            "serial against the deque at the chosen depth, as in the article",
            lambda depth, _gpu: pair(depth),
            takes_depth=True,
        ),
        VariantSet(
            "ladder",
            "technique ladder",
            f"serial, overlap (naive readback), + pinned readback, + a pool of {LADDER_WORKERS}, "
            "+ CUDA Graphs (GPU only)",
            lambda _depth, gpu: ladder(gpu),
        ),
        VariantSet(
            "readback",
            "readback modes",
            "the deque with no readback, naive .cpu() and pinned copies, against serial",
            lambda _depth, _gpu: readbacks(),
        ),
        VariantSet(
            "depth",
            "depth 1 to 8",
            "the deque at depth 2 to 8 against serial: throughput against end-to-end latency",
            lambda _depth, _gpu: depths(),
        ),
        VariantSet(
            "pool",
            "post-processing pool",
            "post-processing pools of " + ", ".join(map(str, POOL_SIZES)) + " processes against serial",
            lambda _depth, _gpu: pools(),
        ),
        VariantSet(
            "graphs",
            "CUDA Graphs (GPU)",
            "serial and overlap, each with eager launches and with CUDA Graph replays (GPU only)",
            lambda _depth, _gpu: launches(),
            gpu_only=True,
        ),
        VariantSet(
            "sweep",
            "G/C sweep",
            "one serial-vs-overlap comparison at each (L + C)/G of "
            + _ratios_text(SWEEP_RATIOS)
            + ", with the CPU work held for a fixed duration, against the predicted ceiling curve",
            lambda _depth, _gpu: pair(2),
            ratios=SWEEP_RATIOS,
        ),
    )
}


def variant_set(name: str) -> VariantSet:
    if name not in SETS:
        raise WorkloadError("variants", name, "one of " + ", ".join(SETS))
    return SETS[name]


def set_for(variants: tuple[Variant, ...]) -> str:
    """The name of the set these variants are, whatever the device or depth; "" for none."""
    depth = variants[-1].depth
    for s in SETS.values():
        for gpu in (True, False):
            if s.variants(depth if s.takes_depth else 2, gpu) == variants:
                return s.name
    return ""
