"""``include_tasks`` and ``include_role``: read at run time, per host.

The file (or role) name, ``when`` and the loop are evaluated for each host; hosts that
include the same file with the same variables run it together, in the order the
includes were first seen (Ansible's "included: /ABS/FILE for host1, host2 => (item=..)"). The include's
``vars`` and loop variable reach the included tasks; its other keywords reach them only
through ``apply``, as documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftltui.errors import FtlError
from ftltui.playbook.conditionals import ConditionalError, first_false
from ftltui.playbook.events import Included, ItemResult, TaskStarted
from ftltui.playbook.handlers import add_handlers
from ftltui.playbook.loops import (
    item_label,
    item_vars,
    loop_control,
    loop_items,
    loop_keyword,
)
from ftltui.playbook.model import RoleUse, Task, builtin_name
from ftltui.playbook.results import loop_result, skipped_result
from ftltui.playbook.scope import Scope, as_list
from ftltui.playbook.task_exec import HostOutcome, TaskRun, count
from ftltui.playbook.task_name import banner_task

if TYPE_CHECKING:
    from ftltui.playbook.strategy import Strategy


@dataclass
class _Inclusion:
    target: str  # the file path, or the role name
    args: dict[str, Any]
    local_vars: dict[str, Any]
    label: Any = None  # the loop item's label, shown as "=> (item=...)"; None outside a loop
    hosts: list[str] = field(default_factory=list)
    path: Path | None = None  # include_tasks: the file found, shown absolute as Ansible does


async def run_include(strategy: Strategy, task: Task, scope: Scope, hosts: list[str]) -> None:
    """The include's own TASK banner and per-host result (skipped, failed, or ok: counted
    once per item included), then every ``included: ...`` line, then each inclusion's tasks
    in turn: ansible-playbook's order."""
    pc = strategy.pc
    action = builtin_name(task.action)
    tid = pc.run.new_task_id()
    tr = TaskRun(pc, task, scope, tid)
    pc.run.emit(TaskStarted(pc.index, tid, _banner_label(banner_task(tr, hosts), action), task.action,
                            str(task.location)))
    inclusions: list[_Inclusion] = []
    for host in hosts:
        try:
            mine, skipped = _host_inclusions(tr, host, action)
        except FtlError as exc:
            _fail(strategy, tr, host, exc)
            continue
        for found in mine:
            same = next((i for i in inclusions if (i.target, i.args, i.local_vars, i.label)
                         == (found.target, found.args, found.local_vars, found.label)), None)
            if same is None:
                inclusions.append(found)
                same = found
            same.hosts.append(host)
        outcome = HostOutcome(host, "ok", {"changed": False}) if mine else \
            HostOutcome(host, "skipped", skipped[0] if len(skipped) == 1 and "item" not in skipped[0]
                        else loop_result(skipped))
        tr.conclude(host, outcome.result, None)
        for _ in range(max(1, len(mine))):  # ansible-playbook counts each item included as ok
            count(pc, outcome)
    for inc in list(inclusions):
        if action == "include_tasks" and pc.active(inc.hosts):
            try:
                inc.path = _find_tasks(pc, inc.target, scope)
            except FtlError as exc:
                inclusions.remove(inc)
                for host in pc.active(inc.hosts):
                    _fail(strategy, tr, host, exc)
    for inc in inclusions:
        live = pc.active(inc.hosts)
        if live:
            shown = str(inc.path) if inc.path is not None else inc.target
            label = None if inc.label is None else _text(inc.label)
            pc.run.emit(Included(pc.index, tid, shown, tuple(live), label))
    for inc in inclusions:
        live = pc.active(inc.hosts)
        if not live:
            continue
        applied = _apply(inc.args)  # apply's vars are the block's; the include's own vars win over them
        inner = scope.enter({**applied, "vars": {**(applied.get("vars") or {}), **inc.local_vars}})
        try:
            if action in ("include_role", "import_role"):
                use = _load_role(pc, task, inc, scope)
                add_handlers(pc, use.role.handlers, inner.enter({}, role=use))
                await strategy.run_role(use, inner, live, once=False)
            else:
                assert inc.path is not None
                items = _load_tasks(pc, inc.path, scope)
                await strategy.run_items(items, inner, live)
        except FtlError as exc:
            for host in live:
                _fail(strategy, tr, host, exc)


def _fail(strategy: Strategy, tr: TaskRun, host: str, exc: FtlError) -> None:
    """The include failed on ``host`` (``ignore_errors`` applies, as in Ansible)."""
    try:
        templar = tr.templar_for(host)[0]
    except FtlError:
        templar = None
    outcome = tr.conclude(host, {"failed": True, "changed": False, "msg": exc.message}, templar)
    count(strategy.pc, outcome)
    strategy._after(tr, outcome)


def _banner_label(task: Task, action: str) -> str:
    """``TASK [include_role : NAME]`` for an unnamed include_role, as ansible-playbook prints it;
    an include_role's banner never has the including role's ``ROLE : `` prefix (named or not)."""
    if action != "include_role":
        return task.label
    if task.name:
        return task.name
    args = task.args
    name = args.get("name") or args.get("_raw_params")
    return f"{task.action} : {name}" if name else task.action


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _host_inclusions(tr: TaskRun, host: str, action: str) -> tuple[list[_Inclusion], list[dict[str, Any]]]:
    """What ``host`` includes (one inclusion per loop item whose ``when`` holds) and the
    skipped results (reported as ``skipping: [host] => (item=...)`` lines)."""
    templar, _ = tr.templar_for(host)
    kind = loop_keyword(tr.kw)
    runs: list[tuple[dict[str, Any], Any]] = [({}, None)]
    raw_control = tr.kw.get("loop_control")
    if kind is not None:
        items = loop_items(kind, tr.kw[kind], templar, [str(tr.pc.base_dir)])
        control = loop_control(templar, raw_control)
        runs = [(item_vars(items, i, control), items[i]) for i in range(len(items))]
    out: list[_Inclusion] = []
    skipped: list[dict[str, Any]] = []
    for extra, item in runs:
        t = templar.with_vars(extra) if extra else templar
        try:
            false_cond = first_false(t, list(tr.scope.whens) + as_list(tr.kw.get("when")), tr.task.location)
        except ConditionalError as exc:
            raise FtlError(exc.message) from None
        label = item_label(t, raw_control, item) if extra else None
        if false_cond is not None:
            res = skipped_result(false_cond)
            if extra:
                res = dict(res, item=item)
                tr.pc.run.emit(ItemResult(tr.pc.index, tr.task_id, host, "skipped", _text(label), res))
            skipped.append(res)
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
        out.append(_Inclusion(target, args, {**own, **extra}, label))
    return out, skipped


def _apply(args: dict[str, Any]) -> dict[str, Any]:
    apply = args.get("apply") or {}
    return {k: v for k, v in apply.items() if k != "vars"} | ({"vars": apply["vars"]} if "vars" in apply else {})


def _find_tasks(pc: Any, target: str, scope: Scope) -> Path:
    """The tasks file ``target`` names: beside the role's tasks, in the role, then in the
    playbook's directory; absolute, as ``included:`` shows it."""
    role = scope.role
    path = Path(target).expanduser()
    candidates = [path] if path.is_absolute() else (
        ([role.path / "tasks" / path, role.path / path] if role is not None else []) + [pc.base_dir / path])
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        raise FtlError(f"Could not find or access '{target}' (looked in "
                       f"{', '.join(str(c.parent) for c in candidates)})")
    return Path(os.path.normpath(found.absolute()))


def _load_tasks(pc: Any, path: Path, scope: Scope) -> list[Any]:
    from ftltui.playbook.loader import load_task_file

    return load_task_file(path, role=scope.role, play_dir=pc.base_dir, vault=getattr(pc.inventory, "vault", None))


def _load_role(pc: Any, task: Task, inc: _Inclusion, scope: Scope) -> RoleUse:
    """The role found as ``roles:``/``import_role`` find one: ``roles/`` beside the playbook,
    ``roles_path``, the playbook's directory, collections by FQCN, the play's
    ``collections:``, and first the collection of the role doing the including."""
    from ftltui.playbook.loader import load_role

    args = inc.args
    entry = {k: str(args[k]) if args.get(k) else "main"
             for k in ("tasks_from", "vars_from", "defaults_from", "handlers_from")}
    play = pc.play
    colls = play.keywords.get("collections") or []
    role = load_role(inc.target, play_dir=pc.base_dir, vault=getattr(pc.inventory, "vault", None),
                     roles_path=play.roles_path, collections_paths=play.collections_paths,
                     collections=[str(c) for c in colls] if isinstance(colls, list) else [str(colls)],
                     parent=scope.role, tasks_from=entry["tasks_from"], vars_from=entry["vars_from"],
                     defaults_from=entry["defaults_from"], handlers_from=entry["handlers_from"])
    return RoleUse(role, task.location, params={}, keywords={})
