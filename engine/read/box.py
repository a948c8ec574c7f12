"""The box's ceiling of a comparison: the cheapest of each cost its variants measured, handed to the
cost model (engine/model/box.py), and the sentence that sets the best variant against it."""

from __future__ import annotations

import math

from engine.model.box import BoxCeiling
from engine.model.box import box_ceiling as box_from
from engine.result.comparison import Comparison
from engine.spec.sets import box_workers


def box_ceiling(c: Comparison) -> BoxCeiling:
    """The box's ceiling from the cheapest of each cost the comparison's variants measured."""
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
    pre = [c.summary_of(v.name).p.mean for v in c.variants if c.summary_of(v.name).p.n]
    copies = {v.upload: c.summary_of(v.name).x.mean for v in c.variants if v.uploads}
    return box_from(
        c.prediction_of(c.baseline.name).baseline_period_ms,
        (g_name, g_by[fastest]),
        (l_name, l_ms),
        base.c.mean,
        k,
        min(pre) if pre else None,
        copies,
        tuple(unmeasured),
    )


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
