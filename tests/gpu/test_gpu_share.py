"""A box with two GPUs: runs on different GPUs go side by side, runs on one GPU queue (marked
`gpu`; skipped with fewer than two cards). Each run is a separate CLI process, as two users'
runs would be."""

import pytest

from tests.kits.pair import finish, overlap_s, span_ns, start

pytestmark = pytest.mark.gpu
# Long enough (two blocks of about 7 s) that a second or two of difference in start-up between the
# two processes cannot hide whether they measured side by side.
WORKLOAD = ["--model", "resnet18", "--batch-size", "16", "--steps", "300", "--warmup-steps", "3"]
WORKLOAD += ["--cpu-work", "ms", "--cpu-ms", "20", "--rounds", "1", "--telemetry", "off"]


@pytest.fixture(scope="module", autouse=True)
def two_gpus():
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs two CUDA devices")


def _pair(tmp_path, devices: tuple[str, str], envs: tuple[dict, dict] = ({}, {})) -> float:
    outs = [tmp_path / f"{i}.json" for i in range(2)]
    procs = [start(d, out, tmp_path / "locks", *WORKLOAD, env=e) for d, out, e in zip(devices, outs, envs)]
    for p in procs:
        finish(p)
    return overlap_s(span_ns(outs[0]), span_ns(outs[1]))


def test_runs_on_two_gpus_overlap_in_time(tmp_path):
    both_s = _pair(tmp_path, ("cuda:0", "cuda:1"))
    assert both_s > 3.0, f"two GPUs, yet the runs overlapped by only {both_s:.2f} s"


def test_runs_on_one_gpu_do_not_overlap(tmp_path):
    both_s = _pair(tmp_path, ("cuda:0", "cuda:0"))
    assert both_s < 0, f"one GPU, yet two runs measured at once for {both_s:.2f} s"


def test_one_card_under_two_names_is_still_one_queue(tmp_path):
    """A user with CUDA_VISIBLE_DEVICES=1 calls the second card cuda:0; another calls it cuda:1."""
    import json

    both_s = _pair(tmp_path, ("cuda:0", "cuda:1"), ({"CUDA_VISIBLE_DEVICES": "1"}, {}))
    assert both_s < 0, f"one card under two names, yet two runs measured at once for {both_s:.2f} s"
    cards = [json.loads((tmp_path / f"{i}.json").read_text())["environment"]["gpu_uuid"] for i in range(2)]
    assert cards[0] == cards[1] and cards[0].startswith("GPU-")  # NVML read the card that ran
