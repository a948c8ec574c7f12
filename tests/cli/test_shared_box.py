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
import sys
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
        db.execute("PRAGMA journal_mode=TRUNCATE")  # as the store's own connections do
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


PROTECTED = Path("/proc/sys/fs/protected_regular")


@pytest.fixture(params=[0, 1, 2])
def protected_regular(request):
    """The box's fs.protected_regular, set for the test where this sandbox allows it."""
    try:
        before = PROTECTED.read_text().strip()
        PROTECTED.write_text(str(request.param))
    except OSError:
        pytest.skip("fs.protected_regular cannot be set here")
    yield request.param
    PROTECTED.write_text(before)


def _writer_as_nobody(box: Path, store: History, sql: str, die: bool) -> subprocess.CompletedProcess:
    """A write by the other account, on a connection set up as the store sets its own up; killed
    with -9 inside its transaction when `die`."""
    mode = "TRUNCATE" if store.keep_journal else "DELETE"
    code = f"""
        import os, sqlite3
        db = sqlite3.connect({str(store.path)!r}, isolation_level=None, timeout=5)
        db.execute("PRAGMA journal_mode={mode}")
        db.execute("BEGIN IMMEDIATE")
        db.execute({sql!r})
        {"os.kill(os.getpid(), 9)" if die else 'db.execute("COMMIT"); print("committed", flush=True)'}
        """
    proc = _as_nobody(box, code)
    out, err = proc.communicate(timeout=30)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_a_write_killed_by_one_account_never_blocks_anothers_save(box, protected_regular):
    """A write killed between its INSERT and its COMMIT leaves a journal behind. Made by each
    writer and deleted at its end, it belonged to the killed writer, and in the shared sticky folder
    no other account could remove it: every other account's saves then failed, root's too under
    protected_regular 1. The journal is now one file, made by the folder's owner and emptied at the
    end of each write, which every account may roll back."""
    seed = load_example("example-h100-seed")
    store = History(box / "data")  # root makes the folder, the store and its journal
    first = store.save(seed, "cli")
    assert store.keep_journal
    journal = store.path.with_name(store.path.name + "-journal")
    # the other account's write dies inside its transaction: its half-write is in the journal
    killed = _writer_as_nobody(
        box, store, f"UPDATE runs SET user = 'half-done' WHERE id = '{first}'", die=True
    )
    assert killed.returncode == -9, killed.stderr
    assert journal.stat().st_size > 0, "a write killed inside its transaction leaves a journal"
    assert store.problem() == ""
    second = store.save(seed.__class__.from_dict(seed.to_dict()), "cli", run_id="abcdef01")  # root saves
    assert second == "abcdef01" and "half-done" not in {e.user for e in store.entries()}
    # root's write dies inside its transaction, in a process of its own; the other account saves
    code = (
        "import os; from engine.store.history import History, load_example; "
        f"History({str(store.folder)!r}).save(load_example('example-h100-seed'), 'cli', run_id='abcdef02', "
        "before_commit=lambda: os.kill(os.getpid(), 9))"
    )
    died = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert died.returncode == -9, died.stderr
    copy = (
        "INSERT INTO runs SELECT 'abcdef03', saved_at, started_at, 'nobody', host, source, preset, model, "
        "batch_size, precision, depth, device, card, speedup, ceiling, efficiency, stability, "
        "schema_version, result_json, variant_set, sweep, '', block_limit, numbers FROM runs "
        f"WHERE id = '{first}'"
    )
    saved = _writer_as_nobody(box, store, copy, die=False)
    assert saved.returncode == 0 and saved.stdout.strip() == "committed", saved.stderr
    ids = {e.id for e in store.entries() if e.source != "example"}
    assert ids == {first, "abcdef01", "abcdef03"}  # root's killed write left nothing behind
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_journal_only_its_maker_may_remove_is_named_before_a_run(box):
    """Where a store is blocked all the same (a journal with a write in it, made by another account
    than the folder's owner in a sticky folder), the run is warned before it starts, by name."""
    store = History(box / "data")
    store.save(load_example("example-h100-seed"), "cli")
    journal = store.path.with_name(store.path.name + "-journal")
    journal.unlink()
    made = _as_nobody(
        box,
        f"""
        open({str(journal)!r}, "wb").write(b"not empty")
        """,
    )
    assert made.wait(30) == 0, made.stderr.read() if made.stderr else ""
    said = store.problem()  # as the store already open in the lab would, before a run
    assert said.startswith("the history is blocked: ") and "nobody" in said
    assert "ask nobody to run `python -m engine history` once" in said
