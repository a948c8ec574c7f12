"""Every named set drawn by the lab's one results view."""

from __future__ import annotations

import pytest

from engine.read.document import card_text
from engine.spec.sets import SETS
from engine.store.history import History
from tests.kits.app import charts, fields, page, walk
from tests.kits.ideal import every_set_comparison

COMPARISONS = [name for name, s in SETS.items() if not s.sweep]


@pytest.fixture(scope="module")
def results():
    return {name: every_set_comparison(name) for name in COMPARISONS}


@pytest.mark.parametrize("name", COMPARISONS)
def test_the_lab_draws_every_set_with_one_view(results, name):
    c = results[name]
    run_id = History().save(c, "cli")
    at = page("lab", run=run_id)
    assert not at.error
    texts = [m.value for m in at.markdown]
    assert f"## {card_text(c)}" in texts
    assert any(
        t.startswith(f"**{c.headline.name}**") and f" against **{c.baseline.name}**" in t for t in texts
    )
    paired = next(s for s in charts(at) if "measure" in fields(s))
    colours = next(d for d in walk(paired) if d.get("field") == "mode" and "scale" in d)
    assert colours["scale"]["domain"] == [c.baseline.name, c.headline.name]
    has_table = any(d.value is not None and "variant" in d.value.columns for d in at.dataframe)
    assert has_table == (len(c.variants) > 2)  # the variants table appears where it applies


def test_blocks_of_one_batch_draw_without_an_empty_chart():
    """A block of one batch (a file can hold one; a run makes at least two) has no gap between
    launches: its distributions are said to be empty instead of drawn over a range of nothing,
    which reached the browser as a chart error."""
    import json

    from engine.read.document import document, standard_json
    from tests.kits.ideal import uploads_comparison

    d = json.loads(standard_json(document(uploads_comparison())))
    for run in d["runs"]:
        run["steps"] = run["steps"][:1]
    run_id = History().import_json(json.dumps(d), "one-batch.json")
    at = page("lab", run=run_id)
    assert not at.exception, at.exception
    assert any("launch gap (ms): no samples to draw" in x.value for x in at.caption)
