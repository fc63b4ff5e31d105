"""The tree walk of ``copy`` with a controller directory ``src``, shared by both copies.

The native copy (native_copy.py) and the Ansible implementation's action
(ansible_copy.py) differ in how they make a directory and copy one file; the rest is
Ansible's copy action, written once here: ``src/`` copies what is inside into ``dest``,
``src`` (no slash) the directory itself; every directory of the tree, empty ones too,
exists afterwards (the destination itself is only made when missing); the result is
``{changed, dest/, src}``, or the one file's result for a tree of exactly one file.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

IsDir = Callable[[str], Awaitable[bool]]
MakeDir = Callable[[str], Awaitable[dict[str, Any]]]
CopyOne = Callable[[str, str], Awaitable[dict[str, Any]]]  # (controller file, destination path)


def walk(source: str) -> tuple[list[str], list[tuple[str, str]]]:
    """Directories (relative, top-down) and files (relative, absolute) under ``source``,
    symbolic links followed (Ansible's ``local_follow`` default), names sorted."""
    dirs: list[str] = []
    files: list[tuple[str, str]] = []
    top = source.rstrip("/") or "/"
    for here, subdirs, names in os.walk(top, followlinks=True):
        subdirs.sort()
        rel = os.path.relpath(here, top)
        prefix = "" if rel == "." else rel + "/"
        if prefix:
            dirs.append(prefix.rstrip("/"))
        for name in sorted(names):
            path = os.path.join(here, name)
            if os.path.isfile(path):
                files.append((prefix + name, path))
    return dirs, files


async def copy_tree(source: str, dest: str, is_dir: IsDir, make_dir: MakeDir, copy_one: CopyOne
                    ) -> dict[str, Any]:
    """Copy the controller directory ``source`` (the user's trailing slash kept) to ``dest``:
    ``is_dir(path)`` asks the host, ``make_dir(path)`` makes one directory (with
    ``directory_mode``), ``copy_one(file, target)`` copies one file. The first failed
    result is returned as it is."""
    root = dest if dest.endswith("/") else dest + "/"
    if not source.endswith("/"):  # "src" (no slash): the directory itself goes into dest
        root += os.path.basename(source.rstrip("/")) + "/"
    dirs, files = await asyncio.to_thread(walk, source)
    changed = False
    top_exists = await is_dir(root.rstrip("/") or "/")
    for rel in dirs if top_exists else [""] + dirs:
        made = await make_dir((root + rel).rstrip("/") or "/")
        if made.get("failed"):
            return made
        changed = changed or bool(made.get("changed"))
    last: dict[str, Any] = {}
    for rel, path in files:
        last = await copy_one(path, root + rel)
        if last.get("failed"):
            return last
        changed = changed or bool(last.get("changed"))
    if len(files) == 1 and not dirs:
        return last
    return {"changed": changed, "dest": dest if dest.endswith("/") else dest + "/", "src": source}
