"""The box's ceiling: the best period this box allows for this workload, from the costs measured.

A rung's own ceiling says how close it came to what its technique allows; a speaker also wants to
know how close the best rung came to what the box allows at all. That period is set by the
cheapest of each cost the run measured, whichever rung measured it:

    box period = max(G at the best precision measured, L with graphs where measured,
                     C / k with a worker on every core but the launching thread's,
                     X, the input's copy, where the run uploads one,
                     P / k, the input's pre-processing in a prefetching pool, where it has any)

The copy is its own term where a side-stream upload was measured (the copy engine runs beside
compute); where only uploads on the compute stream were, it adds to G, since that stream does both.

and the box's ceiling is the serial baseline's period over it. Every rung's speedup is then also
a share of that one number. A cost the run did not measure (no bf16 rung, no graph rung) is named,
so a ceiling from eager fp32 costs never passes for the box's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.result.comparison import Comparison
from engine.spec.sets import box_workers


@dataclass(frozen=True)
class BoxCeiling:
    baseline_period_ms: float  # the serial loop's predicted period, as every rung's ceiling uses
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


def box_ceiling(c: Comparison) -> BoxCeiling:
    base = c.baseline_summary
    on_gpu = c.device_kind != "standin"  # the ideal device stands for a GPU
    cores = c.environment.cpu_cores_usable
    k = box_workers(cores, on_gpu) if cores else max(1, max(max(v.workers, v.prefetch) for v in c.variants))
    g_by = {v: c.summary_of(v.name).g.mean for v in c.variants}
    fastest = min((v for v in g_by if not math.isnan(g_by[v])), key=lambda v: g_by[v], default=c.baseline)
    precision = fastest.precision or ("" if c.workload.loop else c.workload.precision)
    graphs = [c.summary_of(v.name).l.mean for v in c.variants if v.launch == "graph"]
    unmeasured = []
    bf16 = any(v.precision == "bf16" for v in c.variants)
    if on_gpu and not c.workload.loop and not bf16 and c.workload.precision == "fp32":
        unmeasured.append("bf16")
    if on_gpu and not graphs:
        unmeasured.append("CUDA Graphs")
    l_name, l_ms = ("L with graphs", min(graphs)) if graphs else ("L", base.l.mean)
    g_name = f"G at {precision}" if precision else "G"
    terms = {g_name: g_by[fastest], l_name: l_ms, f"C / {k}": base.c.mean / k}
    pre = [c.summary_of(v.name).p.mean for v in c.variants if c.summary_of(v.name).p.n]
    if pre:
        terms[f"P / {k}"] = min(pre) / k
    copies = {v.upload: c.summary_of(v.name).x.mean for v in c.variants if v.uploads}
    if "side" in copies:
        terms["X on a side stream"] = copies["side"]
    elif copies:
        terms[f"{g_name} + X"] = terms.pop(g_name) + min(copies.values())
    return BoxCeiling(c.prediction_of(c.baseline.name).baseline_period_ms, terms, k, tuple(unmeasured))


def box_sentence(c: Comparison) -> str:
    """One line: the box's ceiling, its rule with numbers, and the best rung's share of it."""
    box = box_ceiling(c)
    best = max(c.variants[1:], key=lambda v: c.speedup_of(v.name))
    speedup = c.speedup_of(best.name)
    missing = (
        f"; {' and '.join(box.unmeasured)} not measured, so the box may allow more" if box.unmeasured else ""
    )
    return (
        f"this box allows {box.ceiling:.2f}x over {c.baseline.name}: {box.formula}, {box.bound} "
        f"sets it (a pool of {box.workers}); {best.name} reached {speedup:.2f}x, "
        f"{box.share(speedup):.0%} of it{missing}"
    )
