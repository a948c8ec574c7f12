"""The named sets a run compares: one registry entry per set, holding its label, its help and how
to build its variants, and one entry of another kind for the G/C sweep.

A set's name used to be known in four places (a tuple of names, a help table, an if-chain and the
lab's labels), and the sweep rode on the same field as a string that every caller tested for. Here
a set is one row: the CLI's choices and help, the lab's Compare control, the links and the run all
read it, and a sweep is the entry whose `ratios` are not empty.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from engine.errors import WorkloadError
from engine.spec.variants import MAX_WORKERS, Variant

DEPTH_SWEEP = range(2, 9)
POOL_SIZES = (1, 2, 4, 8)
SWEEP_RATIOS = (0.25, 0.5, 1.0, 2.0, 4.0)  # (L + C) / G at each point of the lab's and CLI's sweep
BASELINE = Variant.of()
READ_BASELINE = Variant.of(readback="pinned")  # the baseline of sets whose rungs read back


def pair(depth: int = 2) -> tuple[Variant, ...]:
    """The article's comparison: the serial loop against the deque."""
    return (BASELINE, Variant.of(depth=depth))


def usable_cores() -> int:
    """The cores this process may run on: what a box-sized pool is sized from."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def box_workers(cores: int, on_gpu: bool) -> int:
    """The pool this box allows: one worker per core, less the launching thread's core and, on the
    stand-in, the core its model runs on. At least one, so the rung still runs on two cores."""
    return max(1, min(MAX_WORKERS, cores - 1 - (0 if on_gpu else 1)))


def crowded(variants: Sequence[Variant], cores: int, on_gpu: bool) -> str:
    """One sentence, before a run, where a variant asks for more helper processes than the box has
    spare cores: they then share cores, its C / k does not shrink as k grows, and its limit (which
    assumes a core each) reads beyond what the run can reach. Empty where every variant fits."""
    spare = cores - 1 - (0 if on_gpu else 1)
    over = [v for v in variants if v.workers + v.prefetch > max(spare, 1)]
    if not over:
        return ""
    names = ", ".join(f"{v.name} ({v.workers + v.prefetch})" for v in over)
    beside = "the launching thread" if on_gpu else "the launching thread and the stand-in's model"
    return (
        f"{names} {'asks' if len(over) == 1 else 'ask'} for more helper processes than this box's "
        f"{cores} cores have room for ({max(spare, 1)} beside {beside}): they will share cores, "
        "so expect less than the limit a core each would allow."
    )


def ladder(on_gpu: bool, workers: int, precise: bool = True) -> tuple[Variant, ...]:
    """Each rung keeps the one below and adds one technique. Every rung reads the top-k back (the
    baseline too), so all do the same work and only the schedule differs; the first overlap rung
    reads it the way code first written does, and falls into the FIFO trap. On a GPU the last two
    replay CUDA Graphs, and the top one (with `precise`) runs the model in bf16 as well: what the
    box allows at all, against the same fp32 serial baseline."""
    rungs = [
        READ_BASELINE,
        Variant.of(depth=2, readback="naive"),
        Variant.of(depth=2, readback="pinned"),
        Variant.of(depth=2, workers=workers, readback="pinned"),
    ]
    if on_gpu:
        rungs.append(Variant.of(depth=2, workers=workers, readback="pinned", launch="graph"))
        if precise:
            rungs.append(
                Variant.of(depth=2, workers=workers, readback="pinned", launch="graph", precision="bf16")
            )
    return tuple(rungs)


def diagnosis(on_gpu: bool, workers: int) -> tuple[Variant, ...]:
    """A diagnosis's rungs as its probe usually sizes them: the ladder below its own precision,
    with a pool of threads beside the pool of processes (threads first: they need no pickling)."""
    rungs = list(ladder(on_gpu, workers, precise=False))
    rungs.insert(3, Variant.of(depth=2, workers=workers, readback="pinned", post_in="threads"))
    if on_gpu:
        rungs.append(Variant.of(depth=2, workers=workers, readback="pinned", launch="compile"))
    return tuple(rungs)


def compiles() -> tuple[Variant, ...]:
    """The deque's forward three ways: eager, one CUDA Graph captured by hand, and torch.compile
    with mode="reduce-overhead" (which replays graphs of its own): what compiling buys against
    capturing by hand, in L and G."""
    return (
        BASELINE,
        Variant.of(depth=2),
        Variant.of(depth=2, launch="graph"),
        Variant.of(depth=2, launch="compile"),
    )


def threads_or_processes(workers: int) -> tuple[Variant, ...]:
    """The same post-processing in k threads of the launching process and in k processes, beside
    the deque that runs it inline: which one a loop's post-processing is served by."""
    return (
        READ_BASELINE,
        Variant.of(depth=2, readback="pinned"),
        Variant.of(depth=2, workers=workers, readback="pinned", post_in="threads"),
        Variant.of(depth=2, workers=workers, readback="pinned"),
    )


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


def uploads() -> tuple[Variant, ...]:
    """Each batch's input made on the host and uploaded, the ways code is written, all replayed as
    CUDA Graphs so that the launch hides nothing: the serial loop with `.to(device)` as the
    baseline; the deque with no upload at all, the period the uploads are measured against; then
    pageable, pinned on the compute stream, and pinned on a side stream with two buffers."""
    return (
        Variant.of(upload="pageable", launch="graph"),
        Variant.of(depth=2, launch="graph"),
        *(Variant.of(depth=2, upload=u, launch="graph") for u in ("pageable", "pinned", "side")),
    )


PREFETCH_SIZES = (1, 2)


def prefetches() -> tuple[Variant, ...]:
    """Inputs pre-processed on the host (the workload's pre_ms): the serial loop and the deque doing
    it on the launching thread, then the deque with 1 and 2 processes making inputs ahead."""
    return (
        BASELINE,
        Variant.of(depth=2),
        *(Variant.of(depth=2, prefetch=m) for m in PREFETCH_SIZES),
    )


@dataclass(frozen=True)
class VariantSet:
    name: str
    label: str  # the lab's Compare control
    help: str  # the CLI's --help and the control's tooltip
    build: Callable[[int, bool, int], tuple[Variant, ...]]  # (depth, on_gpu, cores) -> baseline first
    gpu_only: bool = False  # nothing of it runs without CUDA
    ratios: tuple[float, ...] = ()  # a sweep: one comparison of the built set per (L + C) / G
    takes_depth: bool = False  # whether the run's depth reaches the variants
    probed: bool = False  # a diagnosis: a probe first forecasts every rung and picks the pool's size
    needs_pre: bool = False  # measures pre-processing: a workload without pre_ms has nothing to show

    @property
    def sweep(self) -> bool:
        return bool(self.ratios)

    def variants(self, depth: int = 2, on_gpu: bool = True, cores: int | None = None) -> tuple[Variant, ...]:
        """The set's variants; the first is the baseline every other one is measured against. A
        ladder's pool is sized to `cores` (this process's, unless told)."""
        return self.build(depth, on_gpu, usable_cores() if cores is None else cores)


def _ratios_text(ratios: tuple[float, ...]) -> str:
    return ", ".join(f"{r:g}" for r in ratios)


SETS: dict[str, VariantSet] = {
    s.name: s
    for s in (
        VariantSet(
            "pair",
            "serial vs deque",
            "serial against the deque at the chosen depth, as in the article",
            lambda depth, _gpu, _cores: pair(depth),
            takes_depth=True,
        ),
        VariantSet(
            "ladder",
            "technique ladder",
            "serial, naive (the deque with a naive .cpu() readback), pinned (+ pinned readback), "
            "poolK (+ a pool sized to the box: a worker per core, less the launching thread's), "
            "graphs (+ CUDA Graphs) and graphs-bf16 (+ the model in bf16); the last two on a GPU only",
            lambda _depth, gpu, cores: ladder(gpu, box_workers(cores, gpu)),
        ),
        VariantSet(
            "readback",
            "readback modes",
            "deque (no readback), naive (.cpu() each batch) and pinned (copies into pinned memory), "
            "against serial",
            lambda _depth, _gpu, _cores: readbacks(),
        ),
        VariantSet(
            "depth",
            "deque depths 2 to 8",
            "deque (depth 2) and deque3 to deque8 against serial: throughput against end-to-end latency",
            lambda _depth, _gpu, _cores: depths(),
        ),
        VariantSet(
            "pool",
            "post-processing pool",
            "pool1 to pool"
            + str(POOL_SIZES[-1])
            + ": post-processing pools of "
            + ", ".join(map(str, POOL_SIZES))
            + " processes against serial",
            lambda _depth, _gpu, _cores: pools(),
        ),
        VariantSet(
            "threads",
            "threads or processes",
            "pinned (post-processing inline), threadsK (in K threads of the launching process: no "
            "pickling, one GIL) and poolK (in K processes), K sized to the box, against serial",
            lambda _depth, gpu, cores: threads_or_processes(box_workers(cores, gpu)),
        ),
        VariantSet(
            "graphs",
            "CUDA Graphs (GPU)",
            "serial and deque with eager launches, serial-graphs and deque-graphs with CUDA Graph "
            "replays (GPU only)",
            lambda _depth, _gpu, _cores: launches(),
            gpu_only=True,
        ),
        VariantSet(
            "prefetch",
            "input pre-processing",
            "each batch's input pre-processed on the host for pre_ms (decode, resize): serial and the "
            "deque doing it on the launching thread, then prefetch"
            + " and prefetch".join(map(str, PREFETCH_SIZES))
            + " with that many processes making inputs ahead, DataLoader-style; runs on the stand-in too",
            lambda _depth, _gpu, _cores: prefetches(),
            needs_pre=True,
        ),
        VariantSet(
            "compile",
            "torch.compile (GPU)",
            "the deque eager, with a CUDA Graph captured by hand (deque-graphs) and compiled by "
            "torch.compile's reduce-overhead mode (deque-compiled), against serial; the compile's "
            "seconds are shown and kept out of every period (GPU only)",
            lambda _depth, _gpu, _cores: compiles(),
            gpu_only=True,
        ),
        VariantSet(
            "uploads",
            "input uploads (GPU)",
            "each batch's input uploaded from the host, replayed as CUDA Graphs: serial with a pageable "
            ".to(device) as the baseline, the deque with no upload (the reference), then pageable, "
            "pinned on the compute stream, and pinned on a side stream with two buffers (GPU only)",
            lambda _depth, _gpu, _cores: uploads(),
            gpu_only=True,
        ),
        VariantSet(
            "diagnose",
            "diagnose: forecast, then measure",
            "probe the loop, forecast every rung (naive, pinned, a pool sized to the probe and the "
            "box's cores, CUDA Graphs) with its formula, then measure each and show the error",
            lambda _depth, gpu, cores: diagnosis(gpu, box_workers(cores, gpu)),
            probed=True,
        ),
        VariantSet(
            "sweep",
            "G/C sweep",
            "one serial-vs-deque comparison at each (L + C)/G of "
            + _ratios_text(SWEEP_RATIOS)
            + ", with the CPU work held for a fixed duration, against the predicted ceiling curve",
            lambda _depth, _gpu, _cores: pair(2),
            ratios=SWEEP_RATIOS,
        ),
    )
}


def variant_set(name: str) -> VariantSet:
    if name not in SETS:
        raise WorkloadError("variants", name, "one of " + ", ".join(SETS))
    return SETS[name]


def _any_pool(variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
    """The variants with every pool's size and name left out, and any rung of its own precision:
    a ladder sized to 16 cores and one sized to 8 are the same set, and so is a ladder stored
    before it had a bf16 rung."""
    return tuple(replace(v, name="any", workers=min(v.workers, 1)) for v in variants if not v.precision)


def set_for(variants: tuple[Variant, ...]) -> str:
    """The name of the set these variants are, whatever the device, depth or box; "" for none. A
    diagnosis is never found this way: its rungs are sized by its probe, and its result names it."""
    depth = variants[-1].depth
    workers = max(v.workers for v in variants)
    named = [s for s in SETS.values() if not s.probed]
    for exact in (True, False):
        for s in named:
            for gpu in (True, False):
                built = s.variants(depth if s.takes_depth else 2, gpu, workers + 1 + (0 if gpu else 1))
                if built == variants or (not exact and _any_pool(built) == _any_pool(variants)):
                    return s.name
    return ""


SLOTS = 10  # colours a chart can tell apart (ui/charts's palette holds as many)


def _family(name: str) -> str:
    """A box-sized pool of threads is one colour whatever its size: no set holds two of them, and
    a slot for each of 64 sizes would leave none for the rest."""
    return re.sub(r"^threads\d+", "threadsK", name)


@functools.cache
def _named_slots() -> dict[str, int]:
    """A slot for every variant name the named sets give, on a GPU box and the stand-in, on boxes
    of 2 to 17 cores: the first slot no name it shares a set with has taken. So a variant keeps
    one colour in every set (pinned is pinned in the ladder and in the readbacks) and no two
    variants of one set share one."""
    groups = [
        [_family(v.name) for v in s.variants(2, gpu, cores)]
        for s in SETS.values()
        for gpu in (True, False)
        if gpu or not s.gpu_only
        for cores in range(2, 18)
    ]
    slots: dict[str, int] = {}
    for group in groups:
        for name in group:
            if name not in slots:
                taken = {slots[m] for g in groups if name in g for m in g if m in slots}
                slots[name] = next(i for i in range(SLOTS) if i not in taken)
    return slots


def colour_slots(order: Sequence[str]) -> dict[str, int]:
    """Each variant's colour slot in a comparison of `order`: a named set's variant keeps its own
    in every set; any other (a box-sized pool of another size, a diagnosis's rungs) takes the first
    slot the comparison's other variants leave free."""
    named = _named_slots()
    out = {n: named[_family(n)] for n in order if _family(n) in named}
    for n in order:
        if n not in out:
            used = set(out.values())
            out[n] = next((i for i in range(SLOTS) if i not in used), len(out) % SLOTS)
    return out
