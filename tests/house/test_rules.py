"""The house rules hold on the project, and each kind of breach, planted one line at a time in a
copy of it, is caught: a rule that is never seen to fail is not a rule.

Run alone with `pytest -m house`. An earlier check saw absolute imports only, so 7 of 14 planted
breaches (relative imports, read/ reaching devices/, ui/ reaching 33 engine modules) went through.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.kits.house import violations
from tests.kits.notorch import NoTorch

pytestmark = pytest.mark.house
ROOT = Path(__file__).resolve().parents[2]

# kind: (file, the line planted at its end, what the complaint names)
PLANTS = {
    "absolute import upwards": (
        "engine/spec/fields.py",
        "from engine.measure import runners",
        "engine.spec may not import engine.measure",
    ),
    "relative import upwards": (
        "engine/read/truth.py",
        "from ..measure import runners",
        "engine.read may not import engine.measure",
    ),
    "the read side reaching a device": (
        "engine/read/gaps.py",
        "from engine.devices import ideal",
        "engine.read may not import engine.devices",
    ),
    "the read side reaching the host": (
        "engine/read/verdict.py",
        "import engine.host.lock",
        "engine.read may not import engine.host",
    ),
    "words reaching the measuring": (
        "engine/words/sweep.py",
        "from engine.measure import eta",
        "engine.words may not import engine.measure",
    ),
    "frames reaching words": (
        "engine/frames/sweep.py",
        "from ..words import sweep",
        "engine.frames may not import engine.words",
    ),
    "an import inside a function": (
        "engine/model/period.py",
        "def _later():\n    from engine.spec import sets",
        "inside a function or a condition",
    ),
    "an import under a condition": (
        "engine/model/block.py",
        "if True:\n    from engine.spec import sets",
        "inside a function or a condition",
    ),
    "an import by name": (
        "engine/result/stats.py",
        "import importlib\nimportlib.import_module('engine.measure.runners')",
        "imported by name at run time",
    ),
    "a UI library in the engine": ("engine/measure/eta.py", "import streamlit", "no UI library"),
    "torch in the cost model": ("engine/model/letters.py", "import torch", "no torch"),
    "a view past the front door": (
        "ui/views/card.py",
        "from engine.result.comparison import Comparison",
        "ui.views may not import engine.result",
    ),
    "a chart reaching a view": (
        "ui/charts/rounds.py",
        "from ..views import card",
        "ui.charts may not import ui.views",
    ),
    "a page reaching the engine": (
        "pages/lab.py",
        "from engine.api import Comparison",
        "pages may not import engine.api",
    ),
    "the router reaching a view": ("app.py", "from ui.views import card", "app may not import ui.views"),
    "a cycle": ("engine/spec/fields.py", "from engine.spec import workload", "cycle: "),
}


def test_the_project_keeps_every_house_rule():
    assert violations(ROOT) == []


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("house") / "clean"
    for part in ("engine", "ui", "pages"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "examples"))
    shutil.copy(ROOT / "app.py", copy / "app.py")
    return copy


@pytest.mark.parametrize("kind", list(PLANTS))
def test_each_kind_of_breach_planted_in_a_copy_is_caught(pristine, tmp_path, kind):
    file, line, complaint = PLANTS[kind]
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    target = copy / file
    target.write_text(target.read_text() + "\n" + line + "\n")
    found = violations(copy)
    assert any(complaint in v for v in found), (kind, found)
    assert all(file in v or v.startswith("cycle:") for v in found), found  # nothing else is blamed


def test_no_test_module_imports_another():
    """Shared helpers live in tests/kits; a test module that imports another runs its tests twice
    and ties two kinds together."""
    found = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in sorted((ROOT / "tests").rglob("test_*.py"))
        for line in path.read_text().splitlines()
        if line.startswith(("from tests.", "import tests.")) and not line.startswith("from tests.kits")
    ]
    assert found == []


def test_a_unit_test_that_reaches_for_torch_fails(pytester_torch_check):
    """tests/unit/conftest.py hides torch for every unit test: an import of it there is an error."""
    assert pytester_torch_check == "ImportError: a unit test imported torch"


@pytest.fixture
def pytester_torch_check() -> str:
    finder = NoTorch()
    saved = {k: m for k, m in sys.modules.items() if k.split(".")[0] == "torch"}
    for k in saved:
        del sys.modules[k]
    sys.meta_path.insert(0, finder)
    try:
        import torch  # noqa: F401

        return "imported"
    except ImportError as exc:
        return f"ImportError: {str(exc).split(':')[0]}"
    finally:
        sys.meta_path.remove(finder)
        sys.modules.update(saved)
