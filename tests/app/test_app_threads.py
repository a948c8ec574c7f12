"""The threads set in the lab: it asks for fixed work (a hold of fixed duration would make threads
look free), runs on the stand-in, and draws its rungs."""

from __future__ import annotations

from engine.result.comparison import Comparison
from tests.kits.app import app, as_shown, page


def test_the_threads_set_asks_for_fixed_work_and_runs() -> None:
    at = app()
    at.switch_page("pages/lab.py").run()
    assert at.radio(key="w_cpu_fixed").value == "duration"  # cpu-demo holds C for a duration
    at.selectbox(key="w_variants").set_value("threads").run()
    fixed = at.radio(key="w_cpu_fixed")
    assert fixed.value == "work" and fixed.disabled
    assert any("Fixed work with threads" in as_shown(c.value) for c in at.caption)
    at.selectbox(key="w_device").set_value("cpu").run()
    at.number_input(key="w_steps").set_value(4).run()
    at.slider(key="w_rounds").set_value(1).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    c: Comparison = at.session_state["result"].comparison
    assert c.variant_names[2].startswith("threads") and c.workload.cpu_fixed == "work"


def test_a_link_to_the_threads_set_opens_with_fixed_work() -> None:
    at = page("lab", variants="threads")
    assert at.selectbox(key="w_variants").value == "threads"
    assert at.radio(key="w_cpu_fixed").value == "work"
    assert at.selectbox(key="preset").value == "custom"  # cpu-demo holds C for a duration
    assert not at.error, [e.value for e in at.error]
