"""Every module ftl-tui can run: native ones, ansible-core's and each installed collection's.

Why a catalog apart from the finder: listing walks ~10,000 files of the ``ansible``
package, so it is done once per process (``lru_cache``) and reads no module file except
for summaries. Summaries (``short_description``) cost one read per file: they are kept in
``STATE_DIR/cache/module-summaries.json`` keyed by path, size and mtime, so only new or
upgraded modules are read again. As with Ansible, the first root holding a collection is
the one used; copies further down the path are shadowed and not listed.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ftltui.ansible_modules.finder import (
    BUILTIN, IGNORE_EXTS, ansible_core_dir, ansible_core_version, collection_roots, collection_version,
)

# ansible-core's helper that runs async tasks: a module file, not a module users call
# (undocumented; ansible-doc -l leaves it out too)
_INTERNAL = frozenset({"async_wrapper"})
_SUMMARY_RE = re.compile(rb"^short_description:[ \t]*(.+?)[ \t]*$", re.M)


@dataclass(frozen=True)
class CatalogEntry:
    """One runnable module: ``name`` is what to type (a native name or an FQCN)."""

    name: str
    origin: str  # "native", "ansible-core" or "collection"
    collection: str | None = None
    version: str | None = None
    path: str | None = None
    summary: str = ""

    @property
    def where(self) -> str:
        """``native``, ``ansible-core 2.19.14``, ``community.general 11.4.2``."""
        if self.origin == "native":
            return "native"
        label = "ansible-core" if self.origin == "ansible-core" else str(self.collection)
        return f"{label} {self.version}" if self.version else label


def _module_files(directory: str, prefix: str = "") -> dict[str, str]:
    """``{name: path}`` under a modules directory, subdirectories as ``sub.name``; .py preferred."""
    out: dict[str, str] = {}
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return out
    for e in entries:
        if e.name.startswith(("_", ".")) or e.name.endswith(IGNORE_EXTS):
            continue
        if e.is_dir():
            if e.name != "__pycache__":
                out.update(_module_files(e.path, f"{prefix}{e.name}."))
            continue
        stem, ext = os.path.splitext(e.name)
        name = prefix + stem
        if ext == ".ps1" or name not in out or ext == ".py" and not out[name].endswith(".ps1"):
            out[name] = e.path  # a Windows module's .ps1 beats its documentation .py
    return out


def _collections(roots: Sequence[str]) -> list[tuple[str, str]]:
    """``(fqcn, directory)`` of every collection, first root wins (as the import system does)."""
    seen: dict[str, str] = {}
    for root in roots:
        base = os.path.join(root, "ansible_collections")
        for ns in sorted(os.listdir(base)) if os.path.isdir(base) else ():
            nsdir = os.path.join(base, ns)
            if not os.path.isdir(nsdir) or not ns.isidentifier():
                continue
            for coll in sorted(os.listdir(nsdir)):
                cdir = os.path.join(nsdir, coll)
                if coll.isidentifier() and os.path.isdir(cdir) and f"{ns}.{coll}" not in seen:
                    seen[f"{ns}.{coll}"] = cdir
    return sorted(seen.items())


def _signature(roots: Sequence[str]) -> tuple[int, ...]:
    """mtimes of every ``ansible_collections`` and namespace directory: an install or upgrade changes one."""
    out = []
    for root in roots:
        base = os.path.join(root, "ansible_collections")
        try:
            out.append(os.stat(base).st_mtime_ns)
            out.extend(e.stat().st_mtime_ns for e in os.scandir(base) if e.is_dir())
        except OSError:
            out.append(0)
    return tuple(out)


@lru_cache(maxsize=8)
def _scan(roots: tuple[str, ...], _signature: tuple[int, ...] = ()) -> tuple[CatalogEntry, ...]:
    entries: list[CatalogEntry] = []
    core = ansible_core_dir()
    if core is not None:
        version = ansible_core_version()
        for name, path in sorted(_module_files(str(core / "modules")).items()):
            if name in _INTERNAL:
                continue
            entries.append(CatalogEntry(f"{BUILTIN}.{name}", "ansible-core", BUILTIN, version, path))
    for fqcn, cdir in _collections(roots):
        files = _module_files(os.path.join(cdir, "plugins", "modules"))
        if not files:
            continue
        version = collection_version(cdir)
        for name, path in sorted(files.items()):
            entries.append(CatalogEntry(f"{fqcn}.{name}", "collection", fqcn, version, path))
    return tuple(entries)


def _native() -> list[CatalogEntry]:
    from ftltui import modules

    return [CatalogEntry(n, "native", summary=modules.spec(n).summary) for n in modules.available()]


def list_modules(collections_paths: Sequence[str] = (), playbook_dir: str | None = None, *,
                 summaries: bool = True) -> list[CatalogEntry]:
    """Native modules first, then ansible-core's, then every collection's, each sorted by name."""
    roots = tuple(collection_roots(collections_paths, playbook_dir))
    found = list(_scan(roots, _signature(roots)))
    if summaries:
        found = _with_summaries(found)
    return _native() + found


def names(collections_paths: Sequence[str] = (), playbook_dir: str | None = None) -> list[str]:
    """What the run form's picker offers: native names, then every Ansible FQCN."""
    return [e.name for e in list_modules(collections_paths, playbook_dir, summaries=False)]


# -- summaries ------------------------------------------------------------------------------


def _cache_file() -> Path:
    from ftltui.paths import state_dir

    return state_dir() / "cache" / "module-summaries.json"


def _read_summary(path: str) -> str:
    """``short_description`` of a module, from its text (the line, not the whole YAML)."""
    doc = path[:-4] + ".py" if path.endswith(".ps1") and os.path.isfile(path[:-4] + ".py") else path
    try:
        with open(doc, "rb") as fh:
            data = fh.read(16384)
    except OSError:
        return ""
    m = _SUMMARY_RE.search(data)
    if not m:
        return ""
    text = m.group(1).decode("utf-8", "replace").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text


# path or "collection dir|version" -> stamp, summaries. An installed collection (MANIFEST.json)
# or ansible-core is keyed by its version: one stat instead of hundreds; a source checkout
# is keyed per file (size, mtime) since it changes without a new version.
_memory: dict[str, list] = {}


def _group_key(e: CatalogEntry) -> str | None:
    assert e.path is not None
    if e.origin == "ansible-core":
        return f"ansible-core|{e.version}|{os.path.dirname(e.path)}"
    marker = os.sep + "plugins" + os.sep + "modules" + os.sep
    cdir = e.path.split(marker, 1)[0]
    return f"{cdir}|{e.version}" if _installed(cdir) else None


@lru_cache(maxsize=1024)
def _installed(cdir: str) -> bool:
    return os.path.isfile(os.path.join(cdir, "MANIFEST.json"))


def _with_summaries(entries: list[CatalogEntry]) -> list[CatalogEntry]:
    cache_path = _cache_file()
    if not _memory:
        try:
            data = json.loads(cache_path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                _memory.update({str(k): v for k, v in data.items() if isinstance(v, list) and len(v) == 2})
        except (OSError, ValueError):
            pass
    changed = False
    out = []
    for e in entries:
        assert e.path is not None
        group = _group_key(e)
        if group is not None:
            key, stamp = group, "v"
        else:
            try:
                st = os.stat(e.path)
            except OSError:
                out.append(e)
                continue
            key, stamp = e.path, f"{st.st_mtime_ns}:{st.st_size}"
        slot = _memory.get(key)
        if slot is None or slot[0] != stamp or not isinstance(slot[1], dict):
            slot = _memory[key] = [stamp, {}]
        summaries = slot[1]
        if e.name not in summaries:
            summaries[e.name] = _read_summary(e.path)
            changed = True
        out.append(CatalogEntry(e.name, e.origin, e.collection, e.version, e.path, summaries[e.name]))
    if changed:
        _save(cache_path)
    return out


def _save(cache_path: Path) -> None:
    """Best effort: a read-only state dir only costs the next listing its speed."""
    try:
        from ftltui.state.storage import atomic_write

        cache_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache_path, json.dumps(_memory).encode())
    except OSError:
        pass
