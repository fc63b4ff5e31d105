"""What a job ran, kept by content: blobs by sha256 and manifests naming them.

A playbook or workflow job records the exact files it ran (the playbook, imported task
files, roles, vars files) so that a retry or a re-run from failure runs that content,
not whatever the files say by then. Blobs live in ``<state>/content/blobs/ab/abcd…``,
written atomically (temp file, fsync, rename) and never changed: the same bytes are
stored once however many jobs ran them. A :class:`Manifest` maps each file's path
(relative to a common root) to its blob and mode; the manifest is itself a blob, so a
job's content version is one sha256.

To run stored content, :meth:`ContentStore.materialize` rebuilds the tree under
``<state>/content/trees/<manifest sha>/`` (checked against the manifest every time: a
run may have written into it). No textual, no ansible.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ftltui.errors import FtlError, Location, StateError
from ftltui.state.storage import DIR_MODE, atomic_write

MANIFEST_SCHEMA = 1
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # one job's content; more is refused with a clear error
MAX_FILES = 20_000
_LOCK = threading.Lock()  # atomic_write's temp name is per process: one writer at a time


class SecretInContent(FtlError):
    """A file to store holds a secret value (a password, a ``secrets:`` var): it is not
    stored, since secrets never reach the state directory; the job runs the live file."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """``files``: path relative to ``root`` -> (sha256, mode). ``main`` is the file the job
    runs (relative to ``root``); ``root`` is where the files were when stored."""

    root: str
    main: str
    files: dict[str, tuple[str, int]] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        doc = {"schema": MANIFEST_SCHEMA, "root": self.root, "main": self.main,
               "files": {k: [s, m] for k, (s, m) in sorted(self.files.items())}}
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        doc = json.loads(data)
        return cls(str(doc["root"]), str(doc["main"]), {k: (str(v[0]), int(v[1])) for k, v in doc["files"].items()})

    def same_files(self, other: Manifest) -> bool:
        """Same content at the same relative paths (wherever the roots are)."""
        return self.main == other.main and self.files == other.files


class ContentStore:
    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.root = Path(state_dir) / "content"
        self.blobs = self.root / "blobs"
        self.trees = self.root / "trees"

    # -- blobs --------------------------------------------------------------------------
    def blob_path(self, sha: str) -> Path:
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise StateError(f"not a content hash: {sha!r}")
        return self.blobs / sha[:2] / sha

    def put(self, data: bytes) -> str:
        """Store ``data`` (once); returns its sha256."""
        sha = sha256_hex(data)
        path = self.blob_path(sha)
        if path.exists():
            return sha
        with _LOCK:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
                atomic_write(path, data)
        return sha

    def get(self, sha: str) -> bytes:
        """The stored bytes, checked against their hash (a damaged blob is an error)."""
        path = self.blob_path(sha)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StateError(f"stored content {sha[:12]} is missing: {exc.strerror or exc}",
                             Location(str(path))) from None
        if sha256_hex(data) != sha:
            raise StateError(f"stored content {sha[:12]} is damaged (its hash does not match)", Location(str(path)))
        return data

    # -- manifests ----------------------------------------------------------------------
    def put_files(self, root: Path, main: Path, files: list[Path], secrets: Iterable[str] = ()) -> tuple[str, Manifest]:
        """Store every file (absolute paths under ``root``); returns (manifest sha, manifest).
        Nothing is stored when a file holds one of ``secrets`` (:class:`SecretInContent`)."""
        self.manifest_of(root, main, files, secrets=secrets)  # check every file first: all or nothing
        manifest = self.manifest_of(root, main, files, store=True)
        return self.put(manifest.to_bytes()), manifest

    def manifest_of(self, root: Path, main: Path, files: list[Path], *, store: bool = False,
                    secrets: Iterable[str] = ()) -> Manifest:
        """The manifest of these files as they are now (their blobs stored when ``store``)."""
        entries: dict[str, tuple[str, int]] = {}
        total = 0
        if len(files) > MAX_FILES:
            raise StateError(f"{len(files)} files to store for this job (at most {MAX_FILES})", Location(str(root)))
        for f in files:
            try:
                data = f.read_bytes()
                mode = f.stat().st_mode & 0o777
            except OSError as exc:
                raise StateError(f"cannot read {f}: {exc.strerror or exc}", Location(str(f))) from None
            _check_secrets(f, data, secrets)
            total += len(data)
            if total > MAX_TOTAL_BYTES:
                raise StateError(f"the content of this job is over {MAX_TOTAL_BYTES >> 20} MiB (at {f}); "
                                 "large artifacts belong outside the playbook's directories", Location(str(f)))
            entries[f.relative_to(root).as_posix()] = (self.put(data) if store else sha256_hex(data), mode)
        return Manifest(str(root), main.relative_to(root).as_posix(), entries)

    def manifest(self, sha: str) -> Manifest:
        try:
            return Manifest.from_bytes(self.get(sha))
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise StateError(f"stored manifest {sha[:12]} is not readable: {exc}") from None

    def materialize(self, sha: str) -> tuple[Path, Manifest]:
        """The stored tree on disk (``trees/<sha>``), every file checked and rewritten if it
        differs from the manifest; returns (tree root, manifest)."""
        manifest = self.manifest(sha)
        tree = self.trees / sha
        with _LOCK:
            tree.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            for rel, (blob, mode) in manifest.files.items():
                dest = tree / rel
                if not _inside(tree, dest):
                    raise StateError(f"stored manifest {sha[:12]} names a path outside its tree: {rel!r}")
                if _matches(dest, blob):
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
                if dest.is_dir() and not dest.is_symlink():
                    shutil.rmtree(dest)
                atomic_write(dest, self.get(blob))
                os.chmod(dest, mode or 0o600)
        return tree, manifest


    def put_file(self, path: str | os.PathLike[str], secrets: Iterable[str] = ()) -> str:
        """Store one file (a workflow); returns its sha256 (:class:`SecretInContent` if it
        holds one of ``secrets``)."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise StateError(f"cannot read {path}: {exc.strerror or exc}", Location(str(path))) from None
        _check_secrets(Path(path), data, secrets)
        return self.put(data)

    def live_or_stored(self, path: str, sha: str) -> tuple[str, bool]:
        """``path`` when it still holds the stored bytes, else a copy of them with the same
        name under ``trees/<sha>/``; and whether the copy is used."""
        if _matches(Path(path), sha):
            return path, False
        copy = self.trees / sha / Path(path).name
        with _LOCK:
            if not _matches(copy, sha):
                copy.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
                atomic_write(copy, self.get(sha))
        return str(copy), True


def _check_secrets(path: Path, data: bytes, secrets: Iterable[str]) -> None:
    for secret in secrets:
        if secret and str(secret).encode() in data:
            raise SecretInContent(f"content not stored: {path} holds a secret value (a retry reads the file as it "
                                  "is then; vault-encrypt the value to have it stored)", Location(str(path)))


def known_secrets(queue: Any, extra: Iterable[str] = ()) -> list[str]:
    """Every value the queue's store and engine treat as secret (passwords, ``secrets:``,
    ``--secret``, vault-decrypted values), plus ``extra``."""
    out = {str(s) for s in extra if s} | set(queue.store.redactor.secrets)
    executor = getattr(queue, "executor", None)
    inventory = getattr(executor, "inventory", None)
    if executor is not None and inventory is not None:
        out |= set(executor.redactor_for(inventory.hosts.values()).secrets)
    return sorted(out)


def _inside(tree: Path, p: Path) -> bool:
    return os.path.normpath(p).startswith(str(tree) + os.sep)


def _matches(path: Path, sha: str) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and sha256_hex(path.read_bytes()) == sha
    except OSError:
        return False


def common_root(paths: list[Path]) -> Path:
    """The deepest directory holding every path."""
    if not paths:
        raise ValueError("no paths")
    return Path(os.path.commonpath([str(p.parent) for p in paths]))
