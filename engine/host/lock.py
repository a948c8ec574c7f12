"""One run at a time per device, for everyone on the box, whichever Unix user they are.

Inside a process (every browser session of one Streamlit server, or threads of a script) waiters
line up first come, first served, so each can be told its place. Across processes and users (a
second app, a CLI run in a terminal, a teammate's account) an advisory lock file per device
decides. The files live in a sticky, world-writable folder and are themselves writable by all
(engine/host/shared_dir.py), so any user can take a lock another user's run created.

The holder writes a short status into its lock file as it runs (who, what, how far, how long
left), so a waiter, or the lab's "who is using the box" panel, can say who is in the way and for
about how long. The lock is released on every way out: completion, an error, a Stop (which
Streamlit delivers as an exception) or the end of the process.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from engine.host.shared_dir import open_shared_file, shared_folder, user_name

POLL_S = 0.2
ENV_VAR = "OVERLAP_LAB_LOCK_DIR"
STATUS_BYTES = 2048


@dataclass(frozen=True)
class Holder:
    """What a lock file says about the run holding it."""

    device: str = ""
    user: str = ""
    pid: int = 0
    what: str = ""  # the run's command, as its provenance records it
    fraction: float = 0.0
    eta_s: float | None = None  # the holder's own estimate of the time it has left
    phase: str = ""
    since: float = 0.0  # time.time() when the run took the device

    @property
    def text(self) -> str:
        who = f"{self.user or 'another user'} (pid {self.pid})" if self.pid else "another process"
        what = f": {self.what}" if self.what else ""
        left = f", about {duration_text(self.eta_s)} left" if self.eta_s is not None else ""
        phase = f"{self.phase}, " if self.phase in ("starting", "warm-up", "calibrating") else ""
        return f"{who}{what}, {phase}{self.fraction:.0%} done{left}"


@dataclass(frozen=True)
class Waiting:
    ahead_here: int  # runs queued before this one in this process (the current one included)
    other_process: str  # "" or a description of the other process holding the device
    holder: Holder | None = None  # what that process says about itself, when it says anything


def duration_text(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s} s" if s < 60 else f"{s // 60} min {s % 60:02d} s"


def lock_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or Path(tempfile.gettempdir()) / "overlap-lab")


class Holding:
    """The held lock: `publish` keeps its status current for anyone who looks."""

    def __init__(self, fd: int, holder: Holder) -> None:
        self._fd = fd
        self.holder = holder
        self._write()

    def publish(self, **changes: Any) -> None:
        self.holder = replace(self.holder, **changes)
        self._write()

    def _write(self) -> None:
        data = json.dumps(asdict(self.holder)).encode()[:STATUS_BYTES]
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)


class DeviceQueue:
    def __init__(self, device: str, directory: Path | None = None, label: str = "") -> None:
        self.device = device  # the lock's key: a GPU's UUID, or the stand-in's device name
        self.label = label or device  # what waiters and the lab call it
        folder = shared_folder(directory or lock_dir(), "device lock", ENV_VAR)
        self.path = folder / (re.sub(r"[^A-Za-z0-9_.-]", "_", device) + ".lock")
        self._cond = threading.Condition()
        self._line: list[object] = []

    @property
    def queued(self) -> int:
        """Runs holding or waiting for the device in this process."""
        with self._cond:
            return len(self._line)

    @contextmanager
    def hold(self, on_wait: Callable[[Waiting], None] | None = None, what: str = "") -> Iterator[Holding]:
        """Wait for the device, calling on_wait at every poll; raising from on_wait leaves the line."""
        ticket = object()
        with self._cond:
            self._line.append(ticket)
        fd: int | None = None
        try:
            while True:
                with self._cond:
                    ahead = self._line.index(ticket)
                other, holder = "", None
                if ahead == 0:
                    fd = open_shared_file(self.path, "device lock", ENV_VAR)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        holder = read_status(fd)
                        other = holder.text if holder else "another process"
                        os.close(fd)
                        fd = None
                else:
                    holder = peek(self.path)  # the run of this process that holds it now
                if on_wait is not None:
                    on_wait(Waiting(ahead, other, holder))
                with self._cond:
                    self._cond.wait(POLL_S)
            yield Holding(fd, Holder(self.label, user_name(), os.getpid(), what, since=time.time()))
        finally:
            if fd is not None:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            with self._cond:
                self._line.remove(ticket)
                self._cond.notify_all()


def read_status(fd: int) -> Holder | None:
    """The holder's status from its lock file; None when it wrote none (or not in this format)."""
    try:
        data = json.loads(os.pread(fd, STATUS_BYTES, 0).decode(errors="replace"))
        known = {k: v for k, v in data.items() if k in Holder.__dataclass_fields__}
        return Holder(**known) if _typed(known) else None  # any user can write this file
    except (OSError, ValueError, TypeError, AttributeError):
        return None


STATUS_TEXT = ("device", "user", "what", "phase")
STATUS_NUMBERS = ("pid", "fraction", "eta_s", "since")


def _typed(status: dict[str, Any]) -> bool:
    """A status whose text is short, single-line text and whose numbers are finite numbers: what
    the waiting message and the lab's panel can show. This module stays stdlib-only (a second Unix
    user's test runs it alone), so the result gate is not used here."""
    for key in STATUS_TEXT:
        v = status.get(key, "")
        if (
            not isinstance(v, str)
            or len(v) > STATUS_BYTES
            or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in v)
        ):
            return False
    for key in STATUS_NUMBERS:
        v = status.get(key, 0)
        if v is None and key == "eta_s":
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            return False
    return True


def peek(path: Path) -> Holder | None:
    """A lock file's status, read without locking anything."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return read_status(fd)
    finally:
        os.close(fd)


def holders(directory: Path | None = None) -> list[Holder]:
    """Every device on the box that a run holds right now, with what that run says about itself.

    A lock file is held when a shared lock cannot be had; the probe lets go at once, so it never
    keeps a waiter out for longer than one of its polls.
    """
    folder = directory or lock_dir()
    out = []
    for path in sorted(folder.glob("*.lock")) if folder.is_dir() else []:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                fcntl.flock(fd, fcntl.LOCK_UN)
                continue  # free
            except BlockingIOError:
                pass
            out.append(read_status(fd) or Holder(device=path.stem))
        finally:
            os.close(fd)
    return out


_queues: dict[str, DeviceQueue] = {}
_queues_lock = threading.Lock()


def queue_for(device: str, label: str = "") -> DeviceQueue:
    """The process-wide queue of a device, shared by every session and thread."""
    with _queues_lock:
        if device not in _queues:
            _queues[device] = DeviceQueue(device, label=label)
        return _queues[device]
