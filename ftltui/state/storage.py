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
import tempfile
import zlib
from pathlib import Path
from typing import Any

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
    snapshots, caches, console settings): a private (0600) temporary file beside it,
    renamed over it. ``durable`` also fsyncs the file and the directory, so a power
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
