"""The input side on a real CUDA device (marked `gpu`, skipped elsewhere): a side-stream upload's
copy runs under the batch before it; a pageable one waits for the stream and overlaps nothing."""

import pytest

from engine.measure.protocol import compare
from engine.read.uploads import upload_rows
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload

pytestmark = pytest.mark.gpu
VIT_BF16 = Workload(
    batch_size=10, precision="bf16", steps=30, warmup_steps=3, cpu_work="ms", cpu_ms=0.3, device="cuda"
)


@pytest.fixture(scope="module")
def uploads():
    return compare(VIT_BF16, RunSpec(variants="uploads", rounds=1, telemetry="off"))


def test_the_side_stream_copy_runs_under_compute_and_the_pageable_one_does_not(uploads):
    rows = {r.upload: r for r in upload_rows(uploads)}
    assert rows["side"].overlapped > 0.9, rows["side"]
    assert rows["pageable"].overlapped < 0.1, rows["pageable"]
    # .to(device) from pageable memory blocks the host for the batch before it and for its copy
    assert (
        rows["pageable"].host_ms > rows["pageable"].x_ms and rows["side"].host_ms < rows["pageable"].host_ms
    )


def test_the_side_stream_is_never_slower_than_the_pageable_upload(uploads):
    periods = {r.upload: r.period_ms for r in upload_rows(uploads)}
    assert periods["side"] < periods["pageable"]
    assert uploads.syncs_checked and not [f for f in uploads.syncs if f.variant == "side-in-graphs"]
