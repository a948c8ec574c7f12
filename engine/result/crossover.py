"""Where CUDA Graphs stop paying: L and G against the batch size, eager and replayed, as one result.

A graph replay cuts the host's launch cost L to a fraction, and that is all it does: it pays while
the loop waits on launching, and stops paying once the device's own work G covers the eager L.
G grows with the batch and L does not, so there is one batch where that happens. This result holds
what was measured at each batch and reads the crossover two ways:

- predicted, from the costs of batches run one at a time: the cost model says a loop with nothing
  else to do runs at max(G, L), eager with the eager G and L, replayed with the replay's;
- measured, from the periods of batches run back to back, eager against replayed.

Each is the batch where the gain falls to PAYS, read between the two batches around it on a log2
scale. Nothing here imports torch: the CLI and the lab read it anywhere.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from engine.model.ceiling import launch_gain
from engine.model.letters import Costs

PAYS = 1.05  # a gain of 5% or more is graphs paying; below it the two are within noise


@dataclass(frozen=True)
class LaunchPoint:
    batch: int
    eager_l_ms: float  # host time to launch one forward, one batch at a time
    eager_g_ms: float  # its device span (stretched to L where launching is the slower)
    graph_l_ms: float  # host time of one replay
    graph_g_ms: float  # the replay's device span: the device's own work
    eager_period_ms: float  # back to back, with nothing else to do
    graph_period_ms: float

    @property
    def predicted_gain(self) -> float:
        """max(G, L) eager over max(G, L) replayed, each from its own one-at-a-time costs: the
        cost model's period for a loop with nothing else to do. The eager G keeps what eager
        launching costs the device too (gaps between kernels: 7% at ViT-B/16 batch 8 on an H200),
        which a rule with the replay's G for both would miss."""
        return launch_gain(
            Costs(self.eager_g_ms, self.eager_l_ms, 0.0), Costs(self.graph_g_ms, self.graph_l_ms, 0.0)
        )

    @property
    def measured_gain(self) -> float:
        return self.eager_period_ms / self.graph_period_ms


def crossing(points: list[tuple[int, float]], at: float = PAYS) -> float | None:
    """The batch where a falling gain first drops below `at`, between the swept batches on a log2
    scale; the first batch if it is already below; None if it never drops within the sweep."""
    for i, (batch, gain) in enumerate(points):
        if gain >= at:
            continue
        if i == 0:
            return float(batch)
        b0, g0 = points[i - 1]
        share = (g0 - at) / (g0 - gain)
        return 2 ** (math.log2(b0) + share * (math.log2(batch) - math.log2(b0)))
    return None


@dataclass(frozen=True)
class Crossover:
    model: str
    precision: str
    device: str  # the card, by name
    points: tuple[LaunchPoint, ...]
    steps: int = 0  # batches per measured block

    @property
    def predicted_batch(self) -> float | None:
        return crossing([(p.batch, p.predicted_gain) for p in self.points])

    @property
    def measured_batch(self) -> float | None:
        return crossing([(p.batch, p.measured_gain) for p in self.points])

    @property
    def agreement(self) -> float | None:
        """How far the prediction is from the measurement, in powers of two (0: the same batch)."""
        p, m = self.predicted_batch, self.measured_batch
        return None if p is None or m is None else abs(math.log2(p / m))

    def sentence(self) -> str:
        p, m = self.predicted_batch, self.measured_batch
        where = f"{self.model} {self.precision} on {self.device}"
        if p is None and m is None:
            return f"{where}: graphs paid at every batch swept, up to {self.points[-1].batch}"
        said = []
        said.append(
            f"predicted from L and G at batch {p:.0f}" if p is not None else "predicted: beyond the sweep"
        )
        said.append(
            f"measured back to back at batch {m:.0f}" if m is not None else "measured: beyond the sweep"
        )
        gap = self.agreement
        apart = f" ({gap:.2f} powers of two apart)" if gap is not None else ""
        return f"{where}: graphs stop paying (gain under {PAYS:.2f}x) " + ", ".join(said) + apart

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "crossover",
            "model": self.model,
            "precision": self.precision,
            "device": self.device,
            "steps": self.steps,
            "points": [asdict(p) for p in self.points],
            "predicted_batch": self.predicted_batch,
            "measured_batch": self.measured_batch,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Crossover:
        return cls(
            str(d["model"]),
            str(d["precision"]),
            str(d.get("device", "")),
            tuple(LaunchPoint(**p) for p in d["points"]),
            int(d.get("steps", 0)),
        )
