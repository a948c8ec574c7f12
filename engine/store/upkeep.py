"""The SQLite file's upkeep: its integrity, a journal another user's crash left, and the space
deletes free. Kept apart from the store's reads and writes, which need none of it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from engine.errors import echo_path, shorten
from engine.host.shared_dir import owner_name

INCREMENTAL = 2  # PRAGMA auto_vacuum's value for incremental


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + "-journal")


def shared_journal(path: Path, folder_owner: bool) -> bool:
    """Whether writes may keep one journal file that every user can roll back: it exists, or this
    user owns the folder and makes it now.

    SQLite's default journal is made for each write and deleted at its end. A write killed halfway
    leaves it behind, and in the shared (sticky) folder only its maker may delete it, so every other
    account's saves failed until that person came back. A journal kept instead (journal_mode
    TRUNCATE: emptied, never deleted, at the end of each write) and made by the folder's owner is one
    that `fs.protected_regular` lets every account open, and that any of them may roll back and
    empty, since that needs only the file's own write permission."""
    journal = journal_of(path)
    if journal.exists():
        return True
    if not folder_owner:
        return False  # made by us it would belong to us, and lock everyone else out of it
    try:
        fd = os.open(journal, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    except FileExistsError:
        return True
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.fchmod(fd, 0o666)  # the umask may have narrowed it
    os.close(fd)
    return True


def blocked_by(path: Path) -> str:
    """Whose interrupted write blocks this user's saves, or "": a journal with a write in it (not
    empty) that this user may neither roll back in place nor delete, named with its owner."""
    journal = journal_of(path)
    try:
        st, folder = journal.stat(), path.parent.stat()
    except OSError:
        return ""
    sticky = bool(folder.st_mode & 0o1000)  # else anyone may delete it, and SQLite does
    if st.st_size == 0 or st.st_uid in (os.geteuid(), folder.st_uid) or not sticky:
        return ""
    return owner_name(st.st_uid)


def journal_hint(path: Path) -> str:
    """Why a store reads but will not write, when that is a journal another user's crashed write
    left: in a sticky folder only its owner may remove it, so every other user's writes fail with
    "disk I/O error" until the owner opens the store once (which finishes the write and removes it)."""
    journal = path.with_name(path.name + "-journal")
    try:
        owner = journal.stat().st_uid
    except OSError:
        return ""
    if owner == os.geteuid():
        return ""
    who = owner_name(owner)
    return (
        f"; {echo_path(journal)} is left from an interrupted write of {who}'s and only {who} may remove "
        f"it: ask {who} to run `python -m engine history` once, which finishes that write and removes it"
    )


def quick_check(db: sqlite3.Connection, path: Path) -> str:
    """ "" for a sound store, else what SQLite's quick check found (its first problem). It reads
    every page once: about a second for 500 runs, paid when a process opens the store."""
    problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
    if problems == ["ok"]:
        return ""
    return f"{path} failed its integrity check ({shorten('; '.join(problems))})"


def give_back(db: sqlite3.Connection) -> None:
    """Return a delete's pages to the file system. A store made before this switched to
    incremental auto-vacuum is rebuilt once (VACUUM) to switch; later deletes free in place."""
    if db.execute("PRAGMA auto_vacuum").fetchone()[0] != INCREMENTAL:
        db.execute(f"PRAGMA auto_vacuum={INCREMENTAL}")
        db.execute("VACUUM")
    else:
        db.executescript("PRAGMA incremental_vacuum;")  # stepped to the end; execute() frees one page
