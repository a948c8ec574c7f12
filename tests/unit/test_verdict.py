"""The verdict: what bounds each loop and the one change that helps most, on known costs."""

import dataclasses

import pytest

from engine.measure.protocol import compare
from engine.read.verdict import LAB, verdict
from engine.result.circumstances import Contention, Environment
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import load_example
from tests.kits.ideal import ideal_harness

QUIET = Contention(True, 0, 0.5, 16)


def run(g_ms, l_ms, c_ms, device_kind="cuda", cores=16, contention=QUIET, precision="fp32"):
    w = Workload(model="resnet18", steps=20, warmup_steps=0, cpu_work="ms", cpu_ms=c_ms, precision=precision)
    c = compare(w, RunSpec(rounds=2, telemetry="off"), harness=ideal_harness(g_ms, l_ms, c_ms))
    return dataclasses.replace(
        c, device_kind=device_kind, environment=Environment(cpu_cores_usable=cores), contention=contention
    )


@pytest.mark.parametrize(
    ("g", "l_", "c", "bound"),
    [(20, 2, 5, "GPU-bound (G)"), (10, 8, 4, "launch-bound (L)"), (11, 4, 75, "host-bound (L + C)")],
)
def test_the_headlines_bound_follows_the_cost_model(g, l_, c, bound):
    assert run(g, l_, c).prediction.bound == bound


def test_the_seed_case_is_told_to_use_a_post_processing_pool():
    v = verdict(run(11, 4, 75))
    # k = ceil(75 / 11) = 7 workers bring C / k under G: period max(G, L, C / 7) = 11 ms.
    assert v.advice.startswith("a post-processing pool of 7 worker processes")
    assert "= 11.0 ms, 7.82x over serial" in v.advice
    assert v.baseline_bound == "max(G, L) + C = 86.0 ms in turn, C 87% of it"
    assert v.headline_bound == "host-bound (L + C), max(G, L + C) = 79.0 ms"
    assert v.bounds.startswith("serial: max(G, L) + C") and "; deque: host-bound" in v.bounds


def test_without_spare_cores_a_pool_is_not_offered():
    assert "no spare cores" in verdict(run(11, 4, 75, device_kind="standin", cores=2)).advice


def test_a_launch_bound_gpu_loop_is_told_to_use_cuda_graphs():
    assert verdict(run(10, 8, 4)).advice.startswith("CUDA Graphs: replaying a captured forward cuts L")
    assert verdict(run(10, 8, 4, device_kind="standin")).advice.startswith("a bigger batch")


def test_gpu_bound_is_told_where_the_slack_is():
    advice = verdict(run(20, 2, 5)).advice
    assert advice.startswith("bf16 or a bigger batch") and "idles 13.0 ms per batch" in advice
    assert verdict(run(20, 2, 5, precision="bf16")).advice.startswith("a bigger batch")


def test_balanced_needs_nothing_and_names_its_ceiling():
    assert (
        verdict(run(20, 1, 19)).advice.startswith("nothing in the loop")
        and "1.95x" in verdict(run(20, 1, 19)).advice
    )


def test_a_contended_run_is_told_to_find_a_quieter_host_first():
    busy = Contention(True, 2, 3.0, 16)
    v = verdict(run(11, 4, 75, contention=busy))
    assert v.advice == "a quieter host (2 other process(es) used the GPU): rerun when the box is idle"
    assert "Most help: a quieter host" in v.line


def test_advice_names_the_flags_in_the_cli_and_the_controls_in_the_lab():
    ladder = load_example("example-h200-ladder")  # unstable: the advice is to run until stable
    cli, lab = verdict(ladder).advice, verdict(ladder, LAB).advice
    assert "`--until-stable`" in cli and "`--cpu-fixed duration`" in cli
    assert "'Run until stable'" in lab and "'Held as: duration'" in lab and "--" not in lab
    seed = load_example("example-h100-seed")
    assert "--" not in verdict(seed, LAB).advice
