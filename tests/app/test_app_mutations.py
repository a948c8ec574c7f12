"""Mutated results that pass the gate open in the History page without an exception: the same
fuzzer's files (tests/kits/mutate.py), the first 12 that are read, each stored and opened by link."""

from __future__ import annotations

from engine.store.errors import AlreadyStored, HistoryError
from engine.store.history import History
from engine.store.reading import parse_result
from tests.kits.app import page
from tests.kits.mutate import corpus

SHOWN = 12


def test_every_mutated_result_the_gate_reads_opens_in_the_history_page():
    store = History()
    ids: list[tuple[str, str]] = []
    for text, said in corpus(200, seed=7):
        try:
            parse_result(text, "file")
        except HistoryError:
            continue
        try:
            ids.append((store.import_json(text, "mutated.json"), said))
        except AlreadyStored:
            continue
        if len(ids) == SHOWN:
            break
    assert len(ids) == SHOWN
    for run_id, said in ids:
        at = page("history", run=run_id)
        assert not at.exception, (said, at.exception)
        assert not at.error, (said, [e.value for e in at.error])
