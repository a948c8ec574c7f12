"""Loop variants as data: one frozen description per loop shape, and the order rounds run them in.

"serial" and "overlap" used to be spelled in every layer, and "overlap" came to mean four loops
(the plain deque, the naive-readback rung, the top rung, the pair's deque). A variant says what a
block runs (depth, post-processing workers, readback, launch), and its name follows from that:
`name_of` gives one name per loop shape, so the same loop reads the same in the CLI table, the lab,
History and every export, whichever set it came from. The read side never spells a name: it asks the
comparison for its baseline and headline.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from engine.errors import WorkloadError

READBACKS = ("none", "naive", "pinned")
# eager; graph: one CUDA Graph captured by hand and replayed per batch; compile: torch.compile with
# mode="reduce-overhead", whose compiled forward replays CUDA Graphs of its own.
LAUNCHES = ("eager", "graph", "compile")
# How each batch's input, made on the host, reaches the device: none keeps one input on the device
# (the model alone); pageable is `.to(device)` from ordinary memory, which waits for the stream and
# blocks the host; pinned is a non_blocking copy from pinned memory on the compute stream; side is
# that copy on a side stream into one of two device buffers, with an event the compute waits on.
UPLOADS = ("none", "pageable", "pinned", "side")
# A rung's own precision; "" runs the workload's. Only bf16, the ladder's: a second model of every
# precision would hold GPU memory that no rung uses.
VARIANT_PRECISIONS = ("", "bf16")
MAX_WORKERS = 64
# Tasks that may wait per pool worker before the launching thread blocks: enough that no worker
# idles between tasks. The first POOL_BACKLOG * k launches of a pool block fill that backlog at the
# device's pace, so they are fill, not the pool's steady period.
POOL_BACKLOG = 2
MAX_DEPTH = 64
# Where a pool's post-processing runs: k processes (each its own GIL, the output pickled over a
# pipe), or k threads of the launching process (no pickling, one GIL: they pay only where the
# post-processing releases it, as numpy, PIL, JPEG and torch operators do).
POST_IN = ("processes", "threads")
# The three loop shapes; a variant's shape follows from its depth and workers.
SERIAL, DEQUE, POOL = "serial", "deque", "pool"


@dataclass(frozen=True)
class Variant:
    name: str  # the block's mode in the records and the charts
    depth: int = 1  # batches in flight: 1 is the serial loop
    workers: int = 0  # post-processing processes; 0 runs it inline on the launching thread
    readback: str = "none"  # none, naive or pinned: how the host reads each batch's output
    launch: str = "eager"  # eager, or graph: one CUDA Graph replay per batch
    precision: str = ""  # "" runs the workload's precision; bf16 runs a bf16 copy of the model
    upload: str = "none"  # how each batch's input reaches the device: none, pageable, pinned or side
    prefetch: int = 0  # processes making inputs ahead (DataLoader-style); 0: the launching thread does
    post_in: str = "processes"  # with workers: processes, or threads of the launching process

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise WorkloadError("variant", self.name, "a name of letters, digits, - and _")
        whole = f"a whole number from 1 to {MAX_DEPTH}"
        if (
            isinstance(self.depth, bool)
            or not isinstance(self.depth, int)
            or not 1 <= self.depth <= MAX_DEPTH
        ):
            raise WorkloadError("depth", self.depth, whole)
        if isinstance(self.workers, bool) or not isinstance(self.workers, int):
            raise WorkloadError("workers", self.workers, f"a whole number from 0 to {MAX_WORKERS}")
        if not 0 <= self.workers <= MAX_WORKERS:
            raise WorkloadError("workers", self.workers, f"a whole number from 0 to {MAX_WORKERS}")
        if self.readback not in READBACKS:
            raise WorkloadError("readback", self.readback, "one of " + ", ".join(READBACKS))
        if self.launch not in LAUNCHES:
            raise WorkloadError("launch", self.launch, "one of " + ", ".join(LAUNCHES))
        if self.precision not in VARIANT_PRECISIONS:
            allowed = " or ".join(repr(p) for p in VARIANT_PRECISIONS)
            raise WorkloadError("precision", self.precision, f'{allowed} ("" runs the workload\'s)')
        if isinstance(self.prefetch, bool) or not isinstance(self.prefetch, int):
            raise WorkloadError("prefetch", self.prefetch, f"a whole number from 0 to {MAX_WORKERS}")
        if not 0 <= self.prefetch <= MAX_WORKERS:
            raise WorkloadError("prefetch", self.prefetch, f"a whole number from 0 to {MAX_WORKERS}")
        if self.upload not in UPLOADS:
            raise WorkloadError("upload", self.upload, "one of " + ", ".join(UPLOADS))
        if self.post_in not in POST_IN:
            raise WorkloadError("post_in", self.post_in, "one of " + ", ".join(POST_IN))
        if self.post_in == "threads" and not self.workers:
            raise WorkloadError("post_in", self.post_in, "processes where there is no pool (workers 0)")
        if self.workers and self.depth != 2:
            raise WorkloadError("depth", self.depth, "2 with a pool: one batch computes while one is read")

    @classmethod
    def of(
        cls,
        depth: int = 1,
        workers: int = 0,
        readback: str = "none",
        launch: str = "eager",
        precision: str = "",
        upload: str = "none",
        prefetch: int = 0,
        post_in: str = "processes",
    ) -> Variant:
        """The loop with these settings, under its one name."""
        name = name_of(depth, workers, readback, launch, precision, upload, prefetch, post_in)
        return cls(name, depth, workers, readback, launch, precision, upload, prefetch, post_in)

    @property
    def shape(self) -> str:
        """serial, deque (batches in flight, post-processed on the launching thread) or pool (k
        processes post-process)."""
        if self.workers:
            return POOL
        return SERIAL if self.depth == 1 else DEQUE

    @property
    def is_serial(self) -> bool:
        return self.shape == SERIAL

    @property
    def label(self) -> str:
        """What a person reads beside the name: the loop in a few words."""
        parts = [self.shape if self.shape != DEQUE or self.depth == 2 else f"deque, depth {self.depth}"]
        if self.workers:
            parts = [f"pool of {self.workers}" if not self.threaded else f"{self.workers} threads"]
        if self.readback != "none":
            parts.append(f"{self.readback} readback")
        if self.launch == "graph":
            parts.append("CUDA Graphs")
        if self.launch == "compile":
            parts.append("torch.compile")
        if self.precision:
            parts.append(self.precision)
        if self.upload != "none":
            parts.append(f"{self.upload} upload")
        if self.prefetch:
            parts.append(f"{self.prefetch} prefetching")
        return " + ".join(parts)

    @property
    def threaded(self) -> bool:
        """Whether its pool is threads of the launching process rather than processes."""
        return self.post_in == "threads"

    @property
    def uploads(self) -> bool:
        return self.upload != "none"

    def launches_like(self, other: Variant) -> bool:
        """Whether this variant's G and L are the other's: the same launch mode and precision. A
        graph replay or a bf16 model brings its own G and L, which is the point of those rungs."""
        return self.launch == other.launch and self.precision == other.precision

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Variant:
        return cls(**d)


def name_of(
    depth: int = 1,
    workers: int = 0,
    readback: str = "none",
    launch: str = "eager",
    precision: str = "",
    upload: str = "none",
    prefetch: int = 0,
    post_in: str = "processes",
) -> str:
    """The one name of a loop shape. A readback on the serial loop or the pool keeps its name (the
    ladder's rungs all read back, so the name says what each rung adds); on the deque it is the
    name, because the naive read is the trap and the pinned one its fix. The pool with graph
    launches is the ladder's "graphs". A rung of its own precision says so last: "graphs-bf16". An
    upload is named by how it travels: the deque's is its name ("side-in"), any other loop's a part
    of it ("serial-pageable-in"); so is a prefetching pool ("prefetch2", "pool8-prefetch2"). A pool
    of threads is "threads4", with graphs "threads4-graphs". torch.compile's rungs are named as the
    graphs ones with "compiled" for "graphs": "compiled", "deque-compiled", "threads4-compiled"."""
    tail = f"-{precision}" if precision else ""
    up = "-".join(
        x
        for x in (f"{upload}-in" if upload != "none" else "", f"prefetch{prefetch}" if prefetch else "")
        if x
    )
    graphs = launch != "eager"
    word = "compiled" if launch == "compile" else "graphs"
    if workers and post_in == "threads":
        base = "-".join(x for x in (f"threads{workers}", word if graphs else "", up) if x)
        return base + tail
    if workers:
        return "-".join(x for x in (word if graphs else f"pool{workers}", up) if x) + tail
    if depth == 1:
        name = SERIAL
    elif readback != "none":
        name = readback
    elif up and depth == 2:
        name, up = up, ""
    else:
        name = DEQUE if depth == 2 else f"{DEQUE}{depth}"
    name = f"{name}-{word}" if graphs else name
    return "-".join(x for x in (name, up) if x) + tail


def rotation(variants: tuple[Variant, ...], r: int) -> tuple[Variant, ...]:
    """Round r's order: the list turned by r places, so each variant takes each place equally.
    For two variants this is the AB BA AB order that cancels a drifting host."""
    k = r % len(variants)
    return variants[k:] + variants[:k]


def check_variants(variants: tuple[Variant, ...], on_gpu: bool) -> None:
    """Refuse what the device cannot run before anything starts, naming the field."""
    if len(variants) < 2:
        raise WorkloadError("variants", [v.name for v in variants], "a baseline and at least one more")
    if not variants[0].is_serial:
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
            if v.launch == "compile":
                raise WorkloadError(
                    "launch",
                    v.launch,
                    "eager: torch.compile's reduce-overhead mode replays CUDA Graphs, which need a CUDA "
                    "GPU, not the CPU stand-in",
                )
            if v.uploads:
                raise WorkloadError(
                    "upload",
                    v.upload,
                    "none on the CPU stand-in: host-to-device copies need a CUDA GPU",
                )
            if v.precision:
                raise WorkloadError(
                    "precision",
                    v.precision,
                    "'' on the CPU stand-in: its one worker holds one model, at the workload's precision",
                )
