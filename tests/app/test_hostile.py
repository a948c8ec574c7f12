"""Results from outside: every broken file is refused in one line naming its field, storing nothing,
and a valid result full of markup is shown as the text it is, in every view."""

from __future__ import annotations

import json
import re

import pytest

from engine.store.errors import HistoryError
from engine.store.history import History
from engine.store.reading import MAX_IMPORT_BYTES
from tests.kits.app import as_shown, page
from tests.kits.hostile import OUTSIDE, broken, markup_result, padded

BROKEN = broken()
# Markup that would act if a view rendered the text as Markdown or HTML; escaped, none of it survives.
ACTIVE = re.compile(r"(?<!\\)(\]\(|<img|:red\[|:material/|\*\*bold|\$x\^2\$)|www\.evil|https?://evil")
MARKDOWN_ELEMENTS = (
    "markdown",
    "caption",
    "info",
    "warning",
    "error",
    "success",
    "title",
    "header",
    "subheader",
)


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("OVERLAP_LAB_DATA_DIR", str(tmp_path / "data"))


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_file_is_refused_in_one_line_naming_its_field(name):
    data, says = BROKEN[name]
    store = History()
    with pytest.raises(HistoryError) as info:
        store.import_json(data, f"{name}.json")
    message = str(info.value)
    assert says in message and "\n" not in message and len(message) < 400, message
    assert store.count() == 0


def test_a_file_just_under_the_limit_is_stored_and_opens_again():
    """The store keeps a result's data and only the card's line before it, so a file under the
    limit stays under it once stored (a summary of its every block once pushed it over, and the
    import was refused). Every read still goes through the same limit."""
    data = json.dumps(padded(MAX_IMPORT_BYTES - 200_000))
    assert len(data) <= MAX_IMPORT_BYTES
    store = History()
    run_id = store.import_json(data, "big.json")
    assert store.count() == 1 and store.load(run_id).rounds > 3
    with pytest.raises(HistoryError, match=r"MB; the app shows results of at most 10 MB"):
        store.import_json(" " * (MAX_IMPORT_BYTES + 1) + data, "bigger.json")


def test_a_broken_file_uploaded_to_the_history_page_is_said_there(tmp_path):
    at = page("history")
    for name in ("deep nesting", "string for a number", "negative duration"):
        problem = _upload(at, BROKEN[name][0], f"{name}.json")
        assert BROKEN[name][1] in as_shown(problem)
    assert not at.exception


def _upload(at, data: bytes, name: str) -> str:
    from ui.views import history_view

    run_id, kind, said = history_view.imported(History(), data, name)
    assert run_id is None and kind == "error"
    return said


def _texts(at) -> list[str]:
    out = []
    for kind in MARKDOWN_ELEMENTS:
        out += [e.value for e in at.get(kind)]
    for m in at.metric:
        out += [m.label, m.proto.help]
    out += [e.proto.label for e in at.get("expander")]
    return out


def _assert_plain(at, shown: bool = True) -> None:
    assert not at.exception, at.exception
    texts = _texts(at)
    if shown:
        assert any(OUTSIDE in t.replace("\\", "") for t in texts)  # the fields are shown ...
    active = [t for t in texts if ACTIVE.search(t)]
    assert active == []  # ... as text


def test_a_result_full_of_markup_is_shown_as_text_in_history_and_the_lab():
    run_id = History().import_json(json.dumps(markup_result()), "markup.json")
    at = page("history", run=run_id)
    for e in at.get("expander"):
        e.proto.expanded = True
    _assert_plain(at)
    _assert_plain(page("lab", run=run_id))
    _assert_plain(page("history", compare=f"{run_id},example-h200-balanced"), shown=False)
