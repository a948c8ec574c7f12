"""One row of the history as people scan it, and how a G/C sweep's points become one row.

Kept apart from the store so that the listing, the lab and the store read the same Entry, and the
grouping of a sweep is written once.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.result.comparison import Comparison
from engine.spec.workload import PRESETS, Workload


@dataclass(frozen=True)
class Entry:
    """One row of the history table: what a person scans to pick a run."""

    id: str
    saved_at: str
    started_at: str
    user: str
    host: str
    source: str  # lab, cli, import or example
    preset: str
    model: str
    batch_size: int
    precision: str
    depth: int
    device: str
    card: str
    speedup: float
    ceiling: float
    block_limit: float
    efficiency: float
    stability: str
    variant_set: str = ""  # pair, ladder, ... or sweep for a G/C sweep's entry; "" for a custom set
    sweep: str = ""  # the sweep a point belongs to

    @property
    def label(self) -> str:
        """How a picker names the run: enough to tell two apart at a glance."""
        when = self.started_at[:16].replace("T", " ") or "recorded"
        return (
            f"{self.id} · {when} · {self.variant_set or 'custom'} · {self.preset} · batch "
            f"{self.batch_size} · {self.card} · {self.speedup:.2f}x of its {self.block_limit:.2f}x limit"
        )


def preset_name(workload: Workload) -> str:
    return next((name for name, w in PRESETS.items() if w == workload), "custom")


def card_name(c: Comparison) -> str:
    return c.environment.gpu_name or ("CPU stand-in" if c.device_kind == "standin" else c.device_kind)


def row_of(run_id: str, c: Comparison, source: str, saved_at: str) -> dict[str, Any]:
    p = c.provenance
    return {
        "id": run_id,
        "saved_at": saved_at,
        "started_at": p.started_at,
        "user": p.user or "unknown",
        "host": p.host or "unknown",
        "source": source,
        "preset": preset_name(c.workload),
        "model": c.workload.loop or c.workload.model,  # what ran: a loop's name, or the model's
        "batch_size": c.workload.batch_size,
        "precision": c.workload.precision,
        "depth": c.headline.depth,
        "device": c.environment.device or c.workload.device,
        "card": card_name(c),
        "speedup": c.speedup,
        "ceiling": c.ceiling,
        "block_limit": c.limit,
        "efficiency": c.efficiency,
        "stability": c.stability_text,
        "variant_set": c.variant_set,
        "sweep": "",
    }


def digest(c: Comparison) -> str:
    """The fingerprint of a result's records: the same result, however it travelled, has the same."""
    runs = json.dumps([r.to_dict() for r in c.runs], sort_keys=True)
    return hashlib.sha256(f"{c.provenance.started_at}|{c.provenance.host}|{runs}".encode()).hexdigest()


def group_sweeps(entries: Sequence[Entry]) -> list[Entry]:
    """Each G/C sweep's points as one entry, where its newest point stood: its id is the sweep's,
    its speedup and ceiling its best point's, and its stability counts its points."""
    points: dict[str, list[Entry]] = {}
    for e in entries:
        if e.sweep:
            points.setdefault(e.sweep, []).append(e)
    out: list[Entry] = []
    for e in entries:
        if not e.sweep:
            out.append(e)
        elif e is points[e.sweep][0]:
            group = points[e.sweep]
            best = max(group, key=lambda p: -math.inf if math.isnan(p.speedup) else p.speedup)
            out.append(
                replace(
                    best,
                    id=e.sweep,
                    started_at=min(p.started_at for p in group),
                    preset="G/C sweep",
                    stability=f"{len(group)} points",
                    variant_set="sweep",
                )
            )
    return out
