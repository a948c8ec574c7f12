"""One run at a time per device: in-process line, cross-process lock file, release on every exit."""

import subprocess
import sys
import threading
import time

import pytest

from engine.lock import DeviceQueue, Waiting


@pytest.fixture
def queue(tmp_path):
    return DeviceQueue("cuda:0", tmp_path)


def test_second_holder_waits_its_turn_and_is_told_its_place(queue):
    inside = threading.Event()
    release = threading.Event()
    spans, seen = [], []

    def first():
        with queue.hold():
            spans.append(("a", time.monotonic()))
            inside.set()
            release.wait(5)
            spans.append(("a", time.monotonic()))

    def second():
        inside.wait(5)

        def on_wait(w: Waiting):
            seen.append(w)
            release.set()

        with queue.hold(on_wait):
            spans.append(("b", time.monotonic()))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert [name for name, _ in spans] == ["a", "a", "b"]
    assert spans[2][1] >= spans[1][1]
    assert seen and seen[0] == Waiting(ahead_here=1, other_process="")
    assert queue.queued == 0


def test_leaving_the_line_and_errors_release_everything(queue):
    class Leave(BaseException):
        pass

    outcome = []

    def give_up(_w):
        raise Leave

    def waiter():
        try:
            _hold(queue, give_up)
            outcome.append("held")
        except Leave:
            outcome.append("left")

    with queue.hold():
        t = threading.Thread(target=waiter)
        t.start()
        t.join(5)
        assert outcome == ["left"]
        assert queue.queued == 1  # only the holder is left
    with pytest.raises(RuntimeError), queue.hold():
        raise RuntimeError("boom")
    assert queue.queued == 0
    with queue.hold():  # and it can be taken again at once
        pass


def _hold(queue, on_wait):
    with queue.hold(on_wait):
        pass


def test_another_process_holding_the_lock_file_is_named(queue):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(queue.path)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX); os.write(fd, b'pid %d' % os.getpid())\n"
            "print('held', flush=True); time.sleep(1.0)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    seen = []
    with queue.hold(seen.append):
        assert holder.poll() is not None  # acquired only after the other process let go
    assert seen and seen[0].ahead_here == 0
    assert seen[0].other_process == f"another process (pid {holder.pid})"
