"""What the hidden-sync watch found in a variant's loop: kept in the result, shown as "traps found"."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyncFinding:
    variant: str
    where: str  # file:line of the call that synchronised, relative to the project
    code: str  # that line's source
    what: str  # what synchronised, as the detector put it
    count: int  # how many times, in the watched batches
