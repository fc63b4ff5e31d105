"""The controller half of installed Ansible modules: the action plugins ftl-tui stands in for.

Most modules run as they are (Ansible's ``normal`` action). A few of ansible-core's
modules are really action plugins that work on the controller; those ftl-tui implements
here (``copy`` with ``content``/``src``: the file is uploaded first, as Ansible's copy
action does; ``shell``: ``command`` with ``_uses_shell``), and the rest are refused with
a message naming the plugin instead of running a documentation stub on the host.
"""

from __future__ import annotations

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
        return (f"{spec.name} needs {plugin} on the controller, which ftl-tui does not implement "
                f"(ftl-tui's native {short} runs without --ansible-module where there is one)")
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
        return await run_on_gate(gate, command, dict(params, _uses_shell=True), check=check, diff=True)
    return await run_on_gate(gate, spec, params, check=check, diff=True)


async def _copy(executor: Executor, gate: Any, spec: AnsibleSpec, params: dict[str, Any],
                check: bool) -> dict[str, Any]:
    """Ansible's copy action for one file: upload ``content`` or the controller ``src``, then the module."""
    params = dict(params)
    if "content" in params and params.get("content") is not None:
        content = params.pop("content")
        data = content.encode() if isinstance(content, str) else str(content).encode()
        with tempfile.NamedTemporaryFile(prefix="ftl-copy-", delete=False) as f:
            f.write(data)
        try:
            put = await gate.put(f.name)
        finally:
            os.unlink(f.name)
        params.update(src=put["path"], _original_basename="source")
    elif params.get("src"):
        src = os.path.expanduser(str(params["src"]))
        if not os.path.isabs(src) and executor.base_dir:
            src = os.path.join(executor.base_dir, src)
        if not os.path.isfile(src):
            return {"failed": True, "changed": False,
                    "msg": f"{spec.name}: source {src} not found on the controller (or a directory: ftl-tui's "
                           f"Ansible copy sends single files)"}
        put = await gate.put(src)
        params.update(src=put["path"], _original_basename=os.path.basename(src))
    result = await run_on_gate(gate, spec, params, check=check, diff=True)
    return result
