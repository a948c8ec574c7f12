"""Shared files under `fs.protected_regular`, and messages that name the real cause.

The CI box has the sysctl off, so the rule is played by a fake of os.open with the kernel's
semantics: in a sticky, world-writable folder, an open with O_CREAT of an existing file that
belongs neither to the opener nor to the folder's owner fails with EACCES, whatever its mode,
root included. Files are handed to other uids with chown, so the test needs root.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from engine.host import shared_dir
from engine.host.lock import DeviceQueue
from engine.host.shared_dir import SharedPathError, open_shared_file, owner_name
from engine.result.comparison import Comparison
from engine.store.history import History, load_example
from engine.store.upkeep import journal_hint

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="hands files to other uids with chown")
USER_A, USER_B = 1001, 1002
OPENERS = (1003, 1004)  # a second and a third user, played by this process
REAL_OPEN = os.open
opener = [os.geteuid()]


def protected_open(path, flags, mode=0o777, *args, **kwargs):
    """os.open as the kernel behaves with fs.protected_regular=1, for the user in `opener`."""
    p = Path(path)
    if flags & os.O_CREAT and p.exists():
        folder = p.parent.stat()
        sticky_shared = folder.st_mode & stat.S_ISVTX and folder.st_mode & stat.S_IWOTH
        owner = p.stat().st_uid
        if sticky_shared and owner not in (opener[0], folder.st_uid):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
    return REAL_OPEN(path, flags, mode, *args, **kwargs)


@pytest.fixture
def seed() -> Comparison:
    return load_example("example-h100-seed")


@pytest.fixture
def protected(monkeypatch):
    monkeypatch.setattr(shared_dir.os, "open", protected_open)
    yield
    opener[0] = os.geteuid()


def _made_by(path: Path, uid: int) -> None:
    fd = REAL_OPEN(path, os.O_RDWR | os.O_CREAT, 0o666)
    os.fchmod(fd, 0o666)
    os.close(fd)
    os.chown(path, uid, uid)


@ROOT_ONLY
def test_a_lock_another_user_made_opens_under_protected_regular(tmp_path, protected):
    folder = tmp_path / "locks"
    queue = DeviceQueue("cuda:0", folder)  # makes the sticky folder, owned by this user
    os.chown(folder, USER_B, USER_B)  # ... now someone else's, so only the file's owner is exempt
    _made_by(queue.path, USER_A)
    for uid in OPENERS:  # a second and a third user take the lock A made in B's folder
        opener[0] = uid
        with pytest.raises(PermissionError):  # what opening with O_CREAT, as before, met
            protected_open(queue.path, os.O_RDWR | os.O_CREAT, 0o666)
        with queue.hold() as holding:
            holding.publish(fraction=0.5)
    assert queue.path.stat().st_uid == USER_A


@ROOT_ONLY
def test_the_history_file_another_user_made_opens_under_protected_regular(tmp_path, protected):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o1777)
    folder.chmod(0o1777)
    os.chown(folder, USER_B, USER_B)
    History(folder)  # made by this user, handed to A below: the schema exists
    os.chown(folder / "history.sqlite3", USER_A, USER_A)
    for uid in OPENERS:  # a second and a third user open the history A made in B's folder
        opener[0] = uid
        store = History(folder)
        assert store.read_only == "" and store.damage == ""
        assert store.count() == 0


def test_a_missing_shared_file_is_made_once_even_when_two_race(tmp_path, monkeypatch):
    """Made with O_CREAT | O_EXCL; when another user makes it between the two opens, theirs is
    opened rather than an error raised."""
    target = tmp_path / "x.lock"
    calls = []

    def racing_open(path, flags, mode=0o777):
        calls.append(flags)
        if flags & os.O_EXCL and len(calls) == 2:
            _made_by(Path(path), os.geteuid())  # the other user wins the race
        return REAL_OPEN(path, flags, mode)

    monkeypatch.setattr(shared_dir.os, "open", racing_open)
    os.close(open_shared_file(target, "device lock", "OVERLAP_LAB_LOCK_DIR"))
    assert len(calls) == 3  # missing; made by another first; then theirs, opened without O_CREAT
    assert not calls[2] & os.O_CREAT


def test_the_store_keeps_no_side_files_another_user_could_be_refused(tmp_path, seed):
    """WAL's -wal and -shm are opened with O_CREAT by every reader. The rollback journal is one
    file, made by the folder's owner (whom `fs.protected_regular` lets every account open), open to
    every account's writes, and empty between writes."""
    store = History(tmp_path)
    store.save(seed, "cli")
    store.entries()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.sqlite3", "history.sqlite3-journal"]
    journal = tmp_path / "history.sqlite3-journal"
    st = journal.stat()
    assert st.st_size == 0 and st.st_uid == tmp_path.stat().st_uid and stat.S_IMODE(st.st_mode) == 0o666


def test_a_store_made_in_wal_mode_is_switched_on_open(tmp_path, seed):
    History(tmp_path).save(seed, "cli")
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        db.execute("PRAGMA journal_mode=WAL")
    store = History(tmp_path)
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert store.count() == 1


def _refusing(errnum):
    def fake(path, flags, mode=0o777):
        raise OSError(errnum, os.strerror(errnum), str(path))

    return fake


@ROOT_ONLY
@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (0o644, r"is mode 644, so only {owner} may write it; ask {owner} to run `chmod 666 .*x\.lock`"),
        (0o666, r"belongs to {owner} and cannot be opened by this user \(Permission denied\); ask {owner}"),
    ],
)
def test_a_refused_open_names_the_real_cause(tmp_path, monkeypatch, mode, says):
    target = tmp_path / "x.lock"
    _made_by(target, USER_A)
    target.chmod(mode)
    monkeypatch.setattr(shared_dir.os, "open", _refusing(errno.EACCES))
    with pytest.raises(SharedPathError, match=says.format(owner=owner_name(USER_A))):
        open_shared_file(target, "device lock", "OVERLAP_LAB_LOCK_DIR")


def test_a_read_only_mount_is_said_as_such(tmp_path, monkeypatch):
    monkeypatch.setattr(shared_dir.os, "open", _refusing(errno.EROFS))
    with pytest.raises(
        SharedPathError, match=r"is on a read-only file system; point OVERLAP_LAB_LOCK_DIR at"
    ):
        open_shared_file(tmp_path / "x.lock", "device lock", "OVERLAP_LAB_LOCK_DIR")


def test_a_planted_link_is_never_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "x.lock").symlink_to(victim)
    with pytest.raises(SharedPathError, match="is a symbolic link, which is never followed"):
        open_shared_file(tmp_path / "x.lock", "device lock", "OVERLAP_LAB_LOCK_DIR")
    assert victim.read_text() == "keep me"


@ROOT_ONLY
def test_a_journal_another_users_crash_left_is_named_with_who_may_clear_it(tmp_path):
    db = tmp_path / "history.sqlite3"
    db.touch()
    journal = tmp_path / "history.sqlite3-journal"
    _made_by(journal, USER_A)
    who = owner_name(USER_A)
    assert f"only {who} may remove it: ask {who} to run `python -m engine history` once" in journal_hint(db)
    os.chown(journal, os.geteuid(), os.getegid())
    assert journal_hint(db) == ""  # this user's own journal: opening the store finishes it


def test_a_folder_on_a_read_only_mount_is_said_as_such_not_chmod(tmp_path, monkeypatch):
    class ReadOnly:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(shared_dir.os, "access", lambda *a, **k: False)
    monkeypatch.setattr(shared_dir.os, "statvfs", lambda p: ReadOnly())
    with pytest.raises(
        SharedPathError, match="is on a read-only file system; point OVERLAP_LAB_DATA_DIR"
    ) as info:
        shared_dir.shared_folder(tmp_path, "history", "OVERLAP_LAB_DATA_DIR")
    assert "chmod" not in str(info.value)
