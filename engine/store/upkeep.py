"""The SQLite file's upkeep: its integrity, a journal another user's crash left, and the space
deletes free. Kept apart from the store's reads and writes, which need none of it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from engine.errors import echo_path, shorten
from engine.host.shared_dir import owner_name

INCREMENTAL = 2  # PRAGMA auto_vacuum's value for incremental


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
