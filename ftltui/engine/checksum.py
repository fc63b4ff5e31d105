"""Digests of controller files, each computed once per file version (issue 17: hash once).

Ansible's ``copy``/``fetch`` compare files by SHA-1 (the modules' ``checksum``), and
``copy`` also reports an MD5 (``md5sum``). A copy to N hosts used to hash its source
N times on the controller (and three times per host). Here each digest of a file is
computed at most once while the file is unchanged (same real path, size, mtime and
inode): the SHA-1 doubles as the upload's integrity check on the wire (the gate hashes
what it receives with the same algorithm, once), and the MD5, which only the result
shows, is computed here on the controller, once, instead of on every host.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time

_Key = tuple[str, str, int, int, int]  # algorithm, real path, size, mtime_ns, inode

_DONE: dict[_Key, str] = {}
_RUNNING: dict[_Key, asyncio.Future[str]] = {}  # async callers of one loop share one computation
_LOCK = threading.Lock()
_MAX = 256  # cached digests kept (cleared when full: the values are cheap to lose)
RACY_SECONDS = 2.0


def _key(path: str | os.PathLike[str], algorithm: str) -> tuple[_Key | None, int]:
    """The cache key, or None for a file written too recently to trust its identity: file
    times are coarse (a clock tick of a few ms), and a temp file deleted and another of the
    same size written in the same tick may get the same inode (git's "racy" entries)."""
    st = os.stat(path)
    if time.time() - st.st_mtime < RACY_SECONDS:
        return None, st.st_size
    return (algorithm, os.path.realpath(path), st.st_size, st.st_mtime_ns, st.st_ino), st.st_size


def _hash(path: str | os.PathLike[str], algorithm: str) -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _remember(key: _Key, digest: str) -> None:
    with _LOCK:
        if len(_DONE) >= _MAX:
            _DONE.clear()
        _DONE[key] = digest


def file_digest(path: str | os.PathLike[str], algorithm: str = "sha1") -> tuple[int, str]:
    """(size, hex digest) of a controller file; cached while the file is unchanged."""
    key, size = _key(path, algorithm)
    digest = _DONE.get(key) if key is not None else None
    if digest is None:
        digest = _hash(path, algorithm)
        if key is not None:
            _remember(key, digest)
    return size, digest


def file_sha1(path: str | os.PathLike[str]) -> str:
    """SHA-1 hex digest of a controller file (Ansible's ``checksum``), cached."""
    return file_digest(path, "sha1")[1]


async def file_digest_async(path: str | os.PathLike[str], algorithm: str = "sha1") -> tuple[int, str]:
    """:func:`file_digest` off the event loop; concurrent callers (a copy to many hosts)
    wait for one computation instead of each hashing the file."""
    key, size = _key(path, algorithm)
    if key is None:
        return size, await asyncio.to_thread(_hash, path, algorithm)
    digest = _DONE.get(key)
    if digest is not None:
        return size, digest
    running = _RUNNING.get(key)
    if running is not None and running.get_loop() is asyncio.get_running_loop():
        try:
            return size, await asyncio.shield(running)
        except asyncio.CancelledError:
            if not running.cancelled():  # we were cancelled, not the computation
                raise
        except Exception:  # noqa: S110 - the first caller got that error; hash it ourselves
            pass
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    _RUNNING[key] = future
    try:
        digest = await asyncio.to_thread(_hash, path, algorithm)
        _remember(key, digest)
        future.set_result(digest)
    except BaseException as exc:
        if isinstance(exc, asyncio.CancelledError):
            future.cancel()
        else:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody else waited
        raise
    finally:
        if _RUNNING.get(key) is future:
            del _RUNNING[key]
    return size, digest
