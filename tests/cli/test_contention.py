"""The contention stamp counts what else ran on the box: other processes' CPU time and other runs."""

import multiprocessing
import subprocess
import sys
import time

import pytest

from engine.host.contention import ContentionWatch
from engine.result.circumstances import Contention

pytestmark = pytest.mark.quiet  # other tests' processes would be this box's other work

SPIN = "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end: pass\n"


def _elsewhere(code: str) -> None:
    """Start `code` as a process that is not ours: its parent exits at once, so it is nobody's
    child here, as a teammate's run or a browser would be."""
    launcher = (
        f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {code!r}], start_new_session=True)"
    )
    subprocess.run([sys.executable, "-c", launcher], check=True, timeout=30)


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_another_process_busy_during_the_run_marks_it_contended():
    watch = ContentionWatch(None, cores=2)
    _elsewhere(SPIN.format(s=1.5))
    time.sleep(0.5)
    watch.check()
    time.sleep(1.5)
    watch.check()
    c = watch.result()
    watch.close()
    assert c.other_cpu_cores > 0.4, c  # one process spun for most of the watch
    assert c.contended and "other processes kept" in c.stamp and "cores busy on average" in c.stamp


def test_our_own_workers_are_not_someone_else():
    watch = ContentionWatch(None, cores=2)
    worker = multiprocessing.get_context("spawn").Process(target=_spin, args=(1.5,))
    worker.start()
    time.sleep(1.0)
    watch.check()  # the worker is seen as ours while it runs ...
    worker.join(10)
    watch.check()  # ... and stays ours once it has exited
    c = watch.result()
    watch.close()
    assert c.other_cpu_cores < 0.4, c


def test_another_run_holding_a_device_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("OVERLAP_LAB_LOCK_DIR", str(tmp_path))
    code = (
        "import time; from pathlib import Path; from engine.host.lock import DeviceQueue\n"
        f"q = DeviceQueue('cuda:1', Path({str(tmp_path)!r}))\n"
        "with q.hold(what='python -m engine ladder'):\n"
        f"    Path({str(tmp_path / 'held')!r}).touch(); time.sleep(3)\n"
    )
    _elsewhere(code)
    for _ in range(100):
        if (tmp_path / "held").exists():
            break
        time.sleep(0.1)
    watch = ContentionWatch(None, cores=16)
    watch.check()
    c = watch.result()
    watch.close()
    assert (c.other_runs, c.other_devices) == (1, "cuda:1")
    assert c.contended and "1 other Overlap Lab run(s) held cuda:1" in c.stamp


def test_a_stored_result_from_before_reads_as_it_did():
    old = Contention(True, 0, 1.0, 16)
    assert old.stamp == "uncontended" and not old.contended
    assert Contention(True, 0, 0.5, 16, other_cpu_cores=0.05).stamp == "uncontended"  # idle: 0.01-0.02
    browser = Contention(True, 0, 0.5, 2, other_cpu_cores=0.17)  # Chromium beside a lab run
    assert browser.stamp == "contended: other processes kept 0.2 cores busy on average"
