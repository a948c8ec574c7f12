"""Where CUDA Graphs stop paying, as the CLI prints it: one row per batch size, with a bar of the
measured gain."""

from __future__ import annotations

import math

from engine.result.crossover import PAYS, Crossover


def format_crossover(x: Crossover) -> str:
    lines = [
        f"CUDA Graphs against eager launches, {x.model} {x.precision} on {x.device} "
        f"({x.steps} batches per block; ms):",
        f"  {'batch':>5} {'L eager':>8} {'G eager':>8} {'L graph':>8} {'G graph':>8} "
        f"{'predicted':>9} {'measured':>9}  measured gain (one # per {1 / BAR_PER_X:g}x)",
    ]
    for p in x.points:
        lines.append(
            f"  {p.batch:>5} {p.eager_l_ms:>8.2f} {p.eager_g_ms:>8.2f} {p.graph_l_ms:>8.2f} "
            f"{p.graph_g_ms:>8.2f} {p.predicted_gain:>8.2f}x {p.measured_gain:>8.2f}x  "
            + _bar(p.measured_gain)
        )
    lines += [
        "",
        f"predicted gain: max(G eager, L eager) / max(G graph, L graph); measured: the eager deque's "
        f"period over the replayed one's, batches back to back. Graphs pay while the gain is {PAYS:.2f}x "
        "or more.",
        x.sentence() + ".",
    ]
    return "\n".join(lines)


def _bar(gain: float) -> str:
    if math.isnan(gain):
        return ""
    return "#" * max(1, round(gain * BAR_PER_X))


BAR_PER_X = 8  # characters of bar per 1x of gain
