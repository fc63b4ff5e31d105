"""Where the owner's socket lives and how it is made: safely, privately, replaceably.

The socket is ``api.sock`` inside the state directory. Only the process holding the
state store's lock creates it, so an existing socket there was left by an owner that
died (a live owner would still hold the lock): it is checked (a connect must fail) and
replaced atomically. The new socket is bound under a private temporary name in a 0700
directory, chmod 0600, then renamed over the final name, so there is never a moment
where another user could reach it or where a half-made socket has the public name.

Unix socket paths are limited to 107 bytes; a deep state directory is reached through
``/proc/self/fd/N`` of an open directory descriptor instead of its long path.
"""

from __future__ import annotations

import os
import socket
import stat
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ftltui.api.protocol import SOCKET_NAME
from ftltui.errors import Location, StateError

MAX_UNIX_PATH = 107
_UCRED = struct.Struct("3i")  # pid, uid, gid


def socket_path(state_dir: str | os.PathLike[str]) -> Path:
    return Path(state_dir) / SOCKET_NAME


@contextmanager
def reachable(path: Path) -> Iterator[str]:
    """A path the socket calls accept for ``path``: itself, or via an fd of its directory."""
    text = os.fspath(path)
    if len(os.fsencode(text)) <= MAX_UNIX_PATH:
        yield text
        return
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def connect_unix(path: Path, timeout: float | None = 5.0) -> socket.socket:
    """A connected blocking socket, or ``OSError`` (``ECONNREFUSED``/``ENOENT``: no owner)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        with reachable(path) as where:
            sock.connect(where)
    except BaseException:
        sock.close()
        raise
    return sock


def owner_listening(path: Path) -> bool:
    """Does a live process accept connections on ``path``?"""
    try:
        connect_unix(path, timeout=2.0).close()
    except OSError:
        return False
    return True


def peer_uid(sock: socket.socket) -> int:
    """The connecting process's uid, from the kernel (``SO_PEERCRED``), not from anything it sent."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    _pid, uid, _gid = _UCRED.unpack(raw)
    return int(uid)


def bind_private(path: Path) -> socket.socket:
    """A listening socket at ``path`` (mode 0600), replacing a dead owner's socket.

    Raises :class:`StateError` when something that is not a socket sits at ``path``
    (never deleted: it is not ours) or when a live process still answers there.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None:
        if not stat.S_ISSOCK(st.st_mode):
            raise StateError(f"{path.name} exists and is not a socket; move it away so the owner can listen",
                             Location(str(path)))
        if owner_listening(path):
            raise StateError("another process already serves this state directory", Location(str(path)))
    private = Path(path.parent) / f".{SOCKET_NAME}.{os.getpid()}.tmp"
    _remove_stale_private(private)
    os.mkdir(private, 0o700)  # fails if it exists: nobody can have prepared it for us
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        tmp = private / SOCKET_NAME
        with reachable(tmp) as where:
            sock.bind(where)
        os.chmod(tmp, 0o600)
        sock.listen(64)
        os.rename(tmp, path)  # atomic: replaces a stale socket, never exposes a 0666 one
    except BaseException:
        sock.close()
        _remove_stale_private(private)
        raise
    os.rmdir(private)
    sock.setblocking(False)
    return sock


def _remove_stale_private(private: Path) -> None:
    """A temp dir of an earlier process with our pid (pid reuse after a crash)."""
    try:
        for child in private.iterdir():
            child.unlink()
        private.rmdir()
    except FileNotFoundError:
        pass
    except NotADirectoryError:
        private.unlink()


def file_identity(path: Path) -> tuple[int, int]:
    """(device, inode) of the socket file: at close, remove it only if it is still ours."""
    st = os.lstat(path)
    return st.st_dev, st.st_ino


def unlink_if_ours(path: Path, identity: tuple[int, int]) -> None:
    """Remove the socket file unless a newer owner has replaced it since."""
    try:
        if file_identity(path) == identity:
            os.unlink(path)
    except FileNotFoundError:
        pass
