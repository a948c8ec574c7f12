"""The box's ceiling: the best period this box allows for a workload at all, from the cheapest of
each cost a run measured, whichever variant measured it.

A rung's own ceiling says how close it came to what its technique allows; a speaker also wants to
know how close the best rung came to what the box allows:

    box period = max(G at the best precision measured, L with graphs where measured,
                     C / k with a worker on every core but the launching thread's,
                     X, the input's copy, where a side stream carried it (on the compute
                     stream it adds to G instead, since that stream does both),
                     P / k, the input's pre-processing in a prefetching pool, where there is any)

and the box's ceiling is the serial baseline's steady period over it. A cost the run did not
measure (no bf16 rung, no graph rung) is named, so a ceiling from eager fp32 costs never passes
for the box's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class BoxCeiling:
    baseline_period_ms: float  # the serial loop's steady period, as every variant's ceiling uses
    terms_ms: dict[str, float]  # each cost's floor on the period, by name, e.g. "G at bf16"
    workers: int  # the pool this box allows
    unmeasured: tuple[str, ...]  # what the run did not measure, so the ceiling may sit too low

    @property
    def period_ms(self) -> float:
        return max(self.terms_ms.values())

    @property
    def bound(self) -> str:
        return max(self.terms_ms, key=lambda k: self.terms_ms[k])

    @property
    def ceiling(self) -> float:
        return self.baseline_period_ms / self.period_ms if self.period_ms > 0 else float("nan")

    @property
    def formula(self) -> str:
        """The rule with its numbers, as the CLI and the lab print it."""
        terms = ", ".join(f"{k} {v:.2f}" for k, v in self.terms_ms.items())
        return f"max({terms}) = {self.period_ms:.2f} ms"

    def share(self, speedup: float) -> float:
        """A speedup as a share of the box's ceiling."""
        return speedup / self.ceiling if self.ceiling > 0 and not math.isnan(speedup) else float("nan")


def box_ceiling(
    baseline_period_ms: float,
    g: tuple[str, float],
    l_ms: tuple[str, float],
    c_ms: float,
    workers: int,
    pre_ms: float | None = None,
    copies_ms: dict[str, float] | None = None,
    unmeasured: tuple[str, ...] = (),
) -> BoxCeiling:
    """The box's terms from the cheapest costs measured: (name, ms) of G and of L, the baseline's
    C, the best P where there is any, and the input copy's X by how it was sent."""
    g_name, g_ms = g
    l_name, l_value = l_ms
    k = max(1, workers)
    terms = {g_name: g_ms, l_name: l_value, f"C / {k}": c_ms / k}
    if pre_ms is not None:
        terms[f"P / {k}"] = pre_ms / k
    copies = copies_ms or {}
    if "side" in copies:
        terms["X on a side stream"] = copies["side"]
    elif copies:
        terms[f"{g_name} + X"] = terms.pop(g_name) + min(copies.values())
    return BoxCeiling(baseline_period_ms, terms, k, unmeasured)
