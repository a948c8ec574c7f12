"""Two Unix users on one box: the second can queue for a device the first holds, and can write to
the history the first created. CI runs as root, so the test drops to `nobody` with setpriv.

The second user cannot read this checkout's virtualenv (it may sit under /root), so it runs the
system interpreter on a copy of the three stdlib-only modules the lock needs.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from engine.host.lock import DeviceQueue
from engine.store.history import History, load_example

REPO = Path(__file__).resolve().parents[2]
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
LOCK_MODULES = ("__init__.py", "errors.py", "host/__init__.py", "host/shared_dir.py", "host/lock.py")


def _interpreter_for_nobody() -> str | None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return None
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        ok = subprocess.run([*NOBODY, candidate, "-c", "pass"], capture_output=True).returncode == 0
        if Path(candidate).exists() and ok:
            return candidate
    return None


PYTHON = _interpreter_for_nobody()
pytestmark = pytest.mark.skipif(PYTHON is None, reason="needs root, setpriv and a system python3")


@pytest.fixture
def box():
    """A folder every user can reach, holding a copy of the lock's modules and the shared folders."""
    top = Path(tempfile.mkdtemp(prefix="overlap-lab-box-", dir="/tmp"))
    top.chmod(0o755)
    pkg = top / "pkg" / "engine"
    pkg.mkdir(parents=True)
    for name in LOCK_MODULES:
        target = pkg / name
        target.parent.mkdir(exist_ok=True)
        target.write_text("" if name.endswith("__init__.py") else (REPO / "engine" / name).read_text())
    for path in (top / "pkg", pkg, *pkg.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield top
    shutil.rmtree(top)


def _as_nobody(box: Path, code: str) -> subprocess.Popen:
    assert PYTHON is not None
    return subprocess.Popen(
        [*NOBODY, PYTHON, "-c", textwrap.dedent(code)],
        cwd=box / "pkg",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_user_queues_for_a_device_the_first_holds(box):
    locks = box / "locks"
    queue = DeviceQueue("cuda:0", locks)  # root makes the folder and, below, the lock file
    held, release = threading.Event(), threading.Event()

    def root_run():
        with queue.hold(what="python -m engine compare --preset seed") as holding:
            holding.publish(fraction=0.5, eta_s=12.0)
            held.set()
            release.wait(30)

    t = threading.Thread(target=root_run)
    t.start()
    assert held.wait(10)
    other = _as_nobody(
        box,
        f"""
        import os
        from pathlib import Path
        from engine.host.lock import DeviceQueue
        seen = []
        def on_wait(w):
            if not seen:
                seen.append(w.other_process)
                print("waiting behind: " + w.other_process, flush=True)
        with DeviceQueue("cuda:0", Path({str(locks)!r})).hold(on_wait, what="teammate's run"):
            print("held by uid", os.getuid(), flush=True)
        """,
    )
    try:
        assert other.stdout is not None
        line = other.stdout.readline().strip()
        assert line == (
            "waiting behind: root (pid "
            f"{os.getpid()}): python -m engine compare --preset seed, 50% done, about 12 s left"
        ), line or other.stderr.read()
        release.set()
        assert other.stdout.readline().strip() == "held by uid 65534"
        assert other.wait(20) == 0, other.stderr.read() if other.stderr else ""
    finally:
        release.set()
        t.join(10)
        if other.poll() is None:
            other.kill()
    with queue.hold():  # and the first user can take it back after the second
        pass


def test_a_second_user_writes_to_the_history_the_first_created(box):
    store = History(box / "data")
    first = store.save(load_example("example-h100-seed"), "cli")
    other = _as_nobody(
        box,
        f"""
        import sqlite3
        db = sqlite3.connect({str(store.path)!r}, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        db.execute("UPDATE runs SET user = 'nobody-was-here' WHERE id = ?", ({first!r},))
        db.execute("COMMIT")
        db.close()
        print("wrote", flush=True)
        """,
    )
    out, err = other.communicate(timeout=30)
    assert other.returncode == 0 and out.strip() == "wrote", err
    assert store.entries()[0].user == "nobody-was-here"
    second = store.save(load_example("example-h100-seed"), "cli")  # root writes after nobody did
    assert {e.id for e in store.entries()} >= {first, second}
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_folder_the_second_user_cannot_write_is_named_with_the_fix(box):
    locked = box / "private"
    locked.mkdir(mode=0o755)  # made by hand, not by the lab: only root may write here
    other = _as_nobody(
        box,
        f"""
        from pathlib import Path
        from engine.host.lock import DeviceQueue
        from engine.errors import OverlapLabError
        try:
            DeviceQueue("cuda:0", Path({str(locked)!r}))
        except OverlapLabError as exc:
            print(exc)
        """,
    )
    out, err = other.communicate(timeout=30)
    assert out.strip() == (
        f"the device lock folder {locked} is not writable by this user; ask its owner to run "
        f"`chmod 1777 {locked}`, or point OVERLAP_LAB_LOCK_DIR at a folder you can write"
    ), err
