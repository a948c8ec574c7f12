"""A variant against the serial baseline: its steady ceiling, its block limit, and the share realised.

Two limits, named apart because a card once quoted one and judged by the other:
- the **ceiling** is the steady-state ratio of the two periods, what a long run tends to;
- the **block limit** is the ratio of the two block walls for the n batches a block actually ran
  (engine/model/block.py), fill, drain and a pool's waves included. A measured speedup is a ratio
  of block walls too, so a variant is held against its block limit, with the ceiling beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

from engine.model.block import block_period_ms
from engine.model.letters import Costs
from engine.model.period import Steady, steady
from engine.model.terms import Terms

# Below this predicted gain, a measured efficiency is noise divided by almost nothing (a ceiling
# a hair above 1 once printed an efficiency of 18,935%).
MIN_PREDICTED_GAIN = 0.02


@dataclass(frozen=True)
class Prediction:
    """The baseline's terms and a variant's, and what the rule says of the two."""

    terms: Terms  # the variant's
    baseline_terms: Terms
    steps: int = 0  # batches per block the limit is for; 0: the steady state only

    @cached_property
    def steady(self) -> Steady:
        return steady(self.terms)

    @cached_property
    def baseline_steady(self) -> Steady:
        return steady(self.baseline_terms)

    @property
    def period_ms(self) -> float:
        """The variant's steady period."""
        return self.steady.period_ms

    @property
    def baseline_period_ms(self) -> float:
        return self.baseline_steady.period_ms

    @property
    def ceiling(self) -> float:
        return self.baseline_period_ms / self.period_ms if self.period_ms > 0 else 1.0

    @cached_property
    def limit_period_ms(self) -> float:
        """The variant's block limit as a period: its best block wall per batch."""
        return block_period_ms(self.terms, self.steps) if self.steps else self.period_ms

    @cached_property
    def baseline_limit_period_ms(self) -> float:
        return block_period_ms(self.baseline_terms, self.steps) if self.steps else self.baseline_period_ms

    @property
    def limit(self) -> float:
        """The best speedup blocks of `steps` batches allow: the ratio of the two best walls."""
        own = self.limit_period_ms
        return self.baseline_limit_period_ms / own if own > 0 else 1.0

    @property
    def bound(self) -> str:
        return self.steady.bound

    @property
    def formula(self) -> str:
        return self.steady.formula

    @property
    def latency_ms(self) -> float:
        """Launch to the end of post-processing of one batch, in steady state: a batch waits
        depth - 1 periods in the deque, and a pool's batch a period in the backlog."""
        t, c = self.terms, self.terms.costs
        busy = max(c.g_ms + c.r_ms, c.l_ms)
        if t.workers:
            return self.period_ms + busy + c.c_ms
        if t.serial:
            return busy + c.c_ms
        return (t.depth - 1) * self.period_ms + c.l_ms + c.c_ms

    # The costs by letter, as the verdict and the tables read them.
    @property
    def g_ms(self) -> float:
        return self.terms.costs.g_ms

    @property
    def l_ms(self) -> float:
        return self.terms.costs.l_ms

    @property
    def c_ms(self) -> float:
        return self.terms.costs.c_ms

    @property
    def x_ms(self) -> float:
        return self.terms.costs.x_ms

    @property
    def workers(self) -> int:
        return self.terms.workers

    @property
    def depth(self) -> int:
        return self.terms.depth

    def at(self, steps: int) -> Prediction:
        return replace(self, steps=steps)


def predict(
    g_ms: float,
    l_ms: float,
    c_ms: float,
    depth: int = 2,
    workers: int = 0,
    baseline_l_ms: float | None = None,
    drains: bool = False,
    baseline_g_ms: float | None = None,
    upload: str = "none",
    x_ms: float = 0.0,
    p_ms: float = 0.0,
    prefetch: int = 0,
    steps: int = 0,
) -> Prediction:
    """One loop shape at G, L and C against the serial loop, by its letters: for the explainer's
    sliders, the sweep's curve and the verdict's what-ifs, where no Variant exists yet. The
    baseline keeps its own G and L where they are given (eager launches, the workload's precision)."""
    own = Costs(g_ms, l_ms, c_ms, x_ms=x_ms, p_ms=p_ms)
    base = own.but(
        g_ms=g_ms if baseline_g_ms is None else baseline_g_ms,
        l_ms=l_ms if baseline_l_ms is None else baseline_l_ms,
        x_ms=0.0,
    )
    variant = Terms(own, depth, workers, prefetch, drains, upload)
    return Prediction(variant, Terms(base), steps)


def workers_to_keep_up(costs: Costs) -> int:
    """The smallest pool whose C / k no longer exceeds what one batch holds the device or the
    launching thread for: from there on, more workers buy nothing."""
    return max(1, math.ceil(costs.c_ms / max(costs.device_ms, costs.l_ms, 1e-9)))


def launch_gain(eager: Costs, graph: Costs) -> float:
    """What replaying a captured forward gains a loop with nothing else to do: the deque's steady
    period with eager launches over the same with graph replays, each at its own G and L."""
    return steady(Terms(eager, depth=2)).period_ms / steady(Terms(graph, depth=2)).period_ms


def efficiency(speedup: float, limit: float) -> float:
    """Share of the allowed gain that was realised; nan when too little gain was allowed."""
    if not limit - 1.0 >= MIN_PREDICTED_GAIN:
        return float("nan")
    return (speedup - 1.0) / (limit - 1.0)
