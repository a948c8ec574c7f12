"""What the history refuses, as exceptions a caller can tell apart: the CLI prints a missing run
with the store's path, and the lab names the owner of a run it will not delete without asking."""

from __future__ import annotations

from pathlib import Path

from engine.errors import OverlapLabError


class HistoryError(OverlapLabError):
    """A run id that is not in the history, or a file that is not a result; the message says which."""


class AlreadyStored(HistoryError):
    """An import of a result the history holds already; `run_id` is where."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        super().__init__(f"this result is already stored as run {run_id}")


class NotYours(HistoryError):
    """A delete of another user's run without the step that allows it."""

    def __init__(self, run_id: str, owners: list[str]) -> None:
        self.owners = owners
        super().__init__(f"run {run_id} belongs to {', '.join(owners)}; only its owner deletes it")


class MissingRun(HistoryError):
    """A well-formed id with no run behind it. The message leaves the store's path out, since a
    link's visitor need not see the server's folders; `where` has it for the CLI's user."""

    def __init__(self, run_id: str, where: Path) -> None:
        self.where = where
        super().__init__(f"run {run_id} is not in this box's history")
