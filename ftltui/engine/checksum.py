"""Digests of controller files, each computed once per file version (issue 17: hash once).

Ansible's ``copy``/``fetch`` compare files by SHA-1 (the modules' ``checksum``), and
``copy`` also reports an MD5 (``md5sum``). A copy to N hosts used to hash its source
N times on the controller (and three times per host). Here each digest of a file is
computed at most once while the file is unchanged (same real path, device, inode, size,
mtime and ctime, checked again after the read): the SHA-1 doubles as the upload's integrity check on the wire (the gate hashes
what it receives with the same algorithm, once), and the MD5, which only the result
shows, is computed here on the controller, once, instead of on every host.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time

_Key = tuple[str, str, int, int, int, int, int]  # algorithm, real path, dev, inode, size, mtime_ns, ctime_ns

_DONE: dict[_Key, str] = {}
_RUNNING: dict[_Key, asyncio.Future[str]] = {}  # async callers of one loop share one computation
_LOCK = threading.Lock()
_MAX = 256  # cached digests kept (cleared when full: the values are cheap to lose)
# how far the file's last change must lie before the hash began for the digest to be kept:
# a file's times are taken from a coarse clock (one tick, a few ms), so a write later in
# the same tick as the last one changes neither mtime nor ctime (git's "racy" entries)
RACY_NS = 100_000_000


def _key(path: str | os.PathLike[str], algorithm: str) -> tuple[_Key, int]:
    """The cache key of the file's current version and its size. ctime is in it, so a
    rewrite that puts the old mtime back (``touch -d``, ``cp -p``, an unpacked archive)
    is still a new version."""
    st = os.stat(path)
    return (algorithm, os.path.realpath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns,
            st.st_ctime_ns), st.st_size


def _hash_version(path: str | os.PathLike[str], algorithm: str, key: _Key) -> tuple[str, bool]:
    """(digest, keep): hash the file; ``keep`` when the digest is that of version ``key``
    and will stay detectable: the file is the same version after the read (re-stat), and
    its last change lies more than a clock tick before the read began (a later write then
    gets a later time; one in the same tick could not be told apart)."""
    began = time.time_ns()
    digest = _hash(path, algorithm)
    try:
        after, _ = _key(path, algorithm)
    except OSError:
        return digest, False
    return digest, after == key and max(key[5], key[6]) < began - RACY_NS


def _hash(path: str | os.PathLike[str], algorithm: str) -> str:
    """Hex digest; ``a+b`` (e.g. ``sha1+md5``) gives both digests, ``+``-joined, from one read."""
    hs = [hashlib.new(name) for name in algorithm.split("+")]
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            for h in hs:
                h.update(chunk)
    return "+".join(h.hexdigest() for h in hs)


def _remember(key: _Key, digest: str) -> None:
    with _LOCK:
        if len(_DONE) >= _MAX:
            _DONE.clear()
        _DONE[key] = digest
        for name, one in zip(key[0].split("+"), digest.split("+")):  # each also on its own
            _DONE[(name,) + key[1:]] = one


def file_digest(path: str | os.PathLike[str], algorithm: str = "sha1") -> tuple[int, str]:
    """(size, hex digest) of a controller file; cached while the file is unchanged."""
    key, size = _key(path, algorithm)
    digest = _DONE.get(key)
    if digest is None:
        digest, keep = _hash_version(path, algorithm, key)
        if keep:
            _remember(key, digest)
    return size, digest


def file_sha1(path: str | os.PathLike[str]) -> str:
    """SHA-1 hex digest of a controller file (Ansible's ``checksum``), cached."""
    return file_digest(path, "sha1")[1]


async def file_digest_async(path: str | os.PathLike[str], algorithm: str = "sha1") -> tuple[int, str]:
    """:func:`file_digest` off the event loop; concurrent callers (a copy to many hosts)
    wait for one computation instead of each hashing the file."""
    key, size = _key(path, algorithm)
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
        fresh, keep = await asyncio.to_thread(_hash_version, path, algorithm, key)
        if keep:
            _remember(key, fresh)
        future.set_result(fresh)  # callers that waited meanwhile share it, kept or not
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
    return size, fresh


async def file_sums_async(path: str | os.PathLike[str]) -> tuple[int, str, str]:
    """(size, SHA-1, MD5) of a controller file from one read (a copy needs both: the SHA-1
    for the comparison and the upload's check, the MD5 for ``md5sum``); afterwards each
    digest is also cached on its own, so the upload's SHA-1 reads nothing."""
    size, both = await file_digest_async(path, "sha1+md5")
    sha1, md5 = both.split("+")
    return size, sha1, md5
