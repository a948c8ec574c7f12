"""One run at a time per device, for everyone on the box.

Inside a process (every browser session of one Streamlit server, or threads of a script) waiters
line up first come, first served, so each can be told its place. Across processes (a second app, a
CLI run in a terminal) an advisory lock file beside the device decides; its holder writes its pid
there so a waiter can say who is in the way. The lock is released on every way out: completion,
an error, a Stop (which Streamlit delivers as an exception) or the end of the session.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

POLL_S = 0.2


@dataclass(frozen=True)
class Waiting:
    ahead_here: int  # runs queued before this one in this process (the current one included)
    other_process: str  # "" or a description of the other process holding the device


def lock_dir() -> Path:
    return Path(os.environ.get("OVERLAP_LAB_LOCK_DIR") or Path(tempfile.gettempdir()) / "overlap-lab")


class DeviceQueue:
    def __init__(self, device: str, directory: Path | None = None) -> None:
        self.device = device
        folder = directory or lock_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / (re.sub(r"[^A-Za-z0-9_.-]", "_", device) + ".lock")
        self._cond = threading.Condition()
        self._line: list[object] = []

    @property
    def queued(self) -> int:
        """Runs holding or waiting for the device in this process."""
        with self._cond:
            return len(self._line)

    @contextmanager
    def hold(self, on_wait: Callable[[Waiting], None] | None = None) -> Iterator[None]:
        """Wait for the device, calling on_wait at every poll; raising from on_wait leaves the line."""
        ticket = object()
        with self._cond:
            self._line.append(ticket)
        fd: int | None = None
        try:
            while True:
                with self._cond:
                    ahead = self._line.index(ticket)
                other = ""
                if ahead == 0:
                    fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        other = _holder(fd)
                        os.close(fd)
                        fd = None
                if on_wait is not None:
                    on_wait(Waiting(ahead, other))
                with self._cond:
                    self._cond.wait(POLL_S)
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}".encode())
            yield
        finally:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            with self._cond:
                self._line.remove(ticket)
                self._cond.notify_all()


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return f"another process ({text})" if text else "another process"


_queues: dict[str, DeviceQueue] = {}
_queues_lock = threading.Lock()


def queue_for(device: str) -> DeviceQueue:
    """The process-wide queue of a device, shared by every session and thread."""
    with _queues_lock:
        if device not in _queues:
            _queues[device] = DeviceQueue(device)
        return _queues[device]
