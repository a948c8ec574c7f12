"""Shared fixtures: an ideal device on a fake clock, and a tiny real workload for the stand-in."""

from __future__ import annotations

import pytest

from engine.devices.ideal import FakeClock, IdealDevice, fixed_post
from engine.spec.workload import Workload
from tests.kits.ideal import MS


@pytest.fixture(autouse=True)
def own_history(tmp_path_factory, monkeypatch):
    """Every test (and every app or CLI it starts) keeps its runs out of the box's real history."""
    folder = tmp_path_factory.mktemp("history")
    monkeypatch.setenv("OVERLAP_LAB_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def ideal():
    """(clock, device, post, log) with G=10 ms, L=2 ms, C=5 ms."""
    clock = FakeClock()
    log: list[str] = []
    device = IdealDevice(clock, g_ns=10 * MS, l_ns=2 * MS, log=log)
    return clock, device, fixed_post(clock, 5 * MS, log), log


@pytest.fixture
def tiny_workload() -> Workload:
    """Small enough for CI's two cores: about 5-10 ms a batch on one core."""
    return Workload(
        model="mobilenet_v3_small", batch_size=1, steps=16, warmup_steps=2, cpu_work="match_g", device="cpu"
    )


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except Exception:
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="needs a CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
