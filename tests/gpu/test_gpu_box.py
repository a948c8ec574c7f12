"""The bf16 rung and the graphs crossover on a real CUDA device (marked `gpu`, skipped elsewhere)."""

import pytest

from engine.devices.cuda import CudaDevice
from engine.measure.crossover import sweep_launches
from engine.spec.workload import Workload

pytestmark = pytest.mark.gpu
VIT = Workload(model="vit_b_16", batch_size=10, precision="bf16", warmup_steps=0, device="cuda")


def test_the_bf16_graph_is_never_slower_than_bf16_eager_at_batch_10():
    x = sweep_launches(
        lambda b: CudaDevice(VIT.replace(batch_size=b), "cuda:0"), "vit_b_16", "bf16", "", (10,)
    )
    (p,) = x.points
    assert p.graph_period_ms <= p.eager_period_ms, p
    assert p.graph_l_ms < p.eager_l_ms / 5  # one replay call against every kernel's launch


def test_a_rung_of_its_own_precision_swaps_the_model_and_swaps_it_back():
    import torch

    dev = CudaDevice(VIT.replace(precision="fp32"), "cuda:0")
    try:
        assert dev.launch(0).output.dtype == torch.float32
        dev.set_variant("pinned", "graph", "bf16")
        assert dev.launch(1).output.dtype == torch.bfloat16
        dev.set_variant("pinned", "graph", "")  # the workload's again: its own graph, captured now
        assert dev.launch(2).output.dtype == torch.float32
        dev.set_variant("none", "eager", "bf16")  # the bf16 model and graph were kept
        assert dev.launch(3).output.dtype == torch.bfloat16
    finally:
        dev.close()
