"""A mutation fuzzer over the shipped examples: 500 files, each a real result with one thing changed
(a type, a range, a size, a name, the nesting), a fixed seed so every run reads the same ones.

Each file is refused with one line, or it is read, shown by the whole read side, stored, imported,
and written out again as standard JSON that reads back to the same numbers. No mutation may reach
an exception anywhere on the way. Five files of 79 once crashed the History page: an integer of 400
digits in a float field, one of 5,000 digits, blocks of zero-length spans in a microsecond, and two
variants of one name.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from engine.errors import OverlapLabError
from engine.frames import results as frames
from engine.frames.variants import idle_frame, variants_frame
from engine.read.box import box_ceiling
from engine.read.document import document, standard_json
from engine.read.truth import limit_sentence, rung_sentences
from engine.store.errors import AlreadyStored, HistoryError
from engine.store.history import History
from engine.store.reading import parse_result
from engine.words.comparison import format_comparison
from tests.kits.mutate import corpus

FILES = 500
# A refusal in Python's words ("argument after ** must be a mapping") names no field a person knows.
PYTHON_WORDS = re.compile(
    r"argument after|NoneType|object has no attribute|not subscriptable|unexpected keyword"
)
SEEDS = (20261207, 3)  # two corpora: the second found a workload field of 400 digits


def _refuse_nan(name: str) -> float:
    raise ValueError(f"{name} is not standard JSON")


def test_no_mutation_reaches_an_exception(tmp_path):
    store = History(tmp_path / "store")
    refused = shown = 0
    said_lines: list[str] = []
    for text, said in [f for seed in SEEDS for f in corpus(FILES // len(SEEDS), seed)]:
        try:
            c = parse_result(text, "file")
        except HistoryError as exc:
            line = str(exc)
            assert "\n" not in line and len(line) < 600, (said, line)
            said_lines.append(line)
            refused += 1
            continue
        document(c)
        format_comparison(c)
        box_ceiling(c)
        [limit_sentence(c, v.name) for v in c.variants]
        rung_sentences(c)
        for frame in (
            frames.paired_frame,
            frames.blocks_frame,
            variants_frame,
            idle_frame,
            frames.samples_frame,
        ):
            frame(c)
        frames.timeline_frame(frames.round_runs(c, c.counted_rounds[0]), 0, 8)
        out = standard_json(document(c))
        json.loads(out, parse_constant=_refuse_nan)  # what strict readers accept
        again = parse_result(out, "its export")
        assert again.speedup == c.speedup or (math.isnan(again.speedup) and math.isnan(c.speedup)), said
        try:
            store.import_json(out, "mutated.json")
        except AlreadyStored:
            pass  # the same result twice: named, not stored again
        except OverlapLabError as exc:
            pytest.fail(f"{said}: {exc}")
        shown += 1
    assert refused + shown == FILES and refused > 100 and shown > 100, (refused, shown)
    assert not [f for f in said_lines if PYTHON_WORDS.search(f)], said_lines
    for e in store.entries():
        if e.source == "import":
            store.load(e.id)  # every stored one opens again
