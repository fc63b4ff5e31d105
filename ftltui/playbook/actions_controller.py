"""Actions that run on the controller, per host: debug, set_fact, assert, fail,
include_vars, pause, set_stats (wait_for_connection: actions_connection.py). Their results have the shape and messages of Ansible's action
plugins (``ansible-doc`` for each), so ``register`` and the output match.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from ftltui.errors import TemplateError
from ftltui.playbook.conditionals import ConditionalError, conditional
from ftltui.playbook.events import PauseEnded, PauseStarted, PlaybookWarning
from ftltui.playbook.pauses import (ABORTED, ABORTED_ACTION, ANSWERED, DEFAULT_PROMPT, NOT_INTERACTIVE, TIMED_OUT,
                                    PauseReply, PauseRequest)
from ftltui.playbook.playctx import PlayRun
from ftltui.playbook.scope import Scope, as_list

ActionFn = Callable[["ActionCall"], Awaitable[dict[str, Any]]]


class ActionCall:
    """One controller action on one host (one loop item)."""

    def __init__(self, pc: PlayRun, scope: Scope, host: str, args: dict[str, Any], templar: Any,
                 task_location: Any = None, task_label: str = "") -> None:
        self.pc, self.scope, self.host, self.args, self.templar = pc, scope, host, args, templar
        self.task_location = task_location  # named by errors (assert's broken conditionals)
        self.task_label = task_label  # the TASK [...] name (pause shows it above a prompt)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "true", "1", "on", "y")


async def debug(call: ActionCall) -> dict[str, Any]:
    args = call.templar.render(call.args)
    verbosity = int(args.get("verbosity", 0) or 0)
    if call.pc.options.verbosity < verbosity:
        return {"changed": False, "skipped": True, "skipped_reason": "Verbosity threshold not met."}
    if "var" in args:
        name = call.args["var"]
        try:
            value = call.templar.evaluate(name) if isinstance(name, str) else name
        except TemplateError:
            value = "VARIABLE IS NOT DEFINED!"
        return {"changed": False, str(name): value}
    return {"changed": False, "msg": args.get("msg", "Hello world!")}


async def set_fact(call: ActionCall) -> dict[str, Any]:
    """Host variables for the rest of the run (later plays too); ``cacheable`` also makes them
    facts (``ansible_facts.NAME``, cleared by ``meta: clear_facts``), as Ansible's default
    memory fact cache: ftl-tui keeps no fact cache beyond the run."""
    facts: dict[str, Any] = {}
    cacheable = False
    for key, value in call.args.items():
        if key == "cacheable":
            cacheable = _truthy(call.templar.render(value))
            continue
        facts[str(call.templar.render(key))] = call.templar.render(value)
    if not facts:
        return {"failed": True, "msg": "No key/value pairs provided, at least one is required for this action "
                                       "to succeed"}
    return {"changed": False, "ansible_facts": facts, "_ftl_fact_vars": True,
            **({"_ftl_fact_cacheable": True} if cacheable else {})}


async def assert_(call: ActionCall) -> dict[str, Any]:
    """Ansible's ``assert``: unless ``quiet``, its result (passed or failed) is always shown,
    indented (``_ansible_verbose_always``, as Ansible's action sets it; never registered)."""
    that = call.args.get("that")
    if that is None:
        return {"failed": True, "msg": "conditional required in \"that\" string"}
    shown = {"_ansible_verbose_always": not _truthy(call.templar.render(call.args.get("quiet", False)))}
    for cond in as_list(that):
        try:
            ok = conditional(call.templar, cond, call.task_location)
        except ConditionalError as exc:
            return {"failed": True, "changed": False, "msg": exc.message}
        if not ok:
            msg = call.args.get("fail_msg", call.args.get("msg"))
            return {"failed": True, "changed": False, "assertion": cond, "evaluated_to": False,
                    "msg": call.templar.render(msg) if msg is not None else "Assertion failed", **shown}
    msg = call.args.get("success_msg")
    return {"changed": False, "msg": call.templar.render(msg) if msg else "All assertions passed", **shown}


async def fail(call: ActionCall) -> dict[str, Any]:
    msg = call.templar.render(call.args.get("msg", "Failed as requested from task"))
    return {"failed": True, "changed": False, "msg": msg}


async def include_vars(call: ActionCall) -> dict[str, Any]:
    args = call.templar.render(call.args)
    source = args.get("file") or args.get("_raw_params") or args.get("dir")
    if not source:
        return {"failed": True, "msg": "include_vars: 'file' or 'dir' is required"}
    path = _vars_path(call, str(source), is_dir="dir" in args)
    files = sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml", ".json")) if path.is_dir() else [path]
    data: dict[str, Any] = {}
    for f in files:
        try:
            loaded = load_vars_file(f, getattr(call.pc.inventory, "vault", None))
        except OSError as exc:
            return {"failed": True, "msg": f"Could not find or access '{source}': {exc.strerror}"}
        if loaded is None:
            continue
        if not isinstance(loaded, dict):
            return {"failed": True, "msg": f"{f} must be stored as a dictionary/hash"}
        data.update(loaded)
    if args.get("name"):
        data = {str(args["name"]): data}
    return {"changed": False, "ansible_facts": data, "ansible_included_var_files": [str(f) for f in files],
            "_ftl_include_vars": True}


def load_vars_file(path: Path, vault: Any = None) -> Any:
    """A YAML or JSON vars file; vault-encrypted files and values decrypt with the run's keyring."""
    if path.suffix == ".json":
        return json.loads(path.read_text())
    from ftltui.playbook.loader_yaml import read_yaml

    return read_yaml(path, vault)


def _vars_path(call: ActionCall, source: str, *, is_dir: bool) -> Path:
    p = Path(source).expanduser()
    if p.is_absolute():
        return p
    sub = "vars"
    for use in reversed(call.scope.roles):
        for c in (use.role.path / sub / p, use.role.path / p):
            if c.exists():
                return c
    for c in (call.pc.base_dir / sub / p, call.pc.base_dir / p):
        if c.exists():
            return c
    return call.pc.base_dir / p


async def pause(call: ActionCall) -> dict[str, Any]:
    """Ansible's ``pause``: a timed pause (``seconds``/``minutes``) or a prompt. Who answers
    is the run's pauser (:mod:`ftltui.playbook.pauses`: the CLI's terminal, the console's
    job); with none, as ansible-playbook with stdin not a terminal: a timed pause sleeps,
    a prompt is not waited for. An abort fails the task (``user requested abort!``)."""
    args = call.templar.render(call.args)
    echo = _truthy(args.get("echo", True))
    custom = bool(args.get("prompt"))
    seconds: int | None = None
    minutes = args.get("minutes") not in (None, "")
    if minutes or args.get("seconds") not in (None, ""):
        raw = float(args["minutes"]) * 60 if minutes else float(args["seconds"])
        seconds = max(1, int(raw))  # as Ansible's pause: whole seconds, at least one
    start = time.time()
    out: dict[str, Any] = {"changed": False, "rc": 0, "stderr": "", "stdout": "",
                           "start": str(datetime.datetime.now()), "stop": None, "delta": None, "echo": echo}
    request = PauseRequest(call.task_label or "pause", call.host,
                           str(args["prompt"]) if custom else DEFAULT_PROMPT, seconds,
                           private=not echo, custom_prompt=custom)
    pauser = call.pc.options.pauser
    if seconds is not None or pauser is not None:  # the job's state while it waits (every face)
        call.pc.run.emit(PauseStarted(call.host, seconds or 0, hidden=not echo, hint=custom, task=request.task,
                                      prompt=request.prompt, private=request.private, timed=seconds is not None))
    if pauser is not None:
        try:
            reply = await pauser(request)
        except asyncio.CancelledError:
            call.pc.run.emit(PauseEnded(call.host, "cancelled"))
            raise
        call.pc.run.emit(PauseEnded(call.host, reply.action))
    elif seconds is not None:
        await asyncio.sleep(seconds)
        reply = PauseReply(TIMED_OUT)
    else:
        call.pc.run.emit(PlaybookWarning(NOT_INTERACTIVE))
        reply = PauseReply(ANSWERED, "")
    if reply.action == ABORTED_ACTION:
        return {"failed": True, "changed": False, "msg": ABORTED}
    duration = time.time() - start
    out["stop"], out["delta"] = str(datetime.datetime.now()), int(duration)
    unit = "seconds" if "seconds" in args and not minutes else "minutes"
    out["stdout"] = f"Paused for {round(duration if unit == 'seconds' else duration / 60.0, 2)} {unit}"
    out["user_input"] = reply.text if seconds is None else ""
    return out


async def set_stats(call: ActionCall) -> dict[str, Any]:
    """Ansible's ``set_stats``: the result carries ``ansible_stats`` (``data``, ``per_host``,
    ``aggregate``); ftl-tui prints no custom stats block (ansible-playbook prints one only
    with ``show_custom_stats``, off by default)."""
    args = call.templar.render(call.args)
    data = args.get("data", {})
    if not isinstance(data, dict):
        return {"failed": True, "changed": False, "msg": "The 'data' option needs to be a dictionary/hash"}
    for name in data:
        if not (isinstance(name, str) and name.isidentifier()):
            return {"failed": True, "changed": False,
                    "msg": f"The variable name '{name}' is not valid. Variables must start with a letter or "
                           "underscore character, and contain only letters, numbers and underscores."}
    return {"changed": False, "ansible_stats": {"data": data, "per_host": _truthy(args.get("per_host", False)),
                                                "aggregate": _truthy(args.get("aggregate", True))}}


def evaluate_condition(templar: Any, cond: Any) -> bool:
    """A ``when``/``that``/``changed_when`` condition: a bare expression (or a boolean)."""
    if isinstance(cond, bool):
        return cond
    if cond is None:
        return False
    if isinstance(cond, (int, float)):
        return bool(cond)
    text = str(cond).strip()
    if "{{" in text or "{%" in text:
        value = templar.render(text)
    else:
        value = templar.evaluate(text)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "yes", "on", "1", "y"):
            return True
        if low in ("false", "no", "off", "0", "n", ""):
            return False
    return bool(value)


def _actions() -> dict[str, ActionFn]:
    from ftltui.playbook.actions_inventory import add_host, group_by
    from ftltui.playbook.role_argspec import validate_argument_spec

    return {"debug": debug, "set_fact": set_fact, "assert": assert_, "fail": fail, "include_vars": include_vars,
            "pause": pause, "validate_argument_spec": validate_argument_spec, "add_host": add_host,
            "group_by": group_by, "set_stats": set_stats}


ACTIONS: dict[str, ActionFn] = _actions()
