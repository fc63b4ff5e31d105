"""Ansible's ``copy`` action on the controller, for the Ansible implementation of ``copy``.

What the action does, reproduced from its documented behaviour and checked against
``ansible`` in tests/ansible_modules/test_copy_action.py:

* one file (``content``, or a controller ``src`` file): stat the destination, compare
  SHA-1s; a difference uploads the file and runs the ``copy`` module with it (check mode:
  ``changed`` only), a match runs ``file`` for mode/owner; ``force=no`` leaves an existing
  file alone. With diff on, the result carries the action's ``diff`` (the host's old text
  against the new one; ``*_binary``/``*_larger`` markers instead of big or binary text).
* a directory ``src``: ``src/`` copies what is inside into ``dest``, ``src`` copies the
  directory itself into ``dest``; every directory of the tree (empty ones too) exists
  afterwards, with ``directory_mode`` if given (existing ones inside the tree too, as Ansible
  does; an existing destination directory keeps its mode); each file
  is copied as above. The result is ``{changed, dest/, src}`` (a tree of one file: that
  file's result).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.ansible_modules.run import AnsibleSpec, ansible_spec
from ftltui.engine.checksum import file_digest_async
from ftltui.engine.copy_tree import copy_tree

if TYPE_CHECKING:
    from ftltui.engine.ansible_actions import ModuleCall

NOT_FOUND = ("Unexpected AnsibleActionFail error: Could not find or access '{}' on the Ansible Controller.\n"
             "If you are using a module and expect the file to exist on the remote, see the remote_src option")
MAX_DIFF_SIZE = 104448  # ansible.cfg's max_diff_size default
# args the file module takes when the content is already there
_FILE_ARGS = frozenset({"mode", "owner", "group", "seuser", "serole", "selevel", "setype", "attributes",
                        "unsafe_writes", "path", "_original_basename", "force", "_diff_peek"})
_DIR_ARGS = frozenset({"owner", "group", "seuser", "serole", "selevel", "setype", "attributes", "unsafe_writes"})


@dataclass(frozen=True)
class _Source:
    """One local file to send: its path, the name the module records, where it goes."""

    path: str
    basename: str
    dest: str  # as the user wrote it (a trailing / means "into this directory")
    is_content: bool = False


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("yes", "true", "1", "on", "y")


async def copy_action(call: ModuleCall, spec: AnsibleSpec, params: dict[str, Any], base_dir: str | None
                      ) -> dict[str, Any]:
    """``ansible.builtin.copy`` without ``remote_src``, as Ansible's action runs it."""
    params = dict(params)
    dest = str(params.get("dest") or "")
    problem = _bad_args(params)
    if problem:
        return {"failed": True, "changed": False, "msg": problem}
    if params.get("content") is not None:
        content = params["content"]
        data = content.encode() if isinstance(content, str) else json.dumps(content).encode()
        with tempfile.NamedTemporaryFile(prefix="ftl-copy-", delete=False) as f:
            f.write(data)
        try:
            return await _copy_file(call, spec, params, _Source(f.name, "source", dest, is_content=True))
        finally:
            os.unlink(f.name)
    given = os.path.expanduser(str(params["src"]))
    source = given if os.path.isabs(given) or not base_dir else os.path.join(base_dir, given)
    if os.path.isdir(source):
        return await _copy_tree(call, spec, params, source, dest)
    if not os.path.isfile(source):
        return {"failed": True, "changed": False, "msg": NOT_FOUND.format(source)}
    return await _copy_file(call, spec, params, _Source(source, os.path.basename(source), dest))


def _bad_args(params: dict[str, Any]) -> str | None:
    """The action's own argument checks, which come before the module's (Ansible's words)."""
    has_src, has_content = params.get("src") is not None, params.get("content") is not None
    if has_src and has_content:
        return "src and content are mutually exclusive"
    if not has_src and not has_content:
        return "src (or content) is required"
    if not params.get("dest"):
        return "dest is required"
    return None


async def _copy_tree(call: ModuleCall, spec: AnsibleSpec, params: dict[str, Any], source: str, dest: str
                     ) -> dict[str, Any]:
    """A directory ``src``: every directory made (with ``directory_mode``), every file copied."""
    if not dest:
        return {"failed": True, "changed": False, "msg": "dest is required"}

    async def is_dir(path: str) -> bool:
        return bool((await _stat(call, path, follow=True, checksum=False)).get("isdir"))

    async def make_dir(path: str) -> dict[str, Any]:
        return await _ensure_dir(call, params, path)

    async def copy_one(path: str, target: str) -> dict[str, Any]:
        return await _copy_file(call, spec, dict(params, src=path), _Source(path, os.path.basename(path), target))

    return await copy_tree(source, dest, is_dir, make_dir, copy_one)


async def _ensure_dir(call: ModuleCall, params: dict[str, Any], path: str) -> dict[str, Any]:
    """``file state=directory`` on ``path`` (``directory_mode`` applies to existing directories too, as in Ansible)."""
    args = {k: v for k, v in params.items() if k in _DIR_ARGS}
    args.update(path=path, state="directory")
    if params.get("directory_mode") is not None:
        args["mode"] = params["directory_mode"]
    return await call.module(_spec("ansible.builtin.file"), args, diff=False)


async def _copy_file(call: ModuleCall, spec: AnsibleSpec, params: dict[str, Any], src: _Source) -> dict[str, Any]:
    force = truthy(params.get("force", True))
    follow = truthy(params.get("follow", False))
    dest_file = src.dest + src.basename if src.dest.endswith("/") else src.dest
    st = await _stat(call, dest_file, follow=follow, checksum=force)
    if st.get("exists") and st.get("isdir"):
        if src.is_content:
            return {"failed": True, "changed": False, "msg": "can not use content with a dir as dest"}
        dest_file = dest_file.rstrip("/") + "/" + src.basename
        st = await _stat(call, dest_file, follow=follow, checksum=force)
    if st.get("exists") and not force:
        return {"changed": False, "dest": src.dest, "src": params.get("src")}
    # off the loop other hosts share, and once per file version for all of them (issue 17)
    _, local = await file_digest_async(src.path, "sha1")
    if local == st.get("checksum"):
        args = {k: v for k, v in params.items() if k in _FILE_ARGS}
        args.update(dest=src.dest, _original_basename=src.basename, recurse=False, state="file")
        result = await call.module(_spec("ansible.builtin.file"), args)
        if "path" in result and "dest" not in result:
            result["dest"] = result["path"]
        result.setdefault("checksum", local)
        return result
    diff = await _diff(call, src, dest_file, st) if call.diff else None
    if call.check:
        return {"changed": True, **({"diff": [diff]} if diff else {})}
    put = await call.gate.put(src.path)
    args = {k: v for k, v in params.items() if k not in ("content", "decrypt")}
    args.update(src=put["path"], dest=src.dest, _original_basename=src.basename, follow=follow)
    args.setdefault("checksum", local)
    result = await call.module(spec, args)
    result.setdefault("checksum", local)
    if result.get("changed") and not result.get("failed"):
        result["diff"] = [diff] if diff else []
    return result


async def _diff(call: ModuleCall, src: _Source, dest_file: str, st: dict[str, Any]) -> dict[str, Any]:
    """The action's diff: the host's current text (``before``) against what is sent (``after``)."""
    out: dict[str, Any] = {}
    if st.get("exists"):
        out["before_header"] = dest_file
        if int(st.get("size") or 0) > MAX_DIFF_SIZE:
            out["dst_larger"] = MAX_DIFF_SIZE
        else:
            got = await call.module(_spec("ansible.builtin.slurp"), {"src": dest_file}, check=False, diff=False)
            data = base64.b64decode(got.get("content") or b"")
            if b"\x00" in data:
                out["dst_binary"] = 1
            else:
                out["before"] = data.decode("utf-8", "replace")
    else:
        out["before"] = ""
    out["after_header"] = dest_file if src.is_content else src.path
    if os.path.getsize(src.path) > MAX_DIFF_SIZE:
        out["src_larger"] = MAX_DIFF_SIZE
    else:
        data = await asyncio.to_thread(Path(src.path).read_bytes)
        if b"\x00" in data:
            out["src_binary"] = 1
        else:
            out["after"] = data.decode("utf-8", "replace")
    return out


async def _stat(call: ModuleCall, path: str, *, follow: bool, checksum: bool) -> dict[str, Any]:
    res = await call.module(_spec("ansible.builtin.stat"), {"path": path, "follow": follow, "get_checksum": checksum,
                                                           "checksum_algorithm": "sha1"}, check=False, diff=False)
    return res.get("stat") or {}


def _spec(name: str) -> AnsibleSpec:
    found = ansible_spec(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed")
    return found
