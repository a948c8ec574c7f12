"""Folders and files that every Unix user of the box can use: the device locks and the history.

A box is shared by several accounts. A folder made with the default umask (0755) and a file made
with 0644 belong to whoever came first, and the second user then got a raw PermissionError. So a
folder this module makes is world-writable with the sticky bit, like /tmp (anyone may add files,
nobody may delete another's), and a file it makes is readable and writable by everyone. When an
existing folder or file cannot be used, the error names it and says what to run.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from engine.errors import DeviceError, echo_path

SHARED_DIR_MODE = 0o1777
SHARED_FILE_MODE = 0o666


class SharedPathError(DeviceError):
    """A shared folder or file this user cannot use; the message names it and the fix."""


def shared_folder(path: Path, what: str, env_var: str) -> Path:
    """Make (or reuse) a folder for every user; loosen its mode when this user owns it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if path.stat().st_uid == os.geteuid() and stat.S_IMODE(path.stat().st_mode) != SHARED_DIR_MODE:
            os.chmod(path, SHARED_DIR_MODE)
    except OSError as exc:
        raise SharedPathError(
            f"the {what} folder {echo_path(path)} cannot be made ({exc.strerror}); point {env_var} at "
            "a folder you can write"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise SharedPathError(
            f"the {what} folder {echo_path(path)} is not writable by this user; ask its owner to run "
            f"`chmod 1777 {echo_path(path)}`, or point {env_var} at a folder you can write"
        )
    return path


def open_shared_file(path: Path, what: str, env_var: str) -> int:
    """Open (creating if needed) a file every user may read and write; returns the fd."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, SHARED_FILE_MODE)
    except OSError as exc:
        raise SharedPathError(
            f"the {what} file {echo_path(path)} cannot be opened by this user ({exc.strerror}); ask its "
            f"owner to run `chmod 666 {echo_path(path)}`, or point {env_var} at another folder"
        ) from None
    with contextlib.suppress(OSError):  # only the owner may chmod; the umask may have narrowed it
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, SHARED_FILE_MODE)
    return fd
