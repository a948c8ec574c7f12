"""The unit tests are the pure ones: the ideal device, recorded results, arithmetic. Each runs with
torch made unimportable, so a unit test that reaches for torch (a stand-in, a CUDA check, a
shipped loop) fails at once instead of silently becoming slow and machine-bound. Torch itself, once
another folder has imported it, is only hidden for the test's duration and put back after."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.kits.notorch import HIDDEN, NoTorch


@pytest.fixture(autouse=True)
def without_torch() -> Iterator[None]:
    saved = {k: m for k, m in sys.modules.items() if k.split(".")[0] in HIDDEN}
    for k in saved:
        del sys.modules[k]
    finder = NoTorch()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        sys.modules.update(saved)
