"""The ladder in the lab through AppTest: a stored ladder opens with its table, charts and traps;
a comparison the device cannot run is refused by name; a set of variants runs for real."""

import pytest

from engine.execute import execute
from engine.spec.run_spec import RunSpec
from engine.spec.workload import Workload
from engine.store.history import History
from tests.kits.app import app, charts, fields, has_cuda, page, standin_lab
from tests.kits.ideal import ideal_harness, ideal_ladder


def test_a_stored_ladder_opens_with_its_table_chart_traps_and_timelines():
    c = ideal_ladder()
    run_id = History().save(c, "cli")
    at = page("lab", run=run_id)
    assert not at.error
    specs = charts(at)
    assert any({"speedup", "ceiling", "variant"} <= fields(s) for s in specs)  # bars and ticks
    assert any({"cause", "ms"} <= fields(s) for s in specs)  # where the GPU idled
    assert any({"start_ms", "end_ms", "activity"} <= fields(s) for s in specs)  # timelines
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["serial", "naive", "pinned", "pool8", "graphs", "graphs-bf16"]
    # naive's read waits for the batch in flight, so its ceiling is the serial period's: 1.0x; bf16's
    # G of 4 ms sets its period against the fp32 serial loop's 10 + 24 ms
    assert [round(x, 3) for x in table["ceiling"]] == [1.0, 1.0, round(34 / 26, 3), 3.4, 3.4, 8.5]
    # the box allows max(G at bf16 4, L with graphs 0.05, C / 8 3) = 4 ms: 8.5x
    assert [round(x, 3) for x in table["of the box"]] == [round(x / 8.5, 3) for x in table["speedup"]]
    assert any(
        m.value.startswith("**What the box allows.** This box allows 8.50x over serial") for m in at.markdown
    )
    assert list(table["syncs"])[1] > 0 and sum(table["syncs"]) == list(table["syncs"])[1]
    assert any("engine/measure/runners.py" in c.value for c in at.code)  # the trap's source line, as code
    assert any(
        "**graphs-bf16** (pool of 8 + pinned readback + CUDA Graphs + bf16) against **serial**" in m.value
        for m in at.markdown
    )


@pytest.mark.skipif(has_cuda(), reason="the stand-in refuses CUDA Graphs only without CUDA")
def test_graphs_on_the_standin_are_refused_naming_the_set():
    at = page("lab", variants="graphs")
    assert any(
        e.value.startswith("Compare: CUDA Graphs (GPU) is not allowed") and "needs a CUDA GPU" in e.value
        for e in at.error
    )
    assert at.button[0].label == "Run" and at.button[0].disabled


def test_a_bad_variants_link_names_the_field_and_keeps_the_pair():
    at = page("lab", variants="everything")
    assert any("variants='everything' is not allowed" in w.value for w in at.warning)
    assert at.session_state["w_variants"] == "pair"


def test_the_readback_set_runs_on_the_standin_and_the_link_keeps_it():
    at = standin_lab("readback", steps=6)
    assert at.query_params["variants"] in ("readback", ["readback"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error
    c = at.session_state["result"].comparison
    assert c.variant_names == ["serial", "deque", "naive", "pinned"]
    assert [f.variant for f in c.syncs] == ["naive"]
    assert any({"speedup", "ceiling", "variant"} <= fields(s) for s in charts(at))


def test_the_recorded_h200_ladder_opens_from_the_explainers_link():
    at = app().run()
    links = {link.proto.query_string for link in at.get("page_link")}
    assert {"run=example-h200-ladder", "variants=ladder"} <= links
    lab = page("lab", run="example-h200-ladder")
    table = lab.dataframe[0].value
    assert list(table["variant"]) == ["serial", "naive", "pinned", "pool8", "graphs"]
    assert table["speedup"].iloc[-1] > 5  # a pool of 8 and CUDA Graphs on the seed workload
    assert any("NVIDIA H200" in str(v) for t in lab.table for v in t.value.to_dict().values())


def test_a_stored_gc_sweep_opens_in_the_lab_and_charts_speedup_against_the_ceiling_curve():
    """A sweep of five points, measured through execute() on the ideal device and stored as one
    sweep, opened by its link (the browser test runs one for real from a link)."""
    w = Workload(
        model="resnet18", batch_size=1, steps=8, warmup_steps=1, cpu_work="ms", cpu_ms=5.0, device="cpu"
    )
    outcome = execute(
        w, RunSpec(variants="sweep", rounds=1, telemetry="off"), store=History(), harness=ideal_harness()
    )
    at = page("lab", sweep=outcome.sweep_id)
    assert not at.exception, at.exception
    assert not at.error
    shown = at.session_state["sweep_result"]
    points, ids = shown.points, shown.run_ids
    assert ids == list(outcome.run_ids)
    assert [pt.ratio for pt in points] == [0.25, 0.5, 1.0, 2.0, 4.0] and all(ids)
    assert [pt.result.workload.cpu_g_ratio for pt in points] == [0.25, 0.5, 1.0, 2.0, 4.0]
    table = at.dataframe[0].value
    assert list(table["run"]) == ids  # every point is a stored run of its own
    sweep = next(s for s in charts(at) if {"ratio", "ceiling", "speedup"} <= fields(s))
    assert {"line", "tick", "point"} <= {m["type"] if isinstance(m, dict) else m for m in _marks(sweep)}
    assert any(m.value.startswith("## G/C sweep: 5 points") for m in at.markdown)
    # Stored as one entry, and its link reopens the whole sweep in a fresh session.
    again = page("lab", sweep=shown.sweep_id)
    assert not again.exception and not again.error
    reopened = again.session_state["sweep_result"]
    assert reopened.run_ids == ids and [pt.ratio for pt in reopened.points] == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert any(m.value.startswith("## G/C sweep: 5 points") for m in again.markdown)
    history = page("history", sweep=shown.sweep_id)
    assert not history.exception and any(
        m.value.startswith("## G/C sweep: 5 points") for m in history.markdown
    )
    table = history.dataframe[0].value
    assert list(table.columns[:5]) == ["id", "time (UTC)", "set", "speedup", "limit"]
    row = table[table["id"] == shown.sweep_id]
    assert list(row["set"]) == ["sweep"] and list(row["stability"]) == ["5 points"]
    assert not set(ids) & set(table["id"])  # the points are inside the sweep's entry, not beside it


def _marks(spec):
    return [layer["mark"] for layer in spec.get("layer", [spec])]
