"""On a real CUDA device (marked `gpu`, skipped elsewhere): timelines, memory, OOM, NVML."""

import pytest

from engine.devices.base import DeviceError
from engine.measure.protocol import compare
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload

pytestmark = pytest.mark.gpu
OFF = RunSpec(rounds=1, telemetry="off")
ALIGN_TOLERANCE_NS = 200_000  # host/device clock alignment is good to a few microseconds


@pytest.fixture(scope="module")
def gpu_result():
    w = Workload(
        model="resnet18", batch_size=16, steps=12, warmup_steps=3, cpu_work="ms", cpu_ms=4.0, device="cuda"
    )
    return compare(w, RunSpec(rounds=2))


def test_device_spans_sit_inside_the_host_timeline(gpu_result):
    for run in gpu_result.runs:
        for r in run.steps:
            assert r.device_start_ns >= r.launch_start_ns - ALIGN_TOLERANCE_NS
            assert r.device_end_ns <= r.wait_end_ns + ALIGN_TOLERANCE_NS
            assert r.device_end_ns > r.device_start_ns


def test_overlap_runs_the_gpu_during_post_processing(gpu_result):
    for run in gpu_result.mode_runs("deque"):
        pairs = list(zip(run.steps, run.steps[1:], strict=False))
        hidden = sum(1 for prev, cur in pairs if cur.device_start_ns < prev.post_end_ns)
        assert hidden >= len(pairs) - 1
    for run in gpu_result.mode_runs("serial"):
        for prev, cur in zip(run.steps, run.steps[1:], strict=False):
            assert cur.device_start_ns >= prev.post_end_ns - ALIGN_TOLERANCE_NS


def test_gpu_result_has_environment_and_nvml(gpu_result):
    assert gpu_result.device_kind == "cuda"
    env = gpu_result.environment
    assert env.gpu_name
    assert env.gpu_uuid is not None and env.gpu_uuid.startswith("GPU-")
    assert env.gpu_sm_clock_mhz is not None and env.gpu_sm_clock_max_mhz is not None
    assert 0 < env.gpu_sm_clock_mhz <= env.gpu_sm_clock_max_mhz
    t = gpu_result.telemetry
    assert t.gpu_status == "nvml"
    assert len(t.gpu_util_pct) == len(t.t_ns) >= 2
    assert max(t.gpu_mem_used_mib) > 0 and max(t.gpu_power_w) > 0


def test_out_of_memory_names_the_batch_size_and_the_next_run_works():
    import torch

    torch.cuda.empty_cache()
    before = torch.cuda.memory_allocated()
    torch.cuda.set_per_process_memory_fraction(0.02)
    try:
        with pytest.raises(DeviceError, match="out of GPU memory .* batch_size=512"):
            compare(
                Workload(
                    model="vit_b_16",
                    batch_size=512,
                    steps=2,
                    warmup_steps=1,
                    device="cuda",
                    cpu_iterations=10,
                ),
                OFF,
            )
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    from engine.devices.models import forget_models

    forget_models("cuda")
    torch.cuda.empty_cache()
    assert torch.cuda.memory_allocated() <= before + 1024
    ok = compare(
        Workload(model="resnet18", batch_size=8, steps=4, warmup_steps=1, device="cuda", cpu_iterations=10),
        OFF,
    )
    assert len(ok.runs) == 2


def test_per_run_buffers_are_released():
    import torch

    w = Workload(model="resnet18", batch_size=64, steps=4, warmup_steps=1, device="cuda", cpu_iterations=10)
    compare(w, OFF)  # builds and caches the model
    torch.cuda.empty_cache()
    with_model = torch.cuda.memory_allocated()
    compare(w, OFF)
    assert torch.cuda.memory_allocated() == with_model


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_reduced_precision_reaches_the_model_and_runs(precision):
    import torch

    from engine.measure.protocol import open_device

    w = Workload(model="vit_b_16", batch_size=4, steps=4, precision=precision, device="cuda")
    device = open_device(w)
    try:
        assert (
            next(device.model.parameters()).dtype
            == {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
        )
        assert device.launch(0).output.dtype == next(device.model.parameters()).dtype
    finally:
        device.close()
    c = compare(w.replace(cpu_iterations=1000), OFF)
    assert c.baseline_summary.g.mean > 0


def test_our_own_cuda_context_is_not_counted_as_contention(gpu_result):
    # NVML lists this process (perhaps under the host's pid); nothing else runs on the card here.
    c = gpu_result.contention
    assert c.checked and c.gpu_other_processes == 0, c


def test_every_block_reaches_its_own_prediction_on_the_gpu(gpu_result):
    from engine.read.truth import blocks

    effs = [b.schedule_efficiency for b in blocks(gpu_result)]
    assert min(effs) > 0.9, effs


def test_fixed_duration_holds_c_on_the_gpu():
    w = Workload(
        model="resnet18",
        batch_size=16,
        steps=12,
        warmup_steps=2,
        cpu_work="ms",
        cpu_ms=6.0,
        cpu_fixed="duration",
        device="cuda",
    )
    c = compare(w, OFF)
    cs = [s.c_ms for r in c.runs for s in r.steps]
    assert min(cs) >= 6.0  # never shorter than asked
    assert sorted(cs)[len(cs) // 2] < 6.3  # and typically over by one short chunk, not a slice
    assert all(s.post_iterations > 0 for r in c.runs for s in r.steps)


def test_a_gpu_index_past_the_last_card_is_a_clear_error():
    import torch

    from engine.errors import WorkloadError

    n = torch.cuda.device_count()
    allowed = f"device='cuda:{n}' is not allowed: cuda:0 to cuda:{n - 1}"
    with pytest.raises(WorkloadError, match=allowed):
        compare(Workload(device=f"cuda:{n}"), RunSpec(rounds=1))
