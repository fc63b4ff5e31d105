"""The native ``copy`` with a controller ``src``: one file (hashed once), or a directory tree.

One file: the bytes go up once through the gate (checked on both ends with the SHA-1 that
is also Ansible's ``checksum``, computed on the controller once per file version for all
hosts), and the host's ``copy`` module moves them into place without hashing them again;
the MD5 of Ansible's ``md5sum`` is computed here, once, while the upload runs (issue 17).

A directory ``src`` follows Ansible's copy action (the walk in copy_tree.py, shared with
ansible_copy.py; checked against ``ansible -m copy`` in
tests/ansible_modules/test_native_copy_tree.py): directories get ``directory_mode`` if
given (existing ones inside the tree too; an existing destination directory keeps its
mode); each file is compared by SHA-1 on the host first and only a different one is
uploaded.
"""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path
from typing import Any

from ftltui import modules
from ftltui.engine import copy_tree as tree
from ftltui.engine.checksum import file_digest_async, file_sums_async
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


async def copy_tree(runner: Runner, host: Host, params: dict[str, Any], source: str, check: bool,
                    on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    """A controller directory to ``dest`` on ``host`` (``source`` keeps the user's trailing slash)."""

    async def module(name: str, args: dict[str, Any]) -> dict[str, Any]:
        return await runner.run_module(host, name, validate_args(modules.spec(name), args), check=check,
                                       on_output=on_output, environment=environment)

    async def is_dir(path: str) -> bool:
        st = (await module("stat", {"path": path, "follow": True, "get_checksum": False, "get_mime": False,
                                    "get_attributes": False})).get("stat") or {}
        return bool(st.get("isdir"))

    async def make_dir(path: str) -> dict[str, Any]:
        args: dict[str, Any] = {k: params[k] for k in _ATTR_KEYS if params.get(k) is not None}
        args.update(path=path, state="directory")
        if params.get("directory_mode") is not None:
            args["mode"] = params["directory_mode"]
        return await module("file", args)

    file_params = {k: v for k, v in params.items() if k not in ("src", "directory_mode", "remote_src")}

    async def copy_one(path: str, target: str) -> dict[str, Any]:
        return await _tree_file(runner, host, Path(path), dict(file_params, dest=target), check, on_output,
                                environment)

    return await tree.copy_tree(source, str(params["dest"]), is_dir, make_dir, copy_one)


async def _tree_file(runner: Runner, host: Host, path: Path, params: dict[str, Any], check: bool,
                     on_output: OutputCallback, environment: dict[str, str] | None) -> dict[str, Any]:
    """One file of a tree: uploaded only when the host's file differs (compared by SHA-1, as
    Ansible). One host call and one read of the host's file when it is the same (the copy
    module compares it and fixes mode/owner: ``_ftl_if_same``), one read here (SHA-1 and
    MD5 together, shared by every host)."""
    params = preserved(params, path)
    target = str(params["dest"])
    _, sha1, md5 = await file_sums_async(path)
    same = dict(params, src=target, remote_src=True, _ftl_source_sums=[sha1, md5], _ftl_if_same=True)
    result = await runner.run_module(host, "copy", same, check=check, on_output=on_output, environment=environment)
    if not result.get("_ftl_differs"):
        return result
    if check:
        return {"changed": True, "dest": target}
    return await copy_file(runner, host, path, params, check, on_output, environment)
