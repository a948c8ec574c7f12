"""Rough run-time estimates, so the lab can warn before someone starts an hour-long stand-in run."""

from __future__ import annotations

from engine.measure.calibrate import PROBE_STEPS
from engine.spec.run_spec import RunSpec
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
# One core running fp32 inference: ResNet-18 at batch 2 took 53 to 61 ms on the 2-core machine
# (bench/lab_vs_cli.py, docs/BENCHMARKS.md).
STANDIN_GFLOPS_PER_S = 62.0
# Starting the stand-in's worker (a spawned process importing torch and building the model), the
# post-processing and the drain of the pipes: 4 to 5 s of a 12 s cpu-demo run on that machine.
STANDIN_START_S = 4.5
STANDIN_STOP_S = 1.0  # stopping the worker and draining its pipes once the rounds and checks are done


def standin_batch_ms(w: Workload) -> float:
    return GFLOPS_PER_IMAGE[w.model] * w.batch_size / STANDIN_GFLOPS_PER_S * 1e3


def standin_run_s(w: Workload, rounds: int, variants: int = 2) -> float:
    """Seconds a comparison would take on the CPU stand-in, assuming C about equal to G: the
    serial baseline at G + C a batch, every other variant at about G."""
    g_ms = standin_batch_ms(w)
    serial_ms = 2 * g_ms * w.steps
    others_ms = (variants - 1) * g_ms * w.steps
    probe = PROBE_STEPS if w.cpu_work == "match_g" else 0
    work_ms = (w.warmup_steps + probe) * g_ms + rounds * (serial_ms + others_ms)
    return STANDIN_START_S + work_ms / 1e3 + STANDIN_STOP_S


SWEEP_SLOWER = 1.5  # a sweep's host-heavy points run longer than a balanced one


def standin_spec_s(w: Workload, spec: RunSpec) -> float:
    """Seconds the whole run a spec asks for would take on the stand-in: every point of a sweep,
    and the round budget of a run until stable (it may stop sooner)."""
    one = standin_run_s(w, spec.planned_rounds, len(spec.set.variants(spec.depth, False)))
    return one * len(spec.sweep_ratios) * SWEEP_SLOWER if spec.set.sweep else one
