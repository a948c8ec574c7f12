"""The CLI's result file: opened before the run, never losing a finished result."""

import errno
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import OverlapLabError, WorkloadError
from engine.store.result_file import PLACEHOLDER, ResultFile

ROOT = Path(__file__).resolve().parents[2]


def test_the_file_exists_with_a_placeholder_while_the_run_goes_on(tmp_path):
    out = ResultFile(str(tmp_path / "r.json"))
    assert (tmp_path / "r.json").read_text() == PLACEHOLDER
    assert out.write('{"speedup": 1.9}') == str(tmp_path / "r.json")
    assert (tmp_path / "r.json").read_text() == '{"speedup": 1.9}'


def test_a_discarded_run_removes_only_a_file_it_created(tmp_path):
    fresh = ResultFile(str(tmp_path / "new.json"))
    fresh.discard()
    assert not (tmp_path / "new.json").exists()
    (tmp_path / "old.json").write_text("keep the path")
    ResultFile(str(tmp_path / "old.json")).discard()
    assert (tmp_path / "old.json").exists()


def test_a_write_that_fails_after_the_run_saves_the_result_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "spare"))
    (tmp_path / "spare").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    out = ResultFile(str(tmp_path / "r.json"))

    class Full:
        def seek(self, *_):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    out._file = Full()  # the disk fills up during the run
    with pytest.raises(OverlapLabError, match="No space left on device.*the result was saved to") as info:
        out.write('{"speedup": 1.9}')
    saved = Path(str(info.value).rsplit(" ", 1)[-1])
    assert saved.parent == tmp_path / "spare" and saved.read_text() == '{"speedup": 1.9}'


def test_an_empty_path_is_refused():
    with pytest.raises(WorkloadError, match="json='' is not allowed"):
        ResultFile("")


def test_a_script_without_a_main_guard_can_call_compare(tmp_path):
    # Helper processes start without re-running the caller's script (engine/host/spawn.py), so the
    # classic "start a new process before bootstrapping has finished" error cannot happen.
    script = tmp_path / "measure.py"
    script.write_text(
        "from engine.measure.protocol import compare\n"
        "from engine.spec.run_spec import RunSpec\n"
        "from engine.spec.workload import Workload\n"
        "w = Workload(model='mobilenet_v3_small', batch_size=1, steps=4, warmup_steps=1,"
        " cpu_work='ms', cpu_ms=2.0, device='cpu')\n"
        "print('speedup', compare(w, RunSpec(rounds=1)).speedup > 0)\n"
    )
    r = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "speedup True"
