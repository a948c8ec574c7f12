"""Folders and files that every Unix user of the box can use: the device locks and the history.

A box is shared by several accounts. A folder made with the default umask (0755) and a file made
with 0644 belong to whoever came first, and the second user then got a raw PermissionError. So a
folder this module makes is world-writable with the sticky bit, like /tmp (anyone may add files,
nobody may delete another's), and a file it makes is readable and writable by everyone.

Systemd distributions turn on `fs.protected_regular`: in a sticky, world-writable folder an open
with O_CREAT of a file that belongs to someone else (neither the opener nor the folder's owner) is
refused, root included, even when the file is 0666. Opening with O_CREAT every time locked every
second user out. So an existing file is opened without O_CREAT, a missing one is made with
O_CREAT | O_EXCL (which that rule never blocks), and a race between the two is retried.

When a folder or file still cannot be used, the message says the real cause (its permission bits,
its owner under that rule, or a read-only mount) and what to run.
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import os
import pwd
import stat
from pathlib import Path

from engine.errors import DeviceError, echo_path

SHARED_DIR_MODE = 0o1777
SHARED_FILE_MODE = 0o666
OPEN_ATTEMPTS = 20  # a file deleted and made again between our two opens, this many times in a row


class SharedPathError(DeviceError):
    """A shared folder or file this user cannot use; the message names it and the fix."""


def shared_folder(path: Path, what: str, env_var: str) -> Path:
    """Make (or reuse) a folder for every user; loosen its mode when this user owns it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if path.stat().st_uid == os.geteuid() and stat.S_IMODE(path.stat().st_mode) != SHARED_DIR_MODE:
            os.chmod(path, SHARED_DIR_MODE)
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise SharedPathError(
                f"the {what} folder {echo_path(path)} is on a read-only file system; point {env_var} at "
                "a folder on a writable one"
            ) from None
        raise SharedPathError(
            f"the {what} folder {echo_path(path)} cannot be made ({exc.strerror}); point {env_var} at "
            "a folder you can write"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK) and _read_only_mount(path):
        raise SharedPathError(
            f"the {what} folder {echo_path(path)} is on a read-only file system; point {env_var} at "
            "a folder on a writable one"
        )
    if not os.access(path, os.W_OK | os.X_OK):
        raise SharedPathError(
            f"the {what} folder {echo_path(path)} is not writable by this user; ask its owner to run "
            f"`chmod 1777 {echo_path(path)}`, or point {env_var} at a folder you can write"
        )
    return path


def _read_only_mount(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def open_shared_file(path: Path, what: str, env_var: str) -> int:
    """Open a file every user may read and write, making it when it is missing; returns the fd."""
    for _ in range(OPEN_ATTEMPTS):
        try:
            fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
            break
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise SharedPathError(_cannot_open(path, what, env_var, exc)) from None
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, SHARED_FILE_MODE)
            break
        except FileExistsError:
            continue  # another user made it between the two opens: open theirs
        except OSError as exc:
            raise SharedPathError(_cannot_open(path, what, env_var, exc)) from None
    else:  # pragma: no cover - needs a file that vanishes and reappears 20 times in a row
        raise SharedPathError(f"the {what} file {echo_path(path)} kept disappearing; try again")
    with contextlib.suppress(OSError):  # only the owner may chmod; the umask may have narrowed it
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, SHARED_FILE_MODE)
    return fd


def user_name() -> str:
    """This process's user, as runs record it and as deletes check it."""
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid, as in some containers
        return f"uid {os.getuid()}"


def owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _cannot_open(path: Path, what: str, env_var: str, exc: OSError) -> str:
    """The reason a shared file will not open, from its state rather than from the errno alone."""
    where = echo_path(path)
    if exc.errno == errno.EROFS:
        return f"the {what} file {where} is on a read-only file system; point {env_var} at a writable folder"
    if exc.errno == errno.ELOOP:
        return f"the {what} file {where} is a symbolic link, which is never followed; remove it"
    try:
        st = path.stat()
    except OSError:
        return (
            f"the {what} file {where} cannot be opened by this user ({exc.strerror}); point {env_var} at "
            "another folder"
        )
    mode = stat.S_IMODE(st.st_mode)
    owner = owner_name(st.st_uid)
    if mode & SHARED_FILE_MODE != SHARED_FILE_MODE:
        return (
            f"the {what} file {where} is mode {mode:o}, so only {owner} may write it; ask {owner} to run "
            f"`chmod 666 {where}`, or point {env_var} at another folder"
        )
    return (
        f"the {what} file {where} belongs to {owner} and cannot be opened by this user ({exc.strerror}); "
        f"ask {owner} or the box's admin about the folder's permissions, or point {env_var} at another folder"
    )
