"""How long a stand-in run takes, said before it starts, so nobody waits blind or starts an
hour-long run by accident.

Each variant is estimated from its own shape through the cost model (a pool of k on this box's
cores, prefetching, a sweep point by point), not as "about G a batch": a first estimate that
treated every variant alike said 16 s for a ladder that took 39 s. The model's G comes from the
network's arithmetic at the stand-in's measured rate, scaled by the host's pace where this box
has run the stand-in before (`pace`); what the model does not hold (starting processes, the sync
watch's batches, stopping) is measured once on the 2-core machine and kept here as seconds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from engine.measure.calibrate import PROBE_STEPS
from engine.measure.diagnose import PROBE_BATCHES, SYNC_BATCHES, TRIAL_TASKS, WARM_BATCHES
from engine.measure.rig import SYNC_CHECK_STEPS
from engine.model.block import block_period_ms
from engine.model.letters import Costs
from engine.model.terms import terms_of
from engine.result.comparison import Comparison
from engine.spec.run_spec import RunSpec
from engine.spec.sets import usable_cores
from engine.spec.variants import Variant
from engine.spec.workload import Workload

# Forward-pass cost per 224x224 image (torchvision's published GFLOPS figures).
GFLOPS_PER_IMAGE = {
    "vit_b_16": 17.56,
    "vit_b_32": 4.41,
    "resnet18": 1.81,
    "resnet50": 4.09,
    "mobilenet_v3_small": 0.06,
    "mobilenet_v3_large": 0.22,
    "efficientnet_b0": 0.39,
    "convnext_tiny": 4.46,
}
# One core running fp32 inference while the other post-processes: ResNet-18 at batch 2 took 53 to
# 61 ms on one 2-core machine and 100 to 112 ms on the one CI resembles (docs/BENCHMARKS.md), whose
# rate this is; a box that has run the stand-in before is estimated at its own pace instead.
STANDIN_GFLOPS_PER_S = 36.0
STANDIN_L_MS = 0.15  # a launch on the stand-in is a command down a pipe: 0.12 ms measured
# The article's loop on one core of the 2-core machine: 500,000 iterations in about 58 ms.
LOOP_ITERATIONS_PER_MS = 8_600
# Starting the run: importing torch, building the model here and in the stand-in's worker.
STANDIN_START_S = 4.5
STANDIN_STOP_S = 1.0  # the table, the store and the worker's end once the rounds and checks are done
HELPER_START_S = 0.6  # each post-processing or prefetching process: spawned, importing its modules
# A user's loop brings its own model and post-processing, unknown before it runs: the shipped loops,
# sized down for the stand-in, ran at G 18 to 50 ms and C 0.2 to 14 ms a batch on the 2-core machine.
LOOP_G_MS = 40.0
LOOP_C_MS = 5.0
PACE_MAX = 4.0  # a host this many times faster or slower than the rates here is taken as at most that
BUSY_LOAD = 0.5  # other work on the box past this many cores is said beside the estimate


def standin_batch_ms(w: Workload) -> float:
    return GFLOPS_PER_IMAGE[w.model] * w.batch_size / STANDIN_GFLOPS_PER_S * 1e3


def pace_of(c: Comparison | None) -> float:
    """How fast this host ran the stand-in, from its newest stored run of the same model or loop
    (`History.newest_standin`): that run's serial G over the G assumed here for its model, or for a
    loop, whose model is the user's, its serial period over the period assumed for a loop. 1.0
    where the box has no such run."""
    if c is None:
        return 1.0
    s = c.baseline_summary
    if c.workload.loop:
        pace = s.period_ms / (LOOP_G_MS + LOOP_C_MS)
    else:
        pace = s.g.mean / standin_batch_ms(c.workload)
    return min(PACE_MAX, max(1 / PACE_MAX, pace)) if pace > 0 else 1.0


def standin_costs(w: Workload, pace: float = 1.0) -> Costs:
    """One batch's costs on the stand-in as the workload asks for them; `pace` scales what runs on
    this host's cores (the forward and the loop), 1.0 being the 2-core machine these were measured
    on. A user's loop is taken at the shipped loops' costs until this box has run it (`pace`)."""
    if w.loop:
        return Costs(g_ms=LOOP_G_MS * pace, l_ms=STANDIN_L_MS, c_ms=LOOP_C_MS * pace, p_ms=w.pre_ms)
    g = standin_batch_ms(w) * pace
    if w.cpu_work == "ms":
        c = w.cpu_ms
    elif w.cpu_work == "match_g":
        c = max(0.0, w.cpu_g_ratio * g - STANDIN_L_MS)
    else:
        c = w.cpu_iterations / LOOP_ITERATIONS_PER_MS * pace
    return Costs(g_ms=g, l_ms=STANDIN_L_MS, c_ms=c, p_ms=w.pre_ms)


def variant_period_ms(v: Variant, costs: Costs, steps: int, cores: int) -> float:
    """A variant's block period on the stand-in: its block limit with no more helpers than the box
    has cores for beside the launching thread and the model's, and never faster than the box's
    cores can do every batch's work between them."""
    spare = max(1, cores - 2)
    terms = terms_of(v, costs)
    terms = replace(terms, workers=min(terms.workers, spare), prefetch=min(terms.prefetch, spare))
    shared = (costs.g_ms + costs.l_ms + costs.c_ms + costs.p_ms) / max(cores, 1)
    return max(block_period_ms(terms, steps), shared)


def comparison_s(
    w: Workload, variants: Sequence[Variant], rounds: int, cores: int, pace: float, probed: bool = False
) -> float:
    """One comparison on the stand-in: start, warm-up, calibration (a diagnosis's probe: its serial
    batches, the sync watch's and a worker's trial), the rounds of every variant's block, the sync
    watch's batches for each, and the end."""
    costs = standin_costs(w, pace)
    periods = [variant_period_ms(v, costs, w.steps, cores) for v in variants]
    probe = PROBE_STEPS * costs.g_ms if w.cpu_work == "match_g" and not w.loop else 0.0
    if probed:
        probe += (WARM_BATCHES + PROBE_BATCHES + SYNC_BATCHES) * periods[0] + TRIAL_TASKS * costs.c_ms
    warm = w.warmup_steps * periods[0]
    rounds_ms = rounds * sum(w.steps * p for p in periods)
    checks_ms = sum(min(SYNC_CHECK_STEPS, w.steps) * p for p in periods)
    helpers = max((v.workers + v.prefetch for v in variants), default=0)
    return (
        STANDIN_START_S
        + helpers * HELPER_START_S
        + (probe + warm + rounds_ms + checks_ms) / 1e3
        + STANDIN_STOP_S
    )


def standin_spec_s(w: Workload, spec: RunSpec, pace: float = 1.0, cores: int | None = None) -> float:
    """Seconds the whole run a spec asks for takes on an idle stand-in: every point of a sweep (a
    comparison each), and the round budget of a run until stable (it may stop sooner)."""
    cores = usable_cores() if cores is None else cores
    variants = spec.set.variants(spec.depth, False, cores)
    if spec.set.sweep:
        return sum(
            comparison_s(w.at_ratio(r), variants, spec.planned_rounds, cores, pace) for r in spec.sweep_ratios
        )
    return comparison_s(w, variants, spec.planned_rounds, cores, pace, spec.set.probed)


def other_load(cores: int | None = None) -> float:
    """Cores' worth of other work on the box now: the 1-minute load average, which this idle
    process adds nothing to. 0 where the system does not say."""
    try:
        return max(0.0, os.getloadavg()[0])
    except OSError:
        return 0.0


def busy_text(estimate_s: float, load: float, cores: int) -> str:
    """The line beside an estimate when the box is loaded: the stand-in's two processes then get a
    share of the cores, and the run takes longer by about that much. The 1-minute load also holds
    a run that ended a moment ago, so the line says so rather than calling it others' work. ""
    when idle."""
    if load <= BUSY_LOAD:
        return ""
    share = max(cores - load, 1.0) / cores
    return (
        f"The box's 1-minute load is {load:.1f} on its {cores} cores (other work, or a run that just "
        f"ended); while it stays, expect about {estimate_s / share:.0f} s."
    )
