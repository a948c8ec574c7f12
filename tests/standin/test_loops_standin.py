"""Every shipped loop, diagnosed end to end on the CPU stand-in: probe, forecast, rounds, result.

Small models and short blocks (each loop sizes itself down off CUDA), so the whole set runs in CI.
On two cores the stand-in's worker and the launching thread take both, so the pool is skipped
with its reason, and CUDA Graphs are skipped because there is no GPU; the deque rungs run.
"""

from __future__ import annotations

import json
import math

import pytest

from engine.devices.loops import registered_names
from engine.execute import execute
from engine.read.diagnosis import checks
from engine.read.document import document
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.reading import parse_result
from engine.words.diagnosis import format_checks

SPEC = RunSpec(variants="diagnose", rounds=1, telemetry="off", save=False)


@pytest.mark.parametrize("name", registered_names())
def test_a_shipped_loop_is_diagnosed_on_the_standin(name: str) -> None:
    w = Workload(loop=name, batch_size=2, steps=6, warmup_steps=1, device="cpu")
    c = execute(w, SPEC).result
    f = c.forecast
    assert f is not None and f.loop == name
    assert f.probe.g_ms > 0 and f.probe.c_ms >= 0 and f.probe.bytes_per_batch > 0
    assert f.syncs == ()  # the stand-in has no CUDA queue to sync with
    assert any(s.rung == "graphs" for s in f.skipped)
    rows = checks(c)
    assert [r.name for r in rows][:2] == ["naive", "pinned"]
    # A forecast may fall under 1.0 where the probe saw a copy or a hand-over cost more than the
    # rung hides (a busy box's probe can); what holds on any box is a finite, positive number.
    assert all(math.isfinite(r.forecast) and r.forecast > 0 for r in rows), rows
    assert all(math.isfinite(r.measured) and r.measured > 0 for r in rows), rows
    assert f"probe of {name}" in "\n".join(format_checks(c))
    again = parse_result(json.dumps(document(c)), "result")  # through the gate, as the store reads it
    assert again.forecast == f and again.workload.loop == name
