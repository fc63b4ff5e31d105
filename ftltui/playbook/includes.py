"""``include_tasks`` and ``include_role``: read at run time, per host.

The file (or role) name, ``when`` and the loop are evaluated for each host; hosts that
include the same file with the same variables run it together, in the order the
includes were first seen (Ansible's "included: FILE for host1, host2"). The include's
``vars`` and loop variable reach the included tasks; its other keywords reach them only
through ``apply``, as documented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.errors import FtlError
from ftltui.playbook.actions_controller import evaluate_condition
from ftltui.playbook.events import Included
from ftltui.playbook.handlers import add_handlers
from ftltui.playbook.loops import item_vars, loop_items, loop_keyword
from ftltui.playbook.model import RoleUse, Task, builtin_name
from ftltui.playbook.scope import Scope, as_list
from ftltui.playbook.task_exec import HostOutcome, TaskRun, count

if TYPE_CHECKING:
    from ftltui.playbook.strategy import Strategy


@dataclass
class _Inclusion:
    target: str  # the file path, or the role name
    args: dict[str, Any]
    local_vars: dict[str, Any]
    hosts: list[str] = field(default_factory=list)


async def run_include(strategy: Strategy, task: Task, scope: Scope, hosts: list[str]) -> None:
    pc = strategy.pc
    action = builtin_name(task.action)
    tid = pc.run.new_task_id()
    tr = TaskRun(pc, task, scope, tid)
    inclusions: list[_Inclusion] = []
    for host in hosts:
        try:
            found_any = False
            for target, args, local in _host_inclusions(tr, host, action):
                found_any = True
                pc.run.count(host, "ok")  # ansible-playbook counts each inclusion as ok
                found = next((i for i in inclusions if i.target == target and i.args == args
                              and i.local_vars == local), None)
                if found is None:
                    found = _Inclusion(target, args, local)
                    inclusions.append(found)
                found.hosts.append(host)
            if not found_any:
                pc.run.count(host, "skipped")
        except FtlError as exc:
            outcome = HostOutcome(host, "failed", {"failed": True, "msg": exc.message})
            tr.conclude(host, outcome.result, None)
            count(pc, outcome)
            strategy._after(tr, outcome)
    for inc in inclusions:
        live = pc.active(inc.hosts)
        if not live:
            continue
        pc.run.emit(Included(pc.index, tid, inc.target, tuple(live)))
        inner = scope.enter({**_apply(inc.args), "vars": inc.local_vars})
        try:
            if action in ("include_role", "import_role"):
                use = _load_role(pc, task, inc)
                add_handlers(pc, use.role.handlers, inner.enter({}, role=use))
                await strategy.run_role(use, inner, live, once=False)
            else:
                items = _load_tasks(pc, inc.target, scope)
                await strategy.run_items(items, inner, live)
        except FtlError as exc:
            for host in live:
                outcome = HostOutcome(host, "failed", {"failed": True, "msg": exc.message})
                tr.conclude(host, outcome.result, None)
                count(pc, outcome)
                strategy._after(tr, outcome)


def _host_inclusions(tr: TaskRun, host: str, action: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    templar, _ = tr.templar_for(host)
    kind = loop_keyword(tr.kw)
    runs: list[dict[str, Any]] = [{}]
    if kind is not None:
        items = loop_items(kind, tr.kw[kind], templar, [str(tr.pc.base_dir)])
        control = templar.render(tr.kw.get("loop_control") or {})
        runs = [item_vars(items, i, control) for i in range(len(items))]
    out = []
    for extra in runs:
        t = templar.with_vars(extra) if extra else templar
        if not all(evaluate_condition(t, c) for c in list(tr.scope.whens) + as_list(tr.kw.get("when"))):
            continue
        args = {k: t.render(v) for k, v in tr.task.args.items() if k != "apply"}
        args["apply"] = tr.task.args.get("apply") or {}
        own = t.render(tr.kw.get("vars") or {})
        if action in ("include_role", "import_role"):
            target = str(args.get("name") or args.get("_raw_params") or "")
        else:
            target = str(args.get("file") or args.get("_raw_params") or "")
        if not target:
            raise FtlError(f"{action}: no file or role name given", tr.task.location)
        out.append((target, args, {**own, **extra}))
    return out


def _apply(args: dict[str, Any]) -> dict[str, Any]:
    apply = args.get("apply") or {}
    return {k: v for k, v in apply.items() if k != "vars"} | ({"vars": apply["vars"]} if "vars" in apply else {})


def _load_tasks(pc: Any, target: str, scope: Scope) -> list[Any]:
    from ftltui.playbook.loader import load_task_file

    role = scope.role
    path = Path(target).expanduser()
    candidates = [path] if path.is_absolute() else (
        ([role.path / "tasks" / path, role.path / path] if role is not None else []) + [pc.base_dir / path])
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise FtlError(f"Could not find or access '{target}' (looked in "
                       f"{', '.join(str(c.parent) for c in candidates)})")
    return load_task_file(found, role=role, play_dir=pc.base_dir, vault=getattr(pc.inventory, "vault", None))


def _load_role(pc: Any, task: Task, inc: _Inclusion) -> RoleUse:
    from ftltui.playbook.loader import load_role

    args = inc.args
    kwargs = {k: str(args[k]) for k in ("tasks_from", "vars_from", "defaults_from", "handlers_from") if args.get(k)}
    role = load_role(inc.target, play_dir=pc.base_dir, vault=getattr(pc.inventory, "vault", None),
                     **kwargs)
    return RoleUse(role, task.location, params={}, keywords={})
