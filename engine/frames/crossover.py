"""The crossover's costs in long form, for the explainer's chart; reshaping only."""

from __future__ import annotations

import pandas as pd

from engine.result.crossover import Crossover


def crossover_frame(x: Crossover) -> pd.DataFrame:
    """Long form for the lab's chart: one row per (batch, cost), the four costs of every batch."""
    rows = []
    for p in x.points:
        for cost, launch, ms in (
            ("L", "eager", p.eager_l_ms),
            ("G", "eager", p.eager_g_ms),
            ("L", "graph", p.graph_l_ms),
            ("G", "graph", p.graph_g_ms),
        ):
            rows.append(
                {"batch": p.batch, "series": f"{cost} {launch}", "cost": cost, "launch": launch, "ms": ms}
            )
    return pd.DataFrame(rows)
