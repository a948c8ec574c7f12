"""The README and docs/ are claims: each is held to the code and the bundled examples here.

A newcomer reads the README first and stops when it turns into a manual, so it has a word budget;
the rest lives in docs/, and a link that leads nowhere, a command the CLI does not have or a number
the bundled example does not show would each cost the reader's trust in everything else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.cli import build_parser
from engine.read.numbers import fmt
from engine.spec.sets import SETS
from engine.spec.workload import PRESETS
from engine.store.history import load_example

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_WORDS = 2000


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_the_readme_stays_under_its_word_budget():
    words = len(_text(README).split())
    assert words < README_MAX_WORDS, f"README.md has {words} words, the budget is {README_MAX_WORDS}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path):
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", _text(page))
    local = [link for link in links if "://" not in link]
    missing = [link for link in local if not (page.parent / link).exists()]
    assert not missing, f"{page.name} links to {missing}"


def test_the_readme_links_every_page_in_docs():
    linked = set(re.findall(r"\]\((docs/[^)#\s]+)\)", _text(README)))
    pages = {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
    assert pages <= linked, f"not linked from the README: {sorted(pages - linked)}"


def _subcommands() -> set[str]:
    parser = build_parser()
    actions = [a for a in parser._actions if hasattr(a, "choices") and isinstance(a.choices, dict)]
    return {name for action in actions for name in action.choices}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_engine_command_named_exists(page: Path):
    named = set(re.findall(r"python -m engine ([a-z]+)", _text(page)))
    if page == README:
        assert {"compare", "diagnose", "history", "show"} <= named, "the README's CLI lost its commands"
    unknown = named - _subcommands()
    assert not unknown, f"{page.name} names commands the CLI does not have: {sorted(unknown)}"


def test_the_readme_sets_table_is_the_registry():
    rows = re.findall(r"^\| `([a-z-]+)`", _text(README), flags=re.MULTILINE)
    in_table = {name for name in rows if name in SETS or name not in PRESETS}
    assert in_table == set(SETS) - {"sweep"}, "the README's sets table and engine.spec.sets differ"


def test_the_readme_names_every_preset():
    text = _text(README)
    missing = [name for name in PRESETS if f"`{name}`" not in text]
    assert not missing, f"presets the README does not name: {missing}"


@pytest.mark.parametrize(
    ("example", "page", "variant"),
    [
        ("example-h200-ladder-box", README, "graphs-bf16"),
        ("example-h200-ladder-box", ROOT / "docs" / "CLI.md", "graphs-bf16"),
        ("example-h200-balanced", ROOT / "docs" / "CLI.md", "deque"),
        ("example-h100-seed", ROOT / "docs" / "CLI.md", "deque"),
    ],
)
def test_a_quoted_example_reads_as_history_shows_it(example: str, page: Path, variant: str):
    comparison = load_example(example)
    assert comparison.headline.name == variant
    quoted = f"{fmt(comparison.speedup, 2)}x"
    limit = f"{fmt(comparison.limit, 2)}x limit"
    sentence = next((s for s in re.split(r"(?<=[.;])\s", _text(page)) if example in s), "")
    assert quoted in sentence and limit in sentence, f"{page.name}: {example} shows {quoted} of its {limit}"
