"""The native ``copy`` with a controller ``src``: one file (hashed once), or a directory tree.

One file: the bytes go up once through the gate (checked on both ends with the SHA-1 that
is also Ansible's ``checksum``, computed on the controller once per file version for all
hosts), and the host's ``copy`` module moves them into place without hashing them again;
the MD5 of Ansible's ``md5sum`` is computed here, once, while the upload runs (issue 17).

A directory ``src`` follows Ansible's copy action (checked against ``ansible -m copy`` in
tests/modules/test_copy_tree_oracle.py): ``src/`` copies what is inside into ``dest``,
``src`` (no slash) the directory itself; every directory of the tree, empty ones too,
exists afterwards, with ``directory_mode`` if given (existing ones inside the tree too;
an existing destination directory keeps its mode); each file is compared by SHA-1 first
and only a different one is uploaded. The result is ``{changed, dest/, src}``, or the
file's own result for a tree of exactly one file.
"""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path
from typing import Any

from ftltui import modules
from ftltui.engine.checksum import file_digest_async
from ftltui.engine.runner import OutputCallback, Runner
from ftltui.inventory.model import Host
from ftltui.modules.base import validate_args

_ATTR_KEYS = ("owner", "group")  # what file state=directory takes from the copy task


def preserved(params: dict[str, Any], src: Path) -> dict[str, Any]:
    """``mode=preserve``: the controller file's mode (the host only sees the upload's)."""
    if params.get("mode") != "preserve":
        return params
    return dict(params, mode="0%03o" % stat.S_IMODE(src.stat().st_mode))


async def copy_file(runner: Runner, host: Host, src: Path, params: dict[str, Any], check: bool,
                    on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    """Upload ``src`` and let the host's ``copy`` module put it at ``params["dest"]``."""
    md5 = asyncio.ensure_future(file_digest_async(src, "md5"))  # meanwhile, on another core
    try:
        remote = await runner.put_file(host, str(src))
        sums = [(await file_digest_async(src, "sha1"))[1], (await md5)[1]]
    finally:
        if not md5.done():
            md5.cancel()
    new = dict(params, src=remote, remote_src=True, _ftl_source_sums=sums)
    result = await runner.run_module(host, "copy", new, check=check, on_output=on_output, environment=environment)
    diff = result.get("diff")
    if isinstance(diff, dict) and diff.get("after_header") == remote:
        diff["after_header"] = str(src)  # the module saw the upload; Ansible's diff names the controller's file
    return result


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


async def copy_tree(runner: Runner, host: Host, params: dict[str, Any], source: str, check: bool,
                    on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    """A controller directory to ``dest`` on ``host`` (``source`` keeps the user's trailing slash)."""
    dest = str(params["dest"])
    root = dest if dest.endswith("/") else dest + "/"
    if not source.endswith("/"):  # "src" (no slash): the directory itself goes into dest
        root += os.path.basename(source.rstrip("/")) + "/"
    dirs, files = await asyncio.to_thread(walk, source)

    async def module(name: str, args: dict[str, Any]) -> dict[str, Any]:
        return await runner.run_module(host, name, validate_args(modules.spec(name), args), check=check,
                                       on_output=on_output, environment=environment)

    top = (await module("stat", {"path": root.rstrip("/") or "/", "follow": True, "get_checksum": False,
                                 "get_mime": False, "get_attributes": False})).get("stat") or {}
    changed = False
    for rel in dirs if top.get("isdir") else [""] + dirs:  # the destination itself: only made when missing
        args: dict[str, Any] = {k: params[k] for k in _ATTR_KEYS if params.get(k) is not None}
        args.update(path=(root + rel).rstrip("/") or "/", state="directory")
        if params.get("directory_mode") is not None:
            args["mode"] = params["directory_mode"]
        made = await module("file", args)
        if made.get("failed"):
            return made
        changed = changed or bool(made.get("changed"))
    last: dict[str, Any] = {}
    file_params = {k: v for k, v in params.items() if k not in ("src", "directory_mode", "remote_src")}
    for rel, path in files:
        target = root + rel
        last = await _tree_file(runner, host, Path(path), dict(file_params, dest=target), module, check,
                                on_output, environment)
        if last.get("failed"):
            return last
        changed = changed or bool(last.get("changed"))
    if len(files) == 1 and not dirs:
        return last
    return {"changed": changed, "dest": root if source.endswith("/") else dest.rstrip("/") + "/",
            "src": source}


async def _tree_file(runner: Runner, host: Host, path: Path, params: dict[str, Any], module: Any, check: bool,
                     on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    """One file of a tree: compared by SHA-1 first, uploaded only when it differs (as Ansible)."""
    target = str(params["dest"])
    params = preserved(params, path)
    st = (await module("stat", {"path": target, "follow": bool(params.get("follow")), "get_checksum": True,
                                "checksum_algorithm": "sha1", "get_mime": False,
                                "get_attributes": False})).get("stat") or {}
    if st.get("exists") and not params.get("force", True):
        return {"changed": False, "dest": target}
    _, local = await file_digest_async(path, "sha1")
    if st.get("exists") and st.get("checksum") == local:
        # the same bytes: the module on the host's own file fixes mode/owner, reports as a copy would
        _, md5 = await file_digest_async(path, "md5")
        same = dict(params, src=target, remote_src=True, _ftl_source_sums=[local, md5])
        return await runner.run_module(host, "copy", same, check=check, on_output=on_output, environment=environment)
    if check:
        return {"changed": True, "dest": target}
    return await copy_file(runner, host, path, params, check, on_output, environment)
