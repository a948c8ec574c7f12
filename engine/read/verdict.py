"""The verdict: what bounds the baseline and the headline, and the one change that would help most.

trtexec ends its report by saying what limited the run; this does the same for a comparison, from
the cost model and the measured G, L and C, so the advice is a prediction with a number on it and
not a rule of thumb. The candidates are the techniques a reader can apply to their own loop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.model.ceiling import Prediction, predict, workers_to_keep_up
from engine.result.comparison import Comparison
from engine.spec.fields import flag_of
from engine.spec.run_spec import RUN_FIELDS
from engine.spec.sets import SETS
from engine.spec.workload import FIELDS

GRAPH_L_SHARE = 0.01  # CUDA Graph replay cost about 1% of eager launch for ViT-B/16 at batch 10
MAX_POOL = 16
BALANCED = 0.10  # G and L + C this close count as balanced: nothing in the loop is worth changing


@dataclass(frozen=True)
class Words:
    """How advice names what to change: the CLI's flags, or the lab's controls. Advice written as
    flags sent a lab user looking for `--until-stable` in a page that has a checkbox for it."""

    until_stable: str
    hold_duration: str
    ladder: str


CLI = Words(
    f"`{flag_of('until_stable', RUN_FIELDS)}`",
    f"`{flag_of('cpu_fixed', FIELDS)} duration`",
    "the ladder (`python -m engine ladder`)",
)
LAB = Words(
    f"'{RUN_FIELDS['until_stable'].label}'",
    f"'{FIELDS['cpu_fixed'].label}: duration'",
    f"the ladder ({RUN_FIELDS['variants'].label}: {SETS['ladder'].label})",
)


@dataclass(frozen=True)
class Verdict:
    baseline: str  # the baseline's name
    baseline_bound: str
    headline: str  # the headline's name: the variant the second half speaks of
    headline_bound: str  # GPU-bound, launch-bound (L), host-bound (L + C) or pool-bound (C / k)
    advice: str

    @property
    def bounds(self) -> str:
        return f"{self.baseline}: {self.baseline_bound}; {self.headline}: {self.headline_bound}"

    @property
    def line(self) -> str:
        return f"{self.bounds}. Most help: {self.advice}"


def _pool_size(p: Prediction, cores: int) -> int:
    """Workers that bring C / k down to the device's pace, within the cores left to use."""
    return max(2, min(workers_to_keep_up(p.terms.costs), cores - 2, MAX_POOL))


def verdict(c: Comparison, words: Words = CLI) -> Verdict:
    """The bounds and the advice; `words` names what to change in the CLI's terms or the lab's."""
    p = c.prediction
    share_c = p.c_ms / p.baseline_period_ms if p.baseline_period_ms > 0 else float("nan")
    baseline = f"max(G, L) + C = {p.baseline_period_ms:.1f} ms in turn, C {share_c:.0%} of it"
    headline = f"{p.bound}, {p.formula} = {p.period_ms:.1f} ms"
    return Verdict(c.baseline.name, baseline, c.headline.name, headline, _advice(c, p, words))


def _advice(c: Comparison, p: Prediction, words: Words) -> str:
    if c.contention.contended:
        return f"a quieter host ({c.contention.reason}): rerun when the box is idle"
    if c.stability_state == "unstable":
        hold = "" if c.workload.cpu_fixed == "duration" else f", or hold C still with {words.hold_duration}"
        return (
            f"a quieter host: the rounds spread by CV {c.speedup_cv:.1%}; rerun with "
            f"{words.until_stable}{hold}"
        )
    g, l_, cc = p.g_ms, p.l_ms, p.c_ms
    serial = p.baseline_period_ms
    headline = c.headline
    if g > 0 and abs((l_ + cc) / g - 1) < BALANCED:
        return (
            f"nothing in the loop: G and L + C are within {BALANCED:.0%} of each other, the balanced "
            f"case, where the ceiling is at its highest, 2 - L/G = {2 - l_ / g:.2f}x"
        )
    bound = p.bound
    if bound.startswith("GPU-bound"):
        k = headline.workers
        slack = g - max(l_, cc / k) if k else g - l_ - cc
        if c.device_kind != "cuda":
            faster = "a bigger batch"
        else:
            faster = "a bigger batch" if c.workload.precision != "fp32" else "bf16 or a bigger batch"
        return (
            f"{faster}: the device sets the pace. The host idles {slack:.1f} ms per batch, so that much "
            "more CPU work per GPU batch costs nothing"
        )
    if bound.startswith("pool-bound"):
        k = headline.workers
        return (
            f"more post-processing workers: C / {k} = {cc / k:.1f} ms sets the pace, against G "
            f"{g:.1f} ms; with {workers_to_keep_up(p.terms.costs)} workers the device would set it instead"
        )
    if bound.startswith("launch-bound"):
        if headline.launch == "graph":
            return "a bigger batch: even replayed, launching sets the pace, and G grows with the batch"
        if c.device_kind == "cuda":
            graphs = predict(g, l_ * GRAPH_L_SHARE, cc, headline.depth, headline.workers, baseline_l_ms=l_)
            return (
                f"CUDA Graphs: replaying a captured forward cuts L to about {l_ * GRAPH_L_SHARE:.2f} ms, "
                f"predicted period {graphs.period_ms:.1f} ms, {graphs.ceiling:.2f}x over "
                f"{c.baseline.name}; {words.ladder} measures it"
            )
        return "a bigger batch: G grows with it and L does not"
    cores = c.environment.cpu_cores_usable or os.cpu_count() or 2
    k = _pool_size(p, cores)
    pool = predict(g, l_, cc, workers=k, baseline_l_ms=l_)
    if cores >= 4 and pool.period_ms < 0.9 * p.period_ms:
        return (
            f"a post-processing pool of {k} worker processes: predicted period "
            f"max(G, L, C / {k}) = {pool.period_ms:.1f} ms, {serial / pool.period_ms:.2f}x "
            f"over {c.baseline.name}; {words.ladder} measures it"
        )
    return (
        "more GPU work per batch (a bigger batch): the host's C sets the pace and this machine has no "
        "spare cores for a post-processing pool"
    )
