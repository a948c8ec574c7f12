"""Sharing and presenting through AppTest: the history page, links that carry a setup or a run,
and presentation mode."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from engine.store.history import EXAMPLES_DIR, History, load_example
from tests.kits.app import APP, as_shown, charts, fields, page


@pytest.fixture(autouse=True)
def private_lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path))


def test_history_lists_the_bundled_gpu_runs_and_opens_one_with_the_labs_charts():
    at = page("history")
    table = at.dataframe[0].value
    assert list(table["id"]) == [
        "example-h100-ladder30",
        "example-h200-uploads",
        "example-h200-ladder-box",
        "example-h200-readback",
        "example-h200-ladder",
        "example-h200-balanced",
        "example-h100-seed",
    ]
    # What a person scans for leads, so it fits 1280 px without scrolling; the rest follows.
    assert list(table.columns) == [
        "id",
        "time (UTC)",
        "set",
        "speedup",
        "limit",
        "stability",
        "preset",
        "batch",
        "device",
        "who",
    ]
    # by when they ran, newest first; the one recorded without a time last
    assert list(table["set"][-7:]) == ["ladder", "uploads", "ladder", "readback", "ladder", "pair", "pair"]
    assert list(table["time (UTC)"])[-1] == "recorded"
    picker = at.multiselect(key="h_pick")
    assert picker.proto.HasField("select_all") and picker.proto.select_all == 0  # no "Select all"
    picker.set_value(["example-h200-balanced"]).run()
    assert at.query_params["run"] == "example-h200-balanced"
    assert (
        "## deque: 1.91x of its 1.92x limit (ceiling 1.96x) · throughput +91% · end-to-end latency +2% "
        "· stable" in [m.value for m in at.markdown]
    )
    assert len(charts(at)) >= 9
    assert not [b for b in at.button if b.label == "Delete this run"]  # examples cannot be deleted


def test_two_runs_compare_side_by_side_through_a_link():
    at = page("history", compare="example-h100-seed,example-h200-balanced")
    assert at.session_state["h_pick"] == ["example-h100-seed", "example-h200-balanced"]
    (table,) = at.table
    numbers = table.value
    assert list(numbers.columns) == ["example-h100-seed", "example-h200-balanced"]
    assert numbers.loc["card"].tolist() == ["NVIDIA H100 80GB HBM3", "NVIDIA H200"]
    assert numbers.loc["speedup"].tolist() == ["1.112x", "1.905x"]
    assert len([s for s in charts(at) if "measure" in fields(s)]) == 2  # a paired chart each


def test_a_stored_run_is_deleted_only_after_the_confirmation():
    store = History()
    before = store.count()
    good = store.import_json((EXAMPLES_DIR / "h100_seed.json").read_text(), "h100_seed.json")
    assert store.count() == before + 1
    at = page("history", run=good)
    assert any(c.value == f"Link to this run in the lab: ?run={good}" for c in at.caption)
    at.button(key="h_delete").click().run()  # opens the confirmation
    assert store.count() == before + 1  # nothing deleted without the confirmation
    at.button(key="h_delete_yes").click().run()
    assert store.count() == before and at.session_state["h_pick"] == []


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"run": "../../etc/passwd"}, "run='../../etc/passwd' is not allowed: an id from the history"),
        ({"run": "0123abcd"}, "Run 0123abcd is not in this box's history."),
        ({"compare": "example-h100-seed,<script>"}, "compare='<script>' is not allowed"),
    ],
)
def test_a_bad_history_link_says_what_is_wrong_and_shows_the_table(query, says):
    at = page("history", **query)
    assert any(says in as_shown(w.value) for w in at.warning), [w.value for w in at.warning]
    assert len(at.dataframe[0].value) >= 2


def test_a_link_carries_the_labs_setup_and_the_page_keeps_it_current():
    at = page("lab", preset="cpu-demo", batch_size="3", rounds="4", until_stable="1")
    assert at.session_state["w_batch_size"] == 3 and at.session_state["w_rounds"] == 4
    assert at.session_state["w_until_stable"] is True and at.session_state["preset"] == "custom"
    assert not at.warning or all("link" not in w.value for w in at.warning)
    at.number_input(key="w_batch_size").set_value(4).run()
    assert at.query_params["batch_size"] == "4" and at.query_params["rounds"] == "4"


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"batch_size": "-1"}, "batch_size='-1' is not allowed: a whole number from 1"),
        ({"depth": "64"}, "depth='64' is not allowed: at most 8 in the lab"),
        ({"model": "os.system('x')"}, "model=\"os.system('x')\" is not allowed: one of vit_b_16"),
        ({"rounds": "1e9"}, "rounds='1e9' is not allowed: a whole number from 1 to 10"),
        ({"run": "/etc/passwd"}, "run='/etc/passwd' is not allowed"),
        ({"colour": "red"}, "unknown link parameter(s) 'colour' ignored"),
    ],
)
def test_a_hostile_lab_link_gets_a_message_naming_the_field_and_the_defaults(query, says):
    at = page("lab", **query)
    (warning,) = [as_shown(w.value) for w in at.warning if "This link's" in w.value]
    assert says in warning and len(warning) < 600
    assert at.session_state["w_depth"] == 2 and 1 <= at.session_state["w_batch_size"] <= 4096


def test_presentation_mode_from_a_link_enlarges_the_charts():
    at = page("lab", run="example-h200-balanced", present="1")
    assert at.session_state["present"] is True
    specs = charts(at)
    assert {s["config"]["axis"]["labelFontSize"] for s in specs} == {22}
    assert at.query_params["present"] == "1"
    plain = page("lab", run="example-h200-balanced")
    assert {s["config"]["axis"]["labelFontSize"] for s in charts(plain)} == {16}
    bad = page("lab", present="<b>")
    assert any("present='<b>' is not allowed: one of 1, 0" in as_shown(w.value) for w in bad.warning)


def test_the_downloads_carry_provenance_and_the_summary_image_renders():
    from ui.shell import exports

    c = load_example("example-h200-balanced")
    png = exports.png(exports.summary_chart(c))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    svg = exports.svg(exports.summary_chart(c))
    assert "deque: 1.91x of its 1.92x limit (ceiling 1.96x)" in svg
    from engine.frames import results as frames

    csv = frames.records_frame(c).to_csv(index=False)
    header = csv.splitlines()[0].split(",")
    assert header[:5] == ["started_at", "host", "user", "version", "command"]
    assert json.loads(json.dumps(c.to_dict()))["provenance"]["host"] == "vm"
    from engine.read.document import document, standard_json

    def strict(name: str) -> None:
        raise AssertionError(f"{name} in the download: not standard JSON")

    ladder = load_example("example-h200-ladder")  # efficiencies with no gain to share: null, and why
    sent = json.loads(standard_json(document(ladder)), parse_constant=strict)
    assert sent["summary"]["variants"][0]["efficiency"] is None
    assert sent["summary"]["nulls"]["summary.variants[0].efficiency"].startswith("too little gain")


def test_after_a_stop_the_result_on_screen_is_labelled_as_the_earlier_run():
    from ui.controls.run import Shown

    c = load_example("example-h200-balanced")
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/lab.py")
    at.session_state["result"] = Shown(c, "0123abcd", "run")
    at.session_state["run_stopped"] = True
    at.run()
    assert any(
        as_shown(x.value).startswith("Earlier run 0123abcd, started 2026-11-27 09:28 UTC by root on vm.")
        for x in at.caption
    )
    at.session_state["run_stopped"] = False
    at.run()
    assert any(x.value.startswith("This run 0123abcd, started") for x in at.caption)


def test_a_link_to_a_card_this_box_has_not_is_named_and_auto_used():
    """?device=cuda:99 passes the link's own check (it is a device's name), but no box has it: the
    lab says so at the device control and runs on auto, instead of dropping it without a word."""
    at = page("lab", device="cuda:99")
    said = [as_shown(w.value) for w in at.warning if "cuda:99" in as_shown(w.value)]
    assert len(said) == 1 and said[0].startswith("Device: cuda:99 is not allowed: one of auto, cpu")
    assert said[0].endswith(" on this box; auto is used")
    assert at.session_state["w_device"] == "auto"
