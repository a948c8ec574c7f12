"""Links: the lab's setup survives a round trip through a URL, and whatever a link holds is
answered with settings the widgets accept and short messages naming each refused parameter."""

from dataclasses import fields

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.spec.run_spec import RUN_FIELDS, RunSpec
from engine.spec.workload import FIELDS, PRESETS, Workload
from ui.controls.links import KNOWN, encode, parse

NAMES = sorted(KNOWN) + ["", "x", "page", "preset\x00", "run;", "ü"]
VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["-1", "0", "1e9", "nan", "inf", "64", "3", "2.5", "true", "cuda:7", "../x", "%00"]),
    st.sampled_from([*PRESETS, *FIELDS["model"].choices, "example-h100-seed", "0123abcd"]),
    st.text(min_size=500, max_size=3000),
)


@settings(max_examples=600, deadline=None)
@given(query=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=6))
def test_any_query_gives_valid_settings_and_short_named_messages(query):
    setup = parse(query, "cpu-demo")
    workload = (PRESETS[setup.preset] if setup.preset else PRESETS["cpu-demo"]).replace(**setup.overrides)
    assert isinstance(workload, Workload)
    spec = RunSpec().replace(**setup.run_settings)  # what is kept is a valid run too
    assert spec.depth <= RUN_FIELDS["depth"].widget_high
    assert spec.rounds is None or 1 <= spec.rounds <= 10
    assert (
        setup.run is None
        or setup.run in ("example-h100-seed", "example-h200-balanced")
        or (len(setup.run) == 8 and int(setup.run, 16) >= 0)
    )
    for problem in setup.problems:
        assert len(problem) < 400, problem
        assert "Traceback" not in problem
    refused = [k for k in query if k in KNOWN and k not in ("present",)]
    if any(p.endswith("more parameter(s) refused") for p in setup.problems):
        refused = []  # five messages at most; the last one says how many more
    for name in refused:
        ok = (
            name in setup.overrides
            or name in setup.run_settings
            or getattr(setup, name, None) not in (None, ())
        )
        ok = ok or (name == "preset" and setup.preset == query[name])
        assert ok or any(name in p for p in setup.problems), (name, query[name], setup.problems)


def test_a_setup_round_trips_through_its_link():
    values = PRESETS["cpu-demo"].replace(batch_size=3, cpu_g_ratio=1.5).to_dict()
    settings = {"variants": "pair", "depth": 4, "rounds": 5, "until_stable": True}
    query = encode("custom", values, settings, True, "0123abcd", "cpu-demo")
    assert query == {
        "batch_size": "3",
        "cpu_g_ratio": "1.5",
        "depth": "4",
        "rounds": "5",
        "until_stable": "1",
        "present": "1",
        "run": "0123abcd",
    }
    back = parse(query, "cpu-demo")
    assert PRESETS["cpu-demo"].replace(**back.overrides).to_dict() == values
    assert back.run_settings == {"depth": 4, "rounds": 5, "until_stable": True}
    assert (back.run, back.problems) == ("0123abcd", ())


def test_a_preset_link_is_just_the_preset():
    settings = {"variants": "pair", "depth": 2, "rounds": 3, "until_stable": False}
    assert encode("balanced", PRESETS["balanced"].to_dict(), settings, False, None, "seed") == {
        "preset": "balanced"
    }


def test_every_workload_field_can_travel_in_a_link():
    assert {f.name for f in fields(Workload)} <= KNOWN


def test_values_that_are_fine_alone_but_not_together_are_named():
    setup = parse({"cpu_work": "article", "cpu_fixed": "duration"}, "balanced")
    assert setup.problems and setup.problems[0].startswith("cpu_fixed='duration' is not allowed: work when")
    PRESETS["balanced"].replace(**setup.overrides)  # what is kept is valid


def test_a_depth_for_a_set_that_fixes_its_own_is_named_and_dropped():
    setup = parse({"variants": "ladder", "depth": "4"}, "cpu-demo")
    assert setup.run_settings == {"variants": "ladder"}
    assert setup.problems[0].startswith("depth=4 is not allowed: 2 with variants=ladder: only the pair")
