"""The lab with a loop the box's owner registered: it is offered by name, diagnosed for real on
the stand-in and drawn; a link may name a registered loop, and a link naming anything else is
refused by name with the defaults kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.result.comparison import Comparison
from tests.kits.app import app, as_shown, charts, fields, page

OWNER = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(autouse=True)
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OVERLAP_LAB_LOOPS", str(OWNER))


def test_a_registered_loop_is_offered_diagnosed_and_drawn():
    at = app()
    at.switch_page("pages/lab.py").run()
    loop = at.selectbox(key="w_loop")
    assert "owners-mine" in loop.options and "classify-fp32" in loop.options
    assert at.selectbox(key="w_variants").value == "pair"
    loop.set_value("owners-mine").run()
    assert at.selectbox(key="w_model").disabled  # the loop brings its own model
    # The pair leaves each output on the device, where a loop's post cannot read it.
    assert at.selectbox(key="w_variants").value == "diagnose"
    at.selectbox(key="w_device").set_value("cpu").run()
    at.number_input(key="w_steps").set_value(8).run()
    at.slider(key="w_rounds").set_value(1).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    c: Comparison = at.session_state["result"].comparison
    assert c.workload.loop == "owners-mine" and c.forecast is not None
    specs = charts(at)
    assert any({"forecast", "measured", "rung"} <= fields(s) for s in specs)
    assert any({"part", "ms"} <= fields(s) for s in specs)
    assert any(as_shown(i.value) == c.forecast.first_fix for i in at.info)
    assert at.query_params["run"]  # stored like any comparison, and linked


def test_a_link_may_name_a_registered_loop():
    at = page("lab", loop="owners-mine", variants="diagnose")
    assert at.selectbox(key="w_loop").value == "owners-mine"
    assert not at.error


@pytest.mark.parametrize("named", ["os:system", "tests.data.owner_loops:mine", "not-registered"])
def test_a_link_naming_other_code_is_refused_by_name_and_keeps_the_defaults(named):
    at = page("lab", loop=named)
    said = " ".join(as_shown(w.value) for w in [*at.warning, *at.error])
    assert f"loop={named!r} is not allowed" in said and "a link never names other code" in said
    assert at.selectbox(key="w_loop").value == ""
