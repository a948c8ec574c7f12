"""The history: every completed run, from the lab or the CLI, kept in one SQLite file per box.

Results used to live in one browser session, so a reload lost them and a teammate could not see
them. Here each completed Comparison is stored whole (its JSON, records included, with its schema
version) in one transaction, so a run is either all there or not there: a writer killed halfway
leaves nothing behind. A stopped or failed run never reaches `save`, because only a returned
Comparison can.

The store uses SQLite's rollback journal, not WAL. In WAL mode every reader and writer opens the
`-wal` and `-shm` side files with O_CREAT, which `fs.protected_regular` refuses in a sticky shared
folder when another user made them: a teammate's open run locked everyone else out. A rollback
journal exists only while one writer commits (other users wait out a write of milliseconds), is
removed by that writer, and is needed by someone else only after a crash mid-write.

Recorded GPU results ship inside the package as examples, so a laptop with no GPU (or a speaker
whose live run went wrong) always has real H100 and H200 results to open: the seed and balanced
pairs, the technique ladder, and naive against pinned readback.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import secrets
import socket
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from engine.errors import OverlapLabError, WorkloadError, shorten
from engine.host.shared_dir import SharedPathError, open_shared_file, shared_folder
from engine.read.document import standard_json, stored_document
from engine.result.comparison import Comparison
from engine.result.crossover import Crossover
from engine.store.entry import Entry, digest, group_sweeps, row_of
from engine.store.errors import AlreadyStored, HistoryError, MissingRun, NotYours
from engine.store.reading import parse_result
from engine.store.upkeep import blocked_by, give_back, journal_hint, journal_of, quick_check, shared_journal

ENV_VAR = "OVERLAP_LAB_DATA_DIR"
DEFAULT_DIR = Path("/var/tmp/overlap-lab")  # per box, shared by its users, kept across reboots
DB_NAME = "history.sqlite3"
EXAMPLES_DIR = Path(__file__).parent / "examples"
EXAMPLES = {  # id: (file, title); the card is read from the file itself
    "example-h100-seed": ("h100_seed.json", "recorded: seed preset (host-heavy)"),
    "example-h200-balanced": ("h200_balanced.json", "recorded: balanced preset, until stable"),
    "example-h200-ladder": ("h200_ladder.json", "recorded: the technique ladder, seed workload"),
    "example-h200-readback": ("h200_readback.json", "recorded: naive against pinned readback, balanced"),
    "example-h200-ladder-box": ("h200_ladder_box.json", "recorded: the ladder up to bf16 and the box's pool"),
    "example-h200-uploads": ("h200_uploads.json", "recorded: input uploads, ViT-B/16 bf16 graphs"),
    "example-h100-ladder30": ("h100_ladder30.json", "recorded: the ladder, 30-batch blocks, its limits"),
}
RUN_ID = re.compile(r"^[0-9a-f]{8}$")
BUSY_TIMEOUT_S = 30.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    saved_at TEXT NOT NULL,
    started_at TEXT NOT NULL,
    user TEXT NOT NULL,
    host TEXT NOT NULL,
    source TEXT NOT NULL,
    preset TEXT NOT NULL,
    model TEXT NOT NULL,
    batch_size INTEGER NOT NULL,
    precision TEXT NOT NULL,
    depth INTEGER NOT NULL,
    device TEXT NOT NULL,
    card TEXT NOT NULL,
    speedup REAL,
    ceiling REAL,
    efficiency REAL,
    stability TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    result_json TEXT NOT NULL
)
"""
# Columns added after the first release, with what an older store's rows get; `_migrate` adds them.
ADDED = {
    "variant_set": "TEXT NOT NULL DEFAULT ''",  # the named set the run compared
    "sweep": "TEXT NOT NULL DEFAULT ''",  # the G/C sweep a point belongs to: its id, or ''
    "digest": "TEXT NOT NULL DEFAULT ''",  # the records' fingerprint: one result is stored once
    "block_limit": "REAL",  # the headline's block limit, which its efficiency is the share of
    "numbers": "INTEGER NOT NULL DEFAULT 0",  # the NUMBERS_VERSION its listed numbers were read by
}
COLUMNS = (
    "id, saved_at, started_at, user, host, source, preset, model, batch_size, precision, depth, "
    "device, card, speedup, ceiling, block_limit, efficiency, stability, variant_set, sweep"
)
# The listed numbers are read from each result when it is saved. When what they mean changes (1:
# speedup as the ratio of the counted walls, efficiency against the block limit), a store's rows
# are read again once, so the list never says another number than the run it opens.
NUMBERS_VERSION = 1
NUMBERS = ("speedup", "ceiling", "block_limit", "efficiency")
TAKEN = "SELECT 1 FROM runs WHERE id = ? OR sweep = ? LIMIT 1"  # one id space for runs and sweeps


def data_dir(override: str | Path | None = None) -> Path:
    """The flag, else $OVERLAP_LAB_DATA_DIR, else the box's shared default."""
    return Path(override or os.environ.get(ENV_VAR) or DEFAULT_DIR)


def check_run_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not (RUN_ID.match(run_id) or run_id in EXAMPLES):
        raise WorkloadError(
            "run",
            run_id,
            "an id from the history: 8 hex digits, or a bundled example's (`history` lists them)",
        )
    return run_id


def _nan_none(x: float) -> float | None:
    return None if math.isnan(x) else x


class History:
    """The store. Open it once per process or session; every call uses its own short transaction."""

    def __init__(self, folder: str | Path | None = None) -> None:
        """Open the box's store. A folder or file this user may not write still opens, read-only
        (`read_only` says why), so runs can be listed and opened; a damaged file opens too, with
        `damage` saying what the quick check found, so a run can be warned before it starts."""
        self.read_only = ""
        self.damage = ""
        where = data_dir(folder)
        self.path = where / DB_NAME
        try:
            self.folder = shared_folder(where, "history", ENV_VAR)
            os.close(open_shared_file(self.path, "history", ENV_VAR))
        except SharedPathError as exc:
            if not os.access(self.path, os.R_OK):
                raise
            self.folder, self.read_only = where, str(exc)
        self._checked: tuple[int, int] | None = None
        self.keep_journal = False
        if not self.read_only:
            try:
                owner = self.folder.stat().st_uid == os.geteuid()
            except OSError:
                owner = False
            self.keep_journal = shared_journal(self.path, owner)
            try:
                with self._connect() as db:
                    db.execute(SCHEMA)
                    self._migrate(db)
            except HistoryError as exc:
                self.damage, self._checked = str(exc), self._stamp()
        self.problem()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def problem(self) -> str:
        """Why a run would not be stored here, or "": the store is read-only for this user, or
        damaged. The quick check runs again only when the file changed since it last ran."""
        if self.read_only:
            return f"the history is read-only for this user: {self.read_only}"
        if who := blocked_by(self.path):
            return (
                f"the history is blocked: {journal_of(self.path)} holds a write of {who}'s that was "
                f"interrupted, which only {who} may finish: ask {who} to run `python -m engine history` once"
            )
        stamp = self._stamp()
        if stamp != self._checked:
            try:
                with self._connect() as db:
                    self.damage = quick_check(db, self.path)
            except HistoryError as exc:
                self.damage = str(exc)
            self._checked = stamp
        return f"the history is damaged: {self.damage}" if self.damage else ""

    def _migrate(self, db: sqlite3.Connection) -> None:
        """Add the columns a store made by an older version lacks, and fill them from each row's
        result, so its runs show their set and an import of one of them is known as a duplicate."""
        have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        missing = [name for name in ADDED if name not in have]
        if not missing and not self._stale(db):
            return
        db.execute("BEGIN IMMEDIATE")
        have = {row[1] for row in db.execute("PRAGMA table_info(runs)")}  # another process may have
        for name in ADDED:
            if name not in have:
                db.execute(f"ALTER TABLE runs ADD COLUMN {name} {ADDED[name]}")
        stale = "SELECT id, result_json FROM runs WHERE numbers < ?"
        for run_id, text in db.execute(stale, (NUMBERS_VERSION,)).fetchall():
            try:
                c = parse_result(text, f"stored run {run_id}")
            except HistoryError:
                continue  # left as it is; opening it says why
            numbers = {k: _nan_none(v) for k, v in row_of(run_id, c, "", "").items() if k in NUMBERS}
            db.execute(
                "UPDATE runs SET variant_set = :variant_set, digest = :digest, speedup = :speedup, "
                "ceiling = :ceiling, block_limit = :block_limit, efficiency = :efficiency, "
                "numbers = :numbers WHERE id = :id",
                {
                    **numbers,
                    "variant_set": c.variant_set,
                    "digest": digest(c),
                    "numbers": NUMBERS_VERSION,
                    "id": run_id,
                },
            )
        db.execute("COMMIT")

    @staticmethod
    def _stale(db: sqlite3.Connection) -> bool:
        """Whether some row's listed numbers were read by an older NUMBERS_VERSION. A damaged file
        answers False here: the quick check that follows names the damage in its own words."""
        try:
            query = "SELECT 1 FROM runs WHERE numbers < ? LIMIT 1"
            return db.execute(query, (NUMBERS_VERSION,)).fetchone() is not None
        except sqlite3.DatabaseError:
            return False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A short connection. The store never makes the database file itself (open_shared_file
        did), and a read-only store is opened read-only, so SQLite needs no write access to it."""
        mode = "ro" if self.read_only else "rw"
        try:
            db = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode={mode}",
                uri=True,
                timeout=BUSY_TIMEOUT_S,
                isolation_level=None,
            )
        except sqlite3.Error as exc:
            raise HistoryError(f"the history at {self.path} could not be opened: {exc}") from None
        try:
            if not self.read_only:
                # per connection: the kept journal (see shared_journal), else SQLite's own
                db.execute(f"PRAGMA journal_mode={'TRUNCATE' if self.keep_journal else 'DELETE'}")
            yield db
        except sqlite3.Error as exc:
            raise HistoryError(
                f"the history at {self.path} could not be used: {exc}{journal_hint(self.path)}"
            ) from None
        finally:
            db.close()

    def save(
        self,
        c: Comparison,
        source: str,
        *,
        sweep: str = "",
        run_id: str | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> str:
        """Store one completed run in one transaction and return its id: `run_id` when it is given
        and free (an import keeps the id its sender's links use), a new one otherwise.

        `before_commit` runs inside the transaction, after the insert; the crash test kills the
        process there to show that an interrupted write leaves no partial run.
        """
        self._writable()
        data = stored_document(c)
        saved_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        extra = {"digest": digest(c), "sweep": sweep, "numbers": NUMBERS_VERSION}
        with self._connect() as db:
            for attempt in range(6):
                new_id = run_id if attempt == 0 and run_id else secrets.token_hex(4)
                row = {**row_of(new_id, c, source, saved_at), "sweep": sweep}
                row = {k: _nan_none(v) if k in NUMBERS else v for k, v in row.items()}
                text = standard_json({**data, "run_id": new_id})
                if attempt == 0:  # the gate and size limit every read applies: nothing unreadable is stored
                    parse_result(text, "result, as stored,")
                db.execute("BEGIN IMMEDIATE")
                if db.execute(TAKEN, (new_id, new_id)).fetchone() is not None:
                    db.execute("ROLLBACK")  # a run's or a sweep's id already: draw another
                    continue
                try:
                    db.execute(
                        f"INSERT INTO runs ({COLUMNS}, schema_version, result_json, digest, numbers) "
                        f"VALUES ({', '.join(':' + k for k in row)}, :schema_version, :result_json, "
                        ":digest, :numbers)",
                        {**row, "schema_version": data["schema_version"], "result_json": text, **extra},
                    )
                except sqlite3.IntegrityError:  # an id already taken: draw another
                    db.execute("ROLLBACK")
                    continue
                if before_commit is not None:
                    before_commit()
                db.execute("COMMIT")
                return new_id
        raise HistoryError("could not draw a free run id")  # pragma: no cover - 2^32 ids

    def new_sweep(self) -> str:
        """An id for a G/C sweep: its points are stored as runs that carry it, and listed as one."""
        with self._connect() as db:
            while True:
                sweep_id = secrets.token_hex(4)
                if db.execute(TAKEN, (sweep_id, sweep_id)).fetchone() is None:
                    return sweep_id

    def import_json(self, text: str | bytes, name: str = "file") -> str:
        """Store a result file (a download, a `--json` output) as a run of its own, under the id it
        was saved with when that id is free here; the same result twice is refused, naming it."""
        c = parse_result(text, f"file {shorten(name)}")
        with self._connect() as db:
            row = db.execute("SELECT id FROM runs WHERE digest = ?", (digest(c),)).fetchone()
        if row is not None:
            raise AlreadyStored(row[0])
        try:
            kept = json.loads(text).get("run_id")
        except (ValueError, AttributeError):  # pragma: no cover - parse_result read it already
            kept = None
        return self.save(c, "import", run_id=kept if isinstance(kept, str) and RUN_ID.match(kept) else None)

    def entries(self) -> list[Entry]:
        """Stored runs by when they ran, newest first, each G/C sweep as one entry, then the bundled
        examples the same way. An import is listed when it ran, not when it arrived: a teammate's
        run from last week sorts among last week's."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM runs ORDER BY saved_at DESC, rowid DESC").fetchall()
        return newest_first(group_sweeps([_entry(r) for r in rows])) + newest_first(example_entries())

    def newest_standin(self, model: str, host: str | None = None) -> Comparison | None:
        """This host's newest stored stand-in run of `model` (a model's name, or a loop's), or None
        where it has none or cannot read it: what the next run's estimate takes its pace from."""
        host = host or socket.gethostname()
        try:
            for e in self.entries():
                ours = e.source in ("lab", "cli") and e.host == host
                if ours and e.card == "CPU stand-in" and e.model == model:
                    c = self.load(e.id)
                    return c if c.device_kind == "standin" else None
        except OverlapLabError:
            pass
        return None

    def is_sweep(self, sweep_id: str) -> bool:
        with self._connect() as db:
            found = db.execute("SELECT 1 FROM runs WHERE sweep = ? LIMIT 1", (sweep_id,)).fetchone()
        return found is not None

    def load_sweep(self, sweep_id: str) -> list[tuple[str, Comparison]]:
        """A sweep's points, (run id, result), in the order of the (L + C) / G each aimed at."""
        check_run_id(sweep_id)
        with self._connect() as db:
            rows = db.execute("SELECT id, result_json FROM runs WHERE sweep = ?", (sweep_id,)).fetchall()
        if not rows:
            raise MissingRun(sweep_id, self.path)
        points = [(run_id, parse_result(text, f"stored run {run_id}")) for run_id, text in rows]
        return sorted(points, key=lambda p: p[1].workload.cpu_g_ratio)

    def load(self, run_id: str) -> Comparison:
        check_run_id(run_id)
        if run_id in EXAMPLES:
            return load_example(run_id)
        with self._connect() as db:
            row = db.execute("SELECT result_json FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise MissingRun(run_id, self.path)
        return parse_result(row[0], f"stored run {run_id}")

    def owners(self, run_id: str) -> set[str]:
        """Who ran a stored run (a sweep's points may have several)."""
        check_run_id(run_id)
        with self._connect() as db:
            rows = db.execute("SELECT DISTINCT user FROM runs WHERE id = ? OR sweep = ?", (run_id, run_id))
            return {r[0] for r in rows}

    def delete(self, run_id: str, by: str | None = None) -> None:
        """Delete a run, or every point of a sweep. With `by`, only that user's runs: another
        user's run is refused, naming its owner, so deleting theirs takes a deliberate step.
        The freed pages go back to the file system."""
        check_run_id(run_id)
        if run_id in EXAMPLES:
            raise HistoryError(f"{run_id} is a bundled example; it cannot be deleted")
        self._writable()
        owners = self.owners(run_id)
        if not owners:
            raise MissingRun(run_id, self.path)
        if by is not None and owners - {by}:
            raise NotYours(run_id, sorted(owners - {by}))
        with self._connect() as db:  # a sweep's id deletes all its points, in one statement
            run = db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is not None
            where = "id = ?" if run else "sweep = ?"  # ids never collide: exactly what the id names
            gone = db.execute(f"DELETE FROM runs WHERE {where}", (run_id,)).rowcount
            give_back(db)
        if not gone:
            raise MissingRun(run_id, self.path)

    def _writable(self) -> None:
        if problem := self.problem():
            raise HistoryError(problem)

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM runs").fetchone()[0])


def newest_first(entries: Sequence[Entry]) -> list[Entry]:
    """By start time, newest first; one with no start time last; ties keep the order they came in
    (the newest saved first)."""
    return sorted(entries, key=lambda e: e.started_at or "", reverse=True)


def _entry(row: tuple[Any, ...]) -> Entry:
    """A stored row; NULL numbers (NaN has no SQL form) come back as NaN."""
    names = COLUMNS.split(", ")
    values: dict[str, Any] = {k: (math.nan if v is None and k in NUMBERS else v) for k, v in zip(names, row)}
    return Entry(**values)


def recorded_crossovers() -> list[Crossover]:
    """The crossover sweeps recorded on an H200 and shipped with the app, for the explainer."""
    return [Crossover.from_dict(d) for d in json.loads((EXAMPLES_DIR / "h200_crossover.json").read_text())]


@functools.cache
def load_example(run_id: str) -> Comparison:
    file, _title = EXAMPLES[run_id]
    return parse_result((EXAMPLES_DIR / file).read_text(), f"example {run_id}")


@functools.cache
def example_entries() -> tuple[Entry, ...]:
    out = []
    for run_id, (_file, title) in EXAMPLES.items():
        c = load_example(run_id)
        row = row_of(run_id, c, "example", "")
        row["preset"] = title
        row["user"] = c.provenance.user or "recorded"
        out.append(Entry(**row))
    return tuple(out)
