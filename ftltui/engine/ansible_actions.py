"""The controller half of installed Ansible modules: the action plugins ftl-tui stands in for.

Most modules run as they are (Ansible's ``normal`` action). A few of ansible-core's
modules are really action plugins that work on the controller; those ftl-tui implements
here (``copy`` from ``content`` or a controller ``src`` file or directory, in
:mod:`ftltui.engine.ansible_copy`; ``shell``: ``command`` with ``_uses_shell``), and the rest are refused with a message naming the plugin instead of
running a documentation stub on the host.

An ad-hoc ``debug`` and ``set_fact`` (``ansible all -m debug -a msg=hi``, a common first
command) are answered here as Ansible's action plugins answer them, per host, without
contacting the host (:func:`controller_action`). Before, they failed every host (hD #9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftltui.ansible_modules.actions import controller_plugin
from ftltui.ansible_modules.run import AnsibleSpec, ansible_spec, run_on_gate
from ftltui.engine.ansible_copy import copy_action
from ftltui.engine.runner import GateRunner, Runner
from ftltui.engine.templating import host_context, render_string
from ftltui.errors import TemplateError
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


# collection action plugins that only run the module as it is when remote_src is true
REMOTE_SRC_PASSES = frozenset({"ansible.posix.patch"})

# of those, what an ad-hoc run answers on the controller itself (:func:`controller_action`)
ADHOC_ACTIONS = frozenset({"debug", "set_fact"})


def refusal(spec: AnsibleSpec) -> str | None:
    """Why no call of this module can run, whatever its arguments: a controller-only
    plugin ftl-tui does not implement. :func:`ftltui.engine.executor.precheck_args` raises
    it before any host is contacted (bad input, exit 4), not as every host's failure."""
    short = spec.name.rsplit(".", 1)[-1]
    plugin = controller_plugin(spec.path)  # a collection's own action plugin (ansible_modules/actions.py)
    if plugin is not None and plugin not in REMOTE_SRC_PASSES:
        return f"{spec.name} needs the {plugin!r} action plugin on the controller, which ftl-tui does not implement"
    if short not in CONTROLLER_ONLY or short in ADHOC_ACTIONS:
        return None
    from ftltui import modules

    native = modules.canonical(short) in modules.BUILTIN
    return (f"{spec.name} needs the {short!r} action plugin on the controller, which ftl-tui does not implement"
            + (f"; ftl-tui's native {short} does the same (drop --ansible-module {short})" if native else ""))


def unsupported(spec: AnsibleSpec, params: dict[str, Any]) -> str | None:
    """Why ftl-tui cannot run this module through Ansible's implementation, or None."""
    short = spec.name.rsplit(".", 1)[-1]
    plugin = f"the {short!r} action plugin"
    if refusal(spec) is not None:
        return refusal(spec)
    if controller_plugin(spec.path) in REMOTE_SRC_PASSES and not _truthy(params.get("remote_src")):
        return f"{spec.name} with a controller src needs the {controller_plugin(spec.path)!r} action plugin, which " \
            "ftl-tui does not implement; set remote_src=true"
    if short in ("assemble", "unarchive") and not _truthy(params.get("remote_src")) \
            and not (short == "unarchive" and params.get("copy") in (False, "no", "false")):
        return f"{spec.name} with a controller src needs {plugin}, which ftl-tui does not implement; set remote_src=true"
    if short == "uri" and params.get("src") and not _truthy(params.get("remote_src")):
        return f"{spec.name} with a controller src needs {plugin}, which ftl-tui does not implement; set remote_src=true"
    return None


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("yes", "true", "1", "on", "y")


# what Ansible's debug prints for a var no template can resolve (the playbook's debug says the same)
NOT_DEFINED = "VARIABLE IS NOT DEFINED!"
_DEBUG_ARGS = ("msg", "var", "verbosity")


def controller_action(executor: Executor, host: Host, short: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The result of an ad-hoc ``debug``/``set_fact`` on ``host`` (args already templated
    for it), or None for any other module. Shapes and words are Ansible 2.19's ad-hoc ones:
    ``{"msg": "hi"}``, ``{"greeting": "hi"}``, skipped under the verbosity, and for set_fact
    ``{"ansible_facts": {...}, "changed": false}`` (nothing keeps them after the run, as there)."""
    if short == "debug":
        return _debug(executor, host, params)
    if short == "set_fact":
        facts = {str(k): v for k, v in params.items() if k != "cacheable"}
        if not facts:
            return {"failed": True, "changed": False,
                    "msg": "No key/value pairs provided, at least one is required for this action to succeed"}
        return {"ansible_facts": facts, "changed": False}
    return None


def _debug(executor: Executor, host: Host, params: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(str(k) for k in params if k not in _DEBUG_ARGS)
    if unknown:
        return {"failed": True, "changed": False, "msg": f"Unsupported parameters for (debug) module: "
                f"{', '.join(unknown)}. Supported parameters include: {', '.join(_DEBUG_ARGS)}."}
    if "msg" in params and "var" in params:
        return {"failed": True, "changed": False, "msg": "parameters are mutually exclusive: msg|var"}
    try:
        verbosity = int(params.get("verbosity") or 0)
    except (TypeError, ValueError):
        given = params["verbosity"]
        return {"failed": True, "changed": False, "msg": f"argument 'verbosity' is of type {type(given).__name__} "
                f"and we were unable to convert to int: \"{given!r}\" cannot be converted to an int"}
    if executor.verbosity < verbosity:
        return {"changed": False, "skipped": True, "skipped_reason": "Verbosity threshold not met."}
    if "var" not in params:
        return {"msg": params.get("msg", "Hello world!")}
    name = params["var"]
    if not isinstance(name, str):  # a value, not a name (``-a '{"var": [1, 2]}'``): shown as it is
        return {str(name): name}
    try:
        value = render_string("{{ " + name + " }}", host_context(host, executor.inventory, executor.facts),
                              host=host.name, arg="var")
    except TemplateError:
        value = NOT_DEFINED
    if isinstance(value, Mapping) and not isinstance(value, dict):  # ``hostvars``: its hosts' vars, not a repr
        value = {k: value[k] for k in value}
    return {name: value}


async def run_ansible(executor: Executor, runner: Runner, host: Host, spec: AnsibleSpec, params: dict[str, Any],
                      check: bool, *, diff: bool = True, no_log: bool = False,
                      environment: dict[str, str] | None = None) -> dict[str, Any]:
    """Ansible's action for ``spec`` on ``host``: ``diff``/``no_log`` become ``_ansible_diff``/``_ansible_no_log``,
    ``environment`` the module process's environment. The result is not censored here: the
    executor censors what it emits and hands the real result only to a caller that asked."""
    done = controller_action(executor, host, spec.name.rsplit(".", 1)[-1], params)
    if done is not None:  # nothing to run on the host
        return done
    why = unsupported(spec, params)
    if why is not None:
        return {"failed": True, "changed": False, "msg": why}
    if not isinstance(runner, GateRunner):  # a runner without gates cannot run Ansible's modules
        return {"failed": True, "changed": False, "msg": f"{host.name}: {spec.name}: this connection has no gate "
                                                         "for Ansible modules"}
    gate = await runner.gate(host)
    short = spec.name.rsplit(".", 1)[-1]
    call = ModuleCall(gate, check, diff, no_log, executor.verbosity, environment)
    if spec.name in ("ansible.builtin.copy", "ansible.legacy.copy") and not _truthy(params.get("remote_src")):
        return await copy_action(call, spec, params, executor.base_dir)
    if spec.name in ("ansible.builtin.shell", "ansible.legacy.shell") or short == "shell" and spec.kind != "python":
        command = ansible_spec("ansible.builtin.command")
        if command is None:
            return {"failed": True, "changed": False, "msg": "ansible.builtin.command is not installed"}
        return await call.module(command, dict(params, _uses_shell=True))
    return await call.module(spec, params)


@dataclass(frozen=True)
class ModuleCall:
    """How one task runs its module(s): one gate, the run's check/diff/no_log/verbosity/environment."""

    gate: Any
    check: bool
    diff: bool
    no_log: bool
    verbosity: int
    environment: dict[str, str] | None = None

    async def module(self, spec: AnsibleSpec, params: dict[str, Any], *, check: bool | None = None,
                     diff: bool | None = None) -> dict[str, Any]:
        """Run ``spec`` as the task does; ``check``/``diff`` given: a helper call of an action
        (stat, slurp, mkdir), whose result the action reads, so it is never censored."""
        helper = check is not None or diff is not None
        return await run_on_gate(self.gate, spec, params, check=self.check if check is None else check,
                                 diff=self.diff if diff is None else diff, verbosity=self.verbosity,
                                 no_log=self.no_log and not helper, censor=False,
                                 environment=self.environment)
