"""Helper processes start without re-running the parent's main script (app.py under Streamlit)."""

import multiprocessing as mp
import sys
import types

import pytest

from engine.host.spawn import start_without_main
from engine.spec.postprocess import trig_loop


@pytest.fixture
def main_script(tmp_path, monkeypatch):
    """A parent whose __main__ is a script that leaves a marker file whenever it is run."""
    marker = tmp_path / "ran"
    script = tmp_path / "app.py"
    script.write_text(f"open({str(marker)!r}, 'a').write('x')\n")
    fake = types.ModuleType("__main__")
    fake.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake)
    return marker


def _run(start) -> None:
    proc = mp.get_context("spawn").Process(target=trig_loop, args=(10,))
    start(proc)
    proc.join(60)
    assert proc.exitcode == 0


def test_a_plain_spawn_reruns_the_main_script(main_script):
    _run(lambda p: p.start())
    assert main_script.exists()  # the hole this helper closes


def test_start_without_main_does_not(main_script):
    before = sys.modules["__main__"]
    _run(start_without_main)
    assert not main_script.exists()
    assert sys.modules["__main__"] is before  # the parent's main is put back
