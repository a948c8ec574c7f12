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
BASELINE = Variant.of()
READ_BASELINE = Variant.of(readback="pinned")  # the baseline of sets whose rungs read back


def pair(depth: int = 2) -> tuple[Variant, ...]:
    """The article's comparison: the serial loop against the deque."""
    return (BASELINE, Variant.of(depth=depth))


def ladder(on_gpu: bool, workers: int = LADDER_WORKERS) -> tuple[Variant, ...]:
    """Each rung keeps the one below and adds one technique. Every rung reads the top-k back (the
    baseline too), so all do the same work and only the schedule differs; the first overlap rung
    reads it the way code first written does, and falls into the FIFO trap."""
    rungs = [
        READ_BASELINE,
        Variant.of(depth=2, readback="naive"),
        Variant.of(depth=2, readback="pinned"),
        Variant.of(depth=2, workers=workers, readback="pinned"),
    ]
    if on_gpu:
        rungs.append(Variant.of(depth=2, workers=workers, readback="pinned", launch="graph"))
    return tuple(rungs)


def readbacks() -> tuple[Variant, ...]:
    return (
        READ_BASELINE,
        Variant.of(depth=2),
        Variant.of(depth=2, readback="naive"),
        Variant.of(depth=2, readback="pinned"),
    )


def depths() -> tuple[Variant, ...]:
    return (BASELINE, *(Variant.of(depth=d) for d in DEPTH_SWEEP))


def pools() -> tuple[Variant, ...]:
    return (
        READ_BASELINE,
        *(Variant.of(depth=2, workers=k, readback="pinned") for k in POOL_SIZES),
    )


def launches() -> tuple[Variant, ...]:
    return (
        BASELINE,
        Variant.of(depth=2),
        Variant.of(launch="graph"),
        Variant.of(depth=2, launch="graph"),
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
    probed: bool = False  # a diagnosis: a probe first forecasts every rung and picks the pool's size

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
            "serial vs deque",
            "serial against the deque at the chosen depth, as in the article",
            lambda depth, _gpu: pair(depth),
            takes_depth=True,
        ),
        VariantSet(
            "ladder",
            "technique ladder",
            f"serial, naive (the deque with a naive .cpu() readback), pinned (+ pinned readback), "
            f"pool{LADDER_WORKERS} (+ a pool of {LADDER_WORKERS}), graphs (+ CUDA Graphs, GPU only)",
            lambda _depth, gpu: ladder(gpu),
        ),
        VariantSet(
            "readback",
            "readback modes",
            "deque (no readback), naive (.cpu() each batch) and pinned (copies into pinned memory), "
            "against serial",
            lambda _depth, _gpu: readbacks(),
        ),
        VariantSet(
            "depth",
            "depth 1 to 8",
            "deque (depth 2) and deque3 to deque8 against serial: throughput against end-to-end latency",
            lambda _depth, _gpu: depths(),
        ),
        VariantSet(
            "pool",
            "post-processing pool",
            "pool1 to pool"
            + str(POOL_SIZES[-1])
            + ": post-processing pools of "
            + ", ".join(map(str, POOL_SIZES))
            + " processes against serial",
            lambda _depth, _gpu: pools(),
        ),
        VariantSet(
            "graphs",
            "CUDA Graphs (GPU)",
            "serial and deque with eager launches, serial-graphs and deque-graphs with CUDA Graph "
            "replays (GPU only)",
            lambda _depth, _gpu: launches(),
            gpu_only=True,
        ),
        VariantSet(
            "diagnose",
            "diagnose: forecast, then measure",
            "probe the loop, forecast every rung (naive, pinned, a pool sized to the probe and the "
            "box's cores, CUDA Graphs) with its formula, then measure each and show the error",
            lambda _depth, gpu: ladder(gpu),
            probed=True,
        ),
        VariantSet(
            "sweep",
            "G/C sweep",
            "one serial-vs-deque comparison at each (L + C)/G of "
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
