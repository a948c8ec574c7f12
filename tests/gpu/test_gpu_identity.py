"""One card, one name: torch's cuda:N depends on CUDA_VISIBLE_DEVICES, NVML's index and the UUID
do not. Checked with stand-ins for torch's device properties and for NVML."""

import sys
import types
from uuid import UUID

import pytest

from engine.host import fingerprint
from engine.measure.protocol import lock_name

CARDS = ["GPU-11111111-0000-0000-0000-000000000000", "GPU-22222222-0000-0000-0000-000000000000"]


@pytest.fixture
def box(monkeypatch):
    """NVML sees both cards; torch sees only the second, as CUDA_VISIBLE_DEVICES=1 makes it."""
    import torch

    visible = [CARDS[1]]
    props = lambda i: types.SimpleNamespace(uuid=UUID(visible[i][4:]))  # noqa: E731
    monkeypatch.setattr(torch.cuda, "get_device_properties", props)
    nvml = types.SimpleNamespace(
        nvmlInit=lambda: None,
        nvmlShutdown=lambda: None,
        nvmlDeviceGetCount=lambda: len(CARDS),
        nvmlDeviceGetHandleByIndex=lambda i: i,
        nvmlDeviceGetUUID=lambda h: CARDS[h].encode(),
    )
    monkeypatch.setitem(sys.modules, "pynvml", nvml)
    fingerprint.physical_gpu.cache_clear()
    yield
    fingerprint.physical_gpu.cache_clear()


def test_torchs_cuda_0_is_found_by_uuid_among_nvmls_cards(box):
    assert fingerprint.physical_gpu(0) == (1, CARDS[1])


def test_the_lock_is_named_by_the_card_not_by_its_cuda_index(box):
    key, label = lock_name("cuda:0")
    assert key == CARDS[1] and label == "cuda:0 (GPU-22222222)"
    assert lock_name("cpu") == ("cpu", "cpu")


def test_without_a_uuid_the_index_is_all_there_is(monkeypatch):
    import torch

    def no_props(_i):
        raise AssertionError("no CUDA")

    monkeypatch.setattr(torch.cuda, "get_device_properties", no_props)
    fingerprint.physical_gpu.cache_clear()
    try:
        assert fingerprint.physical_gpu(3) == (3, None)
        assert lock_name("cuda:3") == ("cuda:3", "cuda:3")
    finally:
        fingerprint.physical_gpu.cache_clear()
