"""Crash-safe TinyDB storage and the journal's line format.

TinyDB's own ``JSONStorage`` rewrites its file in place, so a crash mid-write leaves
half a file. :class:`AtomicJSONStorage` writes a temporary file in the same
directory, fsyncs it, ``os.replace``s it over the old one and fsyncs the directory:
at any instant the path holds either the old or the new complete database. The
checkpoint of the state store is written through it, so the checkpoint is a plain
TinyDB database (``TinyDB(path, storage=AtomicJSONStorage)`` opens it).

Journal lines are ``<crc32 hex> <json>\\n``: a line cut short by a crash (no newline,
or a checksum mismatch) marks the end of what was committed.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tinydb.storages import Storage

from ftltui.errors import Location, StateError

FILE_MODE = 0o600
DIR_MODE = 0o700


def fsync_dir(path: Path) -> None:
    """Make a rename or a file creation in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old or the new file, whole.

    The one way the controller replaces a file (state checkpoints, stored content,
    snapshots, caches, console settings; :func:`atomic_stream` streams one): a private
    (0600) temporary file beside it, renamed over it. ``durable`` also fsyncs the file and the directory, so a power
    loss cannot undo a write the caller went on to rely on; caches and blobs that can
    be rebuilt skip that cost. Raises :class:`StateError` (one line, with the place);
    no temporary file is left behind.
    """
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise StateError(f"cannot write {path.name}: {exc.strerror or exc}", Location(str(path.parent))) from None
    tmp = Path(name)
    try:
        try:
            view = memoryview(data)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        # a full disk: leave no half-written temp file, and tell the operator in one line
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StateError(f"cannot write {path.name}: {exc.strerror or exc}",
                             Location(str(path.parent))) from None
        raise
    if durable:
        fsync_dir(path.parent)


@contextmanager
def atomic_stream(path: Path, *, mode: int | None = FILE_MODE, durable: bool = True) -> Iterator[IO[bytes]]:
    """Stream a file into ``path`` so that it appears whole or not at all: the streaming
    sibling of :func:`atomic_write`, for data too big to hold (a fetched file, a copy).

    Yields a binary file open on a fresh, uniquely named temporary file in ``path``'s
    directory (a fixed name would be shared by two writers of one dest and could be a
    planted symlink); on a clean exit it is fsynced (``durable``), given ``mode`` and
    renamed over ``path``. Any exception in the body, or in the commit, removes the
    temporary file and leaves the old ``path`` as it was. ``mode=None`` gives the mode
    a plain ``open(path, "wb")`` would (0666 less the umask), as a download to a user's
    directory should. OSErrors are raised as they are: the engine reports them per host.
    """
    create_mode = 0o666 if mode is None else 0o600
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, create_mode)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            if mode is not None:
                os.fchmod(out.fileno(), mode)
            if durable:
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


class AtomicJSONStorage(Storage):
    """A TinyDB storage whose ``write`` is atomic and durable (temp + fsync + replace)."""

    def __init__(self, path: str | os.PathLike[str], readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        if not raw.strip():
            return None
        return json.loads(raw)

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if self.readonly:
            raise PermissionError(f"{self.path}: opened read-only")
        atomic_write(self.path, json.dumps(data, separators=(",", ":"), default=str).encode())


def encode_line(obj: Any) -> bytes:
    body = json.dumps(obj, separators=(",", ":"), default=str).encode()
    return b"%08x " % (zlib.crc32(body) & 0xFFFFFFFF) + body + b"\n"


def decode_lines(data: bytes) -> tuple[list[Any], int]:
    """Parse journal bytes; returns (records, offset of the end of the last good line)."""
    out: list[Any] = []
    pos = 0
    while True:
        nl = data.find(b"\n", pos)
        if nl < 0:
            break
        line = data[pos:nl]
        if len(line) < 10 or line[8:9] != b" ":
            break
        body = line[9:]
        try:
            if int(line[:8], 16) != zlib.crc32(body) & 0xFFFFFFFF:
                break
            out.append(json.loads(body))
        except ValueError:
            break
        pos = nl + 1
    return out, pos
