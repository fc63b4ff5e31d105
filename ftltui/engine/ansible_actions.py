"""The controller half of installed Ansible modules: the action plugins ftl-tui stands in for.

Most modules run as they are (Ansible's ``normal`` action). A few of ansible-core's
modules are really action plugins that work on the controller; those ftl-tui implements
here (``copy`` of one file from ``content`` or a controller ``src``: stat, compare SHA-1,
upload + ``copy`` or ``file``, as Ansible's copy action does; ``shell``: ``command`` with
``_uses_shell``), and the rest are refused with a message naming the plugin instead of
running a documentation stub on the host.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import TYPE_CHECKING, Any

from ftltui.ansible_modules.run import AnsibleSpec, ansible_spec, run_on_gate
from ftltui.engine.runner import Runner
from ftltui.inventory.model import Host

if TYPE_CHECKING:
    from ftltui.engine.executor import Executor

# action plugins that only work on the controller (short names of ansible.builtin / collections)
CONTROLLER_ONLY = {
    "add_host", "assert", "debug", "fail", "group_by", "include_vars", "pause", "set_fact", "set_stats",
    "validate_argument_spec", "wait_for_connection", "reboot", "script", "raw", "gather_facts", "package",
    "template", "fetch", "meta", "include_tasks", "import_tasks", "include_role", "import_role",
    "synchronize",
}


def unsupported(spec: AnsibleSpec, params: dict[str, Any]) -> str | None:
    """Why ftl-tui cannot run this module through Ansible's implementation, or None."""
    short = spec.name.rsplit(".", 1)[-1]
    plugin = f"the {short!r} action plugin"
    if short in CONTROLLER_ONLY:
        from ftltui import modules

        native = modules.canonical(short) in modules.BUILTIN
        return (f"{spec.name} needs {plugin} on the controller, which ftl-tui does not implement"
                + (f"; ftl-tui's native {short} does the same (drop --ansible-module {short})" if native else ""))
    if short in ("assemble", "unarchive") and not _truthy(params.get("remote_src")) \
            and not (short == "unarchive" and params.get("copy") in (False, "no", "false")):
        return f"{spec.name} with a controller src needs {plugin}, which ftl-tui does not implement; set remote_src=true"
    if short == "uri" and params.get("src") and not _truthy(params.get("remote_src")):
        return f"{spec.name} with a controller src needs {plugin}, which ftl-tui does not implement; set remote_src=true"
    return None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("yes", "true", "1", "on", "y")


async def run_ansible(executor: Executor, runner: Runner, host: Host, spec: AnsibleSpec, params: dict[str, Any],
                      check: bool) -> dict[str, Any]:
    why = unsupported(spec, params)
    if why is not None:
        return {"failed": True, "changed": False, "msg": why}
    gate = await runner.gate(host)  # type: ignore[attr-defined]
    short = spec.name.rsplit(".", 1)[-1]
    if spec.name in ("ansible.builtin.copy", "ansible.legacy.copy") and not _truthy(params.get("remote_src")):
        return await _copy(executor, gate, spec, params, check)
    if spec.name in ("ansible.builtin.shell", "ansible.legacy.shell") or short == "shell" and spec.kind != "python":
        command = ansible_spec("ansible.builtin.command")
        if command is None:
            return {"failed": True, "changed": False, "msg": "ansible.builtin.command is not installed"}
        return await run_on_gate(gate, command, dict(params, _uses_shell=True), check=check, diff=True,
                                 verbosity=executor.verbosity)
    return await run_on_gate(gate, spec, params, check=check, diff=True, verbosity=executor.verbosity)


# Ansible's copy action: args the file module takes when the content is already there
_FILE_ARGS = frozenset({"mode", "owner", "group", "seuser", "serole", "selevel", "setype", "attributes",
                        "unsafe_writes", "state", "path", "_original_basename", "recurse", "force", "_diff_peek",
                        "src"})


async def _copy(executor: Executor, gate: Any, spec: AnsibleSpec, params: dict[str, Any],
                check: bool) -> dict[str, Any]:
    """Ansible's copy action for one file (``content``, or a controller ``src`` file).

    As the action does: compare the local SHA-1 with the host's (``stat``); if they differ,
    check mode reports ``changed`` and a real run uploads the file and runs ``copy`` with it;
    if they match, ``file`` applies mode/owner; ``force=no`` leaves an existing file alone.
    """
    params = dict(params)
    dest = str(params.get("dest") or "")
    force = _truthy(params.get("force", True))
    follow = _truthy(params.get("follow", False))
    tmp: str | None = None
    if params.get("content") is not None:
        content = params["content"]
        data = content.encode() if isinstance(content, str) else json.dumps(content).encode()
        with tempfile.NamedTemporaryFile(prefix="ftl-copy-", delete=False) as f:
            f.write(data)
        tmp = source = f.name
        basename = "source"
    elif params.get("src"):
        source = os.path.expanduser(str(params["src"]))
        if not os.path.isabs(source) and executor.base_dir:
            source = os.path.join(executor.base_dir, source)
        if not os.path.isfile(source):
            return {"failed": True, "changed": False,
                    "msg": f"could not find src={source} (ftl-tui's Ansible copy sends single files)"}
        basename = os.path.basename(source)
    else:
        return await run_on_gate(gate, spec, params, check=check, diff=True, verbosity=executor.verbosity)
    try:
        return await _copy_one(gate, spec, params, check, source, basename, dest, force, follow, executor.verbosity)
    finally:
        if tmp is not None:
            os.unlink(tmp)


async def _copy_one(gate: Any, spec: AnsibleSpec, params: dict[str, Any], check: bool, source: str,
                    basename: str, dest: str, force: bool, follow: bool, verbosity: int) -> dict[str, Any]:
    dest_file = dest + basename if dest.endswith("/") else dest
    st = await _stat(gate, dest_file, follow, force)
    if st.get("exists") and st.get("isdir"):
        if params.get("content") is not None:
            return {"failed": True, "changed": False, "msg": "can not use content with a dir as dest"}
        dest_file = dest_file.rstrip("/") + "/" + basename
        st = await _stat(gate, dest_file, follow, force)
    if st.get("exists") and not force:
        return {"changed": False, "dest": dest, "src": params.get("src")}
    local = _sha1(source)
    if local != st.get("checksum"):
        if check:
            return {"changed": True}
        put = await gate.put(source)
        args = {k: v for k, v in params.items() if k not in ("content", "decrypt")}
        args.update(src=put["path"], dest=dest, _original_basename=basename, follow=follow)
        args.setdefault("checksum", local)
        result = await run_on_gate(gate, spec, args, check=check, diff=True, verbosity=verbosity)
    else:
        args = {k: v for k, v in params.items() if k in _FILE_ARGS and k != "src"}
        args.update(dest=dest, _original_basename=basename, recurse=False, state="file")
        file_spec = ansible_spec("ansible.builtin.file")
        if file_spec is None:
            return {"failed": True, "changed": False, "msg": "ansible.builtin.file is not installed"}
        result = await run_on_gate(gate, file_spec, args, check=check, diff=True, verbosity=verbosity)
        if "path" in result and "dest" not in result:
            result["dest"] = result["path"]
    result.setdefault("checksum", local)
    return result


async def _stat(gate: Any, path: str, follow: bool, checksum: bool) -> dict[str, Any]:
    stat_spec = ansible_spec("ansible.builtin.stat")
    if stat_spec is None:
        return {}
    res = await run_on_gate(gate, stat_spec, {"path": path, "follow": follow, "get_checksum": checksum,
                                              "checksum_algorithm": "sha1"}, check=False)
    return res.get("stat") or {}


def _sha1(path: str) -> str:
    h = hashlib.sha1()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
