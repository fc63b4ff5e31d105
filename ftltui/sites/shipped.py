"""Controller files a site shard's module reads (``copy src=``, ``template src=``), on the owner.

They are read here, where relative paths mean what they mean to the owner (the playbook's
directory): the worker's machine may not have the file, or have another one under that
name. A shard task names each file by a keyed digest (:meth:`Sealer.digest`), and its
content travels apart, once, sealed, in Redis (:meth:`Keys.blob`): a playbook sends one
task per play task and host, so a file that rode in every task crossed Redis once per host.

Reading and hashing block: everything here runs in a thread, never on the owner's loop. A
file unchanged since an earlier call (same size, times and inode) is not read or hashed
again: its digest is remembered (:class:`Digests`), and its bytes are read only if Redis no
longer has them.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftltui.engine.copy_tree import walk
from ftltui.engine.placement import ShardRequest
from ftltui.sites.seal import Sealer

MAX_SHIPPED_BYTES = 32 * 1024 * 1024  # distinct controller files one executor call may ship (through Redis)
_TRUE = ("true", "yes", "1", "on", "y")


@dataclass
class Blob:
    """One content a call ships: where it was read, its size, and its bytes when read now
    (None: its digest was known from an earlier call; read again only if Redis lost it)."""

    path: Path
    size: int
    data: bytes | None = None


class Digests:
    """Keyed digests of the files read so far, by (path, size, mtime, ctime, inode, device)."""

    def __init__(self, sealer: Sealer, limit: int = 1024) -> None:
        self.sealer = sealer
        self.limit = limit
        self._known: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._lock = threading.Lock()  # calls build their tasks in threads of their own

    def ref(self, path: Path, new: dict[str, Blob]) -> dict[str, Any]:
        """The task's reference to ``path`` (digest and mode); its content goes to ``new``."""
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        sig = (str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        with self._lock:
            digest = self._known.get(sig)
            if digest is not None:
                self._known.move_to_end(sig)
        if digest is None:
            data = path.read_bytes()
            digest = self.sealer.digest(data)
            with self._lock:
                self._known[sig] = digest
                while len(self._known) > self.limit:
                    self._known.popitem(last=False)
            new[digest] = Blob(path, len(data), data)
        elif digest not in new:
            new[digest] = Blob(path, st.st_size)
        return {"blob": digest, "mode": st.st_mode & 0o7777}

    def load(self, digest: str, blob: Blob) -> bytes:
        """The bytes of a blob known by its digest only (Redis no longer has them): read again."""
        data = blob.path.read_bytes()
        if self.sealer.digest(data) != digest:
            raise OSError(errno.ESTALE, f"{blob.path} changed while it was being sent")
        return data


def ship_files(req: ShardRequest, args: Mapping[str, Any], files: dict[str, dict[str, Any]],
               blobs: dict[str, Blob], digests: Digests) -> str | None:
    """Add the controller file or tree ``args`` name to ``files`` (by digest; the content goes
    to ``blobs``, shared by the call's shards). Blocking: call it in a thread.
    Returns why the host cannot run (a missing file, too many bytes), or None."""
    module = req.module.rsplit(".", 1)[-1]
    src = args.get("src")
    if module not in ("copy", "template") or not isinstance(src, str) or not src or src in files:
        return None
    if module == "copy" and str(args.get("remote_src", "")).lower() in _TRUE:
        return None
    path = Path(os.path.expanduser(src))
    if not path.is_absolute() and req.base_dir:
        path = Path(req.base_dir) / path
    new: dict[str, Blob] = {}
    try:
        if module == "copy" and path.is_dir():  # the tree as copy's walk sees it (links followed)
            dirs, members = walk(str(path))
            tree = {rel: digests.ref(Path(abs_path), new) for rel, abs_path in members}
            entry: dict[str, Any] = {"dirs": dirs, "tree": tree}
        else:
            entry = digests.ref(path, new)
    except OSError as exc:
        return f"{module}: source {path} not found on the controller (or not a file): {exc.strerror}"
    shipped = sum(b.size for b in blobs.values())
    if shipped + sum(b.size for d, b in new.items() if d not in blobs) > MAX_SHIPPED_BYTES:
        return (f"{module}: src {path}: more than {MAX_SHIPPED_BYTES // (1024 * 1024)} MB of controller files "
                "for one call (they travel through Redis); put the files on the worker's machine "
                "and use remote_src")
    for digest, blob in new.items():
        blobs.setdefault(digest, blob)
    files[src] = entry
    return None
