"""The input side in the lab: the Inputs table beside the outputs, and the explainer's links to the
recorded uploads and the ladder to the box."""

from __future__ import annotations

from engine.store.history import History
from tests.kits.app import app, page
from tests.kits.ideal import uploads_comparison


def test_the_lab_shows_the_inputs_beside_the_outputs():
    run_id = History().save(uploads_comparison(), "cli")
    at = page("lab", run=run_id)
    assert not at.exception, at.exception
    tables = [d.value for d in at.dataframe]
    inputs = next(t for t in tables if "copy under compute" in t.columns)
    assert list(inputs["variant"]) == [
        "serial-graphs-pageable-in",
        "pageable-in-graphs",
        "pinned-in-graphs",
        "side-in-graphs",
    ]
    assert (
        list(inputs["copy under compute"])[-1] == f"{39 / 40:.0%}"
    )  # the model's share, as the page says it
    assert "None" not in inputs.astype(str).to_numpy().ravel().tolist()  # a row with no share reads "—"
    assert any(m.value.startswith("The pageable upload costs 43%") for m in at.markdown)


def test_the_explainer_links_the_recorded_uploads_and_the_ladder_to_the_box():
    at = app().run()
    links = {link.proto.query_string for link in at.get("page_link")}
    assert {"run=example-h200-uploads", "run=example-h200-ladder-box"} <= links
    lab = page("lab", run="example-h200-uploads")
    assert not lab.exception and any(
        m.value.startswith("The pageable upload costs 38%") for m in lab.markdown
    )
