import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.spec.workload import MODELS, PRESETS, Workload, WorkloadError, field_names, preset


def test_presets_are_valid_and_seed_is_the_article():
    seed = preset("seed")
    assert (seed.model, seed.batch_size, seed.steps, seed.precision) == ("vit_b_16", 10, 50, "fp32")
    assert (seed.cpu_work, seed.cpu_iterations) == ("loop", 500_000)
    assert "depth" not in seed.to_dict()  # depth belongs to the variants (RunSpec for the pair)
    balanced = PRESETS["balanced"]
    assert (balanced.cpu_work, balanced.cpu_g_ratio, balanced.cpu_fixed) == ("match_g", 1.0, "duration")
    assert PRESETS["article"].replace(cpu_work="loop") == seed  # the article's loops, nothing else
    assert PRESETS["seed-steady"].cpu_fixed == "duration" and PRESETS["seed-steady"].batch_size == 10
    assert PRESETS["cpu-demo"].model in MODELS


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("model", "gpt2", "one of vit_b_16"),
        ("batch_size", 0, "a whole number from 1"),
        ("batch_size", 2.5, "a whole number"),
        ("batch_size", True, "a whole number"),
        ("steps", 1, "from 2"),
        ("precision", "fp8", "one of fp32, bf16, fp16"),
        ("cpu_work", "sleep", "one of loop, article, ms, match_g"),
        ("cpu_fixed", "forever", "one of work, duration"),
        ("cpu_ms", -1.0, "a number from 0"),
        ("device", "tpu", "one of auto, cpu, cuda, cuda:N"),
        ("device", "cuda:x", "cuda:N"),
    ],
)
def test_bad_values_name_the_field_value_and_what_is_allowed(field, value, allowed):
    with pytest.raises(WorkloadError) as info:
        Workload().replace(**{field: value})
    message = str(info.value)
    assert info.value.field == field
    assert message.startswith(f"{field}={value!r} is not allowed")
    assert allowed in message


def test_the_article_loops_cannot_be_held_for_a_duration_but_the_loop_can():
    with pytest.raises(WorkloadError) as info:
        Workload(cpu_work="article", cpu_fixed="duration")
    assert info.value.field == "cpu_fixed"
    assert "work when cpu_work='article'" in str(info.value) and "use cpu_work=loop" in str(info.value)
    held = Workload(cpu_work="loop", cpu_fixed="duration")  # the loop's own time on this host, held
    assert held.describe_cpu_work() == "loop held for the time 500,000 iterations take on this host"
    assert PRESETS["seed-steady"] == held.replace(steps=30)


def test_unknown_field_and_preset_are_errors():
    with pytest.raises(WorkloadError, match="colour="):
        Workload().replace(colour="red")
    names = "one of seed, article, seed-steady, balanced, cpu-demo"
    with pytest.raises(WorkloadError, match=f"preset='fast' is not allowed: {names}"):
        preset("fast")


def test_workload_is_frozen_and_round_trips_through_dict():
    w = PRESETS["cpu-demo"].replace(steps=30)
    with pytest.raises(AttributeError):
        w.steps = 4  # type: ignore[misc]
    assert Workload.from_dict(w.to_dict()) == w
    assert set(w.to_dict()) == set(field_names())


@given(st.integers(min_value=-10, max_value=10_000))
def test_batch_size_accepts_exactly_its_range(n):
    if 1 <= n <= 4096:
        assert Workload(batch_size=n).batch_size == n
    else:
        with pytest.raises(WorkloadError):
            Workload(batch_size=n)
