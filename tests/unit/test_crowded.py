"""A set that asks for more helper processes than the box has cores is said before it runs."""

from __future__ import annotations

import pytest

from engine.spec.sets import SETS, box_workers, crowded


def test_the_pool_set_on_two_cores_names_every_pool_past_the_one_the_box_allows():
    said = crowded(SETS["pool"].variants(2, False, 2), cores=2, on_gpu=False)
    assert said.startswith("pool2 (2), pool4 (4), pool8 (8) ask for more helper processes than this box's 2")
    assert "pool1" not in said and "beside the launching thread and the stand-in's model" in said


def test_prefetching_processes_count_as_helpers_too():
    said = crowded(SETS["prefetch"].variants(2, False, 2), cores=2, on_gpu=False)
    assert said.startswith("prefetch2 (2) asks for more")


@pytest.mark.parametrize("name", sorted(SETS))
@pytest.mark.parametrize("on_gpu", [True, False])
def test_no_set_is_crowded_on_a_box_of_sixteen_cores(name, on_gpu):
    if SETS[name].gpu_only and not on_gpu:
        pytest.skip("a CUDA-only set")
    assert crowded(SETS[name].variants(2, on_gpu, 16), cores=16, on_gpu=on_gpu) == ""


@pytest.mark.parametrize("cores", [2, 3, 4, 8, 16, 64])
def test_a_box_sized_pool_is_never_crowded(cores):
    for on_gpu in (True, False):
        assert box_workers(cores, on_gpu) >= 1
        assert crowded(SETS["ladder"].variants(2, on_gpu, cores), cores=cores, on_gpu=on_gpu) == ""
