"""known_hosts files parsed once per content, off the event loop, and grown line by line.

asyncssh given file names re-reads and re-parses every key in them at each connect: 11.6 ms
of controller CPU per connection with a 1,000-line file, quadratic in the fleet (issue 17,
bench/RESULTS-scale.md). The pool hands asyncssh a parsed :class:`asyncssh.SSHKnownHosts`
from this cache instead, keyed by the list of files and checked against each file's
(inode, mtime, size) at every connection.

Two costs that remained are handled here:

- **Parsing on the event loop.** A miss (the first connection, a changed file) parsed every
  key where the console answers key presses: :func:`known_hosts_for` parses in a thread, and
  one parse serves every handshake waiting for the same files.
- **Every accepted key dropped the cache.** With ``accept-new`` each new host appends a line
  to the file, which changed its stamp, and the next connection parsed the whole file again
  (quadratic while a fleet is first met). A file that only grew (same inode, the bytes read
  before unchanged, checked by digest) has only its new lines parsed, into the same object.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from dataclasses import dataclass

import asyncssh

MAX_FILE_SETS = 64  # distinct file lists cached; many more: a bound, not an LRU


@dataclass
class _Parsed:
    """What one file list parsed to, and what each file was when it was read."""

    stamps: tuple[tuple[int, int, int], ...]  # (inode, mtime_ns, size) per file
    digests: tuple[bytes, ...]  # SHA-1 of each file's bytes that were parsed
    known: asyncssh.SSHKnownHosts


_CACHE: dict[tuple[str, ...], _Parsed] = {}
_LOCK = threading.Lock()  # one parse at a time; the loop never takes it


def _stamp(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def cached(files: list[str]) -> asyncssh.SSHKnownHosts | None:
    """The parsed files when nothing changed since they were read (a ``stat`` per file), else None."""
    hit = _CACHE.get(tuple(files))
    if hit is None:
        return None
    try:
        return hit.known if tuple(_stamp(f) for f in files) == hit.stamps else None
    except OSError:
        return None


def _grown(old: _Parsed, stamps: tuple[tuple[int, int, int], ...], datas: list[bytes]) -> bool:
    """Did every file only gain lines at its end since ``old`` was read?"""
    for (ino, _mtime, size), (new_ino, _m, _s), digest, data in zip(old.stamps, stamps, old.digests, datas):
        if new_ino != ino or len(data) < size or (size and data[size - 1:size] != b"\n") \
                or hashlib.sha1(data[:size]).digest() != digest:
            return False
    return True


def loaded_known_hosts(files: list[str]) -> asyncssh.SSHKnownHosts | list[str]:
    """``files`` parsed, from the cache when no file changed, growing the cached keys when the
    files only grew. Blocking (reads and parses): :func:`known_hosts_for` runs it in a thread.

    A file that cannot be read or parsed is handed to asyncssh as a path, which then
    fails the connection the way it always did (same error, same classification).
    """
    key = tuple(files)
    with _LOCK:
        try:
            stamps = tuple(_stamp(f) for f in files)
            hit = _CACHE.get(key)
            if hit is not None and hit.stamps == stamps:
                return hit.known  # another thread parsed it while this one waited
            datas = []
            for f in files:
                with open(f, "rb") as fh:
                    datas.append(fh.read())
            if hit is not None and _grown(hit, stamps, datas):
                known = hit.known  # only appended lines: parse those into the same keys
                for (_ino, _mtime, size), data in zip(hit.stamps, datas):
                    if len(data) > size:
                        known.load(data[size:].decode())
            else:
                known = asyncssh.SSHKnownHosts()
                for data in datas:
                    known.load(data.decode())
        except (OSError, ValueError):  # UnicodeDecodeError included, as asyncssh's read_file
            _CACHE.pop(key, None)
            return files
        if key not in _CACHE and len(_CACHE) >= MAX_FILE_SETS:
            _CACHE.clear()
        # the stamps from before reading, with the size read: a write after the stat changes the
        # mtime, so the next connection looks again (and parses only what was appended)
        _CACHE[key] = _Parsed(tuple((ino, mtime, len(d)) for (ino, mtime, _s), d in zip(stamps, datas)),
                              tuple(hashlib.sha1(d).digest() for d in datas), known)
        return known


async def known_hosts_for(files: list[str]) -> asyncssh.SSHKnownHosts | list[str]:
    """:func:`loaded_known_hosts` without blocking the loop: a ``stat`` per file on a hit,
    a thread for a parse (concurrent misses wait for one parse, then hit)."""
    hit = cached(files)
    if hit is not None:
        return hit
    return await asyncio.to_thread(loaded_known_hosts, list(files))
