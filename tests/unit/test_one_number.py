"""One number, every view: each number a user reads for a variant (period, speedup, limit, ceiling,
throughput, efficiency, share of the box) is computed once and reads the same in the card, the
paired chart's frame, the CLI's tables, the variants table, the JSON summary and every sentence;
and period, speedup and throughput agree with each other on every row.

Checked on every shipped example (recorded on H100 and H200 cards) and every named set on the ideal
device. One screen once showed a period of 1.3 ms on the card beside 8.7 ms in its table.
"""

from __future__ import annotations

import json
import math
import re

import pytest

from engine.frames import results as frames
from engine.frames.variants import variants_frame
from engine.read.box import box_ceiling
from engine.read.document import card_text, document
from engine.read.rungs import rungs
from engine.read.truth import limit_sentence, standing
from engine.result.comparison import Comparison
from engine.spec.sets import SETS
from engine.store.history import EXAMPLES, load_example
from engine.words.comparison import format_comparison
from tests.kits.ideal import every_set_comparison

CASES = [f"example:{name}" for name in EXAMPLES] + [f"set:{name}" for name, s in SETS.items() if not s.sweep]


@pytest.fixture(scope="module")
def comparisons() -> dict[str, Comparison]:
    out = {}
    for case in CASES:
        kind, name = case.split(":")
        out[case] = load_example(name) if kind == "example" else every_set_comparison(name)
    return out


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_period_speedup_and_throughput_agree_on_every_row(comparisons, case):
    c = comparisons[case]
    base = c.baseline.name
    for v in c.variants:
        s = c.summary_of(v.name)
        # throughput is the period's reciprocal, images per batch over ms per batch
        assert s.throughput_ips == pytest.approx(c.workload.batch_size * 1e3 / c.period_of(v.name), rel=1e-9)
        # the speedup is the ratio of the two periods, to well within the 3% a reader would notice
        assert c.speedup_of(v.name) == pytest.approx(c.period_of(base) / c.period_of(v.name), rel=1e-9)


@pytest.mark.parametrize("case", CASES)
def test_every_view_reads_each_number_from_one_place(comparisons, case):
    c = comparisons[case]
    box = box_ceiling(c)
    rows = {r.name: r for r in rungs(c)}
    table = variants_frame(c).set_index("variant")
    summary = json.loads(json.dumps(document(c)["summary"], allow_nan=True))
    from_json = {r["name"]: r for r in summary["variants"]}
    cli = format_comparison(c).splitlines()
    for v in c.variants:
        name = v.name
        truth = {
            "speedup": c.speedup_of(name),
            "limit": c.limit_of(name),
            "ceiling": c.ceiling_of(name),
            "efficiency": c.efficiency_of(name),
            "of_box": box.share(c.speedup_of(name)),
            "period_ms": c.period_of(name),
            "throughput_ips": c.summary_of(name).throughput_ips,
        }
        columns = {
            "speedup": "speedup",
            "limit": "limit",
            "ceiling": "ceiling",
            "efficiency": "of the gain",
            "of_box": "of the box",
            "period_ms": "period (ms)",
            "throughput_ips": "images/s",
        }
        for key, value in truth.items():
            assert _same(getattr(rows[name], key), value), (case, name, key)
            assert _same(float(table.loc[name, columns[key]]), value), (case, name, key)
            got = from_json[name][key]
            assert _same(math.nan if got is None else got, value), (case, name, key)
        # the CLI's variants table prints the row's own numbers
        line = next((x for x in cli if re.match(rf"  {re.escape(name)} +\S+x +\S+x +\S+x ", x)), name)
        for number in (f"{truth['speedup']:.2f}x", f"{truth['limit']:.2f}x", f"{truth['period_ms']:,.1f}"):
            assert number in line, (case, name, number, line)
        # the variant's sentence speaks of the same speedup and limit
        said = limit_sentence(c, name)
        if name != c.baseline.name:
            assert f"{name} at {truth['speedup']:.2f}x" in said and f"{truth['limit']:.2f}x" in said, said
            assert said.endswith(".") and standing(c, name)


@pytest.mark.parametrize("case", CASES)
def test_the_card_the_paired_chart_and_the_summary_speak_of_the_headline_as_the_table_does(comparisons, case):
    c = comparisons[case]
    head, base = c.headline.name, c.baseline.name
    card = card_text(c)
    assert card.startswith(f"{head}: {c.speedup:.2f}x of its {c.limit:.2f}x limit")
    assert f"throughput {c.speedup - 1:+.0%}" in card  # the speedup is the throughput ratio
    paired = frames.paired_frame(c)
    period = paired[paired["measure"] == "period"].set_index("mode")["value_ms"]
    assert period[base] == c.period_of(base) and period[head] == c.period_of(head)
    assert frames.limit_period_ms(c) == pytest.approx(c.prediction.limit_period_ms)
    numbers = json.loads(json.dumps(document(c)["summary"], allow_nan=True))
    assert numbers["speedup"] == pytest.approx(c.speedup) and numbers["limit"] == pytest.approx(c.limit)
    assert numbers["headline_period_ms"] == pytest.approx(c.period_of(head))
    assert numbers["card"] == card and numbers["standing"] == limit_sentence(c)
    table = format_comparison(c)
    assert f"{head} over {base}: speedup {c.speedup:.3f}x   limit {c.limit:.3f}x" in table


@pytest.mark.parametrize("case", CASES)
def test_no_sentence_is_cut(comparisons, case):
    """Every sentence the read side builds ends as a sentence: no trailing clause, no dangling word."""
    c = comparisons[case]
    from engine.read.verdict import verdict

    v = verdict(c)
    said = [limit_sentence(c, x.name) for x in c.variants[1:]] + [v.advice + "."]
    for s in said:
        assert s.endswith(".") and not s.rstrip(".").endswith((" the", " a", " with", " would", ",", ";"))
