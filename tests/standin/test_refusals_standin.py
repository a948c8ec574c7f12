"""Refusals that ask the machine first: the stand-in refuses graphs by the set's name before anything
starts, and a loop's factory is checked by importing it (the shipped loops import torch)."""

from __future__ import annotations

import pytest

from engine.devices.loops import build_loop
from engine.errors import WorkloadError
from engine.measure.protocol import compare
from engine.spec.loop import LoopError
from engine.spec.run_spec import RunSpec
from engine.spec.sets import variant_set
from engine.spec.workload import Workload

W = Workload(model="resnet18", batch_size=1, steps=8, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu")


def not_a_factory(device: str, batch_size: int) -> dict:
    return {}


def raising_factory(device: str, batch_size: int) -> None:
    raise ZeroDivisionError


def test_graphs_on_the_stand_in_are_refused_by_the_sets_name_before_anything_starts():
    seen = []
    with pytest.raises(WorkloadError, match="variants='graphs' is not allowed: one of pair, ladder"):
        compare(W, RunSpec(variants="graphs", rounds=1), progress=seen.append)
    assert seen == []
    with pytest.raises(WorkloadError, match="launch=.graph. is not allowed: eager: CUDA Graphs need"):
        compare(W, RunSpec(rounds=1), variants=variant_set("graphs").variants(), progress=seen.append)
    assert seen == []


def test_a_factory_must_return_a_loop() -> None:
    with pytest.raises(
        LoopError, match=r"^loop tests.standin.test_refusals_standin:not_a_factory: its factory returned dict"
    ):
        build_loop("tests.standin.test_refusals_standin:not_a_factory", "cpu", 1)
    with pytest.raises(LoopError, match="its factory raised ZeroDivisionError"):
        build_loop("tests.standin.test_refusals_standin:raising_factory", "cpu", 1)
    with pytest.raises(LoopError, match="has no function nowhere"):
        build_loop("tests.standin.test_refusals_standin:nowhere", "cpu", 1)
    with pytest.raises(LoopError, match="not a registered loop; registered: classify-fp32"):
        build_loop("not-there", "cpu", 1)
