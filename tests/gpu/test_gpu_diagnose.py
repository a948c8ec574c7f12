"""Diagnose on a real CUDA device (marked `gpu`, skipped elsewhere): the planted `.item()` in a
loop's post-processing is found with its file and line, a clean loop reports none, and a loop's
forward is captured and replayed as a CUDA Graph."""

import linecache

import pytest

from engine.measure.protocol import compare
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload

pytestmark = pytest.mark.gpu
SPEC = RunSpec(variants="diagnose", rounds=1, telemetry="off", save=False)


def diagnosed(loop: str):
    return compare(Workload(loop=loop, batch_size=8, steps=10, warmup_steps=2, device="cuda"), SPEC)


def test_the_planted_sync_is_found_by_file_and_line():
    c = diagnosed("planted-sync")
    f = c.forecast
    assert f is not None and f.syncs
    where = f.syncs[0].where
    path, _, line = where.rpartition(":")
    assert path == "loops/planted.py" and ".item()" in linecache.getline(path, int(line))
    assert f.first_fix.startswith(f"Remove the sync at {where}")
    assert any(s.rung == "pool" and "holds a tensor on cuda" in s.reason for s in f.skipped)
    assert f.rung("pinned") is not None and f.rung("pinned").speedup < 1.02  # the sync eats the overlap


def test_a_clean_loop_reports_no_sync_and_replays_as_a_graph():
    c = diagnosed("textgen-bf16")
    f = c.forecast
    assert f is not None and f.syncs == ()
    assert f.probe.graph_l_ms is not None and f.probe.graph_l_ms < f.probe.l_ms / 5
    assert f.probe.kernels_per_batch > 100  # 24 tokens, each a handful of kernels
    assert "graphs" in c.variant_names or "pinned-graphs" in c.variant_names
