"""The state directory itself: made ready, or refused in one line that names the path.

``--state-dir`` (or ``$FTL_TUI_HOME``) is typed by a user, so it can name a regular file, a
place under ``/proc``, a directory this user may not write, or a path whose parent is a
file. ``Path.mkdir`` then raises a bare ``FileExistsError``/``FileNotFoundError``, which
reached the CLI as a traceback (``jobs``, ``drift``, ``schedule``, ``daemon``, the
console) or as ``play``'s exit 250 "Unexpected Exception". Every opener goes through
:func:`prepare_state_dir` (and :class:`~ftltui.state.store.StateStore` words its own
lock and read failures the same way), so each says what is wrong and what was expected,
and exits as the command does for other bad input (4; ``drift`` 2).

A missing parent is not an error: the directory is created with its parents (``0700``),
as the default ``~/.local/share/ftl-tui`` must be on a fresh account.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ftltui.errors import Location, StateError
from ftltui.state.storage import DIR_MODE

EXPECTED = "expected a directory, or a path where one can be created"
WRITABLE = "expected a directory this user can write"


def prepare_state_dir(path: Path) -> Path:
    """Create ``path`` (``0700``, missing parents too) unless it is a directory already.

    Raises :class:`StateError` located at ``path`` when it cannot be one."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    except OSError as exc:
        raise StateError(why_not_a_directory(path, exc), Location(str(path))) from None
    return path


def why_not_a_directory(path: Path, exc: OSError) -> str:
    """What stopped ``path`` from being made a directory, for a person to fix."""
    if path.is_symlink() and not path.exists():
        return f"the state directory is a symbolic link to a missing path; {EXPECTED}"
    kind = _kind(path)
    if kind is not None and kind != "directory":
        return f"the state directory is a {kind}; {EXPECTED}"
    blocker = _non_directory_ancestor(path)
    if blocker is not None:
        return f"{blocker} is a {_kind(blocker)}, not a directory, so the state directory cannot be created; {EXPECTED}"
    where = _existing_ancestor(path)
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot create the state directory in {where}: {reason}; {EXPECTED} by this user"
    return f"cannot create the state directory in {where}: {reason}; {EXPECTED}"


def lock_failure(exc: OSError) -> str:
    """Why a writer could not create or open the directory's lock file (the first file a
    writer makes, so this is where an unwritable directory shows; a reader, which takes no
    lock, can still read such a directory)."""
    reason = exc.strerror or str(exc)
    return f"cannot create files in the state directory ({reason}); {WRITABLE}"


def read_failure(exc: OSError) -> str:
    """Why a reader could not read the directory's files."""
    reason = exc.strerror or str(exc)
    return f"cannot read the state directory ({reason}); expected a directory this user can read"


def _kind(path: Path) -> str | None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "file that is not a directory"


def _non_directory_ancestor(path: Path) -> Path | None:
    """The first parent of ``path`` that exists and is not a directory, if any."""
    for parent in reversed(path.parents):
        kind = _kind(parent)
        if kind is None:
            return None
        if kind != "directory":
            return parent
    return None


def _existing_ancestor(path: Path) -> Path:
    """The nearest parent of ``path`` that exists (where the creation failed)."""
    for parent in path.parents:
        if os.path.lexists(parent):
            return parent
    return Path("/")
