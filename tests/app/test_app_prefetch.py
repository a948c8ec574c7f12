"""The lab refuses the prefetch set by its pre-processing control, then prefetches on the stand-in."""

from __future__ import annotations

from tests.kits.app import standin_lab


def test_the_lab_names_the_pre_processing_control_and_then_prefetches_on_the_stand_in():
    at = standin_lab("prefetch", 4)
    at.button[0].click().run(timeout=120)
    (refused,) = [e.value for e in at.error]
    assert (
        refused.startswith("CPU pre-processing per batch") and "more than 0 with variants=prefetch" in refused
    )
    at.number_input(key="w_pre_ms").set_value(15.0).run()
    at.button[0].click().run(timeout=240)
    assert not at.error and not at.exception
    table = next(d.value for d in at.dataframe if "variant" in d.value.columns)
    assert list(table["variant"]) == ["serial", "deque", "prefetch1", "prefetch2"]
