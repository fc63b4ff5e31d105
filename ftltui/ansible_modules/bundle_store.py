"""Built bundles kept on the controller's disk, so a new ftl-tui process does not build them again.

Building the base bundle parses ~55 module_utils files, compiles each to a .pyc and
deflates ~350 KB: ~0.3 s of CPU at the start of every ``ftl-tui run``/``play`` that uses an
Ansible module. The result only depends on the source files read, this interpreter's
cache tag and the bundling code, so it is stored under ``~/.cache/ftl-tui/built/``
(``$XDG_CACHE_HOME`` respected) with the size and mtime of every file it was made from;
an entry whose files changed (an upgraded collection, an edited module) is rebuilt.
A cache that cannot be read or written is skipped: building is always possible.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from ftltui.errors import StateError
from ftltui.state.storage import atomic_write

Deps = list[tuple[str, int, int]]


def _root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ftl-tui" / "built"


@lru_cache(maxsize=1)
def _code_version() -> str:
    """The bundling code's own hash: a change to how bundles are made invalidates every entry."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("bundle.py", "bundle_store.py"):
        h.update((here / name).read_bytes())
    h.update((here.parent / "gate" / "ansible_child.py").read_bytes())  # bundle_digest lives there
    return h.hexdigest()[:16]


def entry_key(*parts: Any) -> str:
    """The file name of an entry: what it was built from, for this interpreter and this code."""
    text = json.dumps([_code_version(), sys.implementation.cache_tag, [str(p) for p in parts]])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def deps_of(paths: list[Path]) -> Deps:
    out: Deps = []
    for p in paths:
        st = os.stat(p)
        out.append((str(p), st.st_size, st.st_mtime_ns))
    return out


def _unchanged(deps: Deps) -> bool:
    for path, size, mtime in deps:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    return True


def load(key: str) -> tuple[bytes, dict[str, Any]] | None:
    """(zip bytes, meta) of a stored entry whose source files are all unchanged, else None."""
    root = _root()
    try:
        meta = json.loads((root / f"{key}.json").read_text(encoding="utf-8"))
        if not _unchanged([tuple(d) for d in meta["deps"]]):  # type: ignore[misc]
            return None
        data = (root / f"{key}.zip").read_bytes()
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if hashlib.sha256(data).hexdigest() != meta.get("zip_sha256"):
        return None  # a torn or foreign write: build again
    return data, meta


def save(key: str, data: bytes, deps: Deps, meta: dict[str, Any]) -> None:
    """Store an entry (zip first, then its meta, each replaced atomically); errors are ignored."""
    root = _root()
    meta = dict(meta, deps=deps, zip_sha256=hashlib.sha256(data).hexdigest())
    try:
        # ~/.cache/ftl-tui is shared with the gates of this user on this machine (their fork
        # servers' sockets live there): private, not left 0755 by mkdir(parents=True)
        root.parent.parent.mkdir(parents=True, exist_ok=True)
        root.parent.mkdir(exist_ok=True, mode=0o700)
        root.mkdir(exist_ok=True, mode=0o700)
        for suffix, blob in ((".zip", data), (".json", json.dumps(meta).encode("utf-8"))):
            atomic_write(root / f"{key}{suffix}", blob, durable=False)  # a cache: a lost entry is built again
    except (OSError, StateError):
        pass
