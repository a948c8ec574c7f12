"""Every named set, not only the pair, through the whole read side on the ideal device: truth,
verdict, report, frames and the lab's results view. On the ideal device every variant of every
set lands exactly on the block limit the cost model gives it, so the model's schedule is the
loop's. Each sentence names the variant it speaks of, and none speaks of another.

A check that ran on the pair alone once hid two wrong sentences: a ladder's shortfall explained
with its naive-readback rung's blocks, and a depth set at 79% of its gain with no word at all.
"""

from __future__ import annotations

import re

import pytest

from engine.frames import results as frames
from engine.read.document import card_text, limit_text
from engine.read.truth import AT, limit_sentence, standing
from engine.read.verdict import verdict
from engine.result.comparison import Comparison
from engine.spec.sets import SETS
from engine.words.comparison import format_comparison
from tests.kits.ideal import every_set_comparison

COMPARISONS = [name for name, s in SETS.items() if not s.sweep]


@pytest.fixture(scope="module")
def results() -> dict[str, Comparison]:
    return {name: every_set_comparison(name) for name in COMPARISONS}


def others(c: Comparison) -> list[str]:
    """Variants that are neither the baseline nor the headline: no sentence may speak of them."""
    return [n for n in c.variant_names if n not in (c.baseline.name, c.headline.name)]


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


@pytest.mark.parametrize("name", COMPARISONS)
def test_every_variant_lands_exactly_on_its_block_limit_and_its_sentence_names_it_alone(results, name):
    c = results[name]
    assert c.variant_set == name
    for v in c.variants[1:]:
        assert c.speedup_of(v.name) == pytest.approx(c.limit_of(v.name), rel=1e-9), v.name
        assert standing(c, v.name) == AT
        said = limit_sentence(c, v.name)
        assert said.startswith(f"{v.name} at {c.speedup_of(v.name):.2f}x is at the ") and said.endswith(".")
        assert not [n for n in c.variant_names if n != v.name and mentions(said, n)], said
    for run in c.runs:
        assert c.schedule_efficiency(run) == pytest.approx(1.0), (run.mode, run.round_index)


@pytest.mark.parametrize("name", COMPARISONS)
def test_the_verdict_card_and_report_speak_of_the_headline_against_the_baseline(results, name):
    c = results[name]
    head, base = c.headline.name, c.baseline.name
    v = verdict(c)
    assert (v.baseline, v.headline) == (base, head)
    assert v.bounds.startswith(f"{base}: max(G, L) + C") and f"; {head}: {c.prediction.bound}" in v.bounds
    assert card_text(c).startswith(f"{head}: {c.speedup:.2f}x of its {limit_text(c.limit, c.ceiling)} · ")
    table = format_comparison(c)
    assert f"{head} over {base}: speedup {c.speedup:.3f}x   limit {c.limit:.3f}x" in table
    assert f"steady period: {base} {c.prediction.baseline_period_ms:.1f} ms, {head}" in table


@pytest.mark.parametrize("name", COMPARISONS)
def test_the_frames_set_baseline_against_headline(results, name):
    c = results[name]
    ends = [c.baseline.name, c.headline.name]
    assert list(dict.fromkeys(frames.paired_frame(c)["mode"])) == ends
    assert list(dict.fromkeys(frames.samples_frame(c)["mode"])) == ends
    assert list(dict.fromkeys(frames.percentiles_frame(c)["mode"])) == ends
    view = frames.distribution_view(c, "launch_gap")
    assert view.hi_ms >= max(c.summary_of(n).launch_gap.p99 for n in ends) - 1e-9
