"""The explainer draws the recorded crossover sweeps."""

from __future__ import annotations

from tests.kits.app import charts, fields


def test_the_explainer_draws_the_recorded_crossover_for_each_model():
    from tests.kits.app import page

    at = page("explainer").run()
    assert not at.exception, at.exception
    drawn = [s for s in charts(at) if {"batch", "ms", "series"} <= fields(s)]
    assert len(drawn) == 1
    radio = at.radio(key="crossover_pick")
    assert radio.options == ["vit_b_16 fp32", "vit_b_16 bf16", "resnet50 fp32"]
    said = " ".join(c.value for c in at.caption)
    assert "vit_b_16 fp32 on NVIDIA H200: graphs stop paying" in said
    radio.set_value("vit_b_16 bf16").run()
    assert "vit_b_16 bf16 on NVIDIA H200: graphs stop paying" in " ".join(c.value for c in at.caption)
