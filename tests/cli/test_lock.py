"""One run at a time per device: in-process line, cross-process lock file, release on every exit."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.host.lock import DeviceQueue, Waiting, holders
from engine.host.shared_dir import SharedPathError


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
    assert seen and (seen[0].ahead_here, seen[0].other_process) == (1, "")
    assert seen[0].holder is not None and seen[0].holder.pid == os.getpid()  # the run ahead, named
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


def test_another_process_holding_the_device_is_named_with_its_status(queue):
    code = (
        "import sys; from pathlib import Path; from engine.host.lock import DeviceQueue\n"
        f"q = DeviceQueue('cuda:0', Path({str(queue.path.parent)!r}))\n"
        "with q.hold(what='python -m engine compare --preset seed') as h:\n"
        "    h.publish(fraction=0.25, eta_s=90.0, phase='serial')\n"
        "    print('held', flush=True); sys.stdin.readline()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    [busy] = holders(queue.path.parent)
    assert (busy.device, busy.pid, busy.fraction, busy.eta_s) == ("cuda:0", holder.pid, 0.25, 90.0)
    seen = []

    def on_wait(w):
        seen.append(w)
        holder.stdin.write("go\n")
        holder.stdin.flush()

    with queue.hold(on_wait):
        assert holder.wait(10) == 0  # acquired only after the other process let go
        assert [h.pid for h in holders(queue.path.parent)] == [os.getpid()]
    assert holders(queue.path.parent) == []
    assert seen and seen[0].ahead_here == 0
    assert seen[0].other_process == (
        f"{busy.user} (pid {holder.pid}): python -m engine compare --preset seed, 25% done, "
        "about 1 min 30 s left"
    )


def test_the_lock_folder_and_files_are_usable_by_every_user(tmp_path):
    q = DeviceQueue("cuda:1", tmp_path / "locks")
    with q.hold():
        pass
    assert oct(q.path.parent.stat().st_mode & 0o7777) == "0o1777"  # sticky, like /tmp
    assert oct(q.path.stat().st_mode & 0o777) == "0o666"


def test_a_lock_folder_that_cannot_be_made_is_named_with_the_fix(tmp_path):
    with pytest.raises(
        SharedPathError,
        match=r"the device lock folder /dev/null/locks cannot be made .*"
        r"point OVERLAP_LAB_LOCK_DIR at a folder you can write",
    ):
        DeviceQueue("cuda:0", Path("/dev/null/locks"))
