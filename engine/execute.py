"""One way to run: measure what a Workload and a RunSpec ask for, keep it, and hand back the result,
its run id and its trace. The CLI and the lab both call `execute`, so a run from either is the
same run, stored the same way.

A G/C sweep is one comparison of the pair per ratio of host work to device work, each held for a
fixed duration at L + C = ratio x G (G measured at the point's start), so the host's mood does not
move the points; each point is stored as a run of its own, all carrying the sweep's id, so the
history lists them as one entry and one link reopens them all.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from engine.errors import OverlapLabError, WorkloadError
from engine.measure.progress import Progress, ProgressFn
from engine.measure.protocol import Harness, compare
from engine.read.document import document, standard_json
from engine.result.comparison import Comparison
from engine.result.sweep import SweepPoint
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import History
from engine.store.result_file import rescue

# About 170 bytes of JSON a batch (its spans, and its block's summary): 50,000 batches and their
# telemetry stay under what the history stores and the app shows (engine/store/reading.py).
MAX_STORED_BATCHES = 50_000


@dataclass(frozen=True)
class Outcome:
    """What a run gave: one comparison, or one per point of a sweep, each with its run id."""

    results: tuple[Comparison, ...]
    run_ids: tuple[str | None, ...]  # None where the history did not take a result
    ratios: tuple[float, ...] = ()  # a sweep's (L + C) / G per result; () for one comparison
    trace: bytes | None = None  # the profiler trace, when the spec asked for one
    not_saved: str = ""  # why the history did not take the result, when it did not
    sweep_id: str | None = None  # a stored sweep's id: its points are listed and linked as one

    @property
    def sweep(self) -> bool:
        return bool(self.ratios)

    @property
    def result(self) -> Comparison:
        return self.results[0]

    @property
    def run_id(self) -> str | None:
        return self.run_ids[0]

    @property
    def points(self) -> list[SweepPoint]:
        return [SweepPoint(r, c) for r, c in zip(self.ratios, self.results, strict=True)]


def execute(
    workload: Workload,
    spec: RunSpec,
    *,
    store: History | None = None,
    source: str = "cli",
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    command: str = "",
    harness: Harness | None = None,
) -> Outcome:
    """Run, store (when given a store) and return. A failed save loses nothing: the result comes
    back with `not_saved` saying why, for the caller to show. A run whose result the history could
    not hold is refused before it starts, when it is to be stored."""
    if store is not None:
        check_storable(workload, spec)
    if spec.set.sweep:
        return _sweep(workload, spec, store, source, progress, cancel, command, harness)
    trace_path = _temp_path("trace") if spec.trace else None
    try:
        result = compare(
            workload,
            spec,
            progress=progress,
            cancel=cancel,
            command=command,
            trace_path=trace_path,
            harness=harness,
        )
        trace = Path(trace_path).read_bytes() if trace_path is not None else None
    finally:
        if trace_path is not None:
            Path(trace_path).unlink(missing_ok=True)
    run_id, why = _keep(store, result, source)
    return Outcome((result,), (run_id,), trace=trace, not_saved=why)


def planned_batches(workload: Workload, spec: RunSpec) -> int:
    """Measured batches one stored result will hold at most: a sweep stores each point apart."""
    variants = 2 if spec.set.sweep else len(spec.variants_for(on_gpu=True))
    return workload.steps * variants * spec.planned_rounds


def check_storable(workload: Workload, spec: RunSpec) -> None:
    """Refuse, before it runs, a run too big to be stored and shown: an hour of measuring whose
    result then went to a rescue file, and that the lab could not draw."""
    batches = planned_batches(workload, spec)
    if batches > MAX_STORED_BATCHES:
        raise WorkloadError(
            "steps",
            workload.steps,
            f"at most {MAX_STORED_BATCHES:,} batches in a run that is stored, and steps x variants x "
            f"rounds is {batches:,}: fewer steps or rounds, or a run that is not stored",
        )


def _sweep(
    workload: Workload,
    spec: RunSpec,
    store: History | None,
    source: str,
    progress: ProgressFn | None,
    cancel: threading.Event | None,
    command: str,
    harness: Harness | None,
) -> Outcome:
    ratios = spec.sweep_ratios
    point_spec = spec.replace(variants="pair", ratios=(), trace=False)
    workload.at_ratio(ratios[0])  # a workload that cannot be swept fails before any point runs
    results, ids, problems = [], [], []
    sweep_id, why = _new_sweep(store)
    if why:
        problems.append(why)
    for i, ratio in enumerate(ratios):

        def labelled(p: Progress, i: int = i, ratio: float = ratio) -> None:
            if progress is not None:
                point = f"point {i + 1}/{len(ratios)}, (L + C)/G = {ratio:g}"
                progress(dataclasses.replace(p, note=point + (f" · {p.note}" if p.note else "")))

        result = compare(
            workload.at_ratio(ratio),
            point_spec,
            progress=labelled,
            cancel=cancel,
            command=command,
            harness=harness,
        )
        run_id, why = _keep(store if sweep_id else None, result, source, sweep_id or "")
        results.append(result)
        ids.append(run_id)
        if why and why not in problems:
            problems.append(why)
    kept = sweep_id if any(ids) else None
    return Outcome(tuple(results), tuple(ids), ratios, not_saved="; ".join(problems), sweep_id=kept)


def _new_sweep(store: History | None) -> tuple[str | None, str]:
    if store is None:
        return None, ""
    try:
        return store.new_sweep(), ""
    except OverlapLabError as exc:
        return None, str(exc)


def _keep(store: History | None, result: Comparison, source: str, sweep: str = "") -> tuple[str | None, str]:
    """Store a finished result; when the history will not take it, write it to a file of its own
    and say where, so a store that broke during a long run costs nothing that was measured."""
    if store is None:
        return None, ""
    try:
        return store.save(result, source, sweep=sweep), ""
    except OverlapLabError as exc:
        try:
            where = rescue(standard_json(document(result), indent=1))
        except (OSError, OverlapLabError) as lost:
            return None, f"{exc}; writing it to a file failed too ({lost})"
        return None, f"{exc}; the result was written to {where}"


def _temp_path(what: str) -> str:
    fd, path = tempfile.mkstemp(prefix=f"overlap-lab-{what}-", suffix=".json")
    os.close(fd)
    return path
