"""Where the CLI writes a result: opened before the run, so a bad path costs nothing and no result
is ever lost.

Checking a folder's permissions up front was not enough: `/dev/full`, a 300-character file name
and `/proc/x.json` (as root) all passed such a check and then failed after the whole run, taking
the result with them. So the file is opened and a placeholder is written and flushed before the
run starts; if writing the real result still fails, it goes to a file in the temp folder instead
and the message says where.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import IO

from engine.errors import OverlapLabError, WorkloadError

PLACEHOLDER = '{"summary": "a run is writing here"}\n'


def rescue(text: str) -> Path:
    """Write a finished result where it cannot collide with anyone's file: a new file of this
    user's in the temp folder (O_EXCL, so a name another user planted is never written through)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        path = Path(tempfile.gettempdir()) / f"overlap-lab-result-{stamp}-{os.getpid()}-{n}.json"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as f:
            f.write(text)
        return path
    raise OverlapLabError("could not make a file for the result in the temp folder")  # pragma: no cover


class ResultFile:
    def __init__(self, path: str, field: str = "json") -> None:
        if not path.strip():
            raise WorkloadError(field, path, "a file path (it is empty)")
        self.path = path
        self._created = not os.path.exists(path)
        self._file: IO[str] | None = None
        try:
            self._file = open(path, "w")  # noqa: SIM115 - held open across the run on purpose
            self._file.write(PLACEHOLDER)
            self._file.flush()
        except OSError as exc:
            self.discard()
            raise WorkloadError(field, path, f"a file this user can write ({exc.strerror})") from None

    def write(self, text: str) -> str:
        """Write the result; returns where it went (a temp file when the path fails now)."""
        assert self._file is not None
        try:
            self._file.seek(0)
            self._file.truncate()
            self._file.write(text)
            self._file.flush()
            self._file.close()
            self._file = None
            return self.path
        except OSError as exc:
            self.discard()
            fallback = rescue(text)
            raise OverlapLabError(
                f"could not write {self.path} ({exc.strerror}); the result was saved to {fallback}"
            ) from None

    def discard(self) -> None:
        """Close, and remove the placeholder if this run created the file (a failed or stopped run)."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._created:
            with contextlib.suppress(OSError):
                os.remove(self.path)
            self._created = False
