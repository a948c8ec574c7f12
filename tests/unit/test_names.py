"""One loop, one name: the CLI table, the lab's views, the JSON summary, the side-by-side numbers and
the summary image all call a ladder's and a readback set's variants the same."""

import json
import re

import pytest

from engine.frames import results as frames
from engine.frames import variants as variant_frames
from engine.read.document import document
from engine.store.history import load_example
from engine.words.comparison import format_comparison
from ui.shell import exports
from ui.views import side_by_side

NAMES = {
    "example-h200-ladder": ["serial", "naive", "pinned", "pool8", "graphs"],
    "example-h200-readback": ["serial", "deque", "naive", "pinned"],
    "example-h200-balanced": ["serial", "deque"],
}


@pytest.mark.parametrize("run_id", sorted(NAMES))
def test_every_view_names_the_variants_as_the_cli_table_does(run_id):
    c = load_example(run_id)
    names = NAMES[run_id]
    table = format_comparison(c)
    listed = re.search(r"^variants: (.*)$", table, re.M).group(1)
    assert [part.split(" (")[0] for part in listed.split(", ")] == names  # the CLI table
    assert list(variant_frames.variants_frame(c)["variant"]) == names  # the lab's variants table
    assert [v["name"] for v in document(c)["summary"]["variants"]] == names  # exports, History's JSON
    assert set(frames.paired_frame(c)["mode"]) == {names[0], names[-1]}  # the card's paired chart
    assert set(frames.timeline_frame(frames.round_runs(c, 0), 0, 8)["mode"]) == set(names)
    assert set(frames.blocks_frame(c)["mode"]) == set(names)  # per-block truth
    card = exports.summary_chart(c).to_dict()  # the summary image for a slide
    lines = [v["line"] for d in card["vconcat"][:1] for v in d["data"]["values"]]
    assert lines[0].startswith(f"{names[-1]}: ")
    assert side_by_side.numbers(c)["variants"].startswith(f"{names[-1]} (")  # the side-by-side table
    assert "overlap" not in json.dumps(document(c)["summary"]["variants"])


def _every_named_set() -> list[list[str]]:
    from engine.spec.sets import SETS

    return [
        [v.name for v in s.variants(2, gpu, cores)]
        for s in SETS.values()
        for gpu in (True, False)
        if gpu or not s.gpu_only
        for cores in (2, 4, 9, 16)
    ]


def test_the_palette_has_a_colour_for_every_slot():
    from engine.spec.sets import SLOTS
    from ui.charts import VARIANT_RANGE

    assert len(set(VARIANT_RANGE)) == len(VARIANT_RANGE) >= SLOTS


def test_a_variant_keeps_one_colour_in_every_set_and_no_set_shares_one():
    """pinned was the third colour in the ladder and the fourth in the readbacks: one variant, two
    colours on two slides. Its slot is its name's now, whichever set it is in."""
    from engine.spec.sets import colour_slots

    seen: dict[str, int] = {}
    for names in _every_named_set():
        slots = colour_slots(names)
        assert len(set(slots.values())) == len(names), names  # never two variants in one colour
        for name, slot in slots.items():
            assert seen.setdefault(name, slot) == slot, f"{name} changed colour between sets"
    assert seen["pinned"] == colour_slots(["serial", "deque", "naive", "pinned"])["pinned"]


def test_a_variant_no_named_set_has_takes_a_colour_its_comparison_leaves_free():
    from engine.spec.sets import colour_slots

    slots = colour_slots(["serial", "naive", "pinned", "pool12", "graphs"])  # a diagnosis's pool of 12
    assert len(set(slots.values())) == 5 and slots["serial"] == colour_slots(["serial"])["serial"]


def test_the_probe_chart_colours_every_part_the_probe_has():
    """The chart once coloured "X: copy home and read" while the rows said R: one bar went grey."""
    from engine.frames.diagnosis import cost_rows
    from engine.model.forecast import ProbeCosts
    from engine.result.forecast import Forecast
    from ui.charts.variants import COST_SCALE

    rows = cost_rows(Forecast("mine", ProbeCosts(10.0, 2.0, 24.0, 1.0, 37.0), ()))
    assert [r["part"] for r in rows] == COST_SCALE.to_dict()["domain"]
    assert all(
        part.split(":")[0].split(" ")[0] in ("L", "G", "R", "C") for part in COST_SCALE.to_dict()["domain"]
    )
